/**
 * The per-block work the pipeline may hand to worker threads: hashing, and group
 * encryption/decryption with methods 1 and 2. Pure functions over a CryptoProvider, so
 * the main thread and the workers run exactly the same code.
 */
import type { CryptoProvider } from '../crypto/index.js';
import { nonceWithCounter } from '../crypto/index.js';
import { BlockDecryptionError, InputChangedError } from '../errors.js';
import { equalBytes, verifyBlock } from '../store/hash.js';
import {
  CHUNK_CHANGED,
  MAC_FAILED,
  METHOD2_OVERHEAD,
  checkedBlockNonce,
  NONCE_MISMATCH,
  decodeMethod2Block,
  expectedMethod2Nonce,
  method2Header,
  type Method2Options,
} from '../tree/encrypt.js';
import { blockNonceDigest } from '../tree/keyed-nonces.js';

/**
 * One unit of block work. `data` is the input block. `expect`, on jobs that read stored
 * blocks, is the hash the block must have: it is checked before anything else, so a
 * block read unverified is verified where it is used.
 */
export type BlockJob =
  | { op: 'hash'; data: Uint8Array }
  | { op: 'verify'; data: Uint8Array; expect: Uint8Array }
  | {
      op: 'encrypt1';
      data: Uint8Array;
      key0: Uint8Array;
      nonce0: Uint8Array;
      index: bigint;
      /** SipHash key and the value a first pass computed: a changed chunk fails. */
      recheck?: { sipKey: Uint8Array; value: bigint };
    }
  | {
      op: 'decrypt1';
      data: Uint8Array;
      key0: Uint8Array;
      nonce0: Uint8Array;
      index: bigint;
      expect?: Uint8Array;
    }
  /** The keyed block-nonce digest of a plaintext chunk; returned as `hash`. */
  | { op: 'nonceDigest'; data: Uint8Array; nk: Uint8Array; index: bigint }
  | {
      op: 'encrypt2';
      data: Uint8Array;
      key0: Uint8Array;
      nk: Uint8Array;
      index: bigint;
      /** The digest a first pass computed for this chunk: a changed chunk fails. */
      recheck?: Uint8Array;
    }
  | {
      op: 'decrypt2';
      data: Uint8Array;
      key0: Uint8Array;
      nonce0: Uint8Array;
      opts: Method2Options;
      nk: Uint8Array;
      index: bigint;
      expect?: Uint8Array;
    };

// The messages of failed block jobs live with the block crypto (callers add the block).
export { MAC_FAILED, NONCE_MISMATCH } from '../tree/encrypt.js';

/** Bytes a job's input buffer needs after its data so the result fits in place. */
export function jobSlack(op: BlockJob['op']): number {
  return op === 'encrypt1' ? 16 : op === 'encrypt2' ? METHOD2_OVERHEAD : 0;
}

/** The result: the output block and, for blocks about to be stored, their hash. */
export interface BlockResult {
  block: Uint8Array;
  /**
   * BLAKE2b-256 of the stored (encrypted) form, the block's name; absent for decryption,
   * whose input the store has already verified.
   */
  hash?: Uint8Array;
}

/**
 * Where a job puts its output. Worker threads own the buffers they were sent, so they
 * write results back into them and reuse one scratch buffer: no 256 KiB allocation per
 * block, hence no garbage for the GC to catch up with (that garbage was most of the
 * peak RSS). The calling thread must not overwrite its caller's buffers, so it allocates.
 */
export interface JobOutput {
  /** A buffer of `n` bytes that the job may use until it returns. */
  scratch(n: number): Uint8Array;
  /** The buffer to return holding `produced` (which may be the scratch buffer). */
  result(data: Uint8Array, produced: Uint8Array): Uint8Array;
}

/** Output on the calling thread: fresh buffers, the caller's never written to. */
export const freshOutput: JobOutput = {
  scratch: (n) => new Uint8Array(n),
  result: (_data, produced) => produced,
};

/**
 * Output for a thread that owns each job's `data` buffer (transferred to it): results go
 * back into that buffer when it has room, through one scratch buffer reused for all jobs.
 */
export function ownedOutput(): JobOutput {
  let scratch = new Uint8Array(0);
  return {
    scratch(n) {
      if (scratch.length < n) scratch = new Uint8Array(n);
      return scratch.subarray(0, n);
    },
    result(data, produced) {
      if (data.byteOffset + produced.length > data.buffer.byteLength) return produced.slice();
      const into = new Uint8Array(data.buffer, data.byteOffset, produced.length);
      into.set(produced);
      return into;
    },
  };
}

/** Runs one job with `c`, writing results as `out` says (default: fresh buffers). */
export function runBlockJob(
  job: BlockJob,
  c: CryptoProvider,
  out: JobOutput = freshOutput,
): BlockResult {
  switch (job.op) {
    case 'hash':
      return { block: job.data, hash: c.blake2b256(job.data) };
    case 'verify':
      return { block: verifyBlock(job.expect, job.data, c) };
    case 'encrypt1': {
      if (job.recheck && c.sipHash24(job.recheck.sipKey, job.data) !== job.recheck.value)
        throw new InputChangedError(CHUNK_CHANGED);
      const nonce = nonceWithCounter(job.nonce0, job.index);
      const sealed = c.secretboxInto(out.scratch(job.data.length + 16), job.data, nonce, job.key0);
      const block = out.result(job.data, sealed);
      return { block, hash: c.blake2b256(block) };
    }
    case 'decrypt1': {
      if (job.expect) verifyBlock(job.expect, job.data, c);
      if (job.data.length < 16) throw new BlockDecryptionError(MAC_FAILED);
      const nonce = nonceWithCounter(job.nonce0, job.index);
      const plain = c.secretboxOpenInto(
        out.scratch(job.data.length - 16),
        job.data,
        nonce,
        job.key0,
      );
      if (!plain) throw new BlockDecryptionError(MAC_FAILED);
      return { block: out.result(job.data, plain) };
    }
    case 'nonceDigest':
      return { block: job.data, hash: blockNonceDigest(job.nk, job.index, job.data, c) };
    case 'encrypt2': {
      const nonce = checkedBlockNonce(job.nk, job.index, job.data, job.recheck, c);
      const header = method2Header(nonce, job.data.length + 16);
      const stored = out.scratch(header.length + job.data.length + 16);
      stored.set(header);
      c.secretboxInto(stored.subarray(header.length), job.data, nonce, job.key0);
      const block = out.result(job.data, stored);
      return { block, hash: c.blake2b256(block) };
    }
    case 'decrypt2': {
      if (job.expect) verifyBlock(job.expect, job.data, c);
      const b = decodeMethod2Block(job.data, `#${job.index}`);
      if (b.box.length < 16) throw new BlockDecryptionError(MAC_FAILED);
      const plain = c.secretboxOpenInto(out.scratch(b.box.length - 16), b.box, b.nonce, job.key0);
      if (!plain) throw new BlockDecryptionError(MAC_FAILED);
      if (
        !equalBytes(
          b.nonce,
          expectedMethod2Nonce(job.nonce0, job.opts, job.nk, plain, job.index, c),
        )
      )
        throw new BlockDecryptionError(NONCE_MISMATCH);
      return { block: out.result(job.data, plain) };
    }
  }
}
