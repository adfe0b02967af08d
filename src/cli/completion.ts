/**
 * Shell completion scripts generated from commander's command tree, so a new command or
 * option completes without anyone editing a script: `hbs2 completion bash|zsh|fish`.
 *
 * All three complete the same way: the words before the cursor are walked down the tree
 * (options and the values of options that take one are skipped; a word descends only when
 * it is a subcommand of the command reached so far), then the command reached offers its
 * options after a `-`, else its subcommands, else (a command with none, or the value of an
 * option such as `--config <file>`) file names.
 */
import type { Command } from 'commander';

/** The shells a script can be generated for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** One option: its flags (`-o`, `--output`), what it does, and whether a value follows it. */
interface CompletionOption {
  flags: string[];
  description: string;
  takesValue: boolean;
}

/** One command's completions: its path from the root, subcommands and options. */
interface CompletionNode {
  path: string[];
  subcommands: Array<{ name: string; description: string }>;
  options: CompletionOption[];
}

/** A description on one line: every script keeps one entry per line. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Every command of the tree, the root first, with the words that may follow it. */
function nodes(program: Command): CompletionNode[] {
  const out: CompletionNode[] = [];
  const walk = (c: Command, path: string[]) => {
    const subs = c.commands.filter((s) => !(s as unknown as { _hidden?: boolean })._hidden);
    out.push({
      path,
      subcommands: subs.flatMap((s) =>
        [s.name(), ...s.aliases()].map((name) => ({ name, description: oneLine(s.description()) })),
      ),
      options: [
        ...c.options
          .filter((o) => !o.hidden)
          .map((o) => ({
            flags: [o.short, o.long].filter((f): f is string => f !== undefined),
            description: oneLine(o.description),
            // An optional value ([value]) may be absent, so the next word is not skipped.
            takesValue: o.required,
          })),
        { flags: ['--help'], description: 'display help for command', takesValue: false },
      ],
    });
    for (const s of subs) for (const name of [s.name(), ...s.aliases()]) walk(s, [...path, name]);
  };
  walk(program, []);
  return out;
}

/** The key of a command in the scripts' tables: its path from `hbs2`, space-separated. */
function commandKey(n: CompletionNode): string {
  return ['hbs2', ...n.path].join(' ');
}

/** The flags of `n`'s options that take a value. */
function valueFlags(n: CompletionNode): string[] {
  return n.options.filter((o) => o.takesValue).flatMap((o) => o.flags);
}

/** Single-quotes `s` for sh, bash and zsh. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** zsh's `$'…'` quoting, where `\n` is a newline: the zsh tables hold one entry per line. */
function zshLinesQuote(lines: string[]): string {
  return `$'${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/'/g, "\\'")).join('\\n')}'`;
}

/** Fish quotes differently: a backslash escapes a quote inside single quotes. */
function fishQuote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * bash: tables from command path ("hbs2 keyring") to the words that may follow; the
 * function walks the words typed so far down the tables, then completes as the module
 * comment says — files through `complete -o default`, which bash uses when COMPREPLY is empty.
 */
function bashScript(program: Command): string {
  const lines = [
    '# hbs2 completion for bash: source it, or put it in ~/.local/share/bash-completion/completions/hbs2',
  ];
  lines.push('declare -gA _hbs2_subcommands _hbs2_options _hbs2_value_options');
  for (const n of nodes(program)) {
    const key = quote(commandKey(n));
    lines.push(`_hbs2_subcommands[${key}]=${quote(n.subcommands.map((s) => s.name).join(' '))}`);
    lines.push(`_hbs2_options[${key}]=${quote(n.options.flatMap((o) => o.flags).join(' '))}`);
    lines.push(`_hbs2_value_options[${key}]=${quote(valueFlags(n).join(' '))}`);
  }
  lines.push(
    '_hbs2() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" path="hbs2" i w skip=0',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w="${COMP_WORDS[i]}"',
    '    if ((skip)); then skip=0; continue; fi',
    '    if [[ "$w" == -* ]]; then',
    '      [[ " ${_hbs2_value_options[$path]} " == *" $w "* ]] && skip=1',
    '      continue',
    '    fi',
    '    [[ -n "${_hbs2_subcommands["$path $w"]+set}" ]] && path="$path $w"',
    '  done',
    '  if ((skip)); then',
    '    COMPREPLY=()',
    '  elif [[ "$cur" == -* ]]; then',
    '    COMPREPLY=($(compgen -W "${_hbs2_options[$path]}" -- "$cur"))',
    '  elif [[ -n "${_hbs2_subcommands[$path]}" ]]; then',
    '    COMPREPLY=($(compgen -W "${_hbs2_subcommands[$path]}" -- "$cur"))',
    '  else',
    '    COMPREPLY=()',
    '  fi',
    '}',
    'complete -o default -F _hbs2 hbs2',
  );
  return lines.join('\n') + '\n';
}

/**
 * zsh: a native completion function (zsh arrays count from 1 and `path` is zsh's $PATH, so
 * the bash function cannot run as is), with descriptions through `_describe` and file names
 * through `_files`. The file works both ways zsh loads completions: autoloaded from a
 * directory of $fpath as `_hbs2` (`#compdef hbs2`; the body then defines and runs `_hbs2`),
 * or sourced, where it registers `_hbs2` with compdef.
 */
