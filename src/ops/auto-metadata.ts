/**
 * Automatic metadata of a file (`hbs2 store --auto-meta`, `metadata create --auto`):
 * `file-name: "<name>"` and `mime-type: "<type>"`, in UTF-8 (hbs2 packed the characters to
 * 8 bits; we do not). The type comes from the content's magic bytes (file-type), then the
 * extension, then a text/binary guess.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { UsageError } from '../errors.js';
import { fileError } from '../fsutil.js';

const BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.ts': 'text/x-typescript',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.sh': 'text/x-shellscript',
  '.c': 'text/x-c',
  '.h': 'text/x-c',
  '.hs': 'text/x-haskell',
  '.py': 'text/x-python',
};

/**
 * The MIME type of `file`: from its magic bytes, else its extension, else a text/binary
 * guess from its first 8 KiB (`application/x-empty` when empty).
 * @param file - a regular file's path
 * @returns the MIME type
 * @throws {@link IoError} or {@link NotFoundError} when the file cannot be read
 */
export async function detectMimeType(file: string): Promise<string> {
  const { fileTypeFromFile } = await import('file-type');
  try {
    const ft = await fileTypeFromFile(file);
    if (ft) return ft.mime;
  } catch (e) {
    throw fileError(e, file);
  }
  const byExt = BY_EXTENSION[path.extname(file).toLowerCase()];
  if (byExt) return byExt;
  const fh = await fs.open(file, 'r').catch((e: unknown) => {
    throw fileError(e, file);
  });
  try {
    const buf = new Uint8Array(8192);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (bytesRead === 0) return 'application/x-empty';
    if (head.includes(0)) return 'application/octet-stream';
    try {
      // A cut in the middle of a multi-byte character at the end is still text.
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytesRead === buf.length ? head.subarray(0, bytesRead - 4) : head,
      );
      return 'text/plain';
    } catch {
      return 'application/octet-stream';
    }
  } finally {
    await fh.close();
  }
}

/**
 * A value in hbs2's metadata text: a double-quoted string, with `"` and `\` escaped so a
 * file name holding them cannot end the value early or add a line.
 */
function quotedValue(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
}

/**
 * The metadata text `--auto-meta` and `metadata create --auto` record:
 * `file-name: "NAME"` and `mime-type: "TYPE"` lines (hbs2's keys). Only for regular
 * files: sniffing the type reads the file, and a pipe or device read here would lose
 * those bytes for the store itself.
 * @param file - a regular file's path
 * @returns the metadata text
 * @throws {@link UsageError} when `file` is a pipe or device
 */
export async function autoMetadata(file: string): Promise<string> {
  let regular: boolean;
  try {
    regular = (await fs.stat(file)).isFile();
  } catch (e) {
    throw fileError(e, file);
  }
  if (!regular)
    throw new UsageError(`--auto-meta needs a regular file; ${file} is a pipe or device`, {
      hint: 'give the metadata with --meta, e.g. --meta \'file-name: "NAME"\'',
    });
  const mime = await detectMimeType(file);
  return `file-name: ${quotedValue(path.basename(file))}\nmime-type: ${quotedValue(mime)}`;
}
