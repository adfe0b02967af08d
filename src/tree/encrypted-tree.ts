/**
 * Annotated and encrypted trees (spec blocks-trees-storage §4): writing a tree whose data
 * blocks are encrypted with a group secret (method 1), its metadata encrypted beside it,
 * and the decryption of trees of both methods for reading.
 */
import { encodeBase58 } from '../codec/base58.js';
import { crypto, nonceWithCounter } from '../crypto/index.js';
import { FormatError, IntegrityError } from '../errors.js';
import { MAC_FAILED } from '../parallel/jobs.js';
import type { BlockRunner } from '../parallel/pool.js';
import type { BlockSink } from '../store/blockstore.js';
import { encodeMTreeAnn, type AnnMetaData, type MTreeAnn } from './annotation.js';
import { decryptBlock, encryptMetadata, treeCipher } from './encrypt.js';
import type { ReadTransform } from './reader.js';
import {
  writeTree,
  type BlockTransform,
  type WriteTreeOptions,
  type WriteTreeResult,
} from './writer.js';

/** What {@link writeEncryptedTree} needs besides the data. */
export interface EncryptedTreeParams {
  /** The 32-byte group secret. */
  secret: Uint8Array;
  /** Hash of the stored group key tree (the annotation refers to it). */
  groupKeyHash: Uint8Array;
  /** The tree nonce (32 bytes from `store -g`, any length is valid). */
  nonceS: Uint8Array;
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

/** The per-block transform of method 1 encryption. */
export function method1Transform(
  secret: Uint8Array,
  nonceS: Uint8Array,
  runner?: BlockRunner,
): BlockTransform {
  const t = treeCipher(secret, nonceS);
  const c = crypto();
  if (!runner)
    return (plain, index) => c.secretbox(plain, nonceWithCounter(t.nonce0, index), t.key0);
  // The worker hashes the ciphertext too, so the store does not hash it again here.
  return (plain, index) =>
    runner.run({ op: 'encrypt1', data: plain, key0: t.key0, nonce0: t.nonce0, index });
}

/**
 * Stores `source` encrypted for a group (hbs2's `EncryptGroupNaClSymm1`), the metadata
 * (if any) as an encrypted `SmallEncryptedBlock`, and the `MTreeAnn` block last.
 */
export async function writeEncryptedTree(
  sink: BlockSink,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  params: EncryptedTreeParams,
  opts: WriteTreeOptions = {},
): Promise<AnnotatedTreeResult> {
  let meta: AnnMetaData = { kind: 'none' };
  let metadataBlock: Uint8Array | null = null;
  if (params.metadata !== undefined) {
    metadataBlock = await sink.put(
      encryptMetadata(params.secret, params.nonceS, params.groupKeyHash, params.metadata),
    );
    meta = { kind: 'ref', hash: metadataBlock };
  }
  const res = await writeTree(sink, source, {
    ...opts,
    blockSlack: params.runner ? 16 : 0,
    transform: method1Transform(params.secret, params.nonceS, params.runner),
  });
  const ann: MTreeAnn = {
    meta,
    crypt: { kind: 'symm1', groupKey: params.groupKeyHash, nonce: params.nonceS },
    tree: res.rootNode,
  };
  const annotation = await sink.put(encodeMTreeAnn(ann));
  return { ...res, annotation, ann, metadataBlock };
}

/** Stores `source` as a plain tree annotated with `meta` (no encryption). */
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

/**
 * The read transform that decrypts the data blocks of `ann` with `secret`. With a
 * `runner`, method-1 blocks are verified against their hash and decrypted in the worker
 * (the transform is marked `verifies`, so the reader skips the store's own check, and
 * hands over blocks from `getUnverified`, whose whole buffers are the reader's).
 */
export function decryptTransform(
  ann: MTreeAnn,
  secret: Uint8Array,
  runner?: BlockRunner,
): ReadTransform {
  const crypt = symmCrypt(ann);
  const t = treeCipher(secret, crypt.nonce);
  const method = crypt.kind === 'symm1' ? 1 : 2;
  const macError = (index: bigint, name: string) =>
    new IntegrityError(`data block ${index}${name}: decryption failed (MAC does not verify)`);
  if (method === 1 && runner) {
    const pooled = async (stored: Uint8Array, index: bigint, expect?: Uint8Array) => {
      try {
        return (
          await runner.run(
            {
              op: 'decrypt1',
              data: stored,
              key0: t.key0,
              nonce0: t.nonce0,
              index,
              ...(expect ? { expect } : {}),
            },
            { wholeBuffer: expect !== undefined },
          )
        ).block;
      } catch (e) {
        // The block went to the worker (detached here); name it by the hash it was read as.
        // Exact message: a hash mismatch names base58 hashes, which may contain 'MAC'.
        if (e instanceof IntegrityError && e.message === MAC_FAILED)
          throw macError(index, expect ? ` (${encodeBase58(expect)})` : '');
        throw e;
      }
    };
    return Object.assign(pooled, { verifies: true });
  }
  return (stored, index) => {
    try {
      return decryptBlock(t, method, stored, index, `#${index}`);
    } catch (e) {
      // Name the block by its hash only on failure: hashing every block again would cost.
      if (e instanceof IntegrityError)
        throw macError(index, ` (${encodeBase58(crypto().blake2b256(stored))})`);
      throw e;
    }
  };
}
