/**
 * `hbs2 git …`: the owner's side of encrypted git repositories (create, readers, writers,
 * deleted transactions, checkpoint) and the readers' log and fsck. Thin over src/git/.
 */
import type { Command } from 'commander';
import { parseAcbDslOrFile } from '../../acb/file.js';
import { parseBase58Key } from '../../acb/key.js';
import { UNBOUNDED, type Acb } from '../../acb/model.js';
import { encodeBase58 } from '../../codec/base58.js';
import { UsageError } from '../../errors.js';
import { readFileChecked } from '../../fsutil.js';
import {
  addReaders,
  addWriter,
  checkpointRepo,
  DEFAULT_SKEW_SECONDS,
  deleteTransaction,
  endWriter,
  formatLogEntry,
  fsckRepo,
  GIT_URL_SCHEME,
  initRepo,
  logEntryJson,
  openRepoView,
  ownerSigner,
  parseRepoKey,
  removeReaders,
  repoLog,
  rewriteHistory,
  withScratchRepo,
  type GitStores,
} from '../../git/index.js';
import type { KeyringSource } from '../../groupkey/open.js';
import { signingKeyPair } from '../../keyring/ops.js';
import { parseHash } from '../../store/hash.js';
import { openStore } from '../../store/open.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { keyringSources } from '../encryption.js';
import { readGroupKeyFile } from '../../groupkey/load.js';
import { printJson, printLine } from '../output.js';
import { resolveStorePath } from '../settings.js';

interface StoreOpts {
  prefix?: string;
  keyring?: string[];
}

/** Reads an ACB file: the text DSL (`define-acb …`) or the binary/armored form. */
async function readAcbFile(file: string): Promise<Acb> {
  return parseAcbDslOrFile(await readFileChecked(file, 16 * 1024 * 1024), file);
}

/** The repository key given as `hbs2tk://KEY` or bare base58. */
function repoArg(text: string): Uint8Array {
  return parseRepoKey(text, 'REPO');
}

/** Loads the keyrings, opens the store, runs `fn` and closes the store. */
async function withRepoStore(
  ctx: CliContext,
  opts: StoreOpts,
  write: boolean,
  fn: (stores: GitStores, keyrings: KeyringSource[]) => Promise<void>,
): Promise<void> {
  const keyrings = await keyringSources(ctx, opts.keyring);
  const store = await openStore(await resolveStorePath(ctx, opts.prefix), { write });
  try {
    await fn(store, keyrings);
  } finally {
    await store.close();
  }
}

/** Unix seconds of `--at`/`--from` values (`now`, or seconds). */
function seconds(text: string | undefined, fallback: number): number {
  if (text === undefined || text === 'now') return fallback;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`not a time in Unix seconds: '${text}'`);
  return Number(text);
}

const now = () => Math.floor(Date.now() / 1000);

function withStoreOptions(c: Command): Command {
  return c
    .option('-k, --keyring <file>', 'keyring (repeatable; default: the config’s keyrings)', collect)
    .option('-p, --prefix <dir>', 'store directory');
}

