/** Reading group key files from disk (Node); parsing is groupkey/file.ts's. */
import * as path from 'node:path';
import { readFileChecked } from '../fsutil.js';
import { parseGroupKeyFile } from './file.js';
import type { GroupKey } from './model.js';

/**
 * Largest group key file read: a sealed box per recipient is ~130 bytes of text, so this
 * holds hundreds of thousands of members and bounds memory on a wrong path.
 */
export const MAX_GROUP_KEY_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads and parses the group key file `file`; errors name the file by its base name, never
 * its content.
 * @param file - the group key file's path
 * @returns the group key
 * @throws {@link NotFoundError} when the file is missing, {@link FormatError} when it is
 * not a group key file (a keyring, recipients file, sigil or ACB is named as such)
 */
export async function readGroupKeyFile(file: string): Promise<GroupKey> {
  return parseGroupKeyFile(
    await readFileChecked(file, MAX_GROUP_KEY_FILE_BYTES),
    path.basename(file),
  );
}
