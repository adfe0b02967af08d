/**
 * Sigil commands (spec/cli.md "Access control blocks and sigils"): `sigil create` and
 * `sigil check`.
 */
import type { Command } from 'commander';
import { parseBase58Key } from '../../acb/key.js';
import { encodeBase58 } from '../../codec/base58.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { readFileChecked } from '../../fsutil.js';
import { writeOutputFile } from '../io/output-file.js';
import { parseKeyringFile, type Keyring } from '../../keyring/keyring.js';
import { MAX_KEYRING_FILE_BYTES } from '../../keyring/load.js';
import { holdsEncryptionKey } from '../../keyring/ops.js';
import {
  createSigil,
  formatSigilCheck,
  formatSigilFile,
  parseSigilFile,
  summarizeSigil,
} from '../../sigil/index.js';
import { STDIN_NAME, readStdin } from '../args.js';
import type { CliContext } from '../context.js';
import { printAsked } from '../format-option.js';
import { writeStdout } from '../output.js';
import { resolveKeyringPaths } from '../settings.js';

/** Sigils are a few hundred bytes. */
const MAX_SIGIL_FILE_BYTES = 1024 * 1024;

/** The keyring holding `encKey`: among `-k` files, or the config's keyrings when none given. */
async function findKeyring(
  ctx: CliContext,
  given: string | undefined,
  encKey: Uint8Array,
): Promise<Keyring> {
  const paths = await resolveKeyringPaths(ctx, given === undefined ? undefined : [given]);
  if (paths.length === 0)
    throw new UsageError('no keyring given', {
      hint: 'pass -k KEYRING or list keyrings in the config file',
    });
  let first: Keyring | undefined;
  for (const p of paths) {
    const k = parseKeyringFile(await readFileChecked(p, MAX_KEYRING_FILE_BYTES), p);
    first ??= k;
    if (holdsEncryptionKey(k, encKey)) return k;
  }
  // createSigil reports the missing key (exit 6) with its hint.
  if (paths.length === 1 && first) return first;
  throw new NotFoundError(`encryption key ${encodeBase58(encKey)} is in none of the keyrings`, {
    hint: 'list a keyring with: hbs2 keyring list FILE',
  });
}

/** Registers the `sigil` commands. */
export function register(program: Command, ctx: CliContext): void {
  const sigil = program
    .command('sigil')
    .description("sigils: a keyring's encryption key, signed by its signing key")
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 sigil create -k my.key <ENC-PUBKEY> -o me.sigil && hbs2 sigil check me.sigil',
    );

  sigil
    .command('create')
    .description('sign one of the keyring’s encryption public keys with its signing key')
    .argument('<enc-pubkey>', 'base58 encryption public key, one of the keyring’s entries')
    .option('-k, --keyring <file>', 'keyring file (default: the keyrings of the config file)')
    .option('-m, --info <text>', 'free text to include in the sigil')
    .option('--metadata-ref <hash>', 'base58 hash of a metadata object to refer to')
    .option('-o, --output <file>', 'write the sigil to FILE (atomically) instead of stdout')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 sigil create -k my.key -m "alice laptop" HY743Viu7mfFBoH3UarMhK2y7ToJsNk8AS2rUZAT6dfc -o alice.sigil',
    )
    .action(
      async (
        encText: string,
        opts: { keyring?: string; info?: string; metadataRef?: string; output?: string },
      ) => {
        const encKey = parseBase58Key(encText, 'ENC-PUBKEY');
        const ext =
          opts.metadataRef === undefined
            ? null
            : parseBase58Key(opts.metadataRef, '--metadata-ref');
        const keyring = await findKeyring(ctx, opts.keyring, encKey);
        const text = formatSigilFile(
          createSigil(keyring, encKey, { info: opts.info ?? null, ext }),
        );
        if (opts.output !== undefined && opts.output !== '-')
          await writeOutputFile(opts.output, text);
        else await writeStdout(text);
      },
    );

  sigil
    .command('check')
    .description('verify a sigil file (text or raw) and print what it states')
    .argument('[file]', "sigil file, or '-' for stdin", '-')
    .option('--json', 'print JSON')
    .option('--yaml', 'print YAML')
    .addHelpText('after', '\nExample:\n  hbs2 sigil check alice.sigil --json')
    .action(async (file: string, opts: { json?: boolean; yaml?: boolean }) => {
      const name = file === '-' ? STDIN_NAME : file;
      const data =
        file === '-'
          ? await readStdin(MAX_SIGIL_FILE_BYTES)
          : await readFileChecked(file, MAX_SIGIL_FILE_BYTES);
      const v = parseSigilFile(data, name);
      if (!(await printAsked(opts, () => summarizeSigil(v))))
        await writeStdout(formatSigilCheck(v));
    });
}
