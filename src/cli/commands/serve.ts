/** `serve`: read-only HTTP over the store, with the web page that decrypts in the browser. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { serveStore } from '../../serve/http-server.js';
import { loadStaticFiles } from '../../serve/static-files.js';
import { openStore } from '../../store/open.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { info, printLine, warn } from '../output.js';
import { resolveStorePath } from '../settings.js';

interface ServeOptions {
  port: string;
  bind: string;
  prefix?: string;
  /** `--allow-host`: host names answered beyond IP addresses and localhost. */
  allowHost?: string[];
}

/** Parses `--port`: 0 (any free port) to 65535. */
function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535))
    throw new UsageError(`--port must be a number from 0 to 65535, got '${text}'`);
  return port;
}

/** True for addresses only this machine reaches. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Serves until SIGINT or SIGTERM, then closes the server and the store. */
async function serveCommand(ctx: CliContext, opts: ServeOptions): Promise<void> {
  const port = parsePort(opts.port);
  const store = await openStore(await resolveStorePath(ctx, opts.prefix));
  try {
    const web = await loadStaticFiles();
    if (!web) warn('the web page is not built (npm run build): serving the store paths only');
    if (!isLoopback(opts.bind))
      warn(
        `listening on ${opts.bind}: anyone who reaches it can read every block ` +
          '(encrypted content stays encrypted)',
      );
    const server = await serveStore(store, {
      port,
      host: opts.bind,
      web: web ?? undefined,
      allowedHosts: opts.allowHost,
    });
    info(`serving ${store.location} (read-only); Ctrl-C stops`);
    await printLine(server.url);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
  } finally {
    await store.close();
  }
}

/** Registers `serve`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description("serve the store read-only over HTTP (hbs2-peer's paths) and the web page")
    .option('--port <n>', 'TCP port (0: any free port)', '8000')
    .option('--bind <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--allow-host <name>',
      'answer requests for this host name too (repeatable; * for any): by default only IP ' +
        'addresses and localhost, against DNS rebinding',
      collect,
    )
    .option(
      '-p, --prefix <dir>',
      'store directory (default: $HBS2_STORE, config `store`, ~/.local/share/hbs2)',
    )
    .addHelpText(
      'after',
      '\nPaths: GET /cat/HASH (raw block, Range supported), /size/HASH (block size, JSON),\n' +
        '/tree/HASH (content of a plain object), /ref/KEY (content an LWW ref points at),\n' +
        '/metadata/HASH (cat --metadata as JSON). Encrypted trees are served as stored: the\n' +
        'page at / opens a keyring file locally (never uploaded) and decrypts in the browser.\n' +
        'Prints the URL on standard output; stops on Ctrl-C or SIGTERM.\n' +
        'Requests naming another host (a web site whose name was made to resolve to this\n' +
        'machine: DNS rebinding) get 403 unless --allow-host names it, e.g. behind a proxy.\n' +
        '\nExample:\n  hbs2 serve --port 8000   # then open http://127.0.0.1:8000/',
    )
    .action((opts: ServeOptions) => serveCommand(ctx, opts));
}