/** Registers the `git` commands. */
export function register(program: Command, ctx: CliContext): void {
  const git = program
    .command('git')
    .description('encrypted git repositories shared by a group (git-remote-hbs2tk)')
    .addHelpText(
      'after',
      '\nReaders hold the group key; writers are ACB writers with time ranges; the owner\n' +
        '(the keyring whose signing key is the repository key) runs these commands.\n' +
        '\nExample:\n  hbs2 git init -k owner.key --group-key team.gk --acb team.acb\n' +
        '  git remote add origin hbs2tk://<REPO>\n  git push origin main\n' +
        '\nSee docs/git.md for a walkthrough.',
    );

  withStoreOptions(git.command('init'))
    .description("create a repository owned by the keyring's signing key; prints its URL")
    .requiredOption('--group-key <file>', 'group key of the readers')
    .requiredOption('--acb <file>', 'ACB listing the writers (DSL or binary)')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 git init -k owner.key --group-key team.gk --acb team.acb',
    )
    .action(async (opts: StoreOpts & { groupKey: string; acb: string }) => {
      await withRepoStore(ctx, opts, true, async (stores, keyrings) => {
        if (!keyrings[0])
          throw new UsageError('no keyring given', { hint: "pass the owner's keyring with -k" });
        const acb = await readAcbFile(opts.acb);
        const gk = await readGroupKeyFile(opts.groupKey);
        const key = await initRepo(stores, signingKeyPair(keyrings[0].keyring), acb, gk);
        await printLine(`${GIT_URL_SCHEME}${encodeBase58(key)}`);
      });
    });

  const readers = git
    .command('readers')
    .description('who can read the repository')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 git readers add -k owner.key hbs2tk://<REPO> <ENC-PUBKEY>',
    );
  withStoreOptions(readers.command('add'))
    .description('add readers: they can read the whole history, and every later push')
    .argument('<repo>', 'hbs2tk://REPO or the base58 repository key')
    .argument('<pubkeys...>', 'base58 encryption public keys of the new readers')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 git readers add -k owner.key hbs2tk://<REPO> <ENC-PUBKEY>',
    )
    .action(async (repo: string, pubkeys: string[], opts: StoreOpts) => {
      await withRepoStore(ctx, opts, true, async (stores, keyrings) => {
        const owner = ownerSigner(keyrings, repoArg(repo));
        const keys = pubkeys.map((k) => parseBase58Key(k, `reader '${k}'`));
        await addReaders(stores, owner, keyrings, keys);
      });
    });
  withStoreOptions(readers.command('remove'))
    .description('remove readers: pushes from now on use a new secret they do not get')
    .argument('<repo>', 'hbs2tk://REPO or the base58 repository key')
    .argument('<pubkeys...>', 'base58 encryption public keys of the readers to remove')
    .option(
      '--rewrite-history',
      're-publish the whole history for the new secret and remove the old blocks from this store',
    )
    .addHelpText(
      'after',
      '\nWhat was already published stays readable to whoever could read it: removing a\n' +
        'reader protects only what is pushed afterwards. --rewrite-history re-publishes the\n' +
        'history as one new push by the owner (who must be a writer) and deletes the old\n' +
        'encrypted blocks from this store; copies anyone made before stay readable to them.\n' +
        '\nExample:\n  hbs2 git readers remove -k owner.key hbs2tk://<REPO> <ENC-PUBKEY>',
    )
    .action(
      async (repo: string, pubkeys: string[], opts: StoreOpts & { rewriteHistory?: boolean }) => {
        await withRepoStore(ctx, opts, true, async (stores, keyrings) => {
          const owner = ownerSigner(keyrings, repoArg(repo));
          const keys = pubkeys.map((k) => parseBase58Key(k, `reader '${k}'`));
          await removeReaders(stores, owner, keys);
          if (!opts.rewriteHistory) return;
          const r = await withScratchRepo(ctx.env, (git) =>
            rewriteHistory(stores, owner, git, {
              keyrings,
              now: now(),
              skew: DEFAULT_SKEW_SECONDS,
            }),
          );
          if (r.tx)
            await printLine(
              `history rewritten as ${encodeBase58(r.tx)}: ${r.deleted} transactions deleted, ${r.removedBlocks} blocks removed`,
            );
        });
      },
    );

  const writers = git
    .command('writers')
    .description('who can push, and when')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 git writers add -k owner.key hbs2tk://<REPO> <SIGN-PUBKEY>',
    );
  withStoreOptions(writers.command('add'))
    .description('let a signing key push, from --from (default now) until --to (default: no end)')
    .argument('<repo>', 'hbs2tk://REPO or the base58 repository key')
    .argument('<signkey>', 'base58 signing public key of the writer')
    .option('--from <seconds>', 'Unix seconds the range starts (inclusive), or -1', undefined)
    .option('--to <seconds>', 'Unix seconds the range ends (exclusive), or -1', undefined)
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 git writers add -k owner.key hbs2tk://<REPO> <SIGN-PUBKEY>',
    )
    .action(
      async (repo: string, signkey: string, opts: StoreOpts & { from?: string; to?: string }) => {
        await withRepoStore(ctx, opts, true, async (stores, keyrings) => {
          const owner = ownerSigner(keyrings, repoArg(repo));
          const key = parseBase58Key(signkey, `writer '${signkey}'`);
          const from = seconds(opts.from, now());
          const to = seconds(opts.to, UNBOUNDED);
          await addWriter(stores, owner, key, from, to);
        });
      },
    );
  withStoreOptions(writers.command('end'))
    .description("end a writer's authority at --at (default now); earlier pushes stay valid")
    .argument('<repo>', 'hbs2tk://REPO or the base58 repository key')
    .argument('<signkey>', 'base58 signing public key of the writer')
    .option('--at <seconds>', 'Unix seconds the authority ends (exclusive)')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 git writers end -k owner.key hbs2tk://<REPO> <SIGN-PUBKEY>',
    )
    .action(async (repo: string, signkey: string, opts: StoreOpts & { at?: string }) => {
      await withRepoStore(ctx, opts, true, async (stores, keyrings) => {
        const owner = ownerSigner(keyrings, repoArg(repo));
        const key = parseBase58Key(signkey, `writer '${signkey}'`);
        const at = seconds(opts.at, now());
        await endWriter(stores, owner, key, at);
      });
    });

  withStoreOptions(git.command('delete'))
    .description('delete a transaction: it and its descendants leave the canonical chain')
    .argument('<repo>', 'hbs2tk://REPO or the base58 repository key')
    .argument('<tx>', 'transaction hash (see `hbs2 git log`)')
    .addHelpText('after', '\nExample:\n  hbs2 git delete -k owner.key hbs2tk://<REPO> <TX>')
    .action(async (repo: string, txText: string, opts: StoreOpts) => {
      await withRepoStore(ctx, opts, true, async (stores, keyrings) => {
        const owner = ownerSigner(keyrings, repoArg(repo));
        const tx = parseHash(txText, `TX '${txText}'`);
        await deleteTransaction(stores, owner, tx);
      });
    });

  withStoreOptions(git.command('checkpoint'))
    .description(
      'fix the chain up to a transaction (default: the current tip) against reorganisation',
    )
    .argument('<repo>', 'hbs2tk://REPO or the base58 repository key')
    .argument('[tx]', 'a canonical transaction hash')
    .addHelpText('after', '\nExample:\n  hbs2 git checkpoint -k owner.key hbs2tk://<REPO>')
    .action(async (repo: string, txText: string | undefined, opts: StoreOpts) => {
      await withRepoStore(ctx, opts, true, async (stores, keyrings) => {
        const owner = ownerSigner(keyrings, repoArg(repo));
        const tx = txText ? parseHash(txText, `TX '${txText}'`) : null;
        const fixed = await checkpointRepo(stores, owner, tx, {
          now: now(),
          skew: DEFAULT_SKEW_SECONDS,
        });
        await printLine(encodeBase58(fixed));
      });
    });

  withStoreOptions(git.command('log'))
    .description('every transaction found: hash, height, time, author, canonical or why not')
    .argument('<repo>', 'hbs2tk://REPO or the base58 repository key')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nNeeds no keyring.\n\nExample:\n  hbs2 git log hbs2tk://<REPO>')
    .action(async (repo: string, opts: StoreOpts & { json?: boolean }) => {
      await withRepoStore(ctx, { prefix: opts.prefix, keyring: [] }, false, async (stores) => {
        const view = await openRepoView(stores, repoArg(repo), {
          keyrings: [],
          now: now(),
          skew: DEFAULT_SKEW_SECONDS,
          decryptTip: false,
        });
        const log = repoLog(view);
        if (opts.json) await printJson(log.map(logEntryJson));
        else for (const e of log) await printLine(formatLogEntry(e));
      });
    });

  withStoreOptions(git.command('fsck'))
    .description('decrypt and verify every block of the canonical chain')
    .argument('<repo>', 'hbs2tk://REPO or the base58 repository key')
    .addHelpText(
      'after',
      '\nExit 4 naming the first corrupt block.\n\nExample:\n  hbs2 git fsck -k reader.key hbs2tk://<REPO>',
    )
    .action(async (repo: string, opts: StoreOpts) => {
      await withRepoStore(ctx, opts, false, async (stores, keyrings) => {
        const view = await openRepoView(stores, repoArg(repo), {
          keyrings,
          now: now(),
          skew: DEFAULT_SKEW_SECONDS,
        });
        const r = await fsckRepo(view);
        await printLine(
          `${r.transactions} transactions, ${r.canonical} canonical, ${r.packs} packs, ${r.bytes} pack bytes: ok`,
        );
      });
    });
}
