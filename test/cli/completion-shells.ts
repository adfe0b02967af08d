/**
 * What bash, zsh and fish really complete with a script of `hbs2 completion`: each shell
 * loads the script and runs its own completion machinery on a partly typed line.
 *
 * - bash: the function `complete -F` names is called with COMP_WORDS/COMP_CWORD, as bash
 *   does; it returns COMPREPLY (an empty one makes bash offer file names: `-o default`).
 * - fish: `complete -C LINE` prints what fish would offer at the end of LINE.
 * - zsh: completion only runs inside the line editor, so an interactive `zsh -f` is driven
 *   through a pseudo-terminal (zsh/zpty): compinit, the script, then LINE and a TAB. A
 *   `compadd` wrapper records the matches zsh's own matching keeps (compadd -O) for each
 *   call that adds matches, and a post-completion hook exits the shell.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';

/** The shells the completion tests run; bash is everywhere, zsh and fish may be missing. */
export type TestedShell = 'bash' | 'zsh' | 'fish';

/** A hung shell fails its test instead of blocking the run. */
const SHELL_TIMEOUT_MS = 10_000;

/** Where a shell completes: the script it loads, its working directory, its HOME. */
export interface CompletionRun {
  script: string;
  /** The directory whose files are offered where a file name is expected. */
  cwd: string;
  /** HOME and XDG dirs, apart from cwd so that nothing the shell writes there is offered. */
  home: string;
}

/** Whether `shell` is installed (on PATH). */
export function hasShell(shell: TestedShell): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
}

/** An environment whose HOME and XDG dirs are inside `home`: no user configuration is read or written. */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const { PATH } = process.env;
  return {
    PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    TERM: 'xterm',
    LANG: 'C.UTF-8',
  };
}

/** The run's stdout, after checking it exited 0 with nothing on stderr. */
function output(r: ReturnType<typeof spawnSync>, what: string): string {
  expect(r.error, what).toBeUndefined();
  expect(String(r.stderr), what).toBe('');
  expect(r.status, what).toBe(0);
  return String(r.stdout);
}

/** Distinct words, sorted: the shells differ in order (bash keeps the script's, fish sorts). */
function distinct(words: string[]): string[] {
  return [...new Set(words.filter(Boolean))].sort();
}

/**
 * What bash's completion function gives for `line` (the word after its last space is the
 * one completed).
 */
export function bashCompletions({ script, cwd, home }: CompletionRun, line: string): string[] {
  const words = line.split(' ');
  const array = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '--norc',
      '-c',
      `set -e; source ${JSON.stringify(script)}; COMP_WORDS=(${array}); ` +
        `COMP_CWORD=${words.length - 1}; _hbs2; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8', cwd, env: isolatedEnv(home), timeout: SHELL_TIMEOUT_MS },
  );
  return distinct(output(r, `bash: ${line}`).split('\n'));
}

/** What fish offers at the end of `line` (descriptions dropped). */
export function fishCompletions({ script, cwd, home }: CompletionRun, line: string): string[] {
  const r = spawnSync(
    'fish',
    ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', script, line],
    { encoding: 'utf8', cwd, env: isolatedEnv(home), timeout: SHELL_TIMEOUT_MS },
  );
  return distinct(
    output(r, `fish: ${line}`)
      .split('\n')
      .map((l) => l.split('\t')[0] ?? ''),
  );
}

/** How zsh loads the script: sourced after compinit, or autoloaded from $fpath as `_hbs2`. */
export type ZshLoading = 'source' | 'fpath';

/**
 * Run inside the interactive zsh: compinit (with a dump file that the first run writes and
 * the others read, so only one run pays for scanning $fpath), the script, the recording
 * compadd, and a prompt the driver waits for before typing.
 */
const ZSH_SETUP = `
autoload -Uz compinit && compinit -u -d "$HBS2_ZCOMPDUMP"
if [[ $HBS2_LOADING == fpath ]]; then
  # What compinit does for a #compdef file in $fpath.
  fpath=("\${HBS2_SCRIPT:h}" $fpath)
  autoload -Uz _hbs2 && compdef _hbs2 hbs2
else
  source "$HBS2_SCRIPT"
fi
bindkey '^I' complete-word
compadd() {
  # Calls that only ask for matching (-O, -A) or filter descriptions (-D) add nothing.
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hbs2_matches
  builtin compadd -O __hbs2_matches "$@"
  (( $#__hbs2_matches )) && print -rl -- $__hbs2_matches >> "$HBS2_MATCHES"
  builtin compadd "$@"
}
__hbs2_exit() { exit }
comppostfuncs=(__hbs2_exit)
PROMPT='HBS2-''PROMPT> '
`;

/** Outside: starts the interactive zsh on a pty, waits for its prompt, types the line and TAB. */
const ZSH_DRIVER = `
zmodload zsh/zpty
zpty hbs2 zsh -f -i
zpty -w hbs2 "source \${(q)HBS2_SETUP}"
zpty -r hbs2 screen '*HBS2-PROMPT> *' || exit 3
zpty -w -n hbs2 "$1"$'\\t'
while zpty -r hbs2 chunk; do screen+=$chunk; done
zpty -d hbs2
print -r -- "$screen"
`;

/**
 * What zsh completes for `line`. The script must be named `_hbs2` for the fpath loading;
 * the driver files and the compinit dump go to `home`.
 */
export function zshCompletions(
  { script, cwd, home }: CompletionRun,
  line: string,
  loading: ZshLoading = 'source',
): string[] {
  const setup = path.join(home, 'setup.zsh');
  const driver = path.join(home, 'driver.zsh');
  const matches = path.join(home, 'matches');
  fs.writeFileSync(setup, ZSH_SETUP);
  fs.writeFileSync(driver, ZSH_DRIVER);
  fs.writeFileSync(matches, '');
  const r = spawnSync('zsh', ['-f', driver, line], {
    encoding: 'utf8',
    cwd,
    env: {
      ...isolatedEnv(home),
      HBS2_SETUP: setup,
      HBS2_SCRIPT: script,
      HBS2_LOADING: loading,
      HBS2_MATCHES: matches,
      HBS2_ZCOMPDUMP: path.join(home, 'zcompdump'),
    },
    timeout: SHELL_TIMEOUT_MS,
  });
  expect(r.error, `zsh: ${line}`).toBeUndefined();
  expect(r.status, `zsh: ${line}: ${r.stderr}`).toBe(0);
  // The inner shell's errors ("_hbs2:12: bad substitution") only show on its screen.
  expect(r.stdout, `zsh: ${line}`).not.toMatch(/command not found|[\w/.-]+:\d+: /);
  return distinct(fs.readFileSync(matches, 'utf8').split('\n'));
}
