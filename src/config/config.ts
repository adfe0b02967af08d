/**
 * The toolkit's YAML config (`toolkit.yaml`): `store`, `keyrings`, `progress`.
 * (Minimal reader; the config work item replaces it with the full validating one.)
 */
import { promises as fs } from 'node:fs';
import { parse } from 'yaml';

/** Effective settings read from a config file. */
export interface ToolkitConfig {
  store?: string;
  keyrings: string[];
  progress: 'auto' | 'never';
}

/** Reads `file`; a missing file gives the defaults. */
export async function loadConfig(file: string): Promise<ToolkitConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { keyrings: [], progress: 'auto' };
  }
  const doc = (parse(text) ?? {}) as Partial<ToolkitConfig>;
  return { store: doc.store, keyrings: doc.keyrings ?? [], progress: doc.progress ?? 'auto' };
}
