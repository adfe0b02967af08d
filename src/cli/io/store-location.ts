/**
 * Which store a command works on (`-p`, `$HBS2_STORE`, the config's `store`, the default
 * directory) and how it is opened for that command: created in the configured layout by a
 * writing command, never created by a reading one.
 */
import {
  parseHash,
  probeStoreLayout,
  type FsBlockStoreOptions,
  type ReadableBlockStore,
} from '../../store/index.js';
import { openReadableStore, openStore as openHbs2Store, type Hbs2Store } from '../../store/open.js';
import type { CliContext } from '../context.js';
import { info, warn } from '../output.js';
import { s3ConnectionFor } from '../s3.js';
import { existingStorePath, resolveStoreFormat, resolveStorePath } from '../settings.js';

/** Options every store command has. */
export interface StoreLocationOptions {
  prefix?: string;
}

/** The `-p` option of every store command, as commander flags and help. */
export const PREFIX_FLAGS = '-p, --prefix <dir>';
export const PREFIX_HELP =
  'store directory (default: $HBS2_STORE, config `store`, ~/.local/share/hbs2)';

/**
 * Blocks in flight against an S3 store (reads ahead, writes pending): each request waits
 * a round trip, so more of them than local fsyncs keep the link busy; 24 blocks are 6 MiB.
 */
export const S3_BLOCKS_IN_FLIGHT = 24;

/**
 * Block files fsynced at once by writing commands: bin/hbs2.js sizes libuv's thread pool
 * at 16, so four threads stay free for reading the input and writing the next blocks.
 */
export const BLOCK_FSYNCS_AT_ONCE = 12;

/**
 * Opens the store a writing command should use (`-p`, `$HBS2_STORE`, config, default),
 * in whichever layout it holds. A store that does not exist is created in the layout of
 * `--format` (or the config's `store-format`, else NCQ3), and said so once on stderr.
 */
export async function openStore(
  ctx: CliContext,
  prefix?: string,
  opts: { format?: string; simple?: FsBlockStoreOptions } = {},
): Promise<Hbs2Store> {
  const location = await resolveStorePath(ctx, prefix);
  const store = await openHbs2Store(location, {
    write: true,
    createFormat: await resolveStoreFormat(ctx, opts.format),
    s3: await s3ConnectionFor(ctx, location),
    simple: { syncParallelism: BLOCK_FSYNCS_AT_ONCE, ...opts.simple },
  });
  if (opts.format !== undefined && !store.created && store.layout !== opts.format)
    warn(
      `--format ${opts.format} applies to new stores; ${store.location} stays ${store.layout === 'ncq3' ? 'NCQ3' : 'a simple-layout store'} (\`hbs2 store migrate\` converts it)`,
    );
  if (!store.created) return store;
  // Said once the store exists: a command that fails before writing creates nothing.
  return {
    ...store,
    close: async () => {
      await store.close();
      if ((await probeStoreLayout(store.location)) === null) return;
      info(
        store.layout === 'ncq3'
          ? `created an NCQ3 store (hbs2 0.25's layout) at ${store.location}`
          : `created a simple-layout store (one file per block, hbs2 0.24's) at ${store.location}`,
      );
    },
  };
}

/** Opens the store a reading command should use, in whichever layout it holds. */
export async function openReadStore(
  ctx: CliContext,
  prefix?: string,
  simple: FsBlockStoreOptions = {},
): Promise<ReadableBlockStore> {
  const location = await existingStorePath(ctx, prefix);
  // A pool asked for serves whichever layout the store holds.
  return openReadableStore(location, simple, await s3ConnectionFor(ctx, location), {
    readBuffers: simple.readBuffers,
  });
}

/** Parses a hash argument; the error names the argument (exit 3). */
export function parseHashArg(text: string, name = 'hash argument'): Uint8Array {
  return parseHash(text, `${name} '${text}'`);
}
