/**
 * Which group key files in some directories list a public key as a member: after
 * `keyring del`, the group keys that still seal their secret to the deleted key (nobody
 * can open those boxes any more, and the owner may want to re-key or drop the member).
 * Node only (it reads directories).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sniffFileKind } from '../codec/file-kind.js';
import { parseGroupKeyFile } from './file.js';
import { bytesKey } from './model.js';

/** Files looked at per directory and the largest one read: a look around, not a search. */
const MAX_FILES_PER_DIR = 500;
const MAX_GROUPKEY_BYTES = 4 * 1024 * 1024;

/**
 * The group key files directly inside `dirs` whose members include `publicKey`. Files
 * that cannot be read or parsed are skipped: this only helps, it never fails a command.
 * At most 500 files per directory are looked at, none larger than 4 MiB.
 * @param publicKey - the member's curve25519 public key
 * @param dirs - the directories to look in (each once, however named)
 * @returns the absolute paths of the group key files listing it, by directory then name
 */
export async function groupKeyFilesListing(
  publicKey: Uint8Array,
  dirs: readonly string[],
): Promise<string[]> {
  const wanted = bytesKey(publicKey);
  const found: string[] = [];
  for (const dir of [...new Set(dirs.map((d) => path.resolve(d)))]) {
    let names: string[];
    try {
      names = (await fs.readdir(dir)).sort().slice(0, MAX_FILES_PER_DIR);
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        const st = await fs.stat(file);
        if (!st.isFile() || st.size > MAX_GROUPKEY_BYTES) continue;
        const data = await fs.readFile(file);
        if (sniffFileKind(data) !== 'group-key') continue;
        const gk = parseGroupKeyFile(data, file);
        if (gk.recipients.some((r) => bytesKey(r.publicKey) === wanted)) found.push(file);
      } catch {
        // Not a readable group key: nothing to say about it.
      }
    }
  }
  return found;
}
