/**
 * The `hbs2` command line: builds the commander program, runs one command, and maps
 * every failure to one `hbs2: error:` line and the exit code of spec/cli.md.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { UsageError } from '../errors.js';
import { reportError } from './errors.js';
import { setQuiet, StdoutClosedError, stdoutFailure, watchStdout } from './output.js';
import { closeSharedPool } from './shared-pool.js';
import type { CliContext } from './context.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** A module of commands: adds its commands to the program. */
interface CommandModule {
  register(program: Command, ctx: CliContext): void;
}

/**
 * The command modules, in registration order (rotate adds subcommands to `groupkey`).
 * They are imported on demand: loading all of them and the library behind them is most of
 * the start-up time, and `hbs2 --version` or `keyring list` need one or none.
 */
const COMMAND_MODULES: Record<string, () => Promise<CommandModule>> = {
  keyring: () => import('./commands/keyring.js'),
  config: () => import('./commands/config.js'),
  groupkey: () => import('./commands/groupkey.js'),
  store: () => import('./commands/store.js'),
  cat: () => import('./commands/cat.js'),
  hash: () => import('./commands/hash.js'),
  deps: () => import('./commands/deps.js'),
  del: () => import('./commands/del.js'),
  fsck: () => import('./commands/fsck.js'),
  metadata: () => import('./commands/metadata.js'),
  rotate: () => import('./commands/rotate.js'),
  acb: () => import('./commands/acb.js'),
  sigil: () => import('./commands/sigil.js'),
  lwwref: () => import('./commands/lwwref.js'),
  pin: () => import('./commands/pin.js'),
  serve: () => import('./commands/serve.js'),
  git: () => import('./commands/git.js'),
  has: () => import('./commands/has.js'),
  completion: () => import('./commands/completion.js'),
  // After `store`, whose subcommands it adds.
  'store-maintenance': () => import('./commands/store-maintenance.js'),
};

/** The modules defining each top-level command (and alias). */
const MODULES_OF_COMMAND: Record<string, readonly string[]> = {
  keyring: ['keyring'],
  'keyring-new': ['keyring'],
  'keyring-list': ['keyring'],
  'keyring-key-add': ['keyring'],
  'keyring-key-del': ['keyring'],
  'show-peer-key': ['keyring'],
  config: ['config'],
  'groupkey-new': ['groupkey'],
  groupkey: ['groupkey', 'rotate'],
  store: ['store', 'store-maintenance'],
  cat: ['cat'],
  hash: ['hash'],
  deps: ['deps'],
  del: ['del'],
  fsck: ['fsck'],
  metadata: ['metadata'],
  rotate: ['rotate'],
  acb: ['acb'],
  sigil: ['sigil'],
  lwwref: ['lwwref'],
  pin: ['pin'],
  gc: ['pin'],
  serve: ['serve'],
  git: ['git'],
  has: ['has'],
  // completion describes the whole tree: every module is loaded for it.
  completion: Object.keys(COMMAND_MODULES),
};

/**
 * The command modules `argv` needs: those of its command, none for a bare `--version`,
 * and all of them for help, `help CMD` or an unknown command (so commander can list and
 * suggest commands).
 */
export function modulesFor(argv: readonly string[]): string[] {
  const all = Object.keys(COMMAND_MODULES);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') i++;
    else if (a === '-V' || a === '--version') return [];
    else if (a === '--') break;
    else if (!a.startsWith('-')) return [...(MODULES_OF_COMMAND[a] ?? all)];
    else if (!a.startsWith('--config=')) break; // -h, --help or an unknown option
  }
  return all;
}

/**
 * Builds the program with the commands of `modules` (default: every command); exported
 * for tests and for help generation.
 */
