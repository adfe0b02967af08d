/**
 * The `hbs2` command line: builds the commander program, runs one command, and maps
 * every failure to one `hbs2: error:` line and the exit code of spec/cli.md.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { selectCrypto } from '../crypto/index.js';
import { UsageError } from '../errors.js';
import { reportError } from './errors.js';
import { closeSharedPool } from './encryption.js';
import type { CliContext } from './context.js';
import * as keyringCommands from './commands/keyring.js';
import * as configCommands from './commands/config.js';
import * as groupkeyCommands from './commands/groupkey.js';
import * as storeCommands from './commands/store.js';
import * as metadataCommands from './commands/metadata.js';
import * as rotateCommands from './commands/rotate.js';
import * as acbCommands from './commands/acb.js';
import * as sigilCommands from './commands/sigil.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Builds the program; exported for tests and for help generation. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('hbs2')
    .description('hbs2-compatible keyrings, group keys and encrypted content-addressed storage')
    .version(pkg.version, '-V, --version')
    .option('--config <file>', 'config file (default $XDG_CONFIG_HOME/hbs2/toolkit.yaml)')
    .showHelpAfterError('(add --help for usage)')
    .enablePositionalOptions()
    .addHelpText('after', '\nExample:\n  hbs2 keyring new -o my.key && hbs2 keyring list my.key');
  program.hook('preAction', (thisCommand) => {
    const cfg = thisCommand.opts<{ config?: string }>().config;
    if (cfg) ctx.configPath = cfg;
  });
  for (const mod of [
    keyringCommands,
    configCommands,
    groupkeyCommands,
    storeCommands,
    metadataCommands,
    rotateCommands,
    acbCommands,
    sigilCommands,
  ])
    mod.register(program, ctx);
  applyToAll(program, (c) => {
    c.exitOverride();
    c.configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`hbs2: ${s.replace(/^error: /, 'error: ')}`),
    });
  });
  return program;
}

function applyToAll(c: Command, f: (c: Command) => void): void {
  f(c);
  for (const sub of c.commands) applyToAll(sub, f);
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = env.HBS2_DEBUG === '1';
  const ctx: CliContext = { env };
  try {
    const backend = env.HBS2_CRYPTO;
    if (backend !== undefined && backend !== '') {
      if (backend !== 'js' && backend !== 'native')
        throw new UsageError(`HBS2_CRYPTO must be 'js' or 'native', got '${backend}'`);
      selectCrypto(backend);
    }
    const program = buildProgram(ctx);
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    try {
      await program.parseAsync(argv, { from: 'user' });
    } finally {
      await closeSharedPool();
    }
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    const report = reportError(e, debug);
    process.stderr.write(report.lines.join('\n') + '\n');
    return report.exitCode;
  }
}
