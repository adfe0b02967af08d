/**
 * The largest block a reader accepts. A hostile store can hold a file of any size under a
 * block's name; readers check the size before reading (and never read past the limit),
 * so one planted block cannot make a command allocate more than this per block.
 */
import { IntegrityError } from '../errors.js';
import { hashToString } from './hash.js';

/**
 * 2 MiB. The largest blocks hbs2 and this toolkit write (blocks-trees-storage.md §3, §4):
 *
 * * a data block: 262 144 bytes plain, 262 160 with method 1, 262 194 with method 2;
 * * a tree leaf of 1024 hashes: 38 916 bytes; a node of 256 children: 9 223 bytes;
 * * a group key is stored as a tree, so its blocks are data blocks whatever its size;
 * * a metadata block or an annotation with inline text: the text (hbs2 takes it from one
 *   command-line argument, at most 128 KiB on Linux; this toolkit's `--meta-file` at most
 *   {@link MAX_METADATA_TEXT_BYTES}) plus a few hundred bytes of CBOR, nonce and MAC, plus
 *   for an annotation its inline leaf.
 *
 * The largest of these is under 1.1 MiB; 2 MiB leaves room for metadata written by other
 * hbs2 tools while a `cat` read-ahead of 8 blocks stays under 16 MiB even when every block
 * is at the limit.
 */
export const MAX_BLOCK_SIZE = 2 * 1024 * 1024;

/**
 * The longest metadata text a writer stores (1 MiB of UTF-8): with its CBOR, encryption
 * and an inline leaf it stays well under {@link MAX_BLOCK_SIZE}, so every tree written
 * can be read back.
 */
export const MAX_METADATA_TEXT_BYTES = 1024 * 1024;

/**
 * Throws an IntegrityError naming the block unless its file is a regular file of at most
 * {@link MAX_BLOCK_SIZE} bytes (a FIFO or device planted under a block name is refused
 * before it is read: it could block or never end).
 */
export function checkBlockStat(hash: Uint8Array, st: { size: number; isFile(): boolean }): void {
  if (!st.isFile())
    throw new IntegrityError(`block ${hashToString(hash)} is not a regular file`, {
      hint: 'run `hbs2 fsck` to list such files',
    });
  checkBlockSize(hash, st.size);
}

/** Throws an IntegrityError naming the block when `size` is over {@link MAX_BLOCK_SIZE}. */
export function checkBlockSize(hash: Uint8Array, size: number): void {
  if (size > MAX_BLOCK_SIZE)
    throw new IntegrityError(
      `block ${hashToString(hash)} is ${size} bytes, larger than any hbs2 block can be (limit ${MAX_BLOCK_SIZE})`,
      { hint: 'run `hbs2 fsck --repair` to quarantine bad blocks' },
    );
}
