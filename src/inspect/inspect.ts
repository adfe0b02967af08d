/**
 * `cat --metadata`: what an object is, how big, how encrypted, whether the caller can
 * read it. Reads tree nodes and leaves (and the small metadata and group key blocks),
 * never data blocks, so it is fast on big trees; block sizes come from `sizeOf`.
 */
import { encodeBase58 } from '../codec/base58.js';
import { FormatError, NoMatchingKeyError, NotFoundError } from '../errors.js';
import { detectBlock } from '../tree/detect.js';
import type { KeyringSource } from '../groupkey/open.js';
import type { GroupKey } from '../groupkey/model.js';
import { findGroupSecret, loadStoredGroupKey } from '../rotate/secrets.js';
import type { BlockSource } from '../store/blockstore.js';
import type { MTreeAnn } from '../tree/annotation.js';
import { decodeSmallEncryptedBlock, decryptMetadata } from '../tree/encrypt.js';
import { resolveObject } from '../tree/object.js';
import { treeTotals, type TreeTotals } from '../tree/totals.js';
import type { MTree } from '../tree/node.js';

/**
 * A count or byte total as `cat --metadata` reports it: a number up to
 * `Number.MAX_SAFE_INTEGER` (2^53 − 1), beyond that its exact decimal digits as a string.
 * Only hostile or synthetic trees get there (8 PiB of data, or a few shared subtrees
 * nested deep); a string keeps JSON readers from rounding the value silently.
 */
export type ExactCount = number | string;

/** The {@link ExactCount} of `n`. */
export function exactCount(n: bigint): ExactCount {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(n)
    : n.toString();
}

/** The description printed by `cat --metadata` (field names are the CLI contract). */
export interface ObjectDescription {
  hash: string;
  type: 'blob' | 'merkle' | 'ann-merkle' | 'annotated-ref' | 'sequential-ref' | 'groupkey';
  /** For references: the object they point at. */
  target?: string;
  size: ExactCount;
  sizeIsCiphertext?: boolean;
  blocks: ExactCount;
  height: number;
  metadata: { kind: 'none' | 'short' | 'ref'; text: string | null; encrypted: boolean };
  encryption: {
    method: 'none' | 'group-symm-1' | 'group-symm-2' | 'asymm';
    groupKey: string | null;
    groupKeyId: string | null;
    recipients: number | null;
    canDecrypt: boolean;
  };
  /** For group key objects: their id and members. */
  groupKeyInfo?: { id: string | null; recipients: number; version: 1 | 2 };
}

/** What {@link describeObject} reads with. */
export interface InspectOptions {
  /** Size of a stored block without reading it (null when missing). */
  sizeOf: (hash: Uint8Array) => Promise<number | null>;
  /** Keyrings to try on encrypted content. */
  keyrings?: readonly KeyringSource[];
  /** Store directory, for the key-index fallback. */
  storePath?: string;
}

/** Trees with at most this many data blocks are checked for being a group key. */
const GROUPKEY_SNIFF_BLOCKS = 64;

function treeHeight(t: MTree): number {
  return t.type === 'leaf' ? 1 : t.height + 1;
}

/** Plaintext length of a method 2 block `(nonce, box)` of `stored` bytes; null if none fits. */
function method2Plain(stored: number): number | null {
  for (const head of [1, 2, 3, 5]) {
    const boxLen = stored - 29 - head;
    const need = boxLen < 24 ? 1 : boxLen < 256 ? 2 : boxLen < 65536 ? 3 : 5;
    if (boxLen >= 16 && need === head) return boxLen - 16;
  }
  return null;
}

/** Plaintext length of a data block of `stored` bytes under the annotation's encryption. */
function plainSizeFor(ann: MTreeAnn | null): (stored: number) => number | null {
  if (ann?.crypt.kind === 'symm1') return (s) => s - 16;
  if (ann?.crypt.kind === 'symm2') return method2Plain;
  return (s) => s;
}

/** Describes the object `hash` without reading its data blocks. */
export async function describeObject(
  store: BlockSource,
  hash: Uint8Array,
  opts: InspectOptions,
): Promise<ObjectDescription> {
  const obj = await resolveObject(store, hash);
  const desc: ObjectDescription = {
    hash: encodeBase58(hash),
    type: obj.detected.type,
    size: 0,
    blocks: 0,
    height: 0,
    metadata: { kind: 'none', text: null, encrypted: false },
    encryption: {
      method: 'none',
      groupKey: null,
      groupKeyId: null,
      recipients: null,
      canDecrypt: true,
    },
  };
  if (encodeBase58(obj.hash) !== desc.hash) {
    // A reference: report its own type and describe what it points at.
    const first = await store.get(hash);
    if (first) desc.type = detectBlock(first).type;
    desc.target = encodeBase58(obj.hash);
  }
  if (!obj.tree) {
    desc.size = obj.block.length;
    desc.blocks = 1;
    return desc;
  }
  const root = obj.ann ? obj.ann.tree : (obj.detected as { tree: MTree }).tree;
  desc.height = treeHeight(root);
  // Summed per distinct subtree: a few shared subtrees can list 2^34 blocks and more.
  const totals = await treeTotals(store, obj.tree, {
    sizeOf: opts.sizeOf,
    plainSize: plainSizeFor(obj.ann),
  });
  desc.blocks = exactCount(totals.blocks);
  desc.size = exactCount(totals.storedBytes);
  if (!obj.ann) {
    const gk = await sniffGroupKey(store, obj.hash, totals.blocks, totals.firstData);
    if (gk) {
      desc.type = desc.target ? desc.type : 'groupkey';
      desc.groupKeyInfo = {
        id: gk.id ? encodeBase58(gk.id) : null,
        recipients: gk.recipients.length,
        version: gk.version,
      };
    }
    return desc;
  }
  await describeAnnotation(store, obj.ann, totals, desc, opts);
  return desc;
}

