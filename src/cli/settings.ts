/**
 * Resolution of the settings commands share: where the store is, which keyrings to try.
 * Order for the store: `-p/--prefix`, `$HBS2_STORE`, config `store`, `$XDG_DATA_HOME/hbs2`.
 */
import { loadConfig, type ToolkitConfig } from '../config/config.js';
import { defaultConfigPath, defaultStorePath, type CliContext } from './context.js';

/** Loads (once per process) the config the context points at. */
export async function cliConfig(ctx: CliContext): Promise<ToolkitConfig> {
  return loadConfig(ctx.configPath ?? defaultConfigPath(ctx.env));
}

/** The store directory to use. */
export async function resolveStorePath(ctx: CliContext, prefix?: string): Promise<string> {
  if (prefix) return prefix;
  if (ctx.env.HBS2_STORE) return ctx.env.HBS2_STORE;
  const cfg = await cliConfig(ctx);
  if (cfg.store) return cfg.store;
  return defaultStorePath(ctx.env);
}

/** Keyring paths to try: the `-k` ones if given, else the config's `keyrings` list. */
export async function resolveKeyringPaths(ctx: CliContext, given: readonly string[] | undefined): Promise<string[]> {
  if (given && given.length > 0) return [...given];
  return (await cliConfig(ctx)).keyrings;
}
