/**
 * `hbs2 completion bash` sources cleanly in a real bash and completes subcommands and
 * options through the function bash calls (COMP_WORDS/COMP_CWORD in, COMPREPLY out).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../helpers/cli.js';

const dir = useTempDir();

/** What bash completes for the words typed so far (the last is the word being completed). */
function complete(script: string, words: string[]): string[] {
  const array = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '--norc',
      '-c',
      `set -e; source ${JSON.stringify(script)}; COMP_WORDS=(${array}); ` +
        `COMP_CWORD=${words.length - 1}; _hbs2; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('completion', () => {
  it('bash: sources cleanly and completes commands, subcommands and options', () => {
    const r = runCli(dir(), ['completion', 'bash']);
    expect(r.status, r.stderr).toBe(0);
    const script = path.join(dir(), 'hbs2.bash');
    fs.writeFileSync(script, r.stdout);
    expect(complete(script, ['hbs2', 'keyr'])).toEqual([
      'keyring',
      'keyring-new',
      'keyring-list',
      'keyring-key-add',
      'keyring-key-del',
    ]);
    expect(complete(script, ['hbs2', 'keyring', ''])).toEqual(
      expect.arrayContaining(['new', 'add-new', 'list', 'del', 'pubs', 'find']),
    );
    expect(complete(script, ['hbs2', 'cat', '--me'])).toEqual(['--metadata']);
    // Options of the command typed, even after other options and arguments.
    expect(complete(script, ['hbs2', 'groupkey', 'update', '-k', 'a.key', '--ad'])).toEqual([
      '--add',
    ]);
    // A command without subcommands completes nothing itself (bash then offers files).
    expect(complete(script, ['hbs2', 'hash', ''])).toEqual([]);
  });

  it('zsh and fish scripts are generated from the same tree; an unknown shell is exit 2', () => {
    const zsh = runCli(dir(), ['completion', 'zsh']);
    expect(zsh.status).toBe(0);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain("_hbs2_subcommands['hbs2 keyring']=");
    const fish = runCli(dir(), ['completion', 'fish']);
    expect(fish.status).toBe(0);
    expect(fish.stdout).toContain(
      "complete -c hbs2 -n '__fish_seen_subcommand_from keyring' -a 'add-new'",
    );
    expect(fish.stdout).toContain(
      "complete -c hbs2 -n '__fish_seen_subcommand_from cat' -l metadata",
    );
    const bad = runCli(dir(), ['completion', 'tcsh']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("hbs2: error: unknown shell 'tcsh'");
  });
});
