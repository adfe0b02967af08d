/**
 * Resolution of the settings commands share: where the store is, which keyrings to try.
 * Order for the store: `-p/--prefix`, `$HBS2_STORE`, config `store`, `$XDG_DATA_HOME/hbs2`.
 */
import { promises as fs } from 'node:fs';
import {
  loadConfig,
  STORE_FORMATS,
  type StoreFormat,
  type ToolkitConfig,
} from '../config/config.js';
import { NotFoundError, UsageError } from '../errors.js';
import { fileError } from '../fsutil.js';
import { isS3Location } from '../store/s3/layout.js';
import { defaultConfigPath, defaultStorePath, type CliContext } from './context.js';

/**
 * Configs already loaded, per context: a command that resolves both the store and the
 * keyrings reads the file once. The path is kept so a later `--config` (set by the
 * preAction hook) is not answered from a stale entry.
 */
const configCache = new WeakMap<CliContext, { path: string; config: Promise<ToolkitConfig> }>();

/**
 * Loads the config the context points at, once per context and path. `~` in it is the
 * CLI's `$HOME`, so the config follows the environment the CLI was started with.
 */
export async function cliConfig(ctx: CliContext): Promise<ToolkitConfig> {
  const file = ctx.configPath ?? defaultConfigPath(ctx.env);
  const cached = configCache.get(ctx);
  if (cached && cached.path === file) return cached.config;
  const config = (async () => {
    // A config named with --config must exist: a typo must not silently mean defaults.
    if (ctx.configPath !== undefined)
      await fs.access(ctx.configPath).catch((e) => Promise.reject(fileError(e, ctx.configPath!)));
    return loadConfig(file, { home: ctx.env.HOME || undefined });
  })();
  configCache.set(ctx, { path: file, config });
  // A failed load is not cached: the error is reported and a retry reads the file again.
  config.catch(() => {
    if (configCache.get(ctx)?.config === config) configCache.delete(ctx);
  });
  return config;
}

/** The store directory to use. */
export async function resolveStorePath(ctx: CliContext, prefix?: string): Promise<string> {
  return (await resolveStoreLocation(ctx, prefix)).path;
}

/** The store directory and what chose it (for messages about a wrong one). */
export interface StoreLocation {
  path: string;
  /** `-p`, `$HBS2_STORE`, the config file's `store:`, or the default. */
  from: string;
}

/** {@link resolveStorePath} with where the path came from. */
export async function resolveStoreLocation(
  ctx: CliContext,
  prefix?: string,
): Promise<StoreLocation> {
  if (prefix) return { path: prefix, from: '-p' };
  if (ctx.env.HBS2_STORE) return { path: ctx.env.HBS2_STORE, from: '$HBS2_STORE' };
  const cfg = await cliConfig(ctx);
  if (cfg.store)
    return { path: cfg.store, from: `store: in ${ctx.configPath ?? defaultConfigPath(ctx.env)}` };
  return { path: defaultStorePath(ctx.env), from: 'the default location' };
}

/**
 * The store directory of a command that only reads: it must exist. A typo'd path would
 * otherwise read as an empty store ("block H not found", "checked 0 files").
 */
export async function existingStorePath(ctx: CliContext, prefix?: string): Promise<string> {
  const loc = await resolveStoreLocation(ctx, prefix);
  // A bucket is not a directory: whether it exists is for the S3 store to say.
  if (isS3Location(loc.path)) return loc.path;
  let st;
  try {
    st = await fs.stat(loc.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(e, loc.path);
    throw new NotFoundError(`store ${loc.path} does not exist (from ${loc.from})`, {
      hint: 'check the path, or create the store by storing something: hbs2 store FILE',
    });
  }
  if (!st.isDirectory())
    throw new UsageError(`store ${loc.path} is not a directory (from ${loc.from})`);
  return loc.path;
}

/**
 * The layout a command creates a store in: `--format`, else the config's `store-format`,
 * else NCQ3. A store that exists keeps its layout whatever this says.
 */
export async function resolveStoreFormat(
  ctx: CliContext,
  flag: string | undefined,
): Promise<StoreFormat> {
  if (flag !== undefined) {
    if (!(STORE_FORMATS as readonly string[]).includes(flag))
      throw new UsageError(`--format must be one of ${STORE_FORMATS.join(', ')}, not '${flag}'`);
    return flag as StoreFormat;
  }
  return (await cliConfig(ctx)).storeFormat ?? 'ncq3';
}

/** Keyring paths to try: the `-k` ones if given, else the config's `keyrings` list. */
export async function resolveKeyringPaths(
  ctx: CliContext,
  given: readonly string[] | undefined,
): Promise<string[]> {
  if (given && given.length > 0) return [...given];
  return (await cliConfig(ctx)).keyrings;
}
