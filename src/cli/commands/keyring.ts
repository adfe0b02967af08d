/**
 * Keyring (credentials file) commands: `keyring new|add-new|list|del|pubs|find`,
 * `show-peer-key`, and hbs2's top-level spellings (`keyring-new`, `keyring-list`,
 * `keyring-key-add`, `keyring-key-del`).
 */
import { Option, type Command } from 'commander';
import * as path from 'node:path';
import { encodeBase58 } from '../../codec/base58.js';
import { FormatError, NotFoundError, UsageError } from '../../errors.js';
import { writeOutputFile } from '../io/output-file.js';
import {
  formatKeyringFile,
  generateKeyring,
  MAX_KEYRING_ENTRIES,
  parseKeyringFile,
  type Keyring,
} from '../../keyring/keyring.js';
import { findKeyringFiles, MAX_KEYRING_FILE_BYTES, readKeyringFile } from '../../keyring/load.js';
import {
  addEntry,
  checkKeyIdsForWriting,
  formatKeyringListing,
  formatPubsLines,
  parseKeyArgument,
  printableKeyId,
  removeEntry,
  summarizeKeyring,
} from '../../keyring/ops.js';
import type { CliContext } from '../context.js';
import { printAsked } from '../format-option.js';
import { loadKeyringFile, refuseExisting } from '../keyrings.js';
import { askYesNo } from '../confirm.js';
import { groupKeyFilesListing } from '../../groupkey/files-listing.js';
import { info, printJson, printLine, warn, writeStdout } from '../output.js';
import { resolveKeyringPaths } from '../settings.js';

/** Mode of every keyring file the toolkit writes. */
const SECRET_MODE = 0o600;

/** Registers the keyring commands and hbs2's top-level aliases. */
export function register(program: Command, ctx: CliContext): void {
  const keyring = program
    .command('keyring')
    .description('create, inspect and edit hbs2 credentials (keyring) files')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 keyring new -o alice.key && hbs2 keyring list alice.key',
    );

  addNewCommand(keyring.command('new'));
  addAddCommand(keyring.command('add-new').alias('add'));
  addListCommand(keyring.command('list'));
  addDelCommand(keyring.command('del'), ctx);
  addPubsCommand(keyring.command('pubs'));
  addFindCommand(keyring.command('find'));

  addNewCommand(program.command('keyring-new'));
  addListCommand(program.command('keyring-list'));
  addAddCommand(program.command('keyring-key-add'));
  addDelCommand(program.command('keyring-key-del'), ctx);
  addShowPeerKeyCommand(program.command('show-peer-key'));
}

// ---------------------------------------------------------------------------------------
// keyring new

function addNewCommand(cmd: Command): void {
  cmd
    .description('new keyring: one ed25519 signing key pair and N curve25519 encryption key pairs')
    .option('-n, --number <N>', 'number of encryption key pairs', '1')
    .option('-o, --output <file>', 'write the keyring to FILE (mode 0600) instead of stdout')
    .option('--force', 'replace an existing output file')
    .option('-q, --quiet', 'do not print the public keys on stderr')
    .option('--json', 'with -o: print the public keys as {"signKey", "entries"} on stdout')
    .addHelpText(
      'after',
      '\nWithout -o the file text is printed; redirect it into a file only you can read.\n' +
        'The signing key and the encryption public keys (never the secrets) go to stderr in\n' +
        "`keyring list`'s layout, so they can be handed out at once (as age-keygen does).\n" +
        '\nExample:\n  hbs2 keyring new -n 2 -o alice.key',
    )
    .action(
      async (opts: {
        number: string;
        output?: string;
        force?: boolean;
        quiet?: boolean;
        json?: boolean;
      }) => {
        const n = parseCount(opts.number, '-n/--number');
        const toStdout = opts.output === undefined || opts.output === '-';
        if (opts.json && toStdout)
          throw new UsageError('--json needs -o FILE: without it stdout holds the keyring text');
        const keyring = generateKeyring(n);
        const text = formatKeyringFile(keyring);
        if (toStdout) await writeStdout(text);
        else {
          if (!opts.force) await refuseExisting(opts.output!);
          await writeOutputFile(opts.output!, text, {
            forceMode: SECRET_MODE,
            exclusive: !opts.force,
          });
        }
        if (opts.json) await printJson(summarizeKeyring(keyring));
        else if (!opts.quiet) process.stderr.write(formatKeyringListing(keyring));
      },
    );
}

