/**
 * `cat --metadata`: what an object is, how big, how encrypted, whether the caller can
 * read it. Reads tree nodes and leaves (and the small metadata and group key blocks),
 * never data blocks except one trial decryption of the first when an encrypted tree has
 * no metadata block, so it is fast on big trees; block sizes come from `sizeOf`.
 */
import { encodeBase58 } from '../codec/base58.js';
import { FormatError, IntegrityError, NoMatchingKeyError, NotFoundError } from '../errors.js';
import { detectBlock } from '../tree/detect.js';
import type { KeyringSource } from '../groupkey/open.js';
import type { GroupKey } from '../groupkey/model.js';
import { findGroupSecret, loadStoredGroupKey, type WarningSink } from '../rotate/secrets.js';
import type { KeyIndex } from '../store/key-index.js';
import type { BlockSource } from '../store/blockstore.js';
import type { MTreeAnn } from '../tree/annotation.js';
import { decodeSmallEncryptedBlock, decryptMetadata, openMetadata } from '../tree/encrypt.js';
import { decryptTransform } from '../tree/encrypted-tree.js';
import { equalBytes } from '../store/hash.js';
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
    /**
     * Who the group key is sealed to (as `gpg --list-packets` shows key ids): each
     * member's public key and, when one of the keyrings given holds it, that keyring and
     * the entry's key id.
     */
    members?: RecipientDescription[];
    /**
     * True only when a keyring gave a secret and that secret decrypted the tree's metadata
     * block or, without one, its first data block (a tree with neither: the secret alone).
     */
    canDecrypt: boolean;
    /**
     * True when `groupKeyId` is proven to be this tree's: the secret that decrypted the
     * tree has that id. False means the id is only what the group key declares, which
     * anyone could have written.
     */
    groupKeyIdVerified: boolean;
  };
  /** For group key objects: their id and members. */
  groupKeyInfo?: { id: string | null; recipients: number; version: 1 | 2 };
  /**
   * What looks wrong but does not stop the description: metadata that is not the
   * tree's own (clear text inside an encrypted tree, or an encrypted block whose nonce
   * no writer gives its text). Such text is shown here, never as `metadata.text`.
   */
  warnings?: string[];
}

/** One member of a group key, and where the caller's keyrings know it from. */
export interface RecipientDescription {
  publicKey: string;
  /** The keyring file (of those given) holding this key, or null. */
  keyring: string | null;
  /** That keyring entry's key id, or null. */
  keyId: string | null;
}

/** The members of `gk`, matched against `keyrings` for a keyring path and key id. */
export function describeRecipients(
  gk: GroupKey,
  keyrings: readonly KeyringSource[] = [],
): RecipientDescription[] {
  const known = new Map<string, { keyring: string | null; keyId: string | null }>();
  for (const k of keyrings)
    for (const e of k.keyring.entries)
      if (!known.has(encodeBase58(e.publicKey)))
        known.set(encodeBase58(e.publicKey), { keyring: k.path ?? null, keyId: e.description });
  return gk.recipients.map((r) => {
    const publicKey = encodeBase58(r.publicKey);
    return { publicKey, ...(known.get(publicKey) ?? { keyring: null, keyId: null }) };
  });
}

/** What {@link describeObject} reads with. */
export interface InspectOptions {
  /** Size of a stored block without reading it (null when missing). */
  sizeOf: (hash: Uint8Array) => Promise<number | null>;
  /** Keyrings to try on encrypted content. */
  keyrings?: readonly KeyringSource[];
  /** The store's key index, for the key-index fallback. */
  keyIndex?: KeyIndex;
  /** Receives messages about key index candidates that were skipped. */
  onWarning?: WarningSink;
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

/**
 * Describes the object `hash` without reading its data blocks.
 * @param store - where the object is stored
 * @param hash - the object
 * @param opts - block sizes, and keyrings and key index to try on encrypted content
 * @returns what `hbs2 cat --metadata` prints
 * @throws {@link NotFoundError} when the object is missing, {@link FormatError} when it does not decode
 */
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
      groupKeyIdVerified: false,
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
  opts: Pick<InspectOptions, 'keyrings' | 'keyIndex' | 'onWarning'>,
): Promise<{ gk: GroupKey | null; secret: Uint8Array | null; secretId?: Uint8Array }> {
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
    const found = await findGroupSecret(
      store,
      crypt.groupKey,
      opts.keyrings,
      opts.keyIndex,
      opts.onWarning,
    );
    return { gk, secret: found.secret, secretId: found.id };
  } catch (e) {
    if (!(e instanceof NoMatchingKeyError)) throw e;
    return { gk, secret: null };
  }
}

