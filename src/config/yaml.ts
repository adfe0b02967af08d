/**
 * The `yaml` library, loaded on first use. Most commands never read a config file or
 * print YAML, and loading it costs about 25 ms of start-up (`hbs2 --version`, `keyring
 * list`); its CommonJS build can be required synchronously, so callers stay synchronous.
 */
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let loaded: Yaml | undefined;

/** The `yaml` module (required once, then cached). */
export function yaml(): Yaml {
  return (loaded ??= createRequire(import.meta.url)('yaml') as Yaml);
}
