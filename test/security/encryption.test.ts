/**
 * Issue 13 §1 (encryption) and §3's first bullet (read the input once): each test replays
 * the review's repro against the built CLI and checks it now fails safely or gives the
 * right result. Byte rules: docs/formats.md §1.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBase58, encodeBase58 } from '../../src/codec/base58.js';
import { crypto } from '../../src/crypto/index.js';
import { decodeMTreeAnn, encodeMTreeAnn, type MTreeAnn } from '../../src/tree/annotation.js';
import {
  StoreNonceBuilder,
  decodeSmallEncryptedBlock,
  encodeShortMetadata,
  encodeSmallEncryptedBlock,
  treeCipher,
} from '../../src/tree/encrypt.js';
import { encodeMTree } from '../../src/tree/node.js';
import { openGroupKey } from '../../src/groupkey/open.js';
import { parseGroupKeyFile } from '../../src/groupkey/file.js';
import { readKeyringFile } from '../../src/keyring/load.js';
import { xorshiftBytes } from '../helpers/bytes.js';
import { expectOneError, runCli, useTempDir } from '../helpers/cli.js';
import { BIN, hbs2Env, putBlock, snapshotDir } from '../helpers/hostile.js';

const dir = useTempDir();
const hbs2 = (args: string[], opts: Parameters<typeof runCli>[2] = {}) => runCli(dir(), args, opts);
function ok(args: string[]): string {
  const r = hbs2(args);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}
const file = (n: string) => path.join(dir(), n);
const storeDir = () => file('store');
const blockPath = (name: string) => path.join(storeDir(), 'blocks', name[0]!, name.slice(1));
const readBlock = (name: string) => new Uint8Array(fs.readFileSync(blockPath(name)));
const annOf = (root: string): MTreeAnn => decodeMTreeAnn(readBlock(root));
const b58 = encodeBase58;
const catBytes = (root: string) => runCli(dir(), ['cat', '-k', 'A.key', root], { bytes: true });

interface Description {
  metadata: { text: string | null };
  encryption: { method: string };
  warnings?: string[];
}
const describeJson = (root: string): Description =>
  JSON.parse(ok(['cat', '--metadata', '--json', '-k', 'A.key', root])) as Description;

/** The nonce stored in the metadata block of the tree `root`. */
function metadataNonceOf(root: string): string {
  const ann = annOf(root);
  if (ann.meta.kind !== 'ref') throw new Error('no metadata block');
  return Buffer.from(decodeSmallEncryptedBlock(readBlock(b58(ann.meta.hash))).nonceS).toString(
    'hex',
  );
}

const data = Buffer.from(xorshiftBytes(3 * 262_144 + 1000, 13));

beforeAll(() => {
  // The simple layout (blocks/ decides; new stores are NCQ3): the tests read block files.
  fs.mkdirSync(path.join(file('store'), 'blocks'), { recursive: true });
  ok(['keyring', 'new', '-o', 'A.key']);
  fs.writeFileSync(file('team'), ok(['keyring', 'pubs', 'A.key']) + '\n');
  ok(['groupkey-new', 'team', '-o', 'team.gk']);
  ok(['groupkey-new', 'team', '-o', 'other.gk']);
  fs.writeFileSync(file('f1.bin'), data);
  fs.copyFileSync(file('f1.bin'), file('copy.bin'));
}, 60_000);

