/**
 * What every command needs from the environment, resolved in one place: the store
 * location, the config file, the keyrings to try. Environment variables are read here,
 * never in the library.
 */
import * as os from 'node:os';
import * as path from 'node:path';

/** Environment the CLI was started with (injected for tests). */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** `--config FILE` given on the command line, if any. */
  configPath?: string;
}

/** The default config file location: `$XDG_CONFIG_HOME/hbs2/toolkit.yaml`. */
export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'hbs2', 'toolkit.yaml');
}

/** The default store location: `$XDG_DATA_HOME/hbs2`. */
export function defaultStorePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(base, 'hbs2');
}
