/**
 * `hbs2 config init|show`: writes the commented default config, and prints the effective
 * settings with where each one came from (flag, environment, config file, default).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_TEXT, readConfigFile, type LoadedConfig } from '../../config/config.js';
import { fileError } from '../../fsutil.js';
import { writeOutputFile } from '../io/output-file.js';
import { refuseExisting } from '../keyrings.js';
import { defaultConfigPath, defaultStorePath, type CliContext } from '../context.js';
import { info, printLine } from '../output.js';
import { printAsked } from '../format-option.js';

/** Where a setting's value came from. */
type Source = 'flag' | 'env' | 'config' | 'default';

/** One effective setting. */
interface Setting<T> {
  value: T;
  source: Source;
  /** The flag, variable or `file:line` that set it. */
  origin: string;
}

/** The `config show --json` document. */
interface EffectiveConfig {
  configFile: { path: string; exists: boolean; source: Source; origin: string };
  store: Setting<string>;
  keyrings: Setting<string[]>;
  progress: Setting<string>;
  /** The connection of s3:// stores; absent when nothing sets any of it. */
  s3?: Record<string, Setting<string | boolean>>;
}

/** Shown instead of a secret's value. */
const MASKED = '********';

/** Registers `config init` and `config show`. */
export function register(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description('the toolkit config file (store location, keyrings, progress)')
    .addHelpText('after', '\nExample:\n  hbs2 config init && hbs2 config show');

  config
    .command('init')
    .description('write a commented default config file')
    .option('--force', 'replace an existing config file')
    .addHelpText(
      'after',
      '\nThe file is $XDG_CONFIG_HOME/hbs2/toolkit.yaml unless --config FILE is given.\n\nExample:\n  hbs2 config init',
    )
    .action(async (opts: { force?: boolean }) => {
      const file = configFile(ctx).path;
      try {
        await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      } catch (e) {
        throw fileError(e, path.dirname(file));
      }
      if (!opts.force) await refuseExisting(file);
      await writeOutputFile(file, DEFAULT_CONFIG_TEXT, { exclusive: !opts.force });
      info(`wrote ${file}`);
    });

  config
    .command('show')
    .description('print the effective settings and where each one came from')
    .option('-p, --prefix <dir>', 'store directory, as other commands accept it')
    .option('--no-progress', 'as other commands accept it')
    .option('--json', 'print one JSON document')
    .option('--yaml', 'print YAML')
    .addHelpText(
      'after',
      "\nStore: -p/--prefix, else $HBS2_STORE, else the config's store, else $XDG_DATA_HOME/hbs2.\n\nExample:\n  hbs2 config show --json",
    )
    .action(
      async (opts: { prefix?: string; progress: boolean; json?: boolean; yaml?: boolean }) => {
        const eff = await effectiveConfig(ctx, opts);
        if (!(await printAsked(opts, () => eff)))
          for (const line of formatEffective(eff)) await printLine(line);
      },
    );
}

/** The config file in use and why. */
function configFile(ctx: CliContext): { path: string; source: Source; origin: string } {
  if (ctx.configPath) return { path: ctx.configPath, source: 'flag', origin: '--config' };
  if (ctx.env.XDG_CONFIG_HOME)
    return { path: defaultConfigPath(ctx.env), source: 'env', origin: 'XDG_CONFIG_HOME' };
  return { path: defaultConfigPath(ctx.env), source: 'default', origin: '$HOME/.config' };
}