describe('metadata nonce reuse (review §1, high)', () => {
  it('one file stored twice with --auto-meta under two names: two different nonces', () => {
    const r1 = ok(['store', '-g', 'team.gk', '-k', 'A.key', '--auto-meta', 'f1.bin']);
    const r2 = ok(['store', '-g', 'team.gk', '-k', 'A.key', '--auto-meta', 'copy.bin']);
    // Same content and secret: the data blocks are shared (members deduplicate)…
    expect(ok(['cat', '-H', r1])).toBe(ok(['cat', '-H', r2]));
    // …but the two metadata texts never share key and nonce.
    expect(metadataNonceOf(r1)).not.toBe(metadataNonceOf(r2));
    expect(describeJson(r1).metadata.text).toContain('file-name: "f1.bin"');
    expect(describeJson(r2).metadata.text).toContain('file-name: "copy.bin"');
  });

  it('two --meta texts: different nonces; the same text: the same block', () => {
    const store = (meta: string) =>
      ok(['store', '-g', 'team.gk', '-k', 'A.key', '--meta', meta, 'f1.bin']);
    const [a, b, a2] = [store('first'), store('second'), store('first')];
    expect(metadataNonceOf(a)).not.toBe(metadataNonceOf(b));
    expect(a2).toBe(a);
  });

  it('the metadata nonce is not the public hash of its text (a guess cannot be confirmed)', () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', '--meta', 'guess me', 'f1.bin']);
    const guess = crypto().blake2b256(encodeShortMetadata('guess me'));
    expect(metadataNonceOf(root)).not.toBe(Buffer.from(guess).toString('hex'));
  });
});

describe('the default writer: method 2 with keyed nonces', () => {
  it('cat --metadata --json of a new store -g tree shows group-symm-2, options (0, 0)', () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', 'f1.bin']);
    expect(describeJson(root).encryption.method).toBe('group-symm-2');
    const crypt = annOf(root).crypt;
    expect(crypt.kind === 'symm2' && crypt.opts).toEqual({ a: 0n, b: 0n });
    expect(catBytes(root).stdout.equals(data)).toBe(true);
  });

  it('the tree nonce is keyed: no public rule of hbs2 gives it, another secret changes it', () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', 'f1.bin']);
    const crypt = annOf(root).crypt;
    if (crypt.kind !== 'symm2') throw new Error('expected method 2');
    const nonce = b58(crypt.nonce);
    const sip = new StoreNonceBuilder();
    for (let off = 0; off < data.length; off += 262_144)
      sip.addChunk(data.subarray(off, off + 262_144));
    const publicRules = [
      crypto().blake2b256(data.subarray(0, 1 << 20)), // hbs2-core/hbs2-cli: H(first MiB)
      sip.finish(), // hbs2 0.24 store -g
      crypto().blake2b256(data),
    ].map(b58);
    expect(publicRules).not.toContain(nonce);
    // Deterministic for members (same file, same secret → same root)…
    expect(ok(['store', '-g', 'team.gk', '-k', 'A.key', 'copy.bin'])).toBe(root);
    // …and another secret over the same members gives another nonce and other blocks.
    const other = ok(['store', '-g', 'other.gk', '-k', 'A.key', 'f1.bin']);
    const otherCrypt = annOf(other).crypt;
    expect(otherCrypt.kind === 'symm2' && b58(otherCrypt.nonce)).not.toBe(nonce);
  });

  it('--method 1 writes hbs2 0.24 store -g trees (SipHash nonce), and --method 3 is a usage error', () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', '--method', '1', 'f1.bin']);
    const crypt = annOf(root).crypt;
    expect(crypt.kind).toBe('symm1');
    const sip = new StoreNonceBuilder();
    for (let off = 0; off < data.length; off += 262_144)
      sip.addChunk(data.subarray(off, off + 262_144));
    expect(crypt.kind === 'symm1' && b58(crypt.nonce)).toBe(b58(sip.finish()));
    expect(catBytes(root).stdout.equals(data)).toBe(true);
    expect(hbs2(['store', '--help']).stdout).toMatch(/confirm a guess/);
    expectOneError(hbs2(['store', '-g', 'team.gk', '-k', 'A.key', '--method', '3', 'f1.bin']), 2, {
      text: '--method',
      emptyStdout: true,
    });
  });
});

