/** `cat --metadata` and `metadata create|dump`: describing objects and their metadata. */
import { yaml } from '../../config/yaml.js';
import { describeObject, readMetadataText as metadataText } from '../../inspect/inspect.js';
import type { ReadableBlockStore } from '../../store/index.js';
import type { CliContext } from '../context.js';
import { keyringSources } from '../encryption.js';
import { formatMetadataSexp } from '../../inspect/metadata-sexp.js';
import { printBare, printJson, warn, writeStdout } from '../output.js';

/** The printed forms of `cat --metadata`. */
export type DescribeFormat = 'yaml' | 'json' | 'sexp';

/** Describes `hash` on stdout as YAML (default), JSON, or hbs2 0.25's s-expression. */
export async function metadataCommand(
  ctx: CliContext,
  store: ReadableBlockStore,
  hash: Uint8Array,
  hashArg: string,
  opts: { keyring?: string[]; format: DescribeFormat },
): Promise<void> {
  if (opts.format === 'sexp') {
    await printSexp(await readMetadataText(ctx, store, hash, hashArg, opts.keyring));
    return;
  }
  const desc = await describeObject(store, hash, {
    sizeOf: (h) => store.sizeOf(h),
    keyrings: await keyringSources(ctx, opts.keyring),
    keyIndex: store.keyIndex,
    onWarning: warn,
  });
  if (opts.format === 'json') await printJson(desc);
  else await writeStdout(yaml().stringify(desc));
}

/** hbs2 0.25's form of the metadata (see {@link printBare}). */
export async function printSexp(text: string): Promise<void> {
  await printBare(formatMetadataSexp(text));
}

/**
 * The metadata text of tree `hash`, decrypted when a keyring opens it. No metadata: exit 6;
 * metadata the group key does not vouch for: exit 4; encrypted without a key: exit 5.
 */
export async function readMetadataText(
  ctx: CliContext,
  store: ReadableBlockStore,
  hash: Uint8Array,
  hashArg: string,
  keyring: string[] | undefined,
): Promise<string> {
  return metadataText(store, hash, {
    keyrings: await keyringSources(ctx, keyring),
    keyIndex: store.keyIndex,
    onWarning: warn,
    name: hashArg,
  });
}
