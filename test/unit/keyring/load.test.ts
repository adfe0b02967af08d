import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError, NotFoundError, UsageError } from '../../../src/errors.js';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { formatKeyringFile, generateKeyring } from '../../../src/keyring/keyring.js';
import {
  expandPaths,
  findKeyringFiles,
  globComponentToRegExp,
  isInsecureMode,
  loadKeyrings,
  readKeyringFile,
} from '../../../src/keyring/load.js';

let dir: string;
const rel = (p: string): string => path.relative(dir, p);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-'));
  fs.mkdirSync(path.join(dir, 'keys/sub'), { recursive: true });
  for (const f of ['keys/a.key', 'keys/b.key', 'keys/sub/c.key', 'keys/.hidden.key'])
    fs.writeFileSync(path.join(dir, f), formatKeyringFile(generateKeyring(1)), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'keys/notes.txt'), 'hello\n');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readKeyringFile', () => {
  it('reads a keyring with its mode', async () => {
    const f = path.join(dir, 'keys/a.key');
    fs.chmodSync(f, 0o600);
    const r = await readKeyringFile(f);
    expect(r.mode).toBe(0o600);
    expect(r.insecure).toBe(false);
    expect(r.keyring.entries).toHaveLength(1);
    fs.chmodSync(f, 0o644);
    expect((await readKeyringFile(f)).insecure).toBe(process.platform !== 'win32');
    fs.chmodSync(f, 0o600);
  });

  it('missing → NotFoundError, not a keyring → FormatError', async () => {
    await expect(readKeyringFile(path.join(dir, 'nope.key'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(readKeyringFile(path.join(dir, 'keys/notes.txt'))).rejects.toBeInstanceOf(
      FormatError,
    );
  });

  it('isInsecureMode flags any group/other bit', () => {
    if (process.platform === 'win32') return;
    expect(isInsecureMode(0o600)).toBe(false);
    expect(isInsecureMode(0o400)).toBe(false);
    expect(isInsecureMode(0o640)).toBe(true);
    expect(isInsecureMode(0o601)).toBe(true);
  });
});

describe('expandPaths', () => {
  it('a file is itself (explicit); a directory lists its non-hidden files', async () => {
    const r = await expandPaths([path.join(dir, 'keys/a.key'), path.join(dir, 'keys')]);
    expect(r.map((p) => [rel(p.path), p.explicit])).toEqual([
      ['keys/a.key', true],
      ['keys/b.key', false],
      ['keys/notes.txt', false],
    ]);
  });

  it('globs match per component, ** recurses, hidden files need a dot pattern', async () => {
    const g = async (p: string): Promise<string[]> =>
      (await expandPaths([path.join(dir, p)])).map((x) => rel(x.path));
    expect(await g('keys/*.key')).toEqual(['keys/a.key', 'keys/b.key']);
    expect(await g('keys/**/*.key')).toEqual(['keys/a.key', 'keys/b.key', 'keys/sub/c.key']);
    expect(await g('k*/[ab].key')).toEqual(['keys/a.key', 'keys/b.key']);
    expect(await g('keys/[!a].key')).toEqual(['keys/b.key']);
    expect(await g('keys/?.key')).toEqual(['keys/a.key', 'keys/b.key']);
    expect(await g('keys/.*.key')).toEqual(['keys/.hidden.key']);
    expect(await g('nothing/*.key')).toEqual([]);
  });

  it('a relative glob works from the current directory', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await expandPaths(['keys/*.key'])).map((p) => p.path)).toEqual([
        path.join('keys', 'a.key'),
        path.join('keys', 'b.key'),
      ]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('a missing literal path is NotFoundError; duplicates are listed once', async () => {
    await expect(expandPaths([path.join(dir, 'missing.key')])).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const a = path.join(dir, 'keys/a.key');
    expect(await expandPaths([a, a])).toHaveLength(1);
  });

  it('glob components escape regex characters', () => {
    expect(globComponentToRegExp('a.b(c)+]*').test('a.b(c)+]xyz')).toBe(true);
    expect(globComponentToRegExp('a.b').test('axb')).toBe(false);
    expect(globComponentToRegExp('[a-c]x').test('bx')).toBe(true);
    expect(globComponentToRegExp('[a').test('[a')).toBe(true);
  });
});

describe('loadKeyrings', () => {
  it('loads a directory in order, skipping (with a warning) a file that is no keyring', async () => {
    const warnings: string[] = [];
    const loaded = await loadKeyrings([path.join(dir, 'keys')], (w) => warnings.push(w));
    expect(loaded.map((l) => rel(l.path))).toEqual(['keys/a.key', 'keys/b.key']);
    expect(warnings).toEqual([`${path.join(dir, 'keys/notes.txt')}: skipped, not a keyring file`]);
  });

  it('warns about a keyring readable by others, naming its mode and the fix', async () => {
    const f = path.join(dir, 'keys/b.key');
    fs.chmodSync(f, 0o640);
    try {
      const warnings: string[] = [];
      await loadKeyrings([f], (w) => warnings.push(w));
      expect(warnings).toEqual(
        process.platform === 'win32'
          ? []
          : [`${f}: keyring is accessible by group or others (mode 0640); run: chmod 600 '${f}'`],
      );
    } finally {
      fs.chmodSync(f, 0o600);
    }
  });

  it('a file named directly must be a keyring; a public key given as a path is a usage error', async () => {
    await expect(loadKeyrings([path.join(dir, 'keys/notes.txt')])).rejects.toThrow(FormatError);
    await expect(loadKeyrings([path.join(dir, 'missing.key')])).rejects.toThrow(NotFoundError);
    const pub = encodeBase58(generateKeyring(1).entries[0]!.publicKey);
    await expect(loadKeyrings([pub])).rejects.toThrow(UsageError);
  });
});

describe('findKeyringFiles', () => {
  it('yields the keyrings with the signing key, skipping files that are not keyrings', async () => {
    const sub = path.join(dir, 'keys/sub/c.key');
    const { keyring } = await readKeyringFile(sub);
    const found: string[] = [];
    for await (const f of findKeyringFiles(
      [path.join(dir, 'keys'), path.join(dir, 'keys/*/*.key')],
      keyring.signPublicKey,
    ))
      found.push(rel(f));
    expect(found).toEqual(['keys/sub/c.key']);
    const none = findKeyringFiles([path.join(dir, 'keys')], keyring.signPublicKey);
    expect((await none.next()).done).toBe(true);
    await expect(
      findKeyringFiles([path.join(dir, 'nope')], keyring.signPublicKey).next(),
    ).rejects.toThrow(NotFoundError);
  });
});
