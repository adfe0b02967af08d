import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeBase58 } from '../../src/codec/base58.js';
import { parseKeyringFile } from '../../src/keyring/keyring.js';
import { runCli, useTempDir, type CliRun, expectOneError } from '../helpers/cli.js';

const VECTORS = path.resolve(__dirname, '../vectors/hbs2-keys');
const dir = useTempDir();

/** Runs the built CLI in the test's temp dir with its own store and config home. */
const hbs2 = (args: string[], input?: string): CliRun => runCli(dir(), args, { input });

const read = (name: string): Buffer => fs.readFileSync(path.join(dir(), name));
const modeOf = (name: string): number => fs.statSync(path.join(dir(), name)).mode & 0o777;

/** One clean error line, exit `code`, nothing on stdout. */
const expectCleanError = (r: CliRun, code: number): void =>
  expectOneError(r, code, { emptyStdout: true });

describe('real hbs2 credentials files', () => {
  const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.key'));
  const SPEC: Record<string, string> = {
    'test_refchan_owner.key': 'Atg67E6CPMJWKvR9BvwZTTEjg3Hjz4CYCaEARGANepGP',
    'test_refchan_author1.key': '2cU7qBWpohfco4BcbHGPjF6ypGdqDwpKomp8ky6QAEBy',
    'examples_refchan-qblf_data_peer1.key': '23PFfUtRgDtASus54zGhdGvuGjyDVz6fcMwvroSS4ni6',
  };

  it.each(files)('%s: list --json, list, show-peer-key', (name) => {
    const local = `real-${name}`;
    fs.copyFileSync(path.join(VECTORS, name), path.join(dir(), local));
    fs.chmodSync(path.join(dir(), local), 0o600);
    const expected = encodeBase58(parseKeyringFile(read(local)).signPublicKey);
    if (SPEC[name]) expect(expected).toBe(SPEC[name]);

    const json = hbs2(['keyring', 'list', '--json', local]);
    expect(json.status).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual({ signKey: expected, entries: [] });

    const text = hbs2(['keyring-list', local]);
    expect(text.stdout).toBe(`sign-key:  ${expected}\n\n`);

    const show = hbs2(['show-peer-key', local]);
    expect(show.status).toBe(0);
    expect(show.stdout).toBe(`${expected}\n`);
    expect(hbs2(['show-peer-key'], read(local).toString('utf8')).stdout).toBe(`${expected}\n`);
  });

  it('warns when a keyring is readable by group or others', () => {
    fs.copyFileSync(path.join(VECTORS, 'test_refchan_owner.key'), path.join(dir(), 'open.key'));
    fs.chmodSync(path.join(dir(), 'open.key'), 0o644);
    const r = hbs2(['keyring', 'list', 'open.key']);
    expect(r.status).toBe(0);
    if (process.platform !== 'win32')
      expect(r.stderr).toMatch(
        /^hbs2: warning: open\.key: keyring is accessible by group or others \(mode 0644\)/,
      );
  });
});

describe('the "done when" scenario', () => {
  it('new -n 2, add-new laptop, list, pubs, del, unknown del', () => {
    let r = hbs2(['keyring', 'new', '-n', '2', '-o', 'K']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(modeOf('K')).toBe(0o600);
    const original = read('K');
    expect(parseKeyringFile(original).entries).toHaveLength(2);

    r = hbs2(['keyring', 'add-new', '-n', 'laptop', 'K']);
    expect(r.status).toBe(0);
    const laptopPub = r.stdout.trim();
    const k = parseKeyringFile(read('K'));
    expect(k.entries).toHaveLength(3);
    expect(encodeBase58(k.entries[2]!.publicKey)).toBe(laptopPub);
    expect(k.entries[2]!.description).toBe('laptop');
    expect(modeOf('K')).toBe(0o600);

    r = hbs2(['keyring', 'list', '--json', 'K']);
    const doc = JSON.parse(r.stdout) as {
      signKey: string;
      entries: Array<{ id: string | null; type: string; publicKey: string }>;
    };
    expect(doc.signKey).toBe(encodeBase58(k.signPublicKey));
    expect(doc.entries.map((e) => e.id)).toEqual([null, null, 'laptop']);
    expect(doc.entries.every((e) => e.type === 'curve25519')).toBe(true);
    expect(doc.entries[2]!.publicKey).toBe(laptopPub);
    expect(r.stdout).not.toContain(encodeBase58(k.entries[0]!.secretKey));

    r = hbs2(['keyring', 'list', 'K']);
    expect(r.stdout.split('\n')).toEqual([
      `sign-key:  ${doc.signKey}`,
      `pub-key:   ${doc.entries[0]!.publicKey}`,
      `pub-key:   ${doc.entries[1]!.publicKey}`,
      `pub-key:   ${laptopPub}  laptop`,
      '',
    ]);

    r = hbs2(['keyring', 'pubs', 'K']);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      doc.entries[0]!.publicKey,
      doc.entries[1]!.publicKey,
      `${laptopPub}  # laptop`,
    ]);

    r = hbs2(['keyring', 'add', '-n', 'laptop', 'K']);
    expectCleanError(r, 2);

    r = hbs2(['keyring', 'del', '-n', 'laptop', 'K']);
    expect(r.status).toBe(0);
    // add-new then del of that key restores the original bytes exactly
    expect(read('K').equals(original)).toBe(true);
    expect(modeOf('K')).toBe(0o600);

    r = hbs2(['keyring', 'del', '-n', 'laptop', 'K']);
    expectCleanError(r, 6);
    expect(read('K').equals(original)).toBe(true);
  });
});

