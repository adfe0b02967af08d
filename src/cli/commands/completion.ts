/** `hbs2 completion bash|zsh|fish`: prints the shell's completion script. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { completionScript, SHELLS, type Shell } from '../completion.js';
import type { CliContext } from '../context.js';
import { writeStdout } from '../output.js';

/** Registers `completion`. */
export function register(program: Command, _ctx: CliContext): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', SHELLS.join(', '))
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 completion bash > ~/.local/share/bash-completion/completions/hbs2\n' +
        '  source <(hbs2 completion bash)\n' +
        '  source <(hbs2 completion zsh)    # in ~/.zshrc, or save it as _hbs2 in a $fpath dir\n' +
        '  hbs2 completion fish > ~/.config/fish/completions/hbs2.fish',
    )
    .action(async (shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell))
        throw new UsageError(`unknown shell '${shell}': expected one of ${SHELLS.join(', ')}`);
      // The root program: commands register on it, so its tree is complete by now.
      await writeStdout(completionScript(program, shell as Shell));
    });
}
