/**
 * Key rotation: `groupkey update`, `groupkey store` and `rotate` (spec/cli.md "Key
 * rotation"). Registered onto the `groupkey` command the group key module defines.
 */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import { sniffFileKind } from '../../codec/file-kind.js';
import { formatGroupKeyFile } from '../../groupkey/index.js';
import { readRecipients, type RecipientInput } from '../../ops/recipients.js';
import { openGroupKey, verifyGroupKeyId } from '../../groupkey/index.js';
import { encodeBase58 } from '../../codec/base58.js';
import { readFileChecked } from '../../fsutil.js';
import { writeOutput } from '../io/output-file.js';
import { runnerFor } from '../../parallel/pool.js';
import { rotateTree } from '../../rotate/rotate.js';
import { updateGroupKey } from '../../rotate/update.js';
import { UsageError } from '../../errors.js';
import { collect, readStdin } from '../args.js';
import type { CliContext } from '../context.js';
import { keyringSources, storeGroupKey } from '../encryption.js';
import { readGroupKeyFile } from '../../groupkey/load.js';
import { info, printJson, printLine, warn } from '../output.js';
import { openStore, parseHashArg } from '../io/store-location.js';
import { withProgress } from '../progress.js';

/**
 * Public keys from recipients files, keyrings, sigils or ACBs (as `groupkey-new` reads them) or given inline: an
 * argument that names no file and is one base58 key is that key (as `age -r` takes it).
 */
async function readPubs(files: readonly string[]): Promise<Uint8Array[]> {
  const sources: RecipientInput[] = [];
  for (const f of files) {
    if (f !== '-' && sniffFileKind(f) === 'public-key' && !(await pathExists(f)))
      sources.push({ name: `key ${f}`, key: f });
    else
      sources.push({
        name: f === '-' ? 'stdin' : f,
        data:
          f === '-'
            ? await readStdin(16 * 1024 * 1024)
            : await readFileChecked(f, 16 * 1024 * 1024),
      });
  }
  const all = readRecipients(sources);
  for (const w of all.warnings) warn(w);
  return all.recipients.map((r) => r.key);
}

async function pathExists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

interface UpdateOptions {
  /** hbs2 0.24's `-D DSL`: the full new member set, same secret. */
  dsl?: string;
  json?: boolean;
  keyring?: string[];
  add?: string[];
  remove?: string[];
  set?: string;
  rekey?: boolean;
  keepSecret?: boolean;
  output?: string;
  quiet?: boolean;
}

async function updateCommand(ctx: CliContext, file: string, opts: UpdateOptions): Promise<void> {
  if (opts.dsl !== undefined) {
    // hbs2's `update -D`: DSL's member lines are the whole new set and the secret is kept.
    if (opts.set || opts.add || opts.remove || opts.rekey)
      throw new UsageError(
        '-D DSL gives the whole member set: not with --set/--add/--remove/--rekey',
      );
    opts = { ...opts, set: opts.dsl, keepSecret: true };
  }
  if (opts.json && (opts.output === undefined || opts.output === '-'))
    throw new UsageError('--json needs -o FILE: without it stdout holds the group key file');
  if (opts.set && (opts.add || opts.remove))
    throw new UsageError('--set replaces --add/--remove; give one or the other');
  if (!opts.set && !opts.add && !opts.remove && !opts.rekey)
    throw new UsageError('nothing to change: give --add, --remove, --set or --rekey');
  const gk = await readGroupKeyFile(file);
  const opened = openGroupKey(gk, await keyringSources(ctx, opts.keyring));
  const res = updateGroupKey(gk, opened.secret, {
    ...(opts.add ? { add: await readPubs(opts.add) } : {}),
    ...(opts.remove ? { remove: await readPubs(opts.remove) } : {}),
    ...(opts.set ? { set: await readPubs([opts.set]) } : {}),
    rekey: opts.rekey,
    keepSecret: opts.keepSecret,
  });
  const text = formatGroupKeyFile(res.groupKey);
  await writeOutput(opts.output, text);
  if (res.notMembers > 0) warn(`${res.notMembers} key(s) to remove were not members`);
  if (!res.rotated && res.removed > 0)
    warn(
      '--keep-secret: removed members still hold the secret and can still read everything encrypted with it, including new content',
    );
  const summary = {
    added: res.added,
    removed: res.removed,
    secret: res.rotated ? 'rotated' : 'kept',
    members: res.groupKey.recipients.length,
    groupKeyId: encodeBase58(res.groupKey.id!),
  };
  if (opts.json) await printJson({ output: opts.output, ...summary });
  else if (!opts.quiet)
    info(
      `added ${summary.added}, removed ${summary.removed}, secret ${summary.secret}; ` +
        `${summary.members} member(s), group key id ${summary.groupKeyId}`,
    );
}

interface RotateOptions {
  progress?: boolean;
  groupkey: string;
  keyring?: string[];
  json?: boolean;
  prefix?: string;
}