export async function buildProgram(
  ctx: CliContext,
  modules: readonly string[] = Object.keys(COMMAND_MODULES),
  version: string = pkg.version,
): Promise<Command> {
  const program = new Command('hbs2')
    .description('hbs2-compatible keyrings, group keys and encrypted content-addressed storage')
    .version(version, '-V, --version')
    .option('--config <file>', 'config file (default $XDG_CONFIG_HOME/hbs2/toolkit.yaml)')
    .showHelpAfterError('hbs2: hint: add --help for usage')
    .enablePositionalOptions()
    .addHelpText(
      'after',
      '\nWhen the reader of standard output goes away (hbs2 … | head -1), the command stops\n' +
        'quietly with exit 0.\n' +
        '\nExample:\n  hbs2 keyring new -o my.key && hbs2 keyring list my.key',
    );
  program.hook('preAction', (thisCommand, actionCommand) => {
    const cfg = thisCommand.opts<{ config?: string }>().config;
    if (cfg) ctx.configPath = cfg;
    setQuiet(actionCommand.opts<{ quiet?: boolean }>().quiet === true);
  });
  const wanted = new Set(modules);
  const loaded = await Promise.all(
    Object.entries(COMMAND_MODULES)
      .filter(([name]) => wanted.has(name))
      .map(([, load]) => load()),
  );
  for (const mod of loaded) mod.register(program, ctx);
  applyToAll(program, (c) => {
    // Every command takes --quiet; those that print a summary of their own read it too.
    if (c !== program && c.commands.length === 0 && !c.options.some((o) => o.long === '--quiet'))
      c.option('-q, --quiet', 'no informational messages or progress on stderr');
    c.exitOverride();
    c.configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(commanderErrorLines(s)),
    });
  });
  return program;
}

/**
 * Commander's error text in the CLI's form: its first line as `hbs2: error:`, and each
 * extra line it adds — `(Did you mean store?)` — as an `hbs2: hint:` line.
 */
export function commanderErrorLines(text: string): string {
  const [first = '', ...rest] = text.replace(/\n$/, '').split('\n');
  const lines = [`hbs2: ${first.replace(/^error: /, 'error: ')}`];
  for (const extra of rest) {
    const bare = extra.trim().replace(/^\((.*)\)$/, '$1');
    if (bare !== '') lines.push(`hbs2: hint: ${bare[0]!.toLowerCase()}${bare.slice(1)}`);
  }
  return lines.join('\n') + '\n';
}

function applyToAll(c: Command, f: (c: Command) => void): void {
  f(c);
  for (const sub of c.commands) applyToAll(sub, f);
}

/**
 * What `hbs2 --version` prints, as `restic version` does: the toolkit's version, the
 * crypto backend in use (native libsodium or the pure-JS one) and the runtime, since
 * both change speed and behaviour reports.
 */
export async function versionText(): Promise<string> {
  const backend = (await import('../crypto/index.js')).crypto().name;
  return `hbs2 ${pkg.version} (hbs2-toolkit; crypto ${backend}; node ${process.version} ${process.platform}/${process.arch})`;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = env.HBS2_DEBUG === '1';
  watchStdout();
  const code = await runCommand(argv, env, debug);
  // A success whose output was lost (help text into a full disk) is not a success.
  const lostOutput = code === 0 ? await stdoutFailure() : undefined;
  return lostOutput ? printError(lostOutput, debug) : code;
}

/** Prints the one-line report of `e` on stderr; returns its exit code. */
function printError(e: unknown, debug: boolean): number {
  const report = reportError(e, debug);
  process.stderr.write(report.lines.join('\n') + '\n');
  return report.exitCode;
}

/** {@link main} without the final check of stdout. */
async function runCommand(argv: string[], env: NodeJS.ProcessEnv, debug: boolean): Promise<number> {
  const ctx: CliContext = { env };
  try {
    const backend = env.HBS2_CRYPTO;
    const cryptoChoice = await import('../crypto/select.js');
    if (backend !== undefined && backend !== '') {
      if (backend !== 'js' && backend !== 'native')
        throw new UsageError(`HBS2_CRYPTO must be 'js' or 'native', got '${backend}'`);
      cryptoChoice.selectCrypto(backend);
    } else cryptoChoice.preferNativeCrypto();
    const modules = modulesFor(argv);
    // Commands that may hash many blocks on this thread (plain cat, fsck) get the faster
    // BLAKE2b; it compiles in the background and the native backend uses it once ready.
    if (backend !== 'js' && modules.some((m) => ['store', 'rotate', 'metadata'].includes(m)))
      void cryptoChoice.loadWasmBlake2b();
    // Only `--version` loads no command module: it alone needs the backend's name.
    const version = modules.length === 0 ? await versionText() : pkg.version;
    const program = await buildProgram(ctx, modules, version);
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
    // The reader of stdout has gone (`hbs2 … | head -1`): the command ends quietly, as
    // with nothing left to do (exit 0), like the tools that ignore SIGPIPE.
    if (e instanceof StdoutClosedError) return 0;
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // A command group given without its subcommand (`hbs2 keyring`): help on stderr and,
      // as for `hbs2` alone, exit 2; `hbs2 help` itself succeeds.
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
      return 2;
    }
    return printError(e, debug);
  }
}