/** Resolves every setting with its source, in the order commands use. */
async function effectiveConfig(
  ctx: CliContext,
  opts: { prefix?: string; progress: boolean },
): Promise<EffectiveConfig> {
  const cf = configFile(ctx);
  const loaded: LoadedConfig = await readConfigFile(cf.path, { home: ctx.env.HOME || undefined });
  const at = (key: 'store' | 'keyrings' | 'progress'): string =>
    `${loaded.path}:${loaded.lines[key] ?? 0}`;

  let store: Setting<string>;
  if (opts.prefix) store = { value: opts.prefix, source: 'flag', origin: '--prefix' };
  else if (ctx.env.HBS2_STORE)
    store = { value: ctx.env.HBS2_STORE, source: 'env', origin: 'HBS2_STORE' };
  else if (loaded.config.store !== undefined)
    store = { value: loaded.config.store, source: 'config', origin: at('store') };
  else
    store = {
      value: defaultStorePath(ctx.env),
      source: 'default',
      origin: ctx.env.XDG_DATA_HOME ? '$XDG_DATA_HOME/hbs2' : '~/.local/share/hbs2',
    };

  const keyrings: Setting<string[]> =
    loaded.lines.keyrings !== undefined
      ? { value: loaded.config.keyrings, source: 'config', origin: at('keyrings') }
      : { value: [], source: 'default', origin: 'built-in' };

  let progress: Setting<string>;
  if (!opts.progress) progress = { value: 'never', source: 'flag', origin: '--no-progress' };
  else if (loaded.lines.progress !== undefined)
    progress = { value: loaded.config.progress, source: 'config', origin: at('progress') };
  else progress = { value: 'auto', source: 'default', origin: 'built-in' };

  const s3 = s3Settings(ctx, loaded);
  return {
    configFile: { path: loaded.path, exists: loaded.exists, source: cf.source, origin: cf.origin },
    store,
    keyrings,
    progress,
    ...(s3 ? { s3 } : {}),
  };
}

/**
 * The S3 settings in effect, resolved as `s3ConnectionFor` resolves them (environment,
 * then config); the secret access key and session token are masked.
 */
function s3Settings(
  ctx: CliContext,
  loaded: LoadedConfig,
): Record<string, Setting<string | boolean>> | undefined {
  const env = ctx.env;
  const cfg = loaded.config.s3 ?? {};
  const at = `${loaded.path}:${loaded.lines.s3 ?? 0}`;
  const out: Record<string, Setting<string | boolean>> = {};
  const pick = (name: string, vars: string[], fromConfig: string | boolean | undefined) => {
    const v = vars.find((n) => env[n]);
    if (v) out[name] = { value: env[v]!, source: 'env', origin: v };
    else if (fromConfig !== undefined)
      out[name] = { value: fromConfig, source: 'config', origin: at };
  };
  pick('endpoint', ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'], cfg.endpoint);
  pick('region', ['AWS_REGION', 'AWS_DEFAULT_REGION'], cfg.region);
  pick('path-style', [], cfg.pathStyle);
  const credsFromEnv = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  pick(
    'access-key-id',
    credsFromEnv ? ['AWS_ACCESS_KEY_ID'] : [],
    credsFromEnv ? undefined : cfg.accessKeyId,
  );
  const secret = credsFromEnv ? env.AWS_SECRET_ACCESS_KEY : cfg.secretAccessKey;
  if (secret)
    out['secret-access-key'] = credsFromEnv
      ? { value: MASKED, source: 'env', origin: 'AWS_SECRET_ACCESS_KEY' }
      : { value: MASKED, source: 'config', origin: at };
  if (credsFromEnv && env.AWS_SESSION_TOKEN)
    out['session-token'] = { value: MASKED, source: 'env', origin: 'AWS_SESSION_TOKEN' };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Text form: `key: value  # source (origin)`, readable as YAML too. */
function formatEffective(e: EffectiveConfig): string[] {
  const note = (s: { source: Source; origin: string }): string =>
    s.source === 'config' ? `config ${s.origin}` : `${s.source} (${s.origin})`;
  const lines = [
    `config: ${e.configFile.path}  # ${e.configFile.exists ? 'found' : 'not found, defaults used'}`,
    `store: ${e.store.value}  # ${note(e.store)}`,
  ];
  if (e.keyrings.value.length === 0) lines.push(`keyrings: []  # ${note(e.keyrings)}`);
  else {
    lines.push(`keyrings:  # ${note(e.keyrings)}`);
    for (const k of e.keyrings.value) lines.push(`  - ${k}`);
  }
  lines.push(`progress: ${e.progress.value}  # ${note(e.progress)}`);
  if (e.s3) {
    lines.push('s3:');
    for (const [k, v] of Object.entries(e.s3)) lines.push(`  ${k}: ${v.value}  # ${note(v)}`);
  }
  return lines;
}
