/**
 * Issue 13 §4, "Hostile stores: bounded time and memory". Each test replays an attack on
 * the built CLI (`npx tsc -p tsconfig.build.json` first) and checks that it now ends
 * cleanly: the documented exit code, one `hbs2: error:` line, nothing changed on disk; or
 * the right result within the run's hard timeout (a run that never ends is killed and
 * fails). Memory is checked through the child's own peak RSS, with wide margins; nothing
 * here asserts on time.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBase58, encodeBase58, MAX_BASE58_CHARS } from '../../src/codec/base58.js';
import { CREDENTIALS_HEADER, GROUPKEY_V2_HEADER } from '../../src/codec/armor.js';
import { crypto } from '../../src/crypto/index.js';
import { FormatError } from '../../src/errors.js';
import { MAX_BLOCK_SIZE, MAX_METADATA_TEXT_BYTES } from '../../src/store/limits.js';
import { formatKeyringFile, generateKeyring } from '../../src/keyring/index.js';
import { encodeMTreeAnn } from '../../src/tree/annotation.js';
import { encodeMTree } from '../../src/tree/node.js';
import { expectOneError, runCli, useTempDir } from '../helpers/cli.js';
import {
  BIN,
  RUN_TIMEOUT_MS,
  diffSnapshots,
  hbs2Env,
  putBlock,
  runHbs2,
  snapshotDir,
  type Run,
} from '../helpers/hostile.js';

const dir = useTempDir();

/** A fresh store directory of its own for one test. */
function newStore(name: string): string {
  const store = path.join(dir(), name);
  fs.mkdirSync(store, { recursive: true });
  return store;
}

/** Puts `bytes` into `store` under their hash; returns the raw hash. */
function put(store: string, bytes: Uint8Array): Uint8Array {
  return decodeBase58(putBlock(store, bytes));
}

/** Runs the CLI on `store` (async, killed after the hostile-suite timeout). */
function hbs2(store: string, args: string[]): Promise<Run> {
  return runHbs2(args, { cwd: dir(), env: hbs2Env(dir(), store) });
}

/**
 * The five-block store of the issue: `nodeLevels` nodes whose 256 children are all the
 * node below, over one leaf listing the one data block 1024 times.
 */
function sharedTree(store: string, nodeLevels: number, dataBytes: number) {
  const data = put(store, new Uint8Array(dataBytes).fill(0x41));
  const blocks = [data];
  let top = put(store, encodeMTree({ type: 'leaf', hashes: Array<Uint8Array>(1024).fill(data) }));
  blocks.push(top);
  for (let height = 1; height <= nodeLevels; height++) {
    top = put(store, encodeMTree({ type: 'node', height, children: Array(256).fill(top) }));
    blocks.push(top);
  }
  return { root: encodeBase58(top), names: blocks.map(encodeBase58) };
}

/** What a measured run produced: exit, stderr, stdout counted (not kept), peak RSS. */
interface MeasuredRun {
  status: number | null;
  stderr: string;
  stdoutBytes: number;
  /** Stdout bytes that differ from `expectByte` (when given). */
  unexpectedBytes: number;
  /** The child's peak resident set size, in bytes. */
  maxRss: number;
}

/** Prints the process's peak RSS (KiB) as the last stderr line when it exits. */
const REPORT_RSS =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss-kib="+process.resourceUsage().maxRSS+"\\n"))';

/**
 * Runs the CLI with stdout drained into a counter (a sink that holds nothing), and reads
 * the child's own peak RSS, reported by a preloaded exit hook.
 */
function runMeasured(store: string, args: string[], expectByte?: number): Promise<MeasuredRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', REPORT_RSS, BIN, ...args], {
      cwd: dir(),
      env: hbs2Env(dir(), store),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdoutBytes = 0;
    let unexpectedBytes = 0;
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS * 2);
    child.stdout.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      if (expectByte !== undefined) for (const x of b) if (x !== expectByte) unexpectedBytes++;
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      const text = Buffer.concat(err).toString('utf8');
      const m = /maxrss-kib=(\d+)\n$/.exec(text);
      resolve({
        status,
        stderr: m ? text.slice(0, m.index) : text,
        stdoutBytes,
        unexpectedBytes,
        maxRss: m ? Number(m[1]) * 1024 : Number.POSITIVE_INFINITY,
      });
    });
  });
}