/** An annotation's metadata, and warnings about it. */
export interface AnnotationMetadata {
  metadata: ObjectDescription['metadata'];
  warnings: string[];
}

/**
 * An annotation's metadata, decrypted with `secret` when it is encrypted. In an
 * encrypted tree, text that the group secret does not vouch for — clear text, or a
 * block whose nonce is not one a writer gives its text — is a warning, not the metadata.
 */
async function annotationMetadata(
  store: BlockSource,
  ann: MTreeAnn,
  secret: Uint8Array | null,
): Promise<AnnotationMetadata> {
  const meta = ann.meta;
  const encrypted = ann.crypt.kind !== 'null';
  const none = { kind: meta.kind, text: null, encrypted } as const;
  if (meta.kind === 'none') return { metadata: { ...none, encrypted: false }, warnings: [] };
  if (meta.kind === 'short') {
    if (!encrypted)
      return { metadata: { kind: 'short', text: meta.text, encrypted: false }, warnings: [] };
    return {
      metadata: { ...none, encrypted: false },
      warnings: [
        `clear-text metadata in an encrypted tree (not protected by the group key): ${JSON.stringify(meta.text)}`,
      ],
    };
  }
  const block = await store.get(meta.hash);
  if (block && !encrypted)
    return {
      metadata: { kind: 'ref', text: new TextDecoder().decode(block), encrypted },
      warnings: [],
    };
  if (!block || !secret) return { metadata: none, warnings: [] };
  const crypt = ann.crypt as { nonce?: Uint8Array };
  let opened;
  try {
    opened = openMetadata(decodeSmallEncryptedBlock(block), secret, crypt.nonce);
  } catch (e) {
    if (!(e instanceof IntegrityError) && !(e instanceof FormatError)) throw e;
    return {
      metadata: none,
      warnings: [
        `metadata block ${encodeBase58(meta.hash)} does not open with the tree's group secret (${e.message})`,
      ],
    };
  }
  if (opened.nonceRule !== 'unknown')
    return { metadata: { kind: 'ref', text: opened.text, encrypted }, warnings: [] };
  return {
    metadata: none,
    warnings: [
      `metadata block ${encodeBase58(meta.hash)}: its nonce is not one a writer gives its text (taken from another tree?): ${JSON.stringify(opened.text)}`,
    ],
  };
}

/**
 * Only the metadata of `hash` (`metadata dump`): reads the annotation, the metadata block
 * and the group key, never the tree below the root.
 * @param store - where the object is stored
 * @param hash - the object
 * @param opts - keyrings and key index for encrypted metadata
 * @returns the metadata and warnings about it
 * @throws {@link NotFoundError} when the object is missing
 */
export async function describeMetadata(
  store: BlockSource,
  hash: Uint8Array,
  opts: Pick<InspectOptions, 'keyrings' | 'keyIndex' | 'onWarning'>,
): Promise<AnnotationMetadata> {
  const obj = await resolveObject(store, hash);
  if (!obj.ann) return { metadata: { kind: 'none', text: null, encrypted: false }, warnings: [] };
  const { secret } = await openAnnotation(store, obj.ann, opts);
  return annotationMetadata(store, obj.ann, secret);
}

