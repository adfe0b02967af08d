/**
 * Annotated and encrypted trees (spec blocks-trees-storage §4): writing a tree whose data
 * blocks are encrypted with a group secret — by default method 2 with hbs2's keyed
 * per-block nonces, or hbs2 0.24's method 1 — its metadata encrypted beside it, and the
 * decryption of trees of both methods for reading, with every method-2 nonce re-checked.
 */
import { encodeBase58 } from '../codec/base58.js';
import { crypto } from '../crypto/index.js';
import { BlockDecryptionError, FormatError, InputChangedError } from '../errors.js';
import { jobSlack, runBlockJob, type BlockJob } from '../parallel/jobs.js';
import type { BlockRunner } from '../parallel/pool.js';
import type { BlockSink } from '../store/blockstore.js';
import { BlockBufferPool } from '../store/block-buffers.js';
import { encodeMTreeAnn, type AnnMetaData, type MTreeAnn } from './annotation.js';
import { chunkBytes } from './chunker.js';
import { BLOCK_SIZE } from './constants.js';
import {
  CHUNK_CHANGED,
  KEYED_METHOD2_OPTIONS,
  STORE_NONCE_SIP_KEY,
  StoreNonceBuilder,
  encryptMetadata,
  treeCipher,
} from './encrypt.js';
import { KeyedTreeNonceBuilder, blockNonceDigest, blockNonceKey } from './keyed-nonces.js';
import type { ReadTransform } from './reader.js';
import {
  runOnOwnedBlock,
  writeTree,
  type BlockTransform,
  type TransformedBlock,
  type WriteTreeOptions,
  type WriteTreeResult,
} from './writer.js';

/** The encryption method of a new tree: 2 (keyed block nonces, the default) or 1. */
export type EncryptionMethod = 1 | 2;

/**
 * What a first pass over the content saw of each chunk, so the second pass can check
 * that it encrypts the same content: keyed block-nonce digests (method 2) or hbs2's
 * SipHash values (method 1).
 */
export type ChunkFingerprints =
  { method: 2; digests: DigestList } | { method: 1; sipValues: bigint[] };

/**
 * The 32-byte digests of a first pass, packed in one growing buffer: an array of
 * Uint8Arrays costs about 100 bytes per chunk (40 MB per 100 GiB of input), this 32.
 */
export class DigestList {
  private buf = new Uint8Array(32 * 1024);
  length = 0;