describe('members detect substitution (method 2)', () => {
  /** Stores a new annotation over `ann` with the data leaf `hashes`; returns its root. */
  function withLeaf(ann: MTreeAnn, hashes: Uint8Array[]): string {
    const tree = { type: 'leaf' as const, hashes };
    putBlock(storeDir(), encodeMTree(tree));
    return putBlock(storeDir(), encodeMTreeAnn({ ...ann, tree }));
  }

  it('reordered, duplicated or spliced blocks: exit 4 naming the block, nothing after it', () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', 'f1.bin']);
    const ann = annOf(root);
    if (ann.tree.type !== 'leaf') throw new Error('expected one leaf');
    const [h1, h2, h3, h4] = ann.tree.hashes as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    fs.writeFileSync(file('g.bin'), xorshiftBytes(3 * 262_144, 99));
    const other = annOf(ok(['store', '-g', 'team.gk', '-k', 'A.key', 'g.bin']));
    if (other.tree.type !== 'leaf') throw new Error('expected one leaf');
    const g2 = other.tree.hashes[1]!;
    const cases: [string, Uint8Array[], number][] = [
      ['reordered', [h1, h3, h2, h4], 1],
      ['duplicated', [h1, h2, h2, h4], 2],
      ['spliced', [h1, g2, h3, h4], 1],
    ];
    for (const [what, hashes, badIndex] of cases) {
      const r = catBytes(withLeaf(ann, hashes));
      expectOneError(r, 4, { text: `data block ${badIndex + 1} (${b58(hashes[badIndex]!)})` });
      // A block from another tree under the same secret has another key0: its MAC fails.
      expect(r.stderr, what).toMatch(/nonce does not match|MAC does not verify/);
      // Only the blocks before the bad one were written.
      expect(r.stdout.length, what).toBe(badIndex * 262_144);
    }
  });

  it('the pooled reader (big trees) detects it too', () => {
    const big = Buffer.from(xorshiftBytes(12 * 262_144, 5));
    fs.writeFileSync(file('big.bin'), big);
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', 'big.bin']);
    const ann = annOf(root);
    if (ann.tree.type !== 'leaf') throw new Error('expected one leaf');
    const hashes = [...ann.tree.hashes];
    [hashes[6], hashes[7]] = [hashes[7]!, hashes[6]!];
    const r = catBytes(withLeaf(ann, hashes));
    expectOneError(r, 4, { text: `data block 7 (${b58(hashes[6]!)})` });
    expect(r.stdout.equals(big.subarray(0, 6 * 262_144))).toBe(true);
  });
});

describe('metadata the group secret does not vouch for', () => {
  it('a metadata block whose nonce no writer gives its text is only a warning', async () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', '--meta', 'real', 'f1.bin']);
    const ann = annOf(root);
    if (ann.meta.kind !== 'ref') throw new Error('expected a metadata block');
    const real = decodeSmallEncryptedBlock(readBlock(b58(ann.meta.hash)));
    // A member (who holds the secret) seals other text under an arbitrary nonce.
    const keyring = (await readKeyringFile(file('A.key'))).keyring;
    const gk = parseGroupKeyFile(fs.readFileSync(file('team.gk')));
    const { secret } = openGroupKey(gk, [{ keyring }]);
    const nonce = new Uint8Array(32).fill(7);
    const t = treeCipher(secret, nonce);
    const box = crypto().secretbox(encodeShortMetadata('planted'), t.nonce0, t.key0);
    const planted = putBlock(
      storeDir(),
      encodeSmallEncryptedBlock({ groupKeyHash: real.groupKeyHash, nonceS: nonce, box }),
    );
    const forged = putBlock(
      storeDir(),
      encodeMTreeAnn({ ...ann, meta: { kind: 'ref', hash: decodeBase58(planted) } }),
    );
    const d = describeJson(forged);
    expect(d.metadata.text).toBeNull();
    expect(d.warnings?.join('\n')).toMatch(/nonce is not one a writer gives its text.*planted/);
    expectOneError(hbs2(['metadata', 'dump', '-k', 'A.key', forged]), 4, { emptyStdout: true });
    // The real tree has no warning and its own text.
    expect(describeJson(root)).toMatchObject({ metadata: { text: 'real' } });
    expect(describeJson(root).warnings).toBeUndefined();
  });

  it('clear-text metadata inside an encrypted tree is only a warning', () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', 'f1.bin']);
    const ann = annOf(root);
    const clear = putBlock(
      storeDir(),
      encodeMTreeAnn({ ...ann, meta: { kind: 'short', text: 'fake' } }),
    );
    const d = describeJson(clear);
    expect(d.metadata.text).toBeNull();
    expect(d.warnings?.join('\n')).toMatch(/clear-text metadata in an encrypted tree.*fake/);
    expectOneError(hbs2(['metadata', 'dump', '-k', 'A.key', clear]), 4, { emptyStdout: true });
  });
});

