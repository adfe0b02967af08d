/**
 * What the CLI does on a terminal: one confirmation for `del`, binary output refused,
 * progress only where a terminal shows it. `script` gives the CLI a pseudo-terminal as
 * stdin, stdout and stderr (their text comes back merged); skipped where util-linux's
 * `script` is absent.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../helpers/cli.js';
import { BIN, hbs2Env } from '../helpers/hostile.js';

const dir = useTempDir();
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs `hbs2 ...args` on a pseudo-terminal, typing `input`; returns exit code and all output. */
function onTerminal(
  args: string[],
  input = '',
  env: Record<string, string> = {},
): { status: number | null; out: string } {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`);
  const r = spawnSync('script', ['-qec', quoted.join(' '), '/dev/null'], {
    cwd: dir(),
    input,
    env: { ...hbs2Env(dir()), TERM: 'xterm', ...env },
    timeout: 50_000,
  });
  return { status: r.status, out: r.stdout.toString('utf8') };
}

const ok = (args: string[]): string => {
  const r = runCli(dir(), args);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
};

describe.skipIf(!hasScript)('on a terminal', () => {
  it('del -r asks once, with the block count and size; "n" deletes nothing', () => {
    fs.mkdirSync(path.join(dir(), 'store', 'blocks'), { recursive: true });
    fs.writeFileSync(path.join(dir(), 'big.bin'), Buffer.alloc(600_000, 7));
    const root = ok(['store', 'big.bin']);
    const no = onTerminal(['del', '-r', root], 'n\n');
    expect(no.status).toBe(0);
    expect(no.out.match(/\? \[y\/N\]/g)).toHaveLength(1);
    expect(no.out).toMatch(/delete \d+ blocks \([\d.]+ KiB\) of \w+\? \[y\/N\]/);
    expect(no.out).toContain('nothing deleted');
    expect(ok(['has', root])).not.toBe('');
    const yes = onTerminal(['del', '-r', root], 'y\n');
    expect(yes.status).toBe(0);
    expect(yes.out.match(/\? \[y\/N\]/g)).toHaveLength(1);
    expect(yes.out).toMatch(/deleted \d+ blocks \(/);
    expect(runCli(dir(), ['has', root]).status).toBe(1);
  });

  it('cat refuses binary data on a terminal (exit 2, nothing written) unless -o -', () => {
    const bin = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    fs.writeFileSync(path.join(dir(), 'img.png'), bin);
    const root = ok(['store', 'img.png']);
    const r = onTerminal(['cat', root]);
    expect(r.status).toBe(2);
    expect(r.out).toContain('hbs2: error: refusing to write binary data to the terminal');
    expect(r.out).toContain('hbs2: hint:');
    expect(r.out).not.toContain('PNG');
    const forced = onTerminal(['cat', '-o', '-', root]);
    expect(forced.status).toBe(0);
    expect(forced.out).toContain('PNG');
    // Text is fine on a terminal.
    fs.writeFileSync(path.join(dir(), 'note.txt'), 'just text, üñí\n');
    expect(onTerminal(['cat', ok(['store', 'note.txt'])]).out).toContain('just text, üñí');
  });

  it('keyring del asks on a terminal; "n" keeps the key, -y does not ask', () => {
    ok(['keyring', 'new', '-q', '-o', 'k.key']);
    ok(['keyring', 'add-new', '-n', 'laptop', 'k.key']);
    const before = fs.readFileSync(path.join(dir(), 'k.key'));
    const no = onTerminal(['keyring', 'del', '-n', 'laptop', 'k.key'], 'n\n');
    expect(no.status).toBe(0);
    expect(no.out).toMatch(/delete the secret key of \w+ \(laptop\) from k\.key\? \[y\/N\]/);
    expect(fs.readFileSync(path.join(dir(), 'k.key'))).toEqual(before);
    const yes = onTerminal(['keyring', 'del', '-y', '-n', 'laptop', 'k.key']);
    expect(yes.status).toBe(0);
    expect(yes.out).not.toContain('[y/N]');
    expect(fs.readFileSync(path.join(dir(), 'k.key'))).not.toEqual(before);
  });
});
