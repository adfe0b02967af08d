import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { decodeMTreeAnn } from '../../src/tree/annotation.js';
import { encodeBase58 } from '../../src/codec/base58.js';
import type { ObjectDescription } from '../../src/inspect/inspect.js';
import { runCli, useTempDir, type CliBytesRun, expectOneError } from '../helpers/cli.js';

const BLOCK = 262_144;
const dir = useTempDir();

/** Runs the built CLI with its own store (HBS2_STORE) and config home in the temp dir. */
const hbs2 = (
  args: string[],
  opts: { input?: string | Buffer; store?: string } = {},
): CliBytesRun => runCli(dir(), args, { ...opts, bytes: true });

/** Runs and expects exit 0, returning trimmed stdout. */
function ok(args: string[], opts: { input?: string | Buffer; store?: string } = {}): string {
  const r = hbs2(args, opts);
  expect(r.status, `hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.out.trim();
}

/** One clean error line with exit `code`. */
const expectError = (r: CliBytesRun, code: number): void => expectOneError(r, code);

const file = (name: string) => path.join(dir(), name);
const blockFile = (store: string, h: string) =>
  path.join(dir(), store, 'blocks', h[0]!, h.slice(1));

function allFiles(root: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) out.push(...allFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function describeJson(hash: string, keys: string[] = [], store = 'store'): ObjectDescription {
  return JSON.parse(
    ok(['cat', '--metadata', '--json', ...keys, hash], { store }),
  ) as ObjectDescription;
}

const MARKER = 'ZEBRA-OCELOT-7731-DISTINCTIVE-MARKER';
const META = 'quarterly report';
let data: Buffer;
let gkHash: string;
let root: string;

beforeAll(() => {
  // The simple layout (blocks/ decides; new stores are NCQ3): the tests count and alter
  // block files.
  fs.mkdirSync(path.join(dir(), 'store', 'blocks'), { recursive: true });
  ok(['keyring', 'new', '-o', 'A.key']);
  ok(['keyring', 'new', '-o', 'B.key']);
  fs.writeFileSync(file('A.pubs'), ok(['keyring', 'pubs', 'A.key']) + '\n');
  ok(['groupkey-new', 'A.pubs', '-o', 'GK']);
  const rnd = randomBytes(1_100_000);
  rnd.write(MARKER, 600_000, 'ascii');
  data = rnd;
  fs.writeFileSync(file('report.bin'), data);
  root = ok(['store', '-g', 'GK', '-k', 'A.key', '--meta', META, 'report.bin']);
  gkHash = ok(['groupkey', 'store', 'GK']);
}, 60_000);

describe('encrypted annotated tree (issue "Encrypted annotated trees")', () => {
  it('cat -k A returns the file exactly', () => {
    const r = hbs2(['cat', '-k', 'A.key', root]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('cat -k B (not a member) exits 5 and writes nothing to stdout', () => {
    const r = hbs2(['cat', '-k', 'B.key', root]);
    expectError(r, 5);
    expect(r.stdout.length).toBe(0);
  });

  it('cat without any key exits 5 and writes nothing', () => {
    const r = hbs2(['cat', root]);
    expectError(r, 5);
    expect(r.stdout.length).toBe(0);
  });

  it('neither the content nor the metadata appears in any file of the store', () => {
    const files = allFiles(path.join(dir(), 'store'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      expect(bytes.includes(MARKER), f).toBe(false);
      expect(bytes.includes(META), f).toBe(false);
    }
  });

  it('cat --metadata --json -k A describes it fully', () => {
    const d = describeJson(root, ['-k', 'A.key']);
    expect(d).toMatchObject({
      hash: root,
      type: 'ann-merkle',
      size: data.length,
      blocks: 5,
      metadata: { kind: 'ref', text: META, encrypted: true },
      encryption: {
        method: 'group-symm-2',
        groupKey: gkHash,
        recipients: 1,
        canDecrypt: true,
      },
    });
    expect(d.sizeIsCiphertext).toBeFalsy();
    const id = JSON.parse(ok(['groupkey', 'dump', '--json', 'GK'])) as { id: string };
    expect(d.encryption.groupKeyId).toBe(id.id);
  });

  it('cat --metadata without a key: canDecrypt false, no text, ciphertext size', () => {
    const d = describeJson(root);
    expect(d).toMatchObject({
      type: 'ann-merkle',
      sizeIsCiphertext: true,
      metadata: { kind: 'ref', text: null, encrypted: true },
      encryption: { method: 'group-symm-2', groupKey: gkHash, canDecrypt: false },
    });
    // Without the key: the stored (method 2) blocks' sizes, MAC and framing included.
    const stored = ok(['cat', '-H', root])
      .split('\n')
      .reduce((n, h) => n + fs.statSync(blockFile('store', h)).size, 0);
    expect(d.size).toBe(stored);
    expect(stored).toBe(data.length + 4 * 50 + 48); // the last box needs a 3-byte head
    // A non-member's keyring gives the same answer.
    expect(describeJson(root, ['-k', 'B.key'])).toMatchObject({
      encryption: { canDecrypt: false },
      metadata: { text: null },
      sizeIsCiphertext: true,
    });
  });

  it('the YAML output parses to the same object as --json', () => {
    for (const keys of [['-k', 'A.key'], []]) {
      const json = describeJson(root, keys);
      const yamlDefault = parseYaml(ok(['cat', '--metadata', ...keys, root])) as unknown;
      const yamlFlag = parseYaml(ok(['cat', '--metadata', '--yaml', ...keys, root])) as unknown;
      expect(yamlDefault).toEqual(json);
      expect(yamlFlag).toEqual(json);
    }
  });

  it('deps includes the metadata block and every block of the group key tree', () => {
    const deps = ok(['deps', root]).split('\n');
    expect(deps).toContain(root);
    const ann = decodeMTreeAnn(hbs2(['cat', '-r', root]).stdout);
    expect(ann.meta.kind).toBe('ref');
    if (ann.meta.kind === 'ref') expect(deps).toContain(encodeBase58(ann.meta.hash));
    const gkDeps = ok(['deps', gkHash]).split('\n');
    expect(gkDeps.length).toBeGreaterThan(0);
    for (const h of gkDeps) expect(deps).toContain(h);
    for (const h of ok(['cat', '-H', root]).split('\n')) expect(deps).toContain(h);
    expect(new Set(deps).size).toBe(deps.length);
  });

  it('a stored group key is described as type groupkey', () => {
    const d = describeJson(gkHash);
    expect(d.type).toBe('groupkey');
  });

  it('same file under the same group key: same root; --random-nonce: a different one', () => {
    const again = ok(['store', '-g', 'GK', '-k', 'A.key', '--meta', META, 'report.bin']);
    expect(again).toBe(root);
    const plain2 = ok(['store', '-g', 'GK', '-k', 'A.key', 'report.bin']);
    expect(ok(['store', '-g', 'GK', '-k', 'A.key', 'report.bin'])).toBe(plain2);
    const random = ok(['store', '-g', 'GK', '-k', 'A.key', '--random-nonce', 'report.bin']);
    expect(random).not.toBe(plain2);
    const random2 = ok(['store', '-g', 'GK', '-k', 'A.key', '--random-nonce', 'report.bin']);
    expect(random2).not.toBe(random);
    for (const h of [plain2, random, random2]) {
      const r = hbs2(['cat', '-k', 'A.key', h]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.equals(data)).toBe(true);
    }
  });

  it('store -g from stdin works and reads back', () => {
    const input = randomBytes(300_000);
    const h = ok(['store', '-g', 'GK', '-k', 'A.key', '-'], { input });
    const r = hbs2(['cat', '-k', 'A.key', h]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.equals(input)).toBe(true);
    expect(describeJson(h, ['-k', 'A.key'])).toMatchObject({
      encryption: { method: 'group-symm-2', canDecrypt: true },
      size: input.length,
    });
  });

  it('a corrupted data block: exit 4 and no byte past the previous block', () => {
    const hashes = ok(['cat', '-H', root]).split('\n');
    expect(hashes).toHaveLength(5);
    const bad = 2;
    const f = blockFile('store', hashes[bad]!);
    const original = fs.readFileSync(f);
    const corrupt = Buffer.from(original);
    corrupt[1000] = corrupt[1000]! ^ 0x55;
    fs.chmodSync(f, 0o644);
    fs.writeFileSync(f, corrupt);
    try {
      const r = hbs2(['cat', '-k', 'A.key', root]);
      expectError(r, 4);
      expect(r.stdout.length).toBeLessThanOrEqual(bad * BLOCK);
      expect(r.stdout.equals(data.subarray(0, r.stdout.length))).toBe(true);
      const o = hbs2(['cat', '-k', 'A.key', root, '-o', 'out.bin']);
      expectError(o, 4);
      expect(fs.existsSync(file('out.bin'))).toBe(false);
    } finally {
      fs.writeFileSync(f, original);
    }
    expect(hbs2(['cat', '-k', 'A.key', root]).stdout.equals(data)).toBe(true);
  });
});

describe('plain and annotated trees (cat --metadata)', () => {
  const store = 'plain';

  it('store --meta: ann-merkle, method none, short metadata', () => {
    fs.writeFileSync(file('p.bin'), randomBytes(5000));
    const h = ok(['store', '--meta', 'plain note', 'p.bin'], { store });
    expect(describeJson(h, [], store)).toMatchObject({
      type: 'ann-merkle',
      size: 5000,
      blocks: 1,
      metadata: { kind: 'short', text: 'plain note', encrypted: false },
      encryption: { method: 'none', groupKey: null, canDecrypt: true },
    });
    expect(hbs2(['cat', h], { store }).stdout.equals(fs.readFileSync(file('p.bin')))).toBe(true);
  });

  it('store --auto-meta on a .txt file records file-name and mime-type', () => {
    fs.writeFileSync(file('notes.txt'), 'hello, these are notes\n'.repeat(20));
    const h = ok(['store', '--auto-meta', 'notes.txt'], { store });
    const d = describeJson(h, [], store);
    expect(d.type).toBe('ann-merkle');
    expect(d.metadata.text).toContain('file-name: "notes.txt"');
    expect(d.metadata.text).toContain('mime-type:');
  });

  it('a plain store is type merkle', () => {
    const h = ok(['store', 'p.bin'], { store });
    expect(describeJson(h, [], store)).toMatchObject({
      type: 'merkle',
      size: 5000,
      blocks: 1,
      metadata: { kind: 'none', text: null, encrypted: false },
      encryption: { method: 'none', canDecrypt: true },
    });
  });
});
