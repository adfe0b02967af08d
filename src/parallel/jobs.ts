/**
 * The per-block work the pipeline may hand to worker threads: hashing, and group
 * encryption/decryption with method 1. Pure functions over a CryptoProvider, so the main
 * thread and the workers run exactly the same code.
 */
import type { CryptoProvider } from '../crypto/index.js';
import { nonceWithCounter } from '../crypto/index.js';
import { IntegrityError } from '../errors.js';

/** One unit of block work. `data` is the input block. */
export type BlockJob =
  | { op: 'hash'; data: Uint8Array }
  | { op: 'encrypt1'; data: Uint8Array; key0: Uint8Array; nonce0: Uint8Array; index: bigint }
  | { op: 'decrypt1'; data: Uint8Array; key0: Uint8Array; nonce0: Uint8Array; index: bigint };

/** The result: the output block and, for blocks about to be stored, their hash. */
export interface BlockResult {
  block: Uint8Array;
  /**
   * BLAKE2b-256 of the stored (encrypted) form, the block's name; absent for decryption,
   * whose input the store has already verified.
   */
  hash?: Uint8Array;
}

/** Runs one job on the calling thread. */
export function runBlockJob(job: BlockJob, c: CryptoProvider): BlockResult {
  switch (job.op) {
    case 'hash':
      return { block: job.data, hash: c.blake2b256(job.data) };
    case 'encrypt1': {
      const block = c.secretbox(job.data, nonceWithCounter(job.nonce0, job.index), job.key0);
      return { block, hash: c.blake2b256(block) };
    }
    case 'decrypt1': {
      const plain = c.secretboxOpen(job.data, nonceWithCounter(job.nonce0, job.index), job.key0);
      if (!plain) throw new IntegrityError('decryption failed (MAC does not verify)');
      return { block: plain };
    }
  }
}
