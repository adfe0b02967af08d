/**
 * Reading and writing LWW refs in a store (spec refs-and-lwwref §6): the ref
 * `LWWRefKey pk` points to a block holding `SignedBox LWWRef` signed by `pk`.
 */
import { encodeBase58 } from '../codec/base58.js';
import type { KeyPair } from '../crypto/index.js';
import {
  FormatError,
  Hbs2Error,
  IntegrityError,
  NoMatchingKeyError,
  NotFoundError,
} from '../errors.js';
import type { Keyring } from '../keyring/keyring.js';
import { findBySignKey, signingKeyPair } from '../keyring/ops.js';
import type { BlockSource, BlockStore } from '../store/blockstore.js';
import { equalBytes, hashBlock } from '../store/hash.js';
import { lwwRefKeyHash } from './keys.js';
import {
  decodeLwwRef,
  encodeLwwRef,
  MAX_LWWREF_SEQ,
  replacesLwwRef,
  type LwwRef,
} from './lwwref.js';
import type { RefStore } from './ref-store.js';
import {
  decodeSignedBox,
  encodeSignedBox,
  makeSignedBox,
  openSignedBox,
  type SignedBox,
} from './signed-box.js';

/** An LWW ref value whose box verified and was signed by the ref's own key. */
export interface VerifiedLwwRef {
  ref: LwwRef;
  box: SignedBox;
  /** Hash of the block holding the box (the raw ref value). */
  boxHash: Uint8Array;
}

/**
 * Decodes and verifies the block of an LWW ref: a SignedBox (FormatError if not) whose
 * signature verifies and whose key is `refKey` (IntegrityError otherwise; hbs2 checks the
 * signer only when it accepts a value, we check it on every read too), holding an LWWRef.
 */
export function openLwwRefBox(
  block: Uint8Array,
  refKey: Uint8Array,
  what = `lwwref ${encodeBase58(refKey)}`,
): VerifiedLwwRef {
  const box = decodeSignedBox(block, `${what}: signed box`);
  const payload = openSignedBox(box, what);
  if (!equalBytes(box.signKey, refKey))
    throw new IntegrityError(`${what}: signed by ${encodeBase58(box.signKey)}, not by the ref key`);
  return { ref: decodeLwwRef(payload, `${what}: value`), box, boxHash: hashBlock(block) };
}

/**
 * The current value of the LWW ref named by the public key `refKey`, verified; null when
 * the ref is absent. The box block missing is a NotFoundError; a bad signature or another
 * signer an IntegrityError; a block that is not a boxed LWWRef a FormatError.
 * @param refs - the store's refs
 * @param blocks - the store's blocks
 * @param refKey - the ref's public key
 * @returns the verified value, or null when there is none
 * @throws {@link NotFoundError}, {@link IntegrityError} or {@link FormatError} as above
 */
export async function getLwwRef(
  refs: Pick<RefStore, 'getRef'>,
  blocks: BlockSource,
  refKey: Uint8Array,
): Promise<VerifiedLwwRef | null> {
  const what = `lwwref ${encodeBase58(refKey)}`;
  const boxHash = await refs.getRef(lwwRefKeyHash(refKey));
  if (boxHash === null) return null;
  const block = await blocks.get(boxHash);
  if (block === null)
    throw new NotFoundError(`${what}: its signed box ${encodeBase58(boxHash)} is not in the store`);
  return openLwwRefBox(block, refKey, what);
}

/** Why a ref's previous value was not used as the base of an update. */
export type DiscardedCurrent = 'missing-block' | 'invalid';

/** What an update of an LWW ref did. */
export interface LwwRefUpdate {
  /** The value in place afterwards. */
  current: VerifiedLwwRef;
  /** Whether the ref was changed. */
  changed: boolean;
  /**
   * Set when the ref pointed at something that could not be used (its box block missing,
   * or a box that does not verify): hbs2 then treats the ref as absent, and so do we.
   */
  discarded?: DiscardedCurrent;
}

/** The ref's current value as hbs2's accept procedure sees it (§6.2 step 3). */
async function readCurrent(
  blocks: BlockSource,
  refKey: Uint8Array,
  boxHash: Uint8Array | null,
): Promise<{ current: VerifiedLwwRef | null; discarded?: DiscardedCurrent }> {
  if (boxHash === null) return { current: null };
  let block: Uint8Array | null;
  try {
    block = await blocks.get(boxHash);
    if (block === null) return { current: null, discarded: 'missing-block' };
    return { current: openLwwRefBox(block, refKey) };
  } catch (e) {
    if (e instanceof FormatError || e instanceof IntegrityError)
      return { current: null, discarded: 'invalid' };
    throw e;
  }
}

/**
 * Under the store's writer lock: reads the current value, asks `candidateFor` for a
 * candidate box, and stores it (block first, durably, then the ref) iff hbs2 would let it
 * replace the current value.
 */
