/**
 * Streaming writer (spec §3.2): input → exact 256 KiB blocks → optional per-block
 * transform (encryption) → store.put with a bounded number in flight → tree builder.
 * Memory stays O(block size × parallelism + hashes of one leaf per level).
 */
import type { BlockRunner } from '../parallel/pool.js';
import type { BlockSink } from '../store/blockstore.js';
import { BlockBufferPool } from '../store/block-buffers.js';
import { MAX_BLOCK_SIZE } from '../store/limits.js';
import { UsageError } from '../errors.js';
import { TreeBuilder, type TreeShape } from './builder.js';
import { chunkBytes } from './chunker.js';
import { BLOCK_SIZE } from './constants.js';
import type { MTree } from './node.js';

/**
 * Turns a plaintext block into the bytes to store. `index` counts blocks from 1, as
 * hbs2's encryption counter does.
 */
export type BlockTransform = (
  plain: Uint8Array,
  index: bigint,
) => TransformedBlock | Promise<TransformedBlock>;

/** A transformed block, optionally with its hash already computed (e.g. by a worker). */
export type TransformedBlock = Uint8Array | { block: Uint8Array; hash?: Uint8Array };

/**
 * The transform that only hashes each block, in `runner`'s workers: the block comes back
 * unchanged with its hash, so the store does not hash it on the main thread.
 */
export function hashingTransform(runner: BlockRunner): BlockTransform {
  // The writer gives each block's buffer to its transform (and recycles what comes back).
  return (plain) => runner.run({ op: 'hash', data: plain }, { ownership: 'transferred' });
}

/** Options for {@link writeTree}. */
export interface WriteTreeOptions {
  /** Applied to every data block before it is hashed and stored. */
  transform?: BlockTransform;
  /** Data blocks being transformed/stored at once (default 8). */
  parallelism?: number;
  /** Data block size (default 262 144, hbs2's). */
  blockSize?: number;
  /**
   * Spare bytes allocated after each data block, so a transform running in a worker can
   * return a longer block (encryption adds a 16-byte MAC) in the same buffer.
   */
  blockSlack?: number;
  /** Tree shape constants (default hbs2's). */
  shape?: TreeShape;
  /** Called after each data block is stored, with the input bytes and blocks done. */
  onProgress?: (bytes: number, blocks: number) => void;
}

/** What {@link writeTree} produced. */
export interface WriteTreeResult {
  /** Hash of the root tree block. */
  root: Uint8Array;
  /** The decoded root block (what an MTreeAnn embeds inline). */
  rootNode: MTree;
  /** Number of data blocks. */
  blocks: number;
  /** Number of input bytes. */
  bytes: number;
  /** Number of tree blocks written. */
  treeBlocks: number;
}

/**
 * Stores a byte stream as hbs2's merkle tree and returns its root.
 * @param sink - where the blocks go
 * @param source - the content
 * @param opts - writer options (transform, progress, parallelism)
 * @returns the root and counts
 */
export async function writeTree(
  sink: BlockSink,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: WriteTreeOptions = {},
): Promise<WriteTreeResult> {
  const parallelism = Math.max(1, opts.parallelism ?? 8);
  const transform = opts.transform;
  const builder = new TreeBuilder(sink, opts.shape);
  const inflight: { hash: Promise<Uint8Array>; size: number }[] = [];
  let index = 0n;
  let bytes = 0;
  let blocks = 0;

  const drainOne = async (): Promise<void> => {
    const next = inflight.shift()!;
    // Awaited in input order, so the tree sees hashes in order whatever finishes first.
    await builder.add(await next.hash);
    blocks++;
    bytes += next.size;
    opts.onProgress?.(bytes, blocks);
  };

  const blockSize = opts.blockSize ?? BLOCK_SIZE;
  // Readers refuse blocks over MAX_BLOCK_SIZE; half of it leaves room for any transform.
  if (blockSize > MAX_BLOCK_SIZE / 2)
    throw new UsageError(
      `data blocks of ${blockSize} bytes could not be read back (at most ${MAX_BLOCK_SIZE / 2})`,
    );
  // Block buffers are given back once stored (a sink does not keep what it was given), so
  // a long input cycles through a few buffers instead of leaving 256 KiB of garbage each.
  const buffers = new BlockBufferPool(blockSize + (opts.blockSlack ?? 0), parallelism + 2);
  try {
    for await (const plain of chunkBytes(source, blockSize, opts.blockSlack, buffers)) {
      const i = ++index;
      // Read now: a transform that hands the block to a worker detaches it.
      const size = plain.length;
      const hash = (async () => {
        if (!transform) {
          const h = await sink.put(plain);
          buffers.release(plain);
          return h;
        }
        const out = await transform(plain, i);
        const stored = out instanceof Uint8Array ? out : out.block;
        const h = await sink.put(stored, out instanceof Uint8Array ? undefined : out.hash);
        // A block sent to a worker is detached here and the result came back in its
        // buffer: recycle that one. Otherwise the transform made a new block; recycle ours.
        buffers.release(plain.byteLength === 0 ? stored : plain);
        return h;
      })();
      // Marked handled now; the rejection is still seen when drainOne awaits it.
      hash.catch(() => undefined);
      inflight.push({ hash, size });
      if (inflight.length >= parallelism) await drainOne();
    }
    while (inflight.length > 0) await drainOne();
  } catch (e) {
    // Let the other writes settle so none runs on after the caller has seen the error.
    await Promise.allSettled(inflight.map((x) => x.hash));
    throw e;
  }
  const built = await builder.finish();
  return {
    root: built.root,
    rootNode: built.rootNode,
    blocks,
    bytes,
    treeBlocks: built.treeBlocks,
  };
}
