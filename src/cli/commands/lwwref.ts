/**
 * `hbs2 lwwref get|set`: hbs2's signed "last write wins" pointers in the store (spec
 * refs-and-lwwref §6). Thin wrappers over getLwwRef / setLwwRef of src/refs.
 */
import type { Command } from 'commander';
import { parseBase58Key } from '../../acb/key.js';
import type { KeyPair } from '../../crypto/index.js';
import { UsageError } from '../../errors.js';
import {
  formatLwwRef,
  getLwwRef,
  lwwRefSigner,
  setLwwRef,
  summarizeLwwRef,
  type DiscardedCurrent,
  type VerifiedLwwRef,
} from '../../refs/index.js';
import { parseHash } from '../../store/hash.js';
import { openStore } from '../../store/open.js';
import { openStore as openWritableStore } from '../io/store-location.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { loadKeyringsFromPaths } from '../keyrings.js';
import { printJson, warn, writeStdout } from '../output.js';
import { s3ConnectionFor } from '../s3.js';
import { existingStorePath, resolveKeyringPaths } from '../settings.js';

async function printLwwRef(refKey: Uint8Array, v: VerifiedLwwRef, json?: boolean) {
  if (json) await printJson(summarizeLwwRef(refKey, v));
  else await writeStdout(formatLwwRef(v.ref) + '\n');
}

/**
 * The key pair that signs lwwref `refKey`, from the keyrings of `paths` (`-k`, else the
 * config's). Which keyring it is, is the library's choice.
 */
async function signerFor(paths: string[], refKey: Uint8Array): Promise<KeyPair> {
  if (paths.length === 0)
    throw new UsageError('no keyring given', {
      hint: 'pass -k KEYRING or list keyrings in the config file',
    });
  return lwwRefSigner(await loadKeyringsFromPaths(paths), refKey);
}

const DISCARDED: Record<DiscardedCurrent, string> = {
  'missing-block': 'its signed box is not in the store',
  invalid: 'its signed box does not verify',
};

/** Registers the `lwwref` commands. */
export function register(program: Command, ctx: CliContext): void {
  const lwwref = program
    .command('lwwref')
    .description('signed "last write wins" pointers (hbs2 LWW refs) in the store')
    .addHelpText(
      'after',
      '\nAn lwwref is named by an ed25519 signing public key (base58) and points to a hash;\n' +
        'only the keyring holding that signing key can set it.\n' +
        '\nExample:\n  hbs2 lwwref set -k my.key <SIGN-PUBKEY> "$(hbs2 store file.txt)"\n' +
        '  hbs2 lwwref get <SIGN-PUBKEY>',
    );

  lwwref
    .command('get')
    .description("print the ref's verified value as hbs2-peer does; nothing when it is absent")
    .argument('<refkey>', 'base58 signing public key naming the ref')
    .option('-p, --prefix <dir>', 'store directory')
    .option('--json', 'print JSON (null when absent); seq is a string beyond 2^53')
    .addHelpText(
      'after',
      '\nExit 4 when the stored box does not verify or was not signed by REFKEY.\n' +
        '\nExample:\n  hbs2 lwwref get 8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe --json',
    )
    .action(async (refText: string, opts: { prefix?: string; json?: boolean }) => {
      const refKey = parseBase58Key(refText, `REFKEY '${refText}'`);
      const location = await existingStorePath(ctx, opts.prefix);
      const { refs, blocks } = await openStore(location, {
        s3: await s3ConnectionFor(ctx, location),
      });
      const v = await getLwwRef(refs, blocks, refKey);
      if (v) await printLwwRef(refKey, v, opts.json);
      else if (opts.json) await printJson(null);
    });

  lwwref
    .command('set')
    .description('point the ref at VALUE: seq + 1, signed with the keyring’s signing key')
    .argument('<refkey>', 'base58 signing public key naming the ref')
    .argument('<value>', 'base58 hash to point to (e.g. a root printed by `hbs2 store`)')
    .option(
      '-k, --keyring <file>',
      'keyring whose signing key is REFKEY (repeatable; default: the config’s keyrings)',
      collect,
    )
    .option('-p, --prefix <dir>', 'store directory')
    .option('--json', 'print the new value as JSON')
    .addHelpText(
      'after',
      '\nPrints the new value as `lwwref get` does. Exit 5 when no keyring holds REFKEY.\n' +
        '\nExample:\n  hbs2 lwwref set -k my.key 8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe \\\n' +
        '    3X64Dqnoxy5ihmfCdqP25q6QmjMKjTKVSaX6vUEbthqR',
    )
    .action(
      async (
        refText: string,
        valueText: string,
        opts: { keyring?: string[]; prefix?: string; json?: boolean },
      ) => {
        const refKey = parseBase58Key(refText, `REFKEY '${refText}'`);
        const value = parseHash(valueText, `VALUE '${valueText}'`);
        const signer = await signerFor(await resolveKeyringPaths(ctx, opts.keyring), refKey);
        const store = await openWritableStore(ctx, opts.prefix);
        const res = await setLwwRef(store.refs, store.blocks, signer, refKey, value);
        await store.close();
        if (res.discarded)
          warn(
            `lwwref ${refText}: the previous value was dropped (${DISCARDED[res.discarded]}); seq restarts at 1`,
          );
        await printLwwRef(refKey, res.current, opts.json);
      },
    );
}
