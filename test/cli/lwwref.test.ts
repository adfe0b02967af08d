/**
 * `hbs2 lwwref get|set` end to end: hbs2's printed form and bytes (the boxes hbs2 wrote in
 * test/vectors/hbs2-written-lwwref), refusals and tampering as one error line with the
 * documented exit code and nothing changed on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBase58 } from '../../src/codec/base58.js';
import { formatKeyringFile, generateKeyring } from '../../src/keyring/keyring.js';
import { expectOneError, runCli, useTempDir, type CliRun } from '../helpers/cli.js';
import {
  blockName,
  diffSnapshots,
  hbs2Env,
  putBlock,
  runHbs2,
  snapshotDir,
} from '../helpers/hostile.js';

const VECTORS = path.resolve(__dirname, '../vectors/hbs2-written-lwwref');
const vector = (name: string): Buffer => fs.readFileSync(path.join(VECTORS, name));

const REF = '8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe';
const REF_FILE = 'refs/D/yX17JgwdK79WrcFMiavVK8HXVNrVqyYhkbSUiNT37ha';
const VALUE1 = '3X64Dqnoxy5ihmfCdqP25q6QmjMKjTKVSaX6vUEbthqR';
const VALUE2 = 'CpqoSNeEZhBR47e8rKeCykvygSsVGszXFZeQygN9wfCF';
const printed = (seq: number, value: string): string =>
  `(lwwref\n  (seq ${seq})\n  (value "${value}")\n  )\n`;

const dir = useTempDir();
const hbs2 = (store: string, args: string[]): CliRun => runCli(dir(), args, { store });
const storeDir = (store: string): string => path.join(dir(), store);
/** Makes `store` a simple-layout store (`blocks/` decides; new stores are NCQ3). */
const simpleStore = (store: string): string => {
  fs.mkdirSync(path.join(storeDir(store), 'blocks'), { recursive: true });
  return store;
};

/** A keyring whose signing key is not the ref key. */
const otherKeyring = generateKeyring(0);
const OTHER_REF = encodeBase58(otherKeyring.signPublicKey);

beforeAll(() => {
  fs.writeFileSync(path.join(dir(), 'seed05.key'), vector('seed05.key'), { mode: 0o600 });
  fs.writeFileSync(path.join(dir(), 'other.key'), formatKeyringFile(otherKeyring), {
    mode: 0o600,
  });
});

/** A store holding hbs2's own seq-2 box with the ref pointing at it, as hbs2 leaves it. */
function hbs2WrittenStore(store: string, box = vector('seq2.signedbox')): string {
  const name = putBlock(storeDir(store), box);
  fs.mkdirSync(path.dirname(path.join(storeDir(store), REF_FILE)), { recursive: true });
  fs.writeFileSync(path.join(storeDir(store), REF_FILE), name);
  return name;
}

