/** `cat --metadata` and `metadata create|dump`: describing objects and their metadata. */
import { promises as fs } from 'node:fs';
import { yaml } from '../../config/yaml.js';
import { describeObject } from '../../inspect/inspect.js';
import { checkBlockStat, type FsBlockStore } from '../../store/index.js';
import type { CliContext } from '../context.js';
import { keyringSources } from '../encryption.js';
import { printJson, warn, writeStdout } from '../output.js';

/** Describes `hash` on stdout as YAML (default) or JSON. */
export async function metadataCommand(
  ctx: CliContext,
  store: FsBlockStore,
  hash: Uint8Array,
  opts: { keyring?: string[]; json?: boolean; yaml?: boolean },
): Promise<void> {
  const desc = await describeObject(store, hash, {
    sizeOf: storeBlockSize(store),
    keyrings: await keyringSources(ctx, opts.keyring),
    storePath: store.prefix,
    onWarning: warn,
  });
  if (opts.json) await printJson(desc);
  else await writeStdout(yaml().stringify(desc));
}

/**
 * Block sizes from the file system, without reading the blocks. A block file over the
 * size limit, or not a regular file, is refused here too, as reading it would be.
 */
function storeBlockSize(store: FsBlockStore): (h: Uint8Array) => Promise<number | null> {
  return async (h) => {
    const st = await fs.stat(store.blockPath(h)).catch(() => null);
    if (st) checkBlockStat(h, st);
    return st?.size ?? null;
  };
}