/** `-i/--id KEY-ID`, and the spelling it replaces. */
interface KeyIdOptions {
  id?: string;
  name?: string;
}

/**
 * `-n/--name KEY-ID`, the old spelling of `--id`, still accepted but not shown: `-n`
 * means `--number` (as in hbs2's `keyring new -n`), one meaning per letter.
 */
function keyIdAlias(): Option {
  return new Option('-n, --name <key-id>', 'old spelling of --id').hideHelp();
}

/** The key id given with `--id` or its old spelling; both at once is a usage error. */
function keyIdOf(opts: KeyIdOptions): string | undefined {
  if (opts.id !== undefined && opts.name !== undefined)
    throw new UsageError('give the key id once: --id (or its old spelling -n/--name)');
  return opts.id ?? opts.name;
}

/** Directories of the config's `keyrings:` entries (a glob's fixed part), for group keys. */
async function configKeyringDirs(ctx: CliContext): Promise<string[]> {
  try {
    return (await resolveKeyringPaths(ctx, undefined)).map((p) => {
      const fixed = p.split(/[*?[]/, 1)[0]!;
      return fixed.endsWith('/') ? fixed : path.dirname(fixed);
    });
  } catch {
    return [];
  }
}

/** Parses a non-negative entry count argument. */
function parseCount(text: string, arg: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${arg}: expected a number, got '${text}'`);
  const n = Number(text.trim());
  if (n > MAX_KEYRING_ENTRIES)
    throw new UsageError(`${arg}: at most ${MAX_KEYRING_ENTRIES} keys, got ${n}`);
  return n;
}

// ---------------------------------------------------------------------------------------
// keyring add-new

function addAddCommand(cmd: Command): void {
  cmd
    .description('append a new curve25519 encryption key pair to a keyring (in place)')
    .argument('<file>', 'keyring file')
    .option('-i, --id <key-id>', 'key id stored in the entry description (must be unique)')
    .addOption(keyIdAlias())
    .option('--stdout', 'print the new keyring text instead of rewriting FILE')
    .option('--json', 'print {"publicKey", "id"} of the new entry')
    .addHelpText(
      'after',
      '\nPrints the new public key. FILE is replaced atomically and keeps mode 0600.\n\nExample:\n  hbs2 keyring add-new --id laptop alice.key',
    )
    .action(async (file: string, given: KeyIdOptions & { stdout?: boolean; json?: boolean }) => {
      const opts = { ...given, name: keyIdOf(given) };
      if (opts.json && opts.stdout)
        throw new UsageError('--json and --stdout both print to stdout: give one');
      const loaded = opts.stdout ? await loadKeyringFile(file) : await readKeyringFile(file);
      const { keyring, entry } = addEntry(loaded.keyring, opts.name ?? null);
      const pub = encodeBase58(entry.publicKey);
      if (opts.json) {
        await rewriteKeyring(file, keyring);
        await printJson({ publicKey: pub, id: opts.name ?? null });
        return;
      }
      if (opts.stdout) {
        await writeStdout(keyringFileText(keyring, file));
        info(`new public key ${pub}`);
        return;
      }
      await rewriteKeyring(file, keyring);
      await printLine(pub);
    });
}

/**
 * Replaces a keyring file in place, atomically, with mode 0600 (a symlink stays a link:
 * the file it names is replaced).
 */
async function rewriteKeyring(file: string, k: Keyring): Promise<void> {
  await writeOutputFile(file, keyringFileText(k, file), { forceMode: SECRET_MODE });
}

/** The text of a keyring read from `file` and changed: never with control characters in key ids. */
function keyringFileText(k: Keyring, file: string): string {
  checkKeyIdsForWriting(k, file);
  return formatKeyringFile(k);
}

// ---------------------------------------------------------------------------------------
// keyring list

function addListCommand(cmd: Command): void {
  cmd
    .description('print the signing key and the encryption public keys (never secret keys)')
    .argument('<file>', 'keyring file')
    .option('--json', 'print {"signKey", "entries": [{"id", "type", "publicKey"}]}')
    .option('--yaml', 'print the same document as YAML')
    .addHelpText(
      'after',
      "\nText layout is hbs2's: 'sign-key:  KEY' then 'pub-key:   KEY' per entry, plus\ntwo spaces and the key id when the entry has one.\n\nExample:\n  hbs2 keyring list --json alice.key",
    )
    .action(async (file: string, opts: { json?: boolean; yaml?: boolean }) => {
      const { keyring } = await loadKeyringFile(file);
      if (!(await printAsked(opts, () => summarizeKeyring(keyring))))
        await writeStdout(formatKeyringListing(keyring));
    });
}

// ---------------------------------------------------------------------------------------
// keyring del

function addDelCommand(cmd: Command, ctx: CliContext): void {
  cmd
    .description('remove an encryption key pair from a keyring (in place)')
    .argument('<args...>', 'FILE (with -n), or PUB-KEY FILE as in hbs2')
    .option(
      '-i, --id <key-id>',
      'entry to remove: its key id, its public key, or a unique public-key prefix (>= 6 chars)',
    )
    .addOption(keyIdAlias())
    .option('--stdout', 'print the new keyring text instead of rewriting FILE')
    .option('-y, --yes', 'do not ask for confirmation on a terminal')
    .addHelpText(
      'after',
      '\nUnknown entry: exit 6; ambiguous prefix: exit 2; the file is then left untouched.\n' +
        'On a terminal it asks first (-y does not). Group key files beside FILE and beside the\n' +
        "config's keyrings that still list the removed key are named in a warning.\n" +
        '\nExample:\n  hbs2 keyring del --id laptop alice.key',
    )
    .action(async (args: string[], given: KeyIdOptions & { stdout?: boolean; yes?: boolean }) => {
      const opts = { ...given, name: keyIdOf(given) };
      let selector: string;
      let file: string;
      if (opts.name !== undefined) {
        if (args.length !== 1) throw new UsageError('expected exactly one FILE after --id KEY-ID');
        selector = opts.name;
        file = args[0]!;
      } else {
        if (args.length !== 2)
          throw new UsageError('expected --id KEY-ID FILE, or PUB-KEY FILE', {
            hint: 'example: hbs2 keyring del --id laptop alice.key',
          });
        selector = args[0]!;
        file = args[1]!;
      }
      const loaded = opts.stdout ? await loadKeyringFile(file) : await readKeyringFile(file);
      const { keyring, removed } = removeEntry(loaded.keyring, selector);
      const pub = encodeBase58(removed[0]!.publicKey);
      if (opts.stdout) {
        await writeStdout(keyringFileText(keyring, file));
        info(`removed public key ${pub}`);
        return;
      }
      // The secret key is gone for good once the file is rewritten: a person at a
      // terminal confirms; a script (no terminal) has said what it wants.
      if (!opts.yes && process.stdin.isTTY) {
        const id = removed[0]!.description;
        const what = `${pub}${id !== null ? ` (${printableKeyId(id)})` : ''}`;
        if (!(await askYesNo(`delete the secret key of ${what} from ${file}? [y/N] `))) {
          info('nothing deleted');
          return;
        }
      }
      await rewriteKeyring(file, keyring);
      info(`removed public key ${pub} from ${file}`);
      const dirs = [path.dirname(file), ...(await configKeyringDirs(ctx))];
      for (const found of await groupKeyFilesListing(removed[0]!.publicKey, dirs)) {
        const gk = path.relative(process.cwd(), found) || found;
        warn(
          `${gk} still lists the removed key ${pub} as a member; to drop it: ` +
            `hbs2 groupkey update -k KEYRING --remove ${pub} ${gk}`,
        );
      }
    });
}

// ---------------------------------------------------------------------------------------
// keyring pubs

function addPubsCommand(cmd: Command): void {
  cmd
    .description('print the encryption public keys, one per line (a recipients file)')
    .argument('<files...>', 'keyring files')
    .option('--json', 'print [{"keyring", "publicKey", "id"}]')
    .addHelpText(
      'after',
      '\nEach key is followed by "  # KEY-ID" when the entry has an id.\n\nExample:\n  hbs2 keyring pubs alice.key bob.key > team.txt',
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      const all: Array<{ keyring: string; publicKey: string; id: string | null }> = [];
      for (const file of files) {
        const { keyring } = await loadKeyringFile(file);
        if (opts.json)
          for (const e of summarizeKeyring(keyring).entries)
            all.push({ keyring: file, publicKey: e.publicKey, id: e.id });
        else for (const line of formatPubsLines(keyring)) await printLine(line);
      }
      if (opts.json) await printJson(all);
    });
}

// ---------------------------------------------------------------------------------------
// keyring find

function addFindCommand(cmd: Command): void {
  cmd
    .description('print the paths of keyring files whose signing key is SIGN-KEY')
    .requiredOption('-s, --sign-key <key>', 'base58 signing public key to look for')
    .argument('<paths...>', 'keyring files, directories (their files) or globs')
    .option('--json', 'print the matching paths as a JSON array')
    .addHelpText(
      'after',
      '\nFiles that are not keyrings are skipped. Exit 6 when none matches.\n\nExample:\n  hbs2 keyring find -s "$(hbs2 show-peer-key alice.key)" ~/keys \'*.key\'',
    )
    .action(async (paths: string[], opts: { signKey: string; json?: boolean }) => {
      const signKey = parseKeyArgument(opts.signKey, '-s/--sign-key');
      const matches: string[] = [];
      for await (const file of findKeyringFiles(paths, signKey)) {
        matches.push(file);
        if (!opts.json) await printLine(file);
      }
      if (opts.json) await printJson(matches);
      if (matches.length === 0)
        throw new NotFoundError(`no keyring with signing key ${encodeBase58(signKey)} found`);
    });
}

// ---------------------------------------------------------------------------------------
// show-peer-key

function addShowPeerKeyCommand(cmd: Command): void {
  cmd
    .description("print a keyring's base58 signing public key")
    .argument('[file]', "keyring file; stdin when omitted or '-'")
    .option('--json', 'print {"signKey"}')
    .addHelpText('after', '\nExample:\n  hbs2 show-peer-key alice.key')
    .action(async (file: string | undefined, opts: { json?: boolean }) => {
      let k: Keyring;
      if (file === undefined || file === '-') k = parseKeyringFile(await readStdin(), '<stdin>');
      else k = (await loadKeyringFile(file)).keyring;
      if (opts.json) await printJson({ signKey: encodeBase58(k.signPublicKey) });
      else await printLine(encodeBase58(k.signPublicKey));
    });
}

/** Reads all of stdin, bounded like a keyring file. */
async function readStdin(): Promise<Uint8Array> {
  if (process.stdin.isTTY)
    throw new UsageError('no keyring file given and stdin is a terminal', {
      hint: 'pass FILE or pipe a keyring into stdin',
    });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_KEYRING_FILE_BYTES)
      throw new FormatError(`<stdin>: input too large (limit ${MAX_KEYRING_FILE_BYTES} bytes)`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