/** A peak RSS no streaming `cat` comes near (it sits around 70 MiB), far below the data. */
const RSS_BOUND = 192 * 1024 * 1024;

describe('shared subtrees: five blocks describing 256^3 * 1024 data blocks', () => {
  it('deps lists the five blocks, each once, and ends', async () => {
    const store = newStore('shared-deps');
    const t = sharedTree(store, 3, 100);
    const before = snapshotDir(store);
    const r = await hbs2(store, ['deps', t.root]);
    expect(r.timedOut).toBe(false);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(new Set(lines)).toEqual(new Set(t.names));
    expect(diffSnapshots(before, snapshotDir(store))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });
  });

  it('cat --metadata reports the exact count and size and ends', async () => {
    const store = newStore('shared-meta');
    const t = sharedTree(store, 3, 100);
    const r = await hbs2(store, ['cat', '--metadata', '--json', t.root]);
    expect(r.timedOut).toBe(false);
    expect(r.status, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout.toString('utf8')) as Record<string, unknown>;
    expect(d).toMatchObject({ type: 'merkle', blocks: 256 ** 3 * 1024, height: 4 });
    expect(d.size).toBe(256 ** 3 * 1024 * 100);
  });

  it('totals past 2^53 are exact decimal strings, not rounded numbers', async () => {
    // Seven shared levels: 256^7 * 1024 = 2^66 data blocks of 1000 bytes (nine blocks).
    const store = newStore('shared-huge');
    const t = sharedTree(store, 7, 1000);
    const r = await hbs2(store, ['cat', '--metadata', '--json', t.root]);
    expect(r.status, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout.toString('utf8')) as Record<string, unknown>;
    expect(d.blocks).toBe((2n ** 66n).toString());
    expect(d.size).toBe((2n ** 66n * 1000n).toString());
    expect(d.height).toBe(8);
    const y = await hbs2(store, ['cat', '--metadata', t.root]);
    expect(y.stdout.toString('utf8')).toContain(`size: "${2n ** 66n * 1000n}"`);
  });

  it('a group key tree of shared subtrees over the empty block is refused, not read forever', async () => {
    const store = newStore('shared-groupkey');
    const bomb = sharedTree(store, 3, 0);
    const data = put(store, new Uint8Array(100));
    const ann = encodeBase58(
      put(
        store,
        encodeMTreeAnn({
          meta: { kind: 'none' },
          crypt: { kind: 'symm1', groupKey: decodeBase58(bomb.root), nonce: new Uint8Array(32) },
          tree: { type: 'leaf', hashes: [data] },
        }),
      ),
    );
    const keyFile = path.join(newStore('shared-groupkey-keys'), 'a.key');
    fs.writeFileSync(keyFile, formatKeyringFile(generateKeyring(1)));
    const before = snapshotDir(store);
    const meta = await hbs2(store, ['cat', '--metadata', '--json', ann]);
    expect(meta.status, meta.stderr).toBe(0);
    expect(JSON.parse(meta.stdout.toString('utf8'))).toMatchObject({
      encryption: { method: 'group-symm-1', groupKeyId: null, recipients: null },
    });
    const r = await hbs2(store, ['cat', '-k', keyFile, ann]);
    expectOneError(r, 3, { text: 'blocks', emptyStdout: true });
    expect(r.stderr).toContain(`group key tree ${bomb.root} is larger than`);
    expect(diffSnapshots(before, snapshotDir(store))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });
  });

  it('cat streams honestly repeated content with bounded memory', async () => {
    // 4 children x 1024 entries of one 64 KiB block: 256 MiB of output from 3 blocks.
    const store = newStore('repeated');
    const data = put(store, new Uint8Array(65_536).fill(0x41));
    const leaf = put(store, encodeMTree({ type: 'leaf', hashes: Array(1024).fill(data) }));
    const root = put(
      store,
      encodeMTree({ type: 'node', height: 1, children: Array(4).fill(leaf) }),
    );
    const r = await runMeasured(store, ['cat', encodeBase58(root)], 0x41);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdoutBytes).toBe(4 * 1024 * 65_536);
    expect(r.unexpectedBytes).toBe(0);
    expect(r.maxRss).toBeLessThan(RSS_BOUND);
  });
});

