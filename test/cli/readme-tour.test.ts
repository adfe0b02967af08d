/**
 * The README's tour runs as written (issue 15: it used key files and a ROOT it never
 * made, so a user pasting it failed at the third line). The test takes the first `sh`
 * block under "## A tour" from README.md and runs it with bash, stopping at the first
 * failing command, with `hbs2` on PATH as the built CLI.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { useTempDir } from '../helpers/cli.js';
import { BIN, hbs2Env } from '../helpers/hostile.js';

const README = path.resolve(import.meta.dirname, '../../README.md');
const dir = useTempDir();

/** The shell text of the tour: the first ```sh block after the "## A tour" heading. */
function tourScript(readme: string): string {
  const section = readme.slice(readme.indexOf('\n## A tour\n'));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  if (!m || readme.indexOf('\n## A tour\n') < 0) throw new Error('README.md has no tour block');
  return m[1]!;
}

test('the README tour runs top to bottom in an empty directory', () => {
  const script = tourScript(fs.readFileSync(README, 'utf8'));
  const bin = path.join(dir(), 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'hbs2'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
    { mode: 0o755 },
  );
  const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
    cwd: dir(),
    encoding: 'utf8',
    env: { ...hbs2Env(dir()), PATH: `${bin}:${process.env.PATH}` },
    timeout: 55_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const tour = path.join(dir(), 'hbs2-tour');
  // What the tour claims: the decrypted copy is the file, and the store is its own.
  expect(fs.readFileSync(path.join(tour, 'copy.pdf'))).toEqual(
    fs.readFileSync(path.join(tour, 'report.pdf')),
  );
  expect(fs.existsSync(path.join(tour, 'store'))).toBe(true);
  expect(r.stdout).toContain('carol cannot read ROOT3 (exit 5)');
  // The only error is the one the tour shows on purpose (Carol removed).
  expect(r.stderr.match(/^hbs2: error: .*$/gm)).toEqual([
    'hbs2: error: no keyring entry opens the group key',
  ]);
});