  push(digest: Uint8Array): void {
    if ((this.length + 1) * 32 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf.set(digest, this.length * 32);
    this.length++;
  }

  /**
   * A copy of digest `i` (from 0), or undefined past the end. A copy, not a view: a view
   * posted to a worker would take the whole packed buffer with it.
   */
  at(i: number): Uint8Array | undefined {
    return i < this.length ? this.buf.slice(i * 32, i * 32 + 32) : undefined;
  }
}

/** What {@link writeEncryptedTree} needs besides the data. */
export interface EncryptedTreeParams {
  /** The 32-byte group secret. */
  secret: Uint8Array;
  /** Hash of the stored group key tree (the annotation refers to it). */
  groupKeyHash: Uint8Array;
  /** The tree nonce (32 bytes from `store -g`, any length is valid). */
  nonceS: Uint8Array;
  /** 2 (default): method 2 with keyed per-block nonces; 1: hbs2 0.24's counter nonces. */
  method?: EncryptionMethod;
  /**
   * The first pass's view of every chunk ({@link deterministicTreeNonce}); a chunk that
   * differs now is an IntegrityError, and no annotation is written.
   */
  fingerprints?: ChunkFingerprints;
  /** Metadata text, stored encrypted in its own block. */
  metadata?: string;
  /** Runs block encryption (a worker pool for large inputs); default inline. */
  runner?: BlockRunner;
}

/** The written annotated tree. */
export interface AnnotatedTreeResult extends WriteTreeResult {
  /** Hash of the `MTreeAnn` block: what users refer to. */
  annotation: Uint8Array;
  ann: MTreeAnn;
  /** Hash of the metadata block, when one was written. */
  metadataBlock: Uint8Array | null;
}

/** The fingerprint the first pass recorded for chunk `index` (from 1), if any. */
function fingerprintAt<T>(
  list: { at(i: number): T | undefined } | undefined,
  index: bigint,
): T | undefined {
  if (!list) return undefined;
  const v = list.at(Number(index) - 1);
  // More chunks than the first pass saw: the input grew in between.
  if (v === undefined) throw new InputChangedError(CHUNK_CHANGED);
  return v;
}

/**
 * Runs block jobs in `runner`, or on this thread without one (the same code either way;
 * the job hashes the stored block too, so the store does not hash it again).
 */
function jobRunner(runner?: BlockRunner): (job: BlockJob) => Promise<TransformedBlock> {
  if (runner) return (job) => runOnOwnedBlock(runner, job);
  const c = crypto();
  // On this thread a job only reads its input and writes a fresh block: the writer's
  // buffer was borrowed, and is what it recycles.
  return async (job) => ({ ...runBlockJob(job, c), recycle: job.data });
}

/**
 * The per-block transform of method 1 encryption (optionally re-checking each chunk).
 * With a `runner` it takes each block (encrypted in place in a worker, handed back);
 * without one it borrows it.
 */
export function method1Transform(
  secret: Uint8Array,
  nonceS: Uint8Array,
  runner?: BlockRunner,
  sipValues?: bigint[],
): BlockTransform {
  const { key0, nonce0 } = treeCipher(secret, nonceS);
  const run = jobRunner(runner);
  return (plain, index) => {
    const value = fingerprintAt(sipValues, index);
    const job: BlockJob = { op: 'encrypt1', data: plain, key0, nonce0, index };
    return run(
      value === undefined ? job : { ...job, recheck: { sipKey: STORE_NONCE_SIP_KEY, value } },
    );
  };
}

/**
 * The per-block transform of keyed method 2 (optionally re-checking each chunk), taking
 * or borrowing each block as {@link method1Transform} does.
 */
export function method2Transform(
  secret: Uint8Array,
  nonceS: Uint8Array,
  runner?: BlockRunner,
  digests?: DigestList,
): BlockTransform {
  const { key0 } = treeCipher(secret, nonceS);
  const nk = blockNonceKey(secret);
  const run = jobRunner(runner);
  return (plain, index) => {
    const recheck = fingerprintAt(digests, index);
    const job: BlockJob = { op: 'encrypt2', data: plain, key0, nk, index };
    return run(recheck ? { ...job, recheck } : job);
  };
}

/**
 * Stores `source` encrypted for a group (method 2 with keyed nonces unless `method: 1`),
 * the metadata (if any) as an encrypted `SmallEncryptedBlock` under a keyed nonce, and
 * the `MTreeAnn` block last, so a failure leaves nothing that refers to partial data.
 * @param sink - where the blocks go
 * @param source - the content
 * @param params - secret, group key tree, nonce, method, metadata, runner
 * @param opts - writer options (progress, parallelism)
 * @returns the annotation's hash and the tree written
 * @throws {@link IntegrityError} when the input differs from the first pass's
 */
export async function writeEncryptedTree(
  sink: BlockSink,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  params: EncryptedTreeParams,
  opts: WriteTreeOptions = {},
): Promise<AnnotatedTreeResult> {
  const method = params.method ?? 2;
  const fp = params.fingerprints;
  if (fp && fp.method !== method)
    throw new RangeError(`fingerprints of method ${fp.method} given for method ${method}`);
  let meta: AnnMetaData = { kind: 'none' };
  let metadataBlock: Uint8Array | null = null;
  if (params.metadata !== undefined) {
    metadataBlock = await sink.put(
      encryptMetadata(params.secret, params.nonceS, params.groupKeyHash, params.metadata),
    );
    meta = { kind: 'ref', hash: metadataBlock };
  }
  const transform =
    method === 1
      ? method1Transform(
          params.secret,
          params.nonceS,
          params.runner,
          fp?.method === 1 ? fp.sipValues : undefined,
        )
      : method2Transform(
          params.secret,
          params.nonceS,
          params.runner,
          fp?.method === 2 ? fp.digests : undefined,
        );
  const res = await writeTree(sink, source, {
    ...opts,
    // Exactly the room the worker's job needs to return the block in place: a buffer of
    // any other size is copied before it is sent (a fresh 256 KiB per block).
    blockSlack: params.runner ? jobSlack(method === 1 ? 'encrypt1' : 'encrypt2') : 0,
    transform,
  });
  const seen = fp ? (fp.method === 1 ? fp.sipValues.length : fp.digests.length) : res.blocks;
  // Fewer chunks than the first pass saw: the input shrank in between.
  if (seen !== res.blocks) throw new InputChangedError(CHUNK_CHANGED);
  const ann: MTreeAnn = {
    meta,
    crypt:
      method === 1
        ? { kind: 'symm1', groupKey: params.groupKeyHash, nonce: params.nonceS }
        : {
            kind: 'symm2',
            opts: KEYED_METHOD2_OPTIONS,
            groupKey: params.groupKeyHash,
            nonce: params.nonceS,
          },
    tree: res.rootNode,
  };
  const annotation = await sink.put(encodeMTreeAnn(ann));
  return { ...res, annotation, ann, metadataBlock };
}

/** A deterministic tree nonce and what it was computed from. */
export interface DeterministicNonce {
  nonceS: Uint8Array;
  fingerprints: ChunkFingerprints;
}

/**
 * The first pass of a deterministic encrypted store: reads `source` once and returns the
 * tree nonce with each chunk's fingerprint. Method 2: this toolkit's keyed rule
 * (keyed-nonces.ts), which needs the secret; method 1: hbs2's `store -g` SipHash rule
 * (public: anyone can confirm a guessed content). With a `runner`, chunks are
 * fingerprinted in its workers.
 */
export async function deterministicTreeNonce(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  secret: Uint8Array,
  method: EncryptionMethod,
  runner?: BlockRunner,
): Promise<DeterministicNonce> {
  const c = crypto();
  if (method === 1) {
    const nb = new StoreNonceBuilder(c);
    const sipValues: bigint[] = [];
    await forEachChunk(source, (chunk) => sipValues.push(nb.addChunk(chunk)));
    return { nonceS: nb.finish(), fingerprints: { method: 1, sipValues } };
  }
  const nk = blockNonceKey(secret, c);
  const nb = new KeyedTreeNonceBuilder(secret, c);
  const digests = new DigestList();
  // Digests arrive in chunk order either way, so the MAC takes each as it comes.
  const record = (digest: Uint8Array) => {
    digests.push(digest);
    nb.addDigest(digest);
  };
  if (!runner || runner.parallelism <= 1)
    await forEachChunk(source, (chunk, index) => record(blockNonceDigest(nk, index, chunk, c)));
  else {
    const depth = runner.parallelism * 2;
    const buffers = new BlockBufferPool(BLOCK_SIZE, depth + 2);
    const inflight: Promise<Uint8Array>[] = [];
    const drain = async () => record(await inflight.shift()!);
    let index = 0n;
    try {
      for await (const chunk of chunkBytes(source, BLOCK_SIZE, 0, buffers)) {
        const p = runner
          .run({ op: 'nonceDigest', data: chunk, nk, index: ++index }, { ownership: 'transferred' })
          .then((r) => {
            buffers.release(r.block);
            return r.hash!;
          });
        p.catch(() => undefined);
        inflight.push(p);
        if (inflight.length >= depth) await drain();
      }
      while (inflight.length > 0) await drain();
    } catch (e) {
      await Promise.allSettled(inflight);
      throw e;
    }
  }
  return { nonceS: nb.finish(), fingerprints: { method: 2, digests } };
}

/**
 * Calls `fn` on every 256 KiB chunk of `source` in order (`index` from 1). Each chunk is
 * used at once, so one buffer goes round (no 256 KiB garbage per chunk).
 */
async function forEachChunk(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  fn: (chunk: Uint8Array, index: bigint) => void,
): Promise<void> {
  const buffers = new BlockBufferPool(BLOCK_SIZE, 1);
  let index = 0n;
  for await (const chunk of chunkBytes(source, BLOCK_SIZE, 0, buffers)) {
    fn(chunk, ++index);
    buffers.release(chunk);
  }
}

/**
 * Stores `source` as a plain tree annotated with `meta` (no encryption).
 * @param sink - where the blocks go
 * @param source - the content
 * @param meta - the annotation's metadata
 * @param opts - writer options (progress, parallelism)
 * @returns the annotation's hash and the tree written
 */
export async function writeAnnotatedTree(
  sink: BlockSink,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  meta: AnnMetaData,
  opts: WriteTreeOptions = {},
): Promise<AnnotatedTreeResult> {
  const res = await writeTree(sink, source, opts);
  const ann: MTreeAnn = { meta, crypt: { kind: 'null' }, tree: res.rootNode };
  const annotation = await sink.put(encodeMTreeAnn(ann));
  return { ...res, annotation, ann, metadataBlock: meta.kind === 'ref' ? meta.hash : null };
}

/**
 * Stores `source` as a plain tree annotated with a metadata block holding `text`, as
 * hbs2's `metadata create` does: the text in a block of its own, which the annotation
 * names by hash.
 * @param sink - where the blocks go
 * @param source - the content
 * @param text - the metadata text (`key: value` lines)
 * @param opts - writer options (progress, parallelism)
 * @returns the annotation's hash, the tree and the metadata block written
 */
export async function writeTreeWithMetadataBlock(
  sink: BlockSink,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  text: string,
  opts: WriteTreeOptions = {},
): Promise<AnnotatedTreeResult> {
  const hash = await sink.put(new TextEncoder().encode(text));
  return writeAnnotatedTree(sink, source, { kind: 'ref', hash }, opts);
}

/** The encryption method number of an annotation, or null when it is not group-symmetric. */
export function symmMethod(ann: MTreeAnn): 1 | 2 | null {
  return ann.crypt.kind === 'symm1' ? 1 : ann.crypt.kind === 'symm2' ? 2 : null;
}

/** The group-symmetric encryption of `ann`; anything else is a FormatError. */
export function symmCrypt(ann: MTreeAnn): Extract<MTreeAnn['crypt'], { kind: 'symm1' | 'symm2' }> {
  const crypt = ann.crypt;
  if (crypt.kind !== 'symm1' && crypt.kind !== 'symm2')
    throw new FormatError(
      `unsupported encryption '${crypt.kind}' (asymmetric group encryption is deprecated)`,
    );
  return crypt;
}

/** Where a data block's decryption failed, named by index and (when known) hash. */
function blockError(message: string, index: bigint, name: string): BlockDecryptionError {
  return new BlockDecryptionError(`data block ${index}${name}: ${message}`);
}

/**
 * The read transform that decrypts the data blocks of `ann` with `secret`. Method-2
 * blocks must carry exactly the nonce their writer's rule gives their plaintext and
 * position (keyed or SipHash): a block moved, duplicated or spliced in from another tree
 * is an IntegrityError naming it. With a `runner`, blocks are verified against their
 * hash and decrypted in the worker (the transform is marked `verifies`, so the reader
 * skips the store's own check, and hands over blocks from `getUnverified`, whose whole
 * buffers are the reader's).
 * @param ann - the tree's annotation
 * @param secret - the group secret
 * @param runner - runs block decryption (a worker pool); default on this thread
 * @returns the transform for {@link readObject}'s reader
 * @throws {@link IntegrityError} (when reading) for a block that does not decrypt or is not in its place
 */
export function decryptTransform(
  ann: MTreeAnn,
  secret: Uint8Array,
  runner?: BlockRunner,
): ReadTransform {
  const crypt = symmCrypt(ann);
  const c = crypto();
  const { key0, nonce0 } = treeCipher(secret, crypt.nonce);
  const opts = crypt.kind === 'symm2' ? crypt.opts : undefined;
  const nk = blockNonceKey(secret);
  const jobOf = (data: Uint8Array, index: bigint, expect?: Uint8Array): BlockJob => {
    const check = expect ? { expect } : {};
    return opts
      ? { op: 'decrypt2', data, key0, nonce0, opts, nk, index, ...check }
      : { op: 'decrypt1', data, key0, nonce0, index, ...check };
  };
  /** The failure as an IntegrityError naming the block; other errors as they are. */
  const named = (e: unknown, index: bigint, name: () => string): unknown => {
    // By class, not message: a hash mismatch (a plain IntegrityError) names itself.
    const ours = e instanceof BlockDecryptionError || e instanceof FormatError;
    return ours ? blockError((e as Error).message, index, ` (${name()})`) : e;
  };
  if (runner) {
    const pooled = async (stored: Uint8Array, index: bigint, expect?: Uint8Array) => {
      try {
        // With `expect` the block came from getUnverified: its whole buffer is ours to give.
        const ownership = expect ? 'transferred' : 'borrowed';
        return (await runner.run(jobOf(stored, index, expect), { ownership })).block;
      } catch (e) {
        // The block went to the worker (detached here): name it by the hash it was read as.
        throw named(e, index, () => (expect ? encodeBase58(expect) : '?'));
      }
    };
    return Object.assign(pooled, { verifies: true });
  }
  return (stored, index) => {
    try {
      return runBlockJob(jobOf(stored, index), c).block;
    } catch (e) {
      // Name the block by its hash only on failure: hashing every block again would cost.
      throw named(e, index, () => encodeBase58(c.blake2b256(stored)));
    }
  };
}
