/** `cat --metadata` and `metadata create|dump`: describing objects and their metadata. */
import { yaml } from '../../config/yaml.js';
import { describeObject } from '../../inspect/inspect.js';
import { FsKeyIndex } from '../../rotate/key-index.js';
import type { ReadableBlockStore } from '../../store/index.js';
import type { CliContext } from '../context.js';
import { keyringSources } from '../encryption.js';
import { printJson, warn, writeStdout } from '../output.js';

/** Describes `hash` on stdout as YAML (default) or JSON. */
export async function metadataCommand(
  ctx: CliContext,
  store: ReadableBlockStore,
  hash: Uint8Array,
  opts: { keyring?: string[]; json?: boolean; yaml?: boolean },
): Promise<void> {
  const desc = await describeObject(store, hash, {
    sizeOf: (h) => store.sizeOf(h),
    keyrings: await keyringSources(ctx, opts.keyring),
    keyIndex: new FsKeyIndex(store.prefix),
    onWarning: warn,
  });
  if (opts.json) await printJson(desc);
  else await writeStdout(yaml().stringify(desc));
}