describe('hbs2 lwwref', () => {
  it('get of an absent ref prints nothing (exit 0), or null with --json', () => {
    // A store that does not exist is a typo, not an empty store (exit 6, issue 15).
    expect(hbs2('absent', ['lwwref', 'get', REF]).status).toBe(6);
    fs.mkdirSync(storeDir('absent'), { recursive: true });
    const r = hbs2('absent', ['lwwref', 'get', REF]);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
    expect(hbs2('absent', ['lwwref', 'get', REF, '--json']).stdout).toBe('null\n');
  });

  it('set then get round-trip, writing exactly the bytes hbs2 wrote (spec §8)', () => {
    simpleStore('rt');
    const s = hbs2('rt', ['lwwref', 'set', '-k', 'seed05.key', REF, VALUE1]);
    expect([s.status, s.stderr]).toEqual([0, '']);
    expect(s.stdout).toBe(printed(1, VALUE1));
    expect(fs.readFileSync(path.join(storeDir('rt'), REF_FILE), 'latin1')).toBe(
      'HR8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q',
    );
    const blockFile = path.join(
      storeDir('rt'),
      'blocks/H/R8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q',
    );
    expect(fs.readFileSync(blockFile)).toEqual(vector('seq1.signedbox'));
    // Exactly these two files: no lock file, no temp file left (docs/formats.md vector).
    expect([...snapshotDir(storeDir('rt')).keys()].sort()).toEqual([
      'blocks/H/R8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q',
      REF_FILE,
    ]);
    expect(hbs2('rt', ['lwwref', 'get', REF]).stdout).toBe(printed(1, VALUE1));

    const s2 = hbs2('rt', ['lwwref', 'set', '-k', 'seed05.key', REF, VALUE2, '--json']);
    expect(JSON.parse(s2.stdout)).toEqual({
      ref: REF,
      seq: 2,
      value: VALUE2,
      proof: null,
      box: blockName(vector('seq2.signedbox')),
    });
    expect(hbs2('rt', ['lwwref', 'get', REF]).stdout).toBe(printed(2, VALUE2));
  });

  it('get reads a ref and box hbs2 wrote', () => {
    hbs2WrittenStore('from-hbs2');
    const r = hbs2('from-hbs2', ['lwwref', 'get', REF]);
    expect([r.status, r.stdout]).toEqual([0, printed(2, VALUE2)]);
  });

  it('set with a keyring whose signing key is not the ref key: exit 5, store untouched', () => {
    hbs2WrittenStore('refused');
    const before = snapshotDir(storeDir('refused'));
    const r = hbs2('refused', ['lwwref', 'set', '-k', 'other.key', REF, VALUE1]);
    expectOneError(r, 5, { text: `holds the signing key ${REF}`, emptyStdout: true });
    expect(r.stderr).toMatch(/^hbs2: hint: keys tried: \w+$/m);
    expect(diffSnapshots(before, snapshotDir(storeDir('refused')))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });
  });

  const tampered: Array<[string, (store: string) => void, string]> = [
    [
      'a box altered in place',
      (store) => {
        const name = hbs2WrittenStore(store);
        const f = path.join(storeDir(store), 'blocks', name[0]!, name.slice(1));
        const b = fs.readFileSync(f);
        b[b.length - 1] = b.at(-1)! ^ 1;
        fs.writeFileSync(f, b);
      },
      'is corrupt',
    ],
    [
      'a validly stored box whose signature does not verify',
      (store) => {
        const b = vector('seq2.signedbox');
        b[b.length - 1] = b.at(-1)! ^ 1;
        hbs2WrittenStore(store, b);
      },
      'bad signature',
    ],
    [
      'a box signed by another key',
      (store) => {
        simpleStore(store);
        const other = runCli(
          dir(),
          ['lwwref', 'set', '-k', 'other.key', '--json', OTHER_REF, VALUE1],
          {
            store,
          },
        );
        const box = JSON.parse(other.stdout).box as string;
        fs.mkdirSync(path.dirname(path.join(storeDir(store), REF_FILE)), { recursive: true });
        fs.writeFileSync(path.join(storeDir(store), REF_FILE), box);
      },
      'not by the ref key',
    ],
  ];

  it.each(tampered)('get of %s: exit 4, one error line, nothing changed', (_, tamper, text) => {
    const store = `tamper-${tampered.findIndex((t) => t[2] === text)}`;
    tamper(store);
    const before = snapshotDir(storeDir(store));
    const r = hbs2(store, ['lwwref', 'get', REF]);
    expectOneError(r, 4, { text, emptyStdout: true });
    expect(diffSnapshots(before, snapshotDir(storeDir(store))).changed).toEqual([]);
  });

  it('bad arguments: exit 3 for a bad REFKEY or VALUE, 2 without a keyring', () => {
    expectOneError(hbs2('args', ['lwwref', 'get', 'not-base58!']), 3, { text: 'REFKEY' });
    expectOneError(hbs2('args', ['lwwref', 'set', '-k', 'seed05.key', REF, 'abc']), 3, {
      text: 'VALUE',
    });
    expectOneError(hbs2('args', ['lwwref', 'set', REF, VALUE1]), 2, { text: 'no keyring' });
    expect(fs.existsSync(storeDir('args'))).toBe(false);
  });

  it('writes an NCQ3 store as hbs2-peer keeps refs: the R record of refs-and-lwwref §8', () => {
    fs.mkdirSync(path.join(storeDir('ncq'), 'ncq3'), { recursive: true });
    const r = hbs2('ncq', ['lwwref', 'set', '-k', 'seed05.key', REF, VALUE1]);
    expect([r.status, r.stdout]).toEqual([0, printed(1, VALUE1)]);
    expect(fs.readdirSync(storeDir('ncq'))).toEqual(['ncq3']); // no refs/ beside it
    // The 104-byte record of ncq3-storage §6.5: rk, "R;;\0", the seq-1 box hash, k.
    const workdir = path.join(storeDir('ncq'), 'ncq3', '0');
    const data = fs.readdirSync(workdir).filter((n) => n.endsWith('.data'));
    const bytes = Buffer.concat(data.map((n) => fs.readFileSync(path.join(workdir, n))));
    expect(bytes.toString('hex')).toContain(
      '00000064' +
        '8357441525ca8214dae44768dd25ab5459f9342c250c115d492f69a4d0783e58' +
        '523b3b00' +
        'f3e93c06f14642f232263dd9827dcea1280322941c825f4076776f0219a62a19' +
        'c0c6b110178c641636d70c7bdbda802aa92a379d5b5aeb96c5e257f2dca90ad9',
    );
    expect(hbs2('ncq', ['lwwref', 'get', REF]).stdout).toBe(printed(1, VALUE1));
  });

  it('get reads the ref from an hbs2-written NCQ3 store (its latest value, seq 2)', () => {
    const small = path.resolve(__dirname, '../vectors/hbs2-written-ncq3/small/prefix');
    const before = snapshotDir(small);
    const r = runCli(dir(), ['lwwref', 'get', '-p', small, REF]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('(seq 2)');
    expect(snapshotDir(small)).toEqual(before);
  });

  it('concurrent set commands each get their own seq (simple layout: writers wait)', async () => {
    simpleStore('race');
    const env = hbs2Env(dir(), storeDir('race'));
    const runs = await Promise.all(
      [VALUE1, VALUE2, VALUE1, VALUE2].map((v) =>
        runHbs2(['lwwref', 'set', '-k', 'seed05.key', '--json', REF, v], { cwd: dir(), env }),
      ),
    );
    const seqs = runs.map((r) => JSON.parse(r.stdout.toString()).seq as number).sort();
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(hbs2('race', ['lwwref', 'get', REF, '--json']).stdout).toContain('"seq": 4');
  });
});