describe('huge blocks', () => {
  /** A sparse file of `size` zero bytes under its own hash (the content is legitimate). */
  function zeroBlock(store: string, size: number): string {
    const name = encodeBase58(crypto().blake2b256(new Uint8Array(size)));
    const file = path.join(store, 'blocks', name[0]!, name.slice(1));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    fs.truncateSync(file, size);
    return name;
  }

  it('a 64 MiB block referenced 16 times: cat → 4 before reading it, memory stays low', async () => {
    const store = newStore('huge');
    const big = zeroBlock(store, 64 * 1024 * 1024);
    const leaf = put(
      store,
      encodeMTree({ type: 'leaf', hashes: Array(16).fill(decodeBase58(big)) }),
    );
    const before = snapshotDir(store);
    const r = await runMeasured(store, ['cat', encodeBase58(leaf)]);
    expectOneError({ ...r, stdout: new Uint8Array(r.stdoutBytes) }, 4, {
      text: `block ${big} is ${64 * 1024 * 1024} bytes, larger than any hbs2 block can be`,
      emptyStdout: true,
    });
    expect(r.maxRss).toBeLessThan(RSS_BOUND);
    for (const args of [
      ['cat', '-r', big],
      ['cat', '--metadata', encodeBase58(leaf)],
    ]) {
      const o = await hbs2(store, args);
      expectOneError(o, 4, { text: 'larger than any hbs2 block can be', emptyStdout: true });
    }
    expect(diffSnapshots(before, snapshotDir(store))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });
  });

  it('fsck reports an oversize block without reading it; --repair quarantines it', async () => {
    const store = newStore('huge-fsck');
    const big = zeroBlock(store, MAX_BLOCK_SIZE + 1);
    const r = await hbs2(store, ['fsck']);
    expect(r.status).toBe(4);
    expect(r.stdout.toString('utf8')).toContain(`oversize blocks/${big[0]}/${big.slice(1)}`);
    const repaired = await hbs2(store, ['fsck', '--repair']);
    expect(repaired.status, repaired.stderr).toBe(0);
    expect(fs.existsSync(path.join(store, 'blocks', big[0]!, big.slice(1)))).toBe(false);
  });

  it('the limit is exact: a block of MAX_BLOCK_SIZE bytes reads, one byte more is refused', async () => {
    const store = newStore('limit');
    const atLimit = zeroBlock(store, MAX_BLOCK_SIZE);
    const over = zeroBlock(store, MAX_BLOCK_SIZE + 1);
    const ok = await runMeasured(store, ['cat', '-r', atLimit], 0);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdoutBytes).toBe(MAX_BLOCK_SIZE);
    expect(ok.unexpectedBytes).toBe(0);
    expectOneError(await hbs2(store, ['cat', '-r', over]), 4, { emptyStdout: true });
  });

  it('a FIFO, a device or a directory under a block name: exit 4 at once, never a hang', async () => {
    const store = newStore('special');
    const data = new TextEncoder().encode('the real block');
    const name = encodeBase58(crypto().blake2b256(data));
    const file = path.join(store, 'blocks', name[0]!, name.slice(1));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const leaf = encodeBase58(
      put(store, encodeMTree({ type: 'leaf', hashes: [decodeBase58(name)] })),
    );
    const plant: Record<string, () => void> = {
      fifo: () => execFileSync('mkfifo', [file]),
      'symlink to /dev/zero': () => fs.symlinkSync('/dev/zero', file),
      directory: () => fs.mkdirSync(file),
    };
    for (const [what, make] of Object.entries(plant)) {
      make();
      for (const args of [
        ['cat', '-r', name],
        ['cat', leaf],
        ['cat', '--metadata', leaf],
      ]) {
        const r = await hbs2(store, args);
        expect(r.timedOut, what).toBe(false);
        expectOneError(r, 4, { text: `block ${name} is not a regular file`, emptyStdout: true });
      }
      fs.rmSync(file, { recursive: true });
    }
  });

  it('the largest metadata a writer stores fits the block limit (plain and encrypted)', () => {
    const d = path.join(dir(), 'meta');
    fs.mkdirSync(d);
    const run = (args: string[]) => runCli(d, args);
    const meta = 'm'.repeat(MAX_METADATA_TEXT_BYTES);
    fs.writeFileSync(path.join(d, 'meta.txt'), meta);
    fs.writeFileSync(path.join(d, 'f.bin'), crypto().randomBytes(300_000));
    expect(run(['keyring', 'new', '-o', 'A.key']).status).toBe(0);
    fs.writeFileSync(path.join(d, 'A.pubs'), run(['keyring', 'pubs', 'A.key']).stdout);
    expect(run(['groupkey-new', 'A.pubs', '-o', 'GK']).status).toBe(0);
    for (const enc of [[], ['-g', 'GK', '-k', 'A.key']]) {
      const s = run(['store', ...enc, '--meta-file', 'meta.txt', 'f.bin']);
      expect(s.status, s.stderr).toBe(0);
      const m = run(['cat', '--metadata', '--json', '-k', 'A.key', s.stdout.trim()]);
      expect(m.status, m.stderr).toBe(0);
      expect((JSON.parse(m.stdout) as { metadata: { text: string } }).metadata.text).toBe(meta);
    }
    fs.appendFileSync(path.join(d, 'meta.txt'), 'm');
    expectOneError(run(['store', '--meta-file', 'meta.txt', 'f.bin']), 3, { text: 'too large' });
  });
});