async function rotateCommand(ctx: CliContext, tree: string, opts: RotateOptions): Promise<void> {
  const hash = parseHashArg(tree, 'tree');
  const gk = await readGroupKeyFile(opts.groupkey);
  const store = await openStore(ctx, opts.prefix);
  const runner = runnerFor(undefined);
  try {
    const keyrings = await keyringSources(ctx, opts.keyring);
    const res = await withProgress(ctx, opts.progress, { label: 'rotate: re-encrypted' }, (p) =>
      rotateTree(store.blocks, store.keyIndex, hash, gk, keyrings, {
        runner,
        onWarning: warn,
        onProgress: (bytes) => p.update(bytes),
      }),
    );
    await store.close();
    if (opts.json)
      await printJson({
        root: encodeBase58(res.root),
        mode: res.mode,
        blocksWritten: res.blocksWritten,
      });
    else await printLine(encodeBase58(res.root));
  } finally {
    await runner.close();
  }
}

/** Registers `groupkey update`, `groupkey store` and `rotate`. */
export function register(program: Command, ctx: CliContext): void {
  const groupkey =
    program.commands.find((c) => c.name() === 'groupkey') ?? program.command('groupkey');
  groupkey
    .command('update')
    .description('change the members of a group key; removing anyone rotates the secret')
    .argument('<file>', 'group key file')
    .option('-k, --keyring <file>', 'keyring that opens the group key (repeatable)', collect)
    .option('--add <pubs>', 'recipients file, or a public key, to add (repeatable)', collect)
    .option('--remove <pubs>', 'recipients file, or a public key, to remove (repeatable)', collect)
    .option('--set <pubs>', 'exactly these members')
    .option('-D, --dsl <file>', 'hbs2 0.24: member lines of the whole new set; the secret is kept')
    .option('--rekey', 'new secret even when only adding')
    .option('--keep-secret', 'keep the secret when removing (removed members can still read)')
    .option('-o, --output <file>', 'write the new group key file here (default stdout)')
    .option('--json', 'with -o: print {output, added, removed, secret, members, groupKeyId}')
    .option('-q, --quiet', 'no summary line on stderr')
    .addHelpText(
      'after',
      '\n-D DSL is hbs2 0.24\'s form: DSL\'s `member "KEY"` lines are the whole new member set\n' +
        'and the secret is kept (hbs2 does the same; a removed member is warned about).\n' +
        '\nAdding only keeps the secret and its id: content already encrypted becomes readable to\n' +
        'the new members after `hbs2 rotate` (or through the key index) without re-encryption.\n' +
        '\nExample:\n  hbs2 groupkey update -k me.key --add bob.pubs team.gk -o team2.gk',
    )
    .action(async (file: string, opts: UpdateOptions) => updateCommand(ctx, file, opts));

  groupkey
    .command('store')
    .description("store a group key file's exact bytes as a tree; prints its hash")
    .argument('<file>', 'group key file')
    .option('-p, --prefix <dir>', 'store directory')
    .option(
      '-k, --keyring <file>',
      'keyring to check the id with (repeatable; default: the config keyrings)',
      collect,
    )
    .addHelpText(
      'after',
      '\nWhen a keyring opens the key, its id is checked against its secret (a mismatch: exit 4).\n' +
        '\nExample:\n  hbs2 groupkey store team.gk',
    )
    .action(async (file: string, opts: { prefix?: string; keyring?: string[] }) => {
      const gk = await readGroupKeyFile(file);
      verifyGroupKeyId(gk, await keyringSources(ctx, opts.keyring), file);
      const store = await openStore(ctx, opts.prefix);
      const h = await storeGroupKey(store, gk);
      await store.close();
      await printLine(encodeBase58(h));
    });

  program
    .command('rotate')
    .description('re-point an encrypted tree at a new group key')
    .argument('<tree>', 'hash of the encrypted annotated tree')
    .requiredOption('-g, --groupkey <file>', 'the new group key file')
    .option(
      '-k, --keyring <file>',
      'keyring that opens the old and the new group key (repeatable)',
      collect,
    )
    .option('-p, --prefix <dir>', 'store directory')
    .option('--json', 'print {root, mode, blocksWritten}')
    .option('--no-progress', 'no progress line on stderr')
    .addHelpText(
      'after',
      '\nSame secret (a key from `groupkey update --add`): only a new annotation is written.\n' +
        'New secret: every block is decrypted and encrypted again under a new nonce.\n' +
        'The old root stays readable to whoever could read it: published data cannot be unpublished.\n' +
        '\nExample:\n  hbs2 rotate 8ZvpuzGbJ9hKxJqTrRDDdq4pRZnp3g94uBwmxYdyRH4r -g team2.gk -k me.key --json',
    )
    .action(async (tree: string, opts: RotateOptions) => rotateCommand(ctx, tree, opts));
}