async function updateLwwRef(
  refs: RefStore,
  blocks: BlockStore,
  refKey: Uint8Array,
  candidateFor: (current: VerifiedLwwRef | null) => Uint8Array,
): Promise<LwwRefUpdate> {
  let result: LwwRefUpdate | undefined;
  await refs.updateRef(lwwRefKeyHash(refKey), async (boxHash) => {
    const { current, discarded } = await readCurrent(blocks, refKey, boxHash);
    const block = candidateFor(current);
    const candidate = openLwwRefBox(block, refKey);
    if (current !== null && !replacesLwwRef(candidate.ref, current.ref)) {
      result = { current, changed: false };
      return null;
    }
    await blocks.put(block, candidate.boxHash);
    await blocks.flush();
    result = { current: candidate, changed: true, ...(discarded ? { discarded } : {}) };
    return candidate.boxHash;
  });
  return result!;
}

/**
 * hbs2's procedure for a received value (§6.2): the box must verify and be signed by
 * `refKey` (IntegrityError / FormatError otherwise); it replaces the current value iff
 * its seq is higher, or equal with a greater value hash. Returns what is in place.
 */
export async function acceptLwwRefBox(
  refs: RefStore,
  blocks: BlockStore,
  refKey: Uint8Array,
  block: Uint8Array,
): Promise<LwwRefUpdate> {
  openLwwRefBox(block, refKey); // refuse a bad box before taking the lock
  return updateLwwRef(refs, blocks, refKey, () => block);
}

/** Options of {@link setLwwRef}. */
export interface SetLwwRefOptions {
  /** The `proof` hash; hbs2's CLIs always write none. */
  proof?: Uint8Array | null;
}

/**
 * Points the LWW ref `refKey` at `value`, signed by `signer`, with seq = current seq + 1
 * (1 when there is no usable current value, as `hbs2:lwwref:update` does). An LWW ref is
 * signed by the key it is named by: a signer other than `refKey` is a NoMatchingKeyError.
 * @param refs - the store's refs
 * @param blocks - the store's blocks (the signed box is stored there)
 * @param signer - the ref's signing key pair
 * @param refKey - the ref's public key
 * @param value - the hash the ref points at
 * @param opts - the proof hash
 * @returns the new value and what happened to the previous one
 * @throws {@link NoMatchingKeyError} as above
 */
export async function setLwwRef(
  refs: RefStore,
  blocks: BlockStore,
  signer: KeyPair,
  refKey: Uint8Array,
  value: Uint8Array,
  opts: SetLwwRefOptions = {},
): Promise<LwwRefUpdate> {
  const refName = encodeBase58(refKey);
  if (!equalBytes(signer.publicKey, refKey))
    throw new NoMatchingKeyError(
      `cannot sign lwwref ${refName}: the signing key is ${encodeBase58(signer.publicKey)}`,
      [encodeBase58(signer.publicKey)],
      { hint: 'an lwwref is signed by the key it is named by: use the keyring holding that key' },
    );
  return updateLwwRef(refs, blocks, refKey, (current) => {
    const seq = current === null ? 1n : current.ref.seq + 1n;
    if (seq > MAX_LWWREF_SEQ)
      throw new Hbs2Error(`lwwref ${refName}: seq is already at its maximum, 2^64-1`);
    const payload = encodeLwwRef({ seq, value, proof: opts.proof ?? null });
    // updateLwwRef verifies this box like any other: a keyring whose secret key does not
    // match its public key fails there (bad signature) instead of storing a dead value.
    return encodeSignedBox(makeSignedBox(signer, payload));
  });
}

/**
 * The key pair that signs lwwref `refKey`: an lwwref is signed by the key it is named by,
 * so it is the signing key of the keyring among `keyrings` whose signing public key is
 * `refKey`.
 * @param keyrings - the keyrings to choose from
 * @param refKey - the ref's key (an ed25519 signing public key)
 * @returns the signing key pair of that keyring
 * @throws {@link NoMatchingKeyError} when no keyring holds it (listing the signing keys tried)
 */
export function lwwRefSigner(
  keyrings: readonly { keyring: Keyring }[],
  refKey: Uint8Array,
): KeyPair {
  const found = findBySignKey(keyrings, refKey);
  if (found) return signingKeyPair(found.keyring);
  throw new NoMatchingKeyError(
    `no keyring given holds the signing key ${encodeBase58(refKey)}: an lwwref is signed by the key it is named by`,
    keyrings.map((k) => encodeBase58(k.keyring.signPublicKey)),
  );
}

/** A verified lwwref as JSON shows it (`lwwref get --json`). */
export interface LwwRefSummary {
  ref: string;
  /** A number while exact (up to 2^53 − 1), else its decimal digits. */
  seq: number | string;
  value: string;
  proof: string | null;
  box: string;
}

/**
 * The printable view of a verified lwwref: its key, value, proof and box hash in base58.
 * @param refKey - the ref's key
 * @param v - its verified value
 * @returns its summary
 */
export function summarizeLwwRef(refKey: Uint8Array, v: VerifiedLwwRef): LwwRefSummary {
  const seq = v.ref.seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.ref.seq) : `${v.ref.seq}`;
  return {
    ref: encodeBase58(refKey),
    seq,
    value: encodeBase58(v.ref.value),
    proof: v.ref.proof && encodeBase58(v.ref.proof),
    box: encodeBase58(v.boxHash),
  };
}
