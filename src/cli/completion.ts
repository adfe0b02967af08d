/**
 * Shell completion scripts generated from commander's command tree, so a new command or
 * option completes without anyone editing a script: `hbs2 completion bash|zsh|fish`.
 */
import type { Command } from 'commander';

/** The shells a script can be generated for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** One command's completions: its path from the root, subcommands and option flags. */
interface CompletionNode {
  path: string[];
  subcommands: Array<{ name: string; description: string }>;
  options: Array<{ flag: string; description: string }>;
}

/** Every command of the tree, the root first, with the words that may follow it. */
function nodes(program: Command): CompletionNode[] {
  const out: CompletionNode[] = [];
  const walk = (c: Command, path: string[]) => {
    const subs = c.commands.filter((s) => !(s as unknown as { _hidden?: boolean })._hidden);
    out.push({
      path,
      subcommands: subs.flatMap((s) =>
        [s.name(), ...s.aliases()].map((name) => ({ name, description: s.description() })),
      ),
      options: [
        ...c.options
          .filter((o) => !o.hidden)
          .flatMap((o) =>
            [o.long, o.short]
              .filter((f): f is string => f !== undefined)
              .map((flag) => ({ flag, description: o.description })),
          ),
        { flag: '--help', description: 'display help for command' },
      ],
    });
    for (const s of subs) for (const name of [s.name(), ...s.aliases()]) walk(s, [...path, name]);
  };
  walk(program, []);
  return out;
}

/** Single-quotes `s` for sh, bash, zsh and fish. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Fish quotes differently: a backslash escapes a quote inside single quotes. */
function fishQuote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * bash: a table from command path ("hbs2 keyring") to the words that may follow; the
 * function walks the words typed so far down the table, then completes subcommands, or
 * options after a `-`, or files (`complete -o default`) where the command takes no more.
 */
function bashScript(program: Command): string {
  const lines = [
    '# hbs2 completion for bash: source it, or put it in ~/.local/share/bash-completion/completions/hbs2',
  ];
  lines.push('declare -gA _hbs2_subcommands _hbs2_options');
  for (const n of nodes(program)) {
    const key = ['hbs2', ...n.path].join(' ');
    lines.push(
      `_hbs2_subcommands[${quote(key)}]=${quote(n.subcommands.map((s) => s.name).join(' '))}`,
    );
    lines.push(`_hbs2_options[${quote(key)}]=${quote(n.options.map((o) => o.flag).join(' '))}`);
  }
  lines.push(
    '_hbs2() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" path="hbs2" i w',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w="${COMP_WORDS[i]}"',
    '    [[ "$w" == -* ]] && continue',
    '    [[ -n "${_hbs2_subcommands["$path $w"]+set}" ]] && path="$path $w"',
    '  done',
    '  if [[ "$cur" == -* ]]; then',
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

/** zsh runs the bash script through its bash completion layer (bashcompinit). */
function zshScript(program: Command): string {
  return (
    '#compdef hbs2\n# hbs2 completion for zsh: source it from ~/.zshrc\n' +
    'autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n' +
    bashScript(program).replace(/^# .*\n/, '')
  );
}

/** fish: one `complete` line per subcommand and option, conditioned on the words so far. */
function fishScript(program: Command): string {
  const lines = ['# hbs2 completion for fish: save as ~/.config/fish/completions/hbs2.fish'];
  lines.push('complete -c hbs2 -f');
  for (const n of nodes(program)) {
    const cond =
      n.path.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const s of n.subcommands)
      lines.push(
        `complete -c hbs2 -n ${fishQuote(cond)} -a ${fishQuote(s.name)} -d ${fishQuote(s.description)}`,
      );
    for (const o of n.options) {
      const flag = o.flag.startsWith('--') ? `-l ${o.flag.slice(2)}` : `-s ${o.flag.slice(1)}`;
      lines.push(`complete -c hbs2 -n ${fishQuote(cond)} ${flag} -d ${fishQuote(o.description)}`);
    }
    if (n.subcommands.length === 0 && n.path.length > 0)
      lines.push(`complete -c hbs2 -n ${fishQuote(cond)} -F`);
  }
  return lines.join('\n') + '\n';
}

/** The completion script of `shell` for the command tree of `program`. */
export function completionScript(program: Command, shell: Shell): string {
  if (shell === 'bash') return bashScript(program);
  if (shell === 'zsh') return zshScript(program);
  return fishScript(program);
}