describe('found by the second review of this change', () => {
  it('a metadata block moved from another tree is foreign there (bound to its tree nonce)', () => {
    const big = ok(['store', '-g', 'team.gk', '-k', 'A.key', '--meta', 'big name', 'f1.bin']);
    fs.writeFileSync(file('small.bin'), 'small file');
    const small = ok([
      'store',
      '-g',
      'team.gk',
      '-k',
      'A.key',
      '--meta',
      'small name',
      'small.bin',
    ]);
    const smallAnn = annOf(small);
    const moved = putBlock(storeDir(), encodeMTreeAnn({ ...annOf(big), meta: smallAnn.meta }));
    const d = describeJson(moved);
    expect(d.metadata.text).toBeNull();
    expect(d.warnings?.join('\n')).toMatch(/not one a writer gives its text.*small name/);
    // rotate to a new secret refuses to vouch for it (or for clear text) under the new key.
    ok(['groupkey-new', 'team', '-o', 'team2.gk']);
    const clear = putBlock(
      storeDir(),
      encodeMTreeAnn({ ...annOf(big), meta: { kind: 'short', text: 'evil.txt' } }),
    );
    for (const root of [moved, clear])
      expectOneError(hbs2(['rotate', root, '-g', 'team2.gk', '-k', 'A.key']), 4, {
        text: 'not re-encrypting it',
        emptyStdout: true,
      });
    // The honest tree rotates, metadata and all.
    const rotated = ok(['rotate', big, '-g', 'team2.gk', '-k', 'A.key']);
    expect(describeJson(rotated).metadata.text).toBe('big name');
  });

  it('a metadata block that does not open: a warning, and the data still proves the key', () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', 'f1.bin']);
    const plainBlock = putBlock(storeDir(), new TextEncoder().encode('file-name: "x"'));
    const bad = putBlock(
      storeDir(),
      encodeMTreeAnn({ ...annOf(root), meta: { kind: 'ref', hash: decodeBase58(plainBlock) } }),
    );
    const d = JSON.parse(ok(['cat', '--metadata', '--json', '-k', 'A.key', bad])) as Description & {
      encryption: { canDecrypt: boolean };
    };
    expect(d.encryption.canDecrypt).toBe(true);
    expect(d.metadata.text).toBeNull();
    expect(d.warnings?.join('\n')).toMatch(/does not open with the tree's group secret/);
  });

  it('a malformed method-2 block is exit 4 naming it, in the pooled reader as inline', () => {
    const big = Buffer.from(xorshiftBytes(12 * 262_144, 6));
    fs.writeFileSync(file('big6.bin'), big);
    const small = Buffer.from(xorshiftBytes(2 * 262_144, 7));
    fs.writeFileSync(file('small7.bin'), small);
    for (const f of ['big6.bin', 'small7.bin']) {
      const ann = annOf(ok(['store', '-g', 'team.gk', '-k', 'A.key', f]));
      if (ann.tree.type !== 'leaf') throw new Error('expected one leaf');
      const garbage = putBlock(storeDir(), new TextEncoder().encode('not a method 2 block'));
      const hashes = [...ann.tree.hashes];
      hashes[1] = decodeBase58(garbage);
      const tree = { type: 'leaf' as const, hashes };
      putBlock(storeDir(), encodeMTree(tree));
      const root = putBlock(storeDir(), encodeMTreeAnn({ ...ann, tree }));
      expectOneError(catBytes(root), 4, { text: `data block 2 (${garbage})` });
    }
  });

  it('--auto-meta of a pipe is a usage error before anything is read', () => {
    const env = hbs2Env(dir(), storeDir());
    const r = spawnSync(
      'bash',
      ['-c', `node ${JSON.stringify(BIN)} store -g team.gk -k A.key --auto-meta <(cat f1.bin)`],
      { cwd: dir(), env, encoding: 'utf8' },
    );
    expectOneError(r, 2, { text: '--auto-meta needs a regular file', emptyStdout: true });
  });

  it('a /proc file (size 0, not empty) is read once and stored whole', () => {
    const root = ok(['store', '-g', 'team.gk', '-k', 'A.key', '/proc/self/mounts']);
    expect(catBytes(root).stdout.length).toBeGreaterThan(0);
  });

  it('--method and --random-nonce without -g are usage errors', () => {
    expectOneError(hbs2(['store', '--method', '1', 'f1.bin']), 2, { text: '--method' });
    expectOneError(hbs2(['store', '--random-nonce', 'f1.bin']), 2, { text: '--random-nonce' });
  });
});