function zshScript(program: Command): string {
  const lines = [
    '#compdef hbs2',
    '# hbs2 completion for zsh: source it from ~/.zshrc, or save it as _hbs2 in a directory of $fpath',
    'typeset -gA _hbs2_subcommands _hbs2_options _hbs2_value_options',
  ];
  for (const n of nodes(program)) {
    const key = quote(commandKey(n));
    const subs = n.subcommands.map((s) => `${s.name}:${s.description}`);
    const opts = n.options.flatMap((o) => o.flags.map((f) => `${f}:${o.description}`));
    // name+=(key value): zsh keeps quotes in a subscript (name['key']=) as part of the key.
    lines.push(`_hbs2_subcommands+=(${key} ${zshLinesQuote(subs)})`);
    lines.push(`_hbs2_options+=(${key} ${zshLinesQuote(opts)})`);
    lines.push(`_hbs2_value_options+=(${key} ${quote(valueFlags(n).join(' '))})`);
  }
  lines.push(
    '_hbs2() {',
    '  local cmd=hbs2 w next',
    '  local -i i skip=0',
    '  local -a entries',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    w=${words[i]}',
    '    if ((skip)); then skip=0; continue; fi',
    '    if [[ $w == -* ]]; then',
    '      [[ " ${_hbs2_value_options[$cmd]} " == *" $w "* ]] && skip=1',
    '      continue',
    '    fi',
    '    next="$cmd $w"',
    '    (( ${+_hbs2_subcommands[$next]} )) && cmd=$next',
    '  done',
    '  if ((skip)); then',
    '    _files',
    '  elif [[ $PREFIX == -* ]]; then',
    '    entries=("${(@f)_hbs2_options[$cmd]}")',
    "    _describe -t options 'hbs2 option' entries",
    '  elif [[ -n ${_hbs2_subcommands[$cmd]} ]]; then',
    '    entries=("${(@f)_hbs2_subcommands[$cmd]}")',
    "    _describe -t commands 'hbs2 command' entries",
    '  else',
    '    _files',
    '  fi',
    '}',
    'if [[ ${funcstack[1]} == _hbs2 ]]; then',
    '  _hbs2 "$@"',
    'else',
    '  (( ${+functions[compdef]} )) || { autoload -Uz compinit && compinit; }',
    '  compdef _hbs2 hbs2',
    'fi',
  );
  return lines.join('\n') + '\n';
}

/**
 * fish: `complete` lines conditioned on the command the words so far reach (a function
 * walking them as the module comment says; fish's own `__fish_seen_subcommand_from` cannot
 * tell `keyring new` from `groupkey new`, nor a parent from its subcommand).
 */
function fishScript(program: Command): string {
  const all = nodes(program);
  const lines = [
    '# hbs2 completion for fish: save as ~/.config/fish/completions/hbs2.fish',
    `set -g __hbs2_commands ${all.map((n) => fishQuote(commandKey(n))).join(' ')}`,
    `set -g __hbs2_value_options ${all
      .flatMap((n) => valueFlags(n).map((f) => fishQuote(`${commandKey(n)} ${f}`)))
      .join(' ')}`,
    '# The command the words before the cursor reach, e.g. "hbs2 keyring new".',
    'function __hbs2_command',
    '    set -l cmd hbs2',
    '    set -l skip 0',
    '    for w in (commandline -opc)[2..-1]',
    '        if test $skip = 1',
    '            set skip 0',
    '        else if string match -q -- "-*" $w',
    '            contains -- "$cmd $w" $__hbs2_value_options; and set skip 1',
    '        else if contains -- "$cmd $w" $__hbs2_commands',
    '            set cmd "$cmd $w"',
    '        end',
    '    end',
    '    echo $cmd',
    'end',
    'function __hbs2_command_is',
    '    test (__hbs2_command) = "$argv"',
    'end',
    'complete -c hbs2 -f',
  ];
  for (const n of all) {
    const cond = fishQuote(`__hbs2_command_is ${commandKey(n)}`);
    for (const s of n.subcommands)
      lines.push(
        `complete -c hbs2 -n ${cond} -a ${fishQuote(s.name)} -d ${fishQuote(s.description)}`,
      );
    for (const o of n.options) {
      const flags = o.flags.map((f) =>
        f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`,
      );
      // -r -F: the option's value is a word of its own, completed as a file name.
      const value = o.takesValue ? ' -r -F' : '';
      lines.push(
        `complete -c hbs2 -n ${cond} ${flags.join(' ')}${value} -d ${fishQuote(o.description)}`,
      );
    }
    if (n.subcommands.length === 0) lines.push(`complete -c hbs2 -n ${cond} -F`);
  }
  return lines.join('\n') + '\n';
}

/** The completion script of `shell` for the command tree of `program`. */
export function completionScript(program: Command, shell: Shell): string {
  if (shell === 'bash') return bashScript(program);
  if (shell === 'zsh') return zshScript(program);
  return fishScript(program);
}
