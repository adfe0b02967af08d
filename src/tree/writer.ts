/**
 * Streaming writer (spec §3.2): input → exact 256 KiB blocks → optional per-block
 * transform (encryption) → store.put with a bounded number in flight → tree builder.
 * Memory stays O(block size × parallelism + hashes of one leaf per level).
 */
import type { BlockJob } from '../parallel/jobs.js';
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
 * hbs2's encryption counter does. `plain` is one of the writer's recycled block buffers;
 * the result says what becomes of it ({@link TransformedBlock}).
 */
export type BlockTransform = (
  plain: Uint8Array,
  index: bigint,
) => TransformedBlock | Promise<TransformedBlock>;

/**
 * A transformed block, optionally with its hash already computed (e.g. by a worker), and
 * which buffer the writer may reuse for a later block once this one is stored:
 * - a bare `Uint8Array`: the transform only borrowed `plain` (it no longer uses it once
 *   its result settles), so the writer recycles `plain` and leaves the returned block
 *   alone (which may be `plain` itself);
 * - an object: `recycle` names the one buffer the writer may reuse: `plain` when the
 *   transform only borrowed it, the result's own buffer when the transform took `plain`
 *   and handed its output over (a worker job run with `ownership: 'transferred'`), or
 *   null when the transform keeps both. The writer touches no other buffer afterwards: a
 *   transform that took `plain` may keep, overwrite or detach it.
 */
export type TransformedBlock =
  Uint8Array | { block: Uint8Array; hash?: Uint8Array; recycle: Uint8Array | null };

/**
 * Runs a transform's block job in `runner`, giving it the block's buffer (sent to a
 * worker without a copy, and detached here): the job's result, which may come back in
 * that same buffer, is then the writer's to recycle.
 * @param runner - where the job runs
 * @param job - the job, whose `data` is the block the writer gave the transform
 * @returns the result, naming its own block as the buffer to recycle
 * @throws whatever the job throws (e.g. `InputChangedError` for a changed chunk)
 */
export async function runOnOwnedBlock(
  runner: BlockRunner,
  job: BlockJob,
): Promise<TransformedBlock> {
  const r = await runner.run(job, { ownership: 'transferred' });
  return { ...r, recycle: r.block };
}

/**
 * The transform that only hashes each block, in `runner`'s workers: the block comes back
 * unchanged with its hash, so the store does not hash it on the main thread.
 * @param runner - where blocks are hashed
 * @returns a transform that takes each block and hands it back with its hash
 */
export function hashingTransform(runner: BlockRunner): BlockTransform {
  return (plain) => runOnOwnedBlock(runner, { op: 'hash', data: plain });
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
      // Read now: a transform may take the block (sending it to a worker detaches it).
      const size = plain.length;
      const hash = (async () => {
        if (!transform) {
          const h = await sink.put(plain);
          buffers.release(plain);
          return h;
        }
        const out = ownedResult(await transform(plain, i), plain);
        const h = await sink.put(out.block, out.hash);
        // Stored: the sink does not keep it. Only the buffer the transform handed back
        // goes round again; `plain` itself may be the transform's now.
        if (out.recycle) buffers.release(out.recycle);
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

/** `out` in its object form: a bare block means the transform borrowed `plain`. */
function ownedResult(
  out: TransformedBlock,
  plain: Uint8Array,
): Exclude<TransformedBlock, Uint8Array> {
  return out instanceof Uint8Array ? { block: out, recycle: plain } : out;
}