/**
 * The group key a small plain tree holds, or null. Only the first data block is read to
 * decide (a group key starts `82 00` and a map head), so ordinary files cost one read.
 */
async function sniffGroupKey(
  store: BlockSource,
  hash: Uint8Array,
  blocks: bigint,
  firstData: Uint8Array | null,
): Promise<GroupKey | null> {
  if (!firstData || blocks > GROUPKEY_SNIFF_BLOCKS) return null;
  const first = await store.get(firstData);
  if (!first || first[0] !== 0x82 || first[1] !== 0x00 || first[2]! >> 5 !== 5) return null;
  try {
    return await loadStoredGroupKey(store, hash);
  } catch (e) {
    if (e instanceof FormatError) return null;
    throw e;
  }
}

/** The group key an encrypted annotation names (null when missing or unreadable) and its secret when a keyring opens it. */
async function openAnnotation(
  store: BlockSource,
  ann: MTreeAnn,
  opts: Pick<InspectOptions, 'keyrings' | 'storePath'>,
): Promise<{ gk: GroupKey | null; secret: Uint8Array | null }> {
  const crypt = ann.crypt;
  if (crypt.kind !== 'symm1' && crypt.kind !== 'symm2') return { gk: null, secret: null };
  let gk: GroupKey | null = null;
  try {
    gk = await loadStoredGroupKey(store, crypt.groupKey);
  } catch (e) {
    if (!(e instanceof FormatError) && !(e instanceof NotFoundError)) throw e;
  }
  if (!gk || !opts.keyrings || opts.keyrings.length === 0) return { gk, secret: null };
  try {
    const found = await findGroupSecret(store, crypt.groupKey, opts.keyrings, opts.storePath);
    return { gk, secret: found.secret };
  } catch (e) {
    if (!(e instanceof NoMatchingKeyError)) throw e;
    return { gk, secret: null };
  }
}

/** An annotation's metadata, decrypted with `secret` when it is encrypted. */
async function annotationMetadata(
  store: BlockSource,
  ann: MTreeAnn,
  secret: Uint8Array | null,
): Promise<ObjectDescription['metadata']> {
  const meta = ann.meta;
  if (meta.kind === 'short') return { kind: 'short', text: meta.text, encrypted: false };
  if (meta.kind === 'none') return { kind: 'none', text: null, encrypted: false };
  const block = await store.get(meta.hash);
  const encrypted = ann.crypt.kind !== 'null';
  let text: string | null = null;
  if (block && !encrypted) text = new TextDecoder().decode(block);
  else if (block && secret) text = decryptMetadata(decodeSmallEncryptedBlock(block), secret);
  return { kind: 'ref', text, encrypted };
}

/**
 * Only the metadata of `hash` (`metadata dump`): reads the annotation, the metadata block
 * and the group key, never the tree below the root.
 */
export async function describeMetadata(
  store: BlockSource,
  hash: Uint8Array,
  opts: Pick<InspectOptions, 'keyrings' | 'storePath'>,
): Promise<ObjectDescription['metadata']> {
  const obj = await resolveObject(store, hash);
  if (!obj.ann) return { kind: 'none', text: null, encrypted: false };
  const { secret } = await openAnnotation(store, obj.ann, opts);
  return annotationMetadata(store, obj.ann, secret);
}

async function describeAnnotation(
  store: BlockSource,
  ann: MTreeAnn,
  tree: Pick<TreeTotals, 'plainBytes' | 'firstData'>,
  desc: ObjectDescription,
  opts: InspectOptions,
): Promise<void> {
  const { plainBytes } = tree;
  const crypt = ann.crypt;
  const { gk, secret } = await openAnnotation(store, ann, opts);
  if (crypt.kind === 'symm1' || crypt.kind === 'symm2') {
    desc.encryption.method = crypt.kind === 'symm1' ? 'group-symm-1' : 'group-symm-2';
    desc.encryption.groupKey = encodeBase58(crypt.groupKey);
    desc.encryption.canDecrypt = secret !== null;
    if (gk) {
      desc.encryption.groupKeyId = gk.id ? encodeBase58(gk.id) : null;
      desc.encryption.recipients = gk.recipients.length;
    }
    if (secret) {
      if (plainBytes === null)
        throw new FormatError(
          `tree ${desc.target ?? desc.hash}: a method 2 data block has a malformed size`,
        );
      desc.size = exactCount(plainBytes);
    } else {
      desc.sizeIsCiphertext = true;
    }
  } else if (crypt.kind === 'asymm') {
    desc.encryption.method = 'asymm';
    desc.encryption.canDecrypt = false;
    desc.sizeIsCiphertext = true;
  }
  desc.metadata = await annotationMetadata(store, ann, secret);
}
