/**
 * The toolkit's YAML config (`toolkit.yaml`): `store`, `store-format`, `keyrings`, `progress`.
 * Validated strictly: an unknown key or a value of the wrong type is a FormatError naming
 * the key and its line, so a typo never silently falls back to a default.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node, Pair } from 'yaml';
import { yaml } from './yaml.js';
import { FormatError } from '../errors.js';
import { fileError } from '../fsutil.js';

/** Effective settings read from a config file. */
export interface ToolkitConfig {
  /** Store directory, absolute (relative paths are resolved against the config's directory). */
  store?: string;
  /** Layout of a store created by a command: `ncq3` (hbs2 0.25, the default) or `simple`. */
  storeFormat?: StoreFormat;
  /** Keyring files, directories or globs, with `~` and relative paths resolved. */
  keyrings: string[];
  /** `auto`: progress bars on a terminal for long work; `never`: none. */
  progress: ProgressMode;
  /** How to reach an `s3://` store (the `s3` mapping); environment variables win. */
  s3?: S3Settings;
}

/** The config's `s3` mapping; every key optional. */
export interface S3Settings {
  endpoint?: string;
  region?: string;
  /** Bucket in the path rather than the host name (default: path style off AWS). */
  pathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** The keys of the `s3` mapping and the settings they fill. */
export const S3_CONFIG_KEYS = {
  endpoint: 'endpoint',
  region: 'region',
  'path-style': 'pathStyle',
  'access-key-id': 'accessKeyId',
  'secret-access-key': 'secretAccessKey',
} as const satisfies Record<string, keyof S3Settings>;

/** Allowed values of `progress`. */
export const PROGRESS_MODES = ['auto', 'never'] as const;
/** A `progress` setting. */
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** Allowed values of `store-format`. */
export const STORE_FORMATS = ['ncq3', 'simple'] as const;
/** A `store-format` setting. */
export type StoreFormat = (typeof STORE_FORMATS)[number];

/** The keys a config file may hold. */
export const CONFIG_KEYS = ['store', 'keyrings', 'progress', 's3', 'store-format'] as const;
/** One of {@link CONFIG_KEYS}. */
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Largest config file read; a config is a few lines, anything huge is a wrong path. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Defaults used for every key a config file leaves out. */
export function defaultConfig(): ToolkitConfig {
  return { keyrings: [], progress: 'auto' };
}

/** Options for reading a config. */
export interface ConfigOptions {
  /** Home directory for `~` expansion (default: the OS's idea of it). */
  home?: string;
}

/** A parsed config with the 1-based line each key was set on. */
export interface ParsedConfig {
  config: ToolkitConfig;
  /** Line of each key present in the file. */
  lines: Partial<Record<ConfigKey, number>>;
}

/** A config read from a file. */
export interface LoadedConfig extends ParsedConfig {
  path: string;
  /** False when the file does not exist (the defaults are then in effect). */
  exists: boolean;
}

/**
 * Parses config text. `file` names the file in errors and is the base for relative
 * paths. Throws FormatError `<file>:<line>: …` for bad YAML, unknown keys and wrong types.
 */
export function parseConfigText(
  text: string,
  file: string,
  opts: ConfigOptions = {},
): ParsedConfig {
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined): number => lineCounter.linePos(offset ?? 0).line;
  const firstError = doc.errors[0];
  if (firstError)
    throw new FormatError(
      `${file}:${lineOf(firstError.pos[0])}: invalid YAML: ${lowerFirst(firstError.message.split('\n')[0]!)}`,
    );
  const config = defaultConfig();
  const lines: ParsedConfig['lines'] = {};
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { config, lines };
  if (!isMap(root))
    throw new FormatError(
      `${file}:${lineOf(root.range?.[0])}: the config must be a mapping of keys to values`,
    );
  const base = path.dirname(path.resolve(file));
  const home = opts.home ?? os.homedir();
  for (const pair of root.items as Array<Pair<unknown, unknown>>) {
    const keyNode = pair.key as Node | null;
    const line = lineOf(keyNode?.range?.[0]);
    const key = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== 'string')
      throw new FormatError(`${file}:${line}: config keys must be plain names`);
    if (!(CONFIG_KEYS as readonly string[]).includes(key))
      throw new FormatError(`${file}:${line}: unknown key '${key}'`, {
        hint: `known keys: ${CONFIG_KEYS.join(', ')}`,
      });
    const value = pair.value as Node | null;
    const where = `${file}:${line}: '${key}'`;
    lines[key as ConfigKey] = line;
    // An empty value (`store:`) leaves the default in place, as YAML users expect.
    if (value === null || (isScalar(value) && value.value === null)) continue;
    switch (key as ConfigKey) {
      case 'store': {
        if (!isScalar(value) || typeof value.value !== 'string' || value.value === '')
          throw new FormatError(`${where} must be a path (a string)`);
        // An s3:// URL is not a path: it is kept as it is.
        config.store = /^s3:\/\//i.test(value.value)
          ? value.value
          : resolvePath(value.value, base, home);
        break;
      }
      case 'store-format': {
        const v = isScalar(value) ? value.value : undefined;
        if (typeof v !== 'string' || !(STORE_FORMATS as readonly string[]).includes(v))
          throw new FormatError(`${where} must be one of ${STORE_FORMATS.join(', ')}`);
        config.storeFormat = v as StoreFormat;
        break;
      }
      case 'keyrings': {
        if (!isSeq(value))
          throw new FormatError(`${where} must be a list of paths or globs`, {
            hint: 'write it as a YAML list, e.g. keyrings: [~/keys/*.key]',
          });
        for (const item of value.items as Array<Node | null>) {
          if (!isScalar(item) || typeof item.value !== 'string' || item.value === '')
            throw new FormatError(
              `${file}:${lineOf(item?.range?.[0] ?? value.range?.[0])}: 'keyrings' entries must be paths or globs (strings)`,
            );
          config.keyrings.push(resolvePath(item.value, base, home));
        }
        break;
      }
      case 'progress': {
        const v = isScalar(value) ? value.value : undefined;
        if (typeof v !== 'string' || !(PROGRESS_MODES as readonly string[]).includes(v))
          throw new FormatError(`${where} must be one of ${PROGRESS_MODES.join(', ')}`);
        config.progress = v as ProgressMode;
        break;
      }
      case 's3': {
        if (!isMap(value))
          throw new FormatError(`${where} must be a mapping`, {
            hint: `keys: ${Object.keys(S3_CONFIG_KEYS).join(', ')}`,
          });
        config.s3 = {};
        for (const item of value.items as Array<Pair<unknown, unknown>>) {
          const k = isScalar(item.key as Node) ? (item.key as { value: unknown }).value : undefined;
          const at = `${file}:${lineOf((item.key as Node | null)?.range?.[0])}: 's3.${String(k)}'`;
          if (typeof k !== 'string' || !(k in S3_CONFIG_KEYS))
            throw new FormatError(`${at}: unknown key`, {
              hint: `known keys: ${Object.keys(S3_CONFIG_KEYS).join(', ')}`,
            });
          const v = isScalar(item.value as Node)
            ? (item.value as { value: unknown }).value
            : undefined;
          const field = S3_CONFIG_KEYS[k as keyof typeof S3_CONFIG_KEYS];
          if (field === 'pathStyle') {
            if (typeof v !== 'boolean') throw new FormatError(`${at} must be true or false`);
            config.s3.pathStyle = v;
          } else {
            if (typeof v !== 'string' || v === '') throw new FormatError(`${at} must be a string`);
            config.s3[field] = v;
          }
        }
        break;
      }
    }
  }
  return { config, lines };
}