/**
 * The metadata text of `hash`, decrypted when a keyring (or the key index) opens it: what
 * `metadata dump` prints. Text its group key does not vouch for is refused, not returned.
 * @param store - where the object is stored
 * @param hash - the annotated tree
 * @param opts - keyrings and key index for encrypted metadata; `name` names the tree in
 *   errors (default: its base58 hash)
 * @returns the metadata text
 * @throws {@link NotFoundError} when the object is missing or has no metadata;
 *   {@link IntegrityError} when its metadata is not vouched for by its group key (clear
 *   text in an encrypted tree, a metadata block from elsewhere); {@link NoMatchingKeyError}
 *   when it is encrypted and no key opens it
 */
export async function readMetadataText(
  store: BlockSource,
  hash: Uint8Array,
  opts: Pick<InspectOptions, 'keyrings' | 'keyIndex' | 'onWarning'> & { name?: string },
): Promise<string> {
  const name = opts.name ?? encodeBase58(hash);
  const { metadata, warnings } = await describeMetadata(store, hash, opts);
  if (metadata.kind === 'none') throw new NotFoundError(`${name} has no metadata`);
  if (warnings.length > 0)
    throw new IntegrityError(
      `the metadata of ${name} is not vouched for by its group key (clear text in an encrypted tree, or a metadata block from elsewhere)`,
      { hint: '`hbs2 cat --metadata` shows it as a warning' },
    );
  if (metadata.text === null)
    throw new NoMatchingKeyError(
      'the metadata is encrypted and no keyring entry opens its group key',
      [],
      { hint: 'give a keyring with -k' },
    );
  return metadata.text;
}

/**
 * Whether `secret` really is the tree's: decrypts its metadata block or, failing that, its
 * first data block. A secret found through the key index only matches a declared id, and
 * a forged group key can declare any id, so finding a secret proves nothing by itself.
 */
async function trialDecryption(
  store: BlockSource,
  ann: MTreeAnn,
  secret: Uint8Array,
  firstData: Uint8Array | null,
): Promise<'decrypted' | 'failed' | 'nothing-to-try'> {
  // The metadata block first (one small read); then the first data block, since anyone
  // can attach a metadata block that does not open to a tree that does.
  const metaBlock = ann.meta.kind === 'ref' ? await store.get(ann.meta.hash) : null;
  const attempts: (() => Promise<unknown>)[] = [];
  if (metaBlock)
    attempts.push(async () => decryptMetadata(decodeSmallEncryptedBlock(metaBlock), secret));
  if (firstData)
    attempts.push(async () => {
      const dataBlock = await store.get(firstData);
      if (!dataBlock) throw new NotFoundError(`block ${encodeBase58(firstData)} not found`);
      return decryptTransform(ann, secret)(dataBlock, 1n); // readers count blocks from 1
    });
  if (attempts.length === 0) return 'nothing-to-try';
  for (const attempt of attempts) {
    try {
      await attempt();
      return 'decrypted';
    } catch (e) {
      if (!(e instanceof IntegrityError) && !(e instanceof FormatError)) throw e;
    }
  }
  return 'failed';
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
  const opened = await openAnnotation(store, ann, opts);
  const { gk } = opened;
  let secret = opened.secret;
  if (crypt.kind === 'symm1' || crypt.kind === 'symm2') {
    desc.encryption.method = crypt.kind === 'symm1' ? 'group-symm-1' : 'group-symm-2';
    desc.encryption.groupKey = encodeBase58(crypt.groupKey);
    const trial = secret ? await trialDecryption(store, ann, secret, tree.firstData) : 'failed';
    if (trial === 'failed') secret = null;
    desc.encryption.canDecrypt = secret !== null;
    if (gk) {
      desc.encryption.groupKeyId = gk.id ? encodeBase58(gk.id) : null;
      desc.encryption.recipients = gk.recipients.length;
      desc.encryption.members = describeRecipients(gk, opts.keyrings);
      desc.encryption.groupKeyIdVerified =
        trial === 'decrypted' &&
        gk.id !== null &&
        opened.secretId !== undefined &&
        equalBytes(gk.id, opened.secretId);
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
  const { metadata, warnings } = await annotationMetadata(store, ann, secret);
  desc.metadata = metadata;
  if (warnings.length > 0) desc.warnings = warnings;
}
