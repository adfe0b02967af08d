/**
 * `hbs2 completion bash|zsh|fish`: each script is loaded by the real shell, which completes
 * the same partly typed lines with the same expectations (test/cli/completion-shells.ts runs
 * the shells). zsh and fish are skipped, with a message, where they are not installed —
 * except in CI (CI=true), where their absence fails.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOneError, runCli, useTempDir } from '../helpers/cli.js';
import {
  bashCompletions,
  fishCompletions,
  hasShell,
  zshCompletions,
  type CompletionRun,
  type TestedShell,
} from './completion-shells.js';

const dir = useTempDir();
const IN_CI = process.env.CI === 'true';
const INSTALLED = { zsh: hasShell('zsh'), fish: hasShell('fish') };

/** The files of the directory completed in: where a file name is expected, these are offered. */
const FILE_NAMES = ['a.txt', 'b.dat'];

/** A partly typed line and what completing its last word must give. */
interface Case {
  line: string;
  why: string;
  /** Exactly these words. */
  exactly?: string[];
  /** At least these words, and no file names. */
  includes?: string[];
  /** None of these words. */
  excludes?: string[];
  /** The file names of the directory (bash: nothing, so that bash offers them itself). */
  files?: true;
}

const KEYRING_COMMANDS = [
  'keyring',
  'keyring-key-add',
  'keyring-key-del',
  'keyring-list',
  'keyring-new',
];

const CASES: Case[] = [
  { line: 'hbs2 keyr', why: 'commands', exactly: KEYRING_COMMANDS },
  {
    line: 'hbs2 keyring ',
    why: 'subcommands, not file names',
    includes: ['add-new', 'del', 'find', 'list', 'new', 'pubs'],
  },
  { line: 'hbs2 cat --me', why: "the command's options", exactly: ['--metadata'] },
  {
    line: 'hbs2 groupkey update -k a.key --ad',
    why: 'options of the command typed, after other options and arguments',
    exactly: ['--add'],
  },
  { line: 'hbs2 hash ', why: 'a command without subcommands takes files', files: true },
  {
    line: 'hbs2 keyring new ',
    why: "files after a subcommand, not its parent's subcommands again",
    files: true,
  },
  {
    line: 'hbs2 keyring new --',
    why: 'the options of keyring new, not those of groupkey new',
    includes: ['--number', '--output', '--json'],
    excludes: ['--acb', '--recipient'],
  },
  { line: 'hbs2 --config ', why: "an option's value is a file name", files: true },
  {
    line: 'hbs2 --config keyring keyr',
    why: "an option's value is no subcommand, even when named like one",
    exactly: KEYRING_COMMANDS,
  },
];

/** Asserts `got`, the completions of `c.line`, where a file name expected gives `files`. */
function expectCase(got: string[], c: Case, files: string[]): void {
  if (c.exactly) expect(got).toEqual(c.exactly);
  if (c.files) expect(got).toEqual(files);
  if (c.includes) {
    expect(got).toEqual(expect.arrayContaining(c.includes));
    for (const f of FILE_NAMES) expect(got).not.toContain(f);
  }
  for (const w of c.excludes ?? []) expect(got).not.toContain(w);
}

/**
 * The script of `shell` in a file (named `file`) of its own dir, and the dirs it completes
 * in: `cwd` holds only {@link FILE_NAMES}.
 */
function completionRun(shell: TestedShell, file: string): CompletionRun {
  const r = runCli(dir(), ['completion', shell]);
  expect(r.status, r.stderr).toBe(0);
  const base = path.join(dir(), shell);
  const run = {
    script: path.join(base, 'script', file),
    cwd: path.join(base, 'cwd'),
    home: path.join(base, 'home'),
  };
  for (const d of [path.dirname(run.script), run.cwd, run.home])
    fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(run.script, r.stdout);
  for (const f of FILE_NAMES) fs.writeFileSync(path.join(run.cwd, f), '');
  return run;
}

describe('bash completion', () => {
  let run: CompletionRun;
  beforeAll(() => {
    run = completionRun('bash', 'hbs2.bash');
  });

  it.each(CASES)('$line: $why', (c) => {
    expectCase(bashCompletions(run, c.line), c, []);
  });

  it('leaves file names to bash (complete -o default)', () => {
    const args = ['--norc', '-c', 'source "$1"; complete -p hbs2', 'bash', run.script];
    const r = spawnSync('bash', args, { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('complete -o default -F _hbs2 hbs2');
  });
});

for (const shell of ['zsh', 'fish'] as const) {
  const found = INSTALLED[shell];
  if (!found && !IN_CI)
    console.warn(
      `test/cli/completion.test.ts: ${shell} not found, its tests skipped (apt-get install ${shell})`,
    );

  describe.runIf(IN_CI && !found)(`${shell} completion (CI)`, () => {
    it(`has ${shell} installed (.ci/run installs it)`, () => {
      expect(found, `${shell} is missing: .ci/run must apt-get install it`).toBe(true);
    });
  });
}

describe.runIf(INSTALLED.fish)('fish completion', () => {
  let run: CompletionRun;
  beforeAll(() => {
    run = completionRun('fish', 'hbs2.fish');
  });

  it.each(CASES)('$line: $why', (c) => {
    expectCase(fishCompletions(run, c.line), c, FILE_NAMES);
  });
});

describe.runIf(INSTALLED.zsh)('zsh completion', () => {
  let sourced: CompletionRun;
  let autoloaded: CompletionRun;
  beforeAll(() => {
    sourced = completionRun('zsh', 'hbs2.zsh');
    // The same home: the compinit dump the first run writes serves every run.
    autoloaded = { ...completionRun('zsh', '_hbs2'), home: sourced.home };
  });

  it.each(CASES)('$line: $why', (c) => {
    expectCase(zshCompletions(sourced, c.line), c, FILE_NAMES);
  });

  it('works as well autoloaded from $fpath (#compdef)', () => {
    expect(zshCompletions(autoloaded, 'hbs2 keyr', 'fpath')).toEqual(KEYRING_COMMANDS);
    expect(zshCompletions(autoloaded, 'hbs2 keyring new --', 'fpath')).toContain('--number');
    expect(zshCompletions(autoloaded, 'hbs2 hash ', 'fpath')).toEqual(FILE_NAMES);
  });
});

describe('completion command', () => {
  it('an unknown shell is exit 2', () => {
    expectOneError(runCli(dir(), ['completion', 'tcsh']), 2, { text: "unknown shell 'tcsh'" });
  });
});