describe('keyring new', () => {
  it('prints the file text without -o (default one entry)', () => {
    const r = hbs2(['keyring', 'new']);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('# hbs2 credentials file\n# keep it private\n\n')).toBe(true);
    expect(parseKeyringFile(r.stdout).entries).toHaveLength(1);
    expect(parseKeyringFile(hbs2(['keyring-new', '-n', '0']).stdout).entries).toHaveLength(0);
  });

  it('refuses to overwrite without --force and leaves the file as it was', () => {
    fs.writeFileSync(path.join(dir(), 'exists.key'), 'precious');
    const r = hbs2(['keyring', 'new', '-o', 'exists.key']);
    expectCleanError(r, 2);
    expect(r.stderr).toContain("refusing to overwrite existing file 'exists.key'");
    expect(read('exists.key').toString()).toBe('precious');
    expect(hbs2(['keyring', 'new', '-o', 'exists.key', '--force']).status).toBe(0);
    expect(parseKeyringFile(read('exists.key')).entries).toHaveLength(1);
    expect(modeOf('exists.key')).toBe(0o600);
  });

  it('rejects a bad count', () => {
    expectCleanError(hbs2(['keyring', 'new', '-n', 'two']), 2);
  });
});

describe('keyring add-new / del variants', () => {
  it('keyring-key-add and --stdout leave the file untouched', () => {
    hbs2(['keyring', 'new', '-o', 'S']);
    const before = read('S');
    const r = hbs2(['keyring-key-add', '--stdout', '-n', 'phone', 'S']);
    expect(r.status).toBe(0);
    expect(read('S').equals(before)).toBe(true);
    const k = parseKeyringFile(r.stdout);
    expect(k.entries.map((e) => e.description)).toEqual([null, 'phone']);
    expect(r.stderr).toContain(`new public key ${encodeBase58(k.entries[1]!.publicKey)}`);
  });

  it('del by full public key, by prefix, and hbs2 positional keyring-key-del', () => {
    hbs2(['keyring', 'new', '-n', '3', '-o', 'D']);
    const pubs = JSON.parse(hbs2(['keyring', 'list', '--json', 'D']).stdout).entries.map(
      (e: { publicKey: string }) => e.publicKey,
    ) as string[];
    expect(hbs2(['keyring', 'del', '-n', pubs[0]!, 'D']).status).toBe(0);
    expect(hbs2(['keyring', 'del', '-n', pubs[1]!.slice(0, 8), 'D']).status).toBe(0);
    const stdoutRun = hbs2(['keyring', 'del', '--stdout', '-n', pubs[2]!, 'D']);
    expect(parseKeyringFile(stdoutRun.stdout).entries).toHaveLength(0);
    expect(hbs2(['keyring-key-del', pubs[2]!, 'D']).status).toBe(0);
    expect(parseKeyringFile(read('D')).entries).toHaveLength(0);
  });

  it('a too-short prefix is not found and a usage error without -n is exit 2', () => {
    hbs2(['keyring', 'new', '-o', 'P']);
    const before = read('P');
    const pub = hbs2(['keyring', 'pubs', 'P']).stdout.trim();
    expectCleanError(hbs2(['keyring', 'del', '-n', pub.slice(0, 5), 'P']), 6);
    expectCleanError(hbs2(['keyring', 'del', 'P']), 2);
    expect(read('P').equals(before)).toBe(true);
  });

  it('add-new on a symlink rewrites the target and keeps the link', () => {
    hbs2(['keyring', 'new', '-o', 'target.key']);
    fs.symlinkSync('target.key', path.join(dir(), 'link.key'));
    expect(hbs2(['keyring', 'add-new', 'link.key']).status).toBe(0);
    expect(fs.lstatSync(path.join(dir(), 'link.key')).isSymbolicLink()).toBe(true);
    expect(parseKeyringFile(read('target.key')).entries).toHaveLength(2);
  });
});

describe('bad keyring files', () => {
  const owner = fs.readFileSync(path.join(VECTORS, 'test_refchan_owner.key'), 'utf8');
  const lines = owner.split('\n');
  const secretLine = lines[4]!;
  const cases: Array<[string, string]> = [
    [
      'bad-char.key',
      [
        ...lines.slice(0, 4),
        secretLine.slice(0, 20) + 'O' + secretLine.slice(21),
        ...lines.slice(5),
      ].join('\n'),
    ],
    ['truncated.key', lines.slice(0, 5).join('\n') + '\n'],
    [
      'wrong-cbor.key',
      `# hbs2 credentials file\n\n${encodeBase58(new Uint8Array([0x83, 0, 1, 2, 3, 4]))}\n`,
    ],
  ];

  it.each(cases)('%s: exit 3, one error line, no content echoed', (name, text) => {
    fs.writeFileSync(path.join(dir(), name), text, { mode: 0o600 });
    for (const args of [
      ['keyring', 'list', name],
      ['show-peer-key', name],
      ['keyring', 'add-new', name],
      ['keyring', 'pubs', name],
    ]) {
      const r = hbs2(args);
      expectCleanError(r, 3);
      expect(r.stderr).toContain(name);
      expect(r.stderr).not.toContain(secretLine.slice(0, 12));
    }
    expect(read(name).toString()).toBe(text);
  });
});