describe('base58 of big files', () => {
  /** Base58 text of `n` characters (no leading '1', so it is all significant digits). */
  function b58text(n: number): string {
    const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    const r = crypto().randomBytes(n);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[r[i]! % alphabet.length];
    return s;
  }
  const armored = (header: string[], body: string): string =>
    [...header, '', ...(body.match(/.{1,60}/g) ?? [])].join('\n') + '\n';

  it('text at the limit decodes; one character more is a FormatError before any work', () => {
    const text = b58text(MAX_BASE58_CHARS);
    expect(decodeBase58(text).length).toBeGreaterThan(760_000);
    expect(() => decodeBase58(text + '2', 'big.gk')).toThrow(FormatError);
    expect(() => decodeBase58(text + '2', 'big.gk')).toThrow(
      `big.gk: ${MAX_BASE58_CHARS + 1} characters of base58, more than the limit of ${MAX_BASE58_CHARS}`,
    );
    // A writer refuses what no reader would take back.
    expect(() => encodeBase58(new Uint8Array(800_000).fill(7))).toThrow(FormatError);
  });

  it('a group key file and a keyring of 4 Mi base58 characters: exit 3, files untouched', async () => {
    const store = newStore('b58');
    const files = newStore('b58-files');
    const body = b58text(4 * MAX_BASE58_CHARS);
    fs.writeFileSync(path.join(files, 'big.gk'), armored([GROUPKEY_V2_HEADER], body));
    fs.writeFileSync(path.join(files, 'big.key'), armored(CREDENTIALS_HEADER, body));
    const before = snapshotDir(files);
    for (const args of [
      ['groupkey', 'dump', path.join(files, 'big.gk')],
      ['keyring', 'list', path.join(files, 'big.key')],
    ]) {
      const r = await hbs2(store, args);
      expect(r.timedOut).toBe(false);
      expectOneError(r, 3, { text: 'more than the limit of', emptyStdout: true });
    }
    expect(diffSnapshots(before, snapshotDir(files))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });
  });
});

describe('unknown annotation crypto', () => {
  it('deps of an annotation with an unknown encryption constructor: exit 3, like cat', async () => {
    const store = newStore('unknown-crypt');
    const data = put(store, new TextEncoder().encode('ciphertext, maybe'));
    const leaf = encodeMTree({ type: 'leaf', hashes: [data] });
    // MTreeAnn: 84 00, NoMetaData 81 00, encryption constructor 7 (undefined) 81 07, tree.
    const ann = put(store, Buffer.concat([Buffer.from('84008100' + '8107', 'hex'), leaf]));
    const before = snapshotDir(store);
    for (const cmd of ['deps', 'cat']) {
      const r = await hbs2(store, [cmd, encodeBase58(ann)]);
      expectOneError(r, 3, {
        text: 'annotated tree with an unknown or malformed encryption method',
        emptyStdout: true,
      });
    }
    expect(diffSnapshots(before, snapshotDir(store))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });
  });
});