describe('store -g reads its input once (review §3)', () => {
  it('<(cat f) stores the content, not an empty tree', () => {
    const env = hbs2Env(dir(), storeDir());
    const r = spawnSync(
      'bash',
      ['-c', `node ${JSON.stringify(BIN)} store -g team.gk -k A.key <(cat f1.bin)`],
      { cwd: dir(), env, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const root = r.stdout.trim();
    expect(catBytes(root).stdout.equals(data)).toBe(true);
  });

  it('a FIFO is read once and stored whole', async () => {
    const fifo = file('in.fifo');
    spawnSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat f1.bin > in.fifo`], { cwd: dir() });
    const r = hbs2(['store', '-g', 'team.gk', '-k', 'A.key', 'in.fifo']);
    await new Promise((resolve) => writer.on('exit', resolve));
    expect(r.status, r.stderr).toBe(0);
    expect(catBytes(r.stdout.trim()).stdout.equals(data)).toBe(true);
  });

  it('a file that changes between the passes: exit 4, no root printed, input untouched', async () => {
    const victim = file('changing.bin');
    fs.writeFileSync(victim, xorshiftBytes(8 * 262_144, 3));
    // Rewrites the first chunk with new random bytes, over and over, in place.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs'),c=require('crypto');const fd=fs.openSync(process.argv[1],'r+');` +
          `process.stdout.write('go\\n');for(;;){fs.writeSync(fd,c.randomBytes(262144),0,262144,0)}`,
        victim,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => writer.stdout.once('data', resolve));
    try {
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          const child = spawn(
            process.execPath,
            [BIN, 'store', '--no-progress', '-g', 'team.gk', '-k', 'A.key', victim],
            { cwd: dir(), env: hbs2Env(dir(), storeDir()) },
          );
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('exit', (status) => resolve({ status, stdout, stderr }));
        },
      );
      expectOneError(r, 4, { text: 'changed while it was being stored', emptyStdout: true });
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('nothing on disk but the store changes when a store -g fails', () => {
    const before = snapshotDir(dir());
    const r = hbs2(['store', '-g', 'team.gk', '-k', 'nokey.key', 'f1.bin']);
    expect(r.status).not.toBe(0);
    const after = snapshotDir(dir());
    expect([...after.keys()].filter((k) => !before.has(k) && !k.startsWith('store'))).toEqual([]);
  });
});
