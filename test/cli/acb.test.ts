import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeBase58 } from '../../src/codec/base58.js';
import { decodeAcb, encodeAcb, parseAcbFile } from '../../src/acb/index.js';
import { runCli, useTempDir, type CliRun, expectOneError } from '../helpers/cli.js';
import { BIN } from '../helpers/hostile.js';

const dir = useTempDir();

/** Runs the built CLI in the test's temp dir with its own store and config home. */
const hbs2 = (args: string[]): CliRun => runCli(dir(), args);

const file = (name: string) => path.join(dir(), name);
const write = (name: string, text: string) => fs.writeFileSync(file(name), text);

/** One clean error line, exit `code`, nothing on stdout. */
const expectCleanError = (r: CliRun, code: number): void =>
  expectOneError(r, code, { emptyStdout: true });

const key = (n: number) => encodeBase58(new Uint8Array(32).fill(n));

const CFG = [
  'define-acb a1',
  `acb-root a1 "${key(1)}"`,
  `acb-owner a1 "${key(2)}"`,
  `acb-reader a1 "${key(3)}" ; first reader`,
  `(acb-reader a1 "${key(4)}")`,
  `acb-writer a1 "${key(5)}"`,
  `acb-writer a1 "${key(6)}" :from 1000 :to 2000`,
  '',
].join('\n');

describe('hbs2 acb', () => {
  it('gen writes bytes starting 86 00; dump shows both readers and the range; gen of the dump is identical', () => {
    write('team.cfg', CFG);
    const r = hbs2(['acb', 'gen', 'team.cfg', '-o', 'team.acb']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const bytes = fs.readFileSync(file('team.acb'));
    expect(bytes.subarray(0, 2).toString('hex')).toBe('8600');

    const d = hbs2(['acb', 'dump', 'team.acb']);
    expect(d.status).toBe(0);
    expect(d.stdout).toContain(`acb-reader a1 "${key(3)}"\n`);
    expect(d.stdout).toContain(`acb-reader a1 "${key(4)}"\n`);
    expect(d.stdout).toContain(`acb-writer a1 "${key(6)}" :from 1000 :to 2000\n`);

    write('dumped.cfg', d.stdout);
    expect(hbs2(['acb', 'gen', 'dumped.cfg', '-o', 'again.acb']).status).toBe(0);
    expect(fs.readFileSync(file('again.acb'))).toEqual(bytes);
  });

  it('gen without -o writes raw bytes to a pipe, and --text the base58 form', () => {
    write('team.cfg', CFG);
    const raw = hbs2(['acb', 'gen', 'team.cfg']);
    expect(raw.status).toBe(0);
    const t = hbs2(['acb', 'gen', 'team.cfg', '--text']);
    expect(t.status).toBe(0);
    expect(t.stdout.startsWith('# hbs2 acb file\n')).toBe(true);
    expect(encodeAcb(parseAcbFile(Buffer.from(t.stdout), 't'))).toEqual(new Uint8Array(raw.raw));
    write('team.txt', t.stdout);
    const d = hbs2(['acb', 'dump', 'team.txt', '--json']);
    expect(d.status).toBe(0);
    const j = JSON.parse(d.stdout) as {
      readers: string[];
      writers: { key: string; ranges: unknown[] }[];
    };
    expect(j.readers).toEqual([key(3), key(4)]);
    expect(j.writers[1]).toEqual({ key: key(6), ranges: [{ from: 1000, to: 2000 }] });
  });

  it('check-writer: ranged writer yes at 1500, exit 5 at 2500; unranged writer yes', () => {
    write('team.cfg', CFG);
    expect(hbs2(['acb', 'gen', 'team.cfg', '-o', 'team.acb']).status).toBe(0);
    const yes = hbs2(['acb', 'check-writer', 'team.acb', key(6), '--at', '1500']);
    expect(yes.status).toBe(0);
    expect(yes.stdout).toBe('authorised\n');
    const no = hbs2(['acb', 'check-writer', 'team.acb', key(6), '--at', '2500']);
    expectCleanError(no, 5);
    expect(no.stderr).toMatch(/not authorised to write at 2500/);
    expect(hbs2(['acb', 'check-writer', 'team.acb', key(5), '--at', '2500']).status).toBe(0);
    expect(hbs2(['acb', 'check-writer', 'team.acb', key(5)]).status).toBe(0);
    expectCleanError(hbs2(['acb', 'check-writer', 'team.acb', key(7)]), 5);
    expectCleanError(hbs2(['acb', 'check-writer', 'team.acb', 'notakey0']), 3);
    expectCleanError(hbs2(['acb', 'check-writer', 'team.acb', key(6), '--at', 'soon']), 2);
  });

  it('a bad key on line 2 exits 3 naming the line, and writes no output file', () => {
    const secretish = '5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ';
    write('bad.cfg', `define-acb a1\nacb-reader a1 "${secretish}"\n`);
    const r = hbs2(['acb', 'gen', 'bad.cfg', '-o', 'bad.acb']);
    expectCleanError(r, 3);
    expect(r.stderr).toMatch(/bad\.cfg:2: /);
    expect(r.stderr).not.toContain(secretish);
    expect(fs.existsSync(file('bad.acb'))).toBe(false);
    expect(fs.readdirSync(dir()).filter((n) => n.includes('bad.acb'))).toEqual([]);
  });

  it('merge unites roles and keeps the first root', () => {
    write('one.cfg', `define-acb x\nacb-root x "${key(1)}"\nacb-reader x "${key(3)}"\n`);
    write(
      'two.cfg',
      `define-acb y\nacb-root y "${key(2)}"\nacb-reader y "${key(4)}"\nacb-reader y "${key(3)}"\n`,
    );
    expect(hbs2(['acb', 'gen', 'one.cfg', '-o', 'one.acb']).status).toBe(0);
    expect(hbs2(['acb', 'gen', 'two.cfg', '--text', '-o', 'two.acb']).status).toBe(0);
    const m = hbs2(['acb', 'merge', 'one.acb', 'two.acb', '-o', 'merged.acb']);
    expect(m.status).toBe(0);
    const merged = decodeAcb(fs.readFileSync(file('merged.acb')));
    expect(encodeBase58(merged.root!)).toBe(key(1));
    expect(merged.readers.map(encodeBase58)).toEqual([key(3), key(4)]);
  });

  // `script` gives the CLI a pseudo-terminal as stdout; skip where util-linux is absent.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('refuses to write binary to a terminal, with a hint', () => {
    write('team.cfg', CFG);
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} acb gen team.cfg`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir(), input: '' });
    const out = r.stdout.toString('utf8');
    expect(r.status).toBe(2);
    expect(out).toMatch(/hbs2: error: refusing to write a binary ACB to the terminal/);
    expect(out).toMatch(/hbs2: hint: use -o FILE .* --text/);
  });

  it('dump of a missing or garbage file fails cleanly', () => {
    expectCleanError(hbs2(['acb', 'dump', 'missing.acb']), 6);
    write('garbage.acb', 'hello world\n');
    expectCleanError(hbs2(['acb', 'dump', 'garbage.acb']), 3);
  });

  it('every acb command has help with an example', () => {
    for (const c of ['gen', 'dump', 'merge', 'check-writer']) {
      const r = hbs2(['acb', c, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Example:\n {2}hbs2 acb /);
    }
  });
});
