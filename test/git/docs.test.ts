/**
 * docs/git.md's walkthrough, run as written: its first `sh` block in a fresh directory
 * with `hbs2` and `git-remote-hbs2tk` on PATH. Build first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/cli.js';
import { BIN } from '../helpers/hostile.js';
import { gitEnv } from './helpers.js';

const tmp = useTempDir();

/** The first ```sh block of a markdown file. */
function firstShellBlock(file: string): string {
  const m = /```sh\n([\s\S]*?)```/.exec(fs.readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no sh block in ${file}`);
  return m[1]!;
}

describe('docs/git.md', () => {
  it('the walkthrough runs as written', () => {
    const dir = tmp();
    const env = gitEnv(dir);
    fs.symlinkSync(BIN, path.join(dir, 'bin', 'hbs2'));
    const script = firstShellBlock(path.resolve(__dirname, '../../docs/git.md'));
    expect(script).toContain('hbs2 git init');
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: dir,
      env: { ...env, HBS2_STORE: undefined },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    // The log shows the two canonical pushes; fsck read them.
    expect(r.stdout.match(/ canonical$/gm)).toHaveLength(2);
    expect(r.stdout).toMatch(/2 transactions, 2 canonical, 2 packs, \d+ pack bytes: ok/);
    expect(fs.readFileSync(path.join(dir, 'project', 'README'), 'utf8')).toBe(
      'hello team\nhi from bob\n',
    );
  });
});