/** Expands a leading `~` and makes a relative path absolute against `base`. */
function resolvePath(p: string, base: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(base, p);
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/**
 * Reads and validates a config file. A missing file gives the defaults (`exists: false`);
 * an unreadable one is a typed file error.
 * @param file - the config file
 * @param opts - how to read it
 * @returns the configuration and whether the file exists
 * @throws {@link FormatError} for bad content
 */
export async function readConfigFile(
  file: string,
  opts: ConfigOptions = {},
): Promise<LoadedConfig> {
  let text: string;
  try {
    const st = await fs.stat(file);
    if (st.isFile() && st.size > MAX_CONFIG_BYTES)
      throw new FormatError(`${file}: config file too large (${st.size} bytes)`);
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      return { path: file, exists: false, config: defaultConfig(), lines: {} };
    throw fileError(e, file);
  }
  return { path: file, exists: true, ...parseConfigText(text, file, opts) };
}

/**
 * Reads `file`; a missing file gives the defaults. Bad content is a FormatError.
 * @param file - the config file
 * @param opts - how to read it
 * @returns the configuration
 * @throws {@link FormatError} for bad content
 */
export async function loadConfig(file: string, opts: ConfigOptions = {}): Promise<ToolkitConfig> {
  return (await readConfigFile(file, opts)).config;
}

/** The commented default config `hbs2 config init` writes; it parses to the defaults. */
export const DEFAULT_CONFIG_TEXT = `# hbs2 toolkit configuration (YAML). Every key is optional.
# 'hbs2 config show' prints the effective settings and where each one comes from.
# Relative paths are relative to this file's directory; ~ is your home directory.

# Where blocks are stored, in hbs2's own layout (an existing hbs2 store works).
# -p/--prefix and $HBS2_STORE take precedence. Default: $XDG_DATA_HOME/hbs2.
# store: ~/.local/share/hbs2

# Keyring files, directories or globs searched for secret keys when a command
# is not given -k KEYRING. Example:
#   keyrings:
#     - ~/.config/hbs2/keys/*.key
keyrings: []

# Progress bars on stderr: auto (on a terminal, for work longer than ~0.5 s)
# or never.
progress: auto

# A store in an S3-compatible bucket: store: s3://BUCKET/PREFIX. The AWS_*
# environment variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY) take precedence over these. Example:
#   s3:
#     endpoint: https://s3.example.net
#     region: us-east-1
#     path-style: true
#     access-key-id: AKIA...
#     secret-access-key: ...

# Layout of a store a command creates: ncq3 (hbs2 0.25's log store, the default)
# or simple (one file per block, as hbs2 0.24). An existing store keeps its layout.
# store-format: ncq3
`;
