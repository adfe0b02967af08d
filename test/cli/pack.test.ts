/**
 * SLOW (about 10 s, needs the npm registry or cache): a clean copy of the repository packs
 * and installs. Issue 15: a fresh clone had no `prepare` script, so `npm pack` made a
 * three-file tarball and `npm install -g` gave ERR_MODULE_NOT_FOUND for dist/cli/main.js.
 * The copy holds the files git would give a clone (tracked and not ignored: no dist/),
 * with node_modules linked in so `prepare` can run the TypeScript compiler.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { useTempDir } from '../helpers/cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = useTempDir();

/** Copies what a clone of ROOT would hold (tracked and unignored files) into `dest`. */
function cloneInto(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && f !== 'node_modules' && fs.existsSync(path.join(ROOT, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dest, f));
  }
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(dest, 'node_modules'));
}

test('a clean clone packs, installs globally into a prefix, and runs hbs2 --version', () => {
  const clone = path.join(dir(), 'clone');
  cloneInto(clone);
  expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
  const npm = (args: string[], cwd: string) => {
    const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 50_000 });
    expect(r.status, `npm ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const packed = npm(['pack', '--pack-destination', dir(), '--json'], clone);
  const [info] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
  expect(info.files.map((f) => f.path)).toContain('dist/cli/main.js');
  const prefix = path.join(dir(), 'prefix');
  npm(
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      path.join(dir(), info.filename),
    ],
    dir(),
  );
  const r = spawnSync(path.join(prefix, 'bin', 'hbs2'), ['--version'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^hbs2 0\.\d+\.\d+ \(hbs2-toolkit; crypto (native|js); node v\d+/);
});
