/**
 * Reading an object whatever it is (`hbs2 cat`, spec §5.3 with the contract of cli.md):
 * a blob as is, a plain or annotated tree as its data, a reference through its target.
 * Encrypted trees need a decryptor supplied by the caller (the encryption layer).
 */
import { FormatError, NoMatchingKeyError, NotFoundError } from '../errors.js';
import type { BlockSource } from '../store/blockstore.js';
import { hashToString } from '../store/hash.js';
import type { MTreeAnn } from './annotation.js';
import { MAX_TREE_DEPTH } from './constants.js';
import { detectBlock, rejectUnknownAnnotation, type Detected } from './detect.js';
import { readTree, walkTree, type ReadTransform, type TreeRoot } from './reader.js';

/** Supplies the per-block decryption of an encrypted annotated tree. */
export type Decryptor = (ann: MTreeAnn, hash: Uint8Array) => Promise<ReadTransform>;

/** Options for {@link readObject} and {@link objectDataHashes}. */
export interface ReadObjectOptions {
  /** Needed to read encrypted trees; without it they are a NoMatchingKeyError. */
  decryptor?: Decryptor;
  /** Data blocks fetched ahead (default 8). */
  readAhead?: number;
  /** Deepest nesting accepted (default 64). */
  maxDepth?: number;
}

/** A located object: its block, its detected type, and the tree to walk when it has one. */
export interface ResolvedObject {
  /** The hash of the object finally reached (after following references). */
  hash: Uint8Array;
  block: Uint8Array;
  detected: Detected;
  /** The tree to walk, or null for a blob. */
  tree: TreeRoot | null;
  /** The annotation when the object is an annotated tree. */
  ann: MTreeAnn | null;
}

/** Loads a block and detects it; missing → NotFoundError naming it. */
async function load(source: BlockSource, hash: Uint8Array): Promise<Uint8Array> {
  const block = await source.get(hash);
  if (!block) throw new NotFoundError(`block ${hashToString(hash)} not found`);
  return block;
}

/** Follows references (AnnotatedHashRef, SequentialRef) to the object they name. */
export async function resolveObject(
  source: BlockSource,
  hash: Uint8Array,
  maxDepth = MAX_TREE_DEPTH,
): Promise<ResolvedObject> {
  let h = hash;
  for (let hops = 0; hops <= maxDepth; hops++) {
    const block = await load(source, h);
    const detected = detectBlock(block);
    switch (detected.type) {
      case 'blob':
        rejectUnknownAnnotation(block, h);
        return { hash: h, block, detected, tree: null, ann: null };
      case 'merkle':
        return { hash: h, block, detected, tree: { hash: h, tree: detected.tree }, ann: null };
      case 'ann-merkle':
        return {
          hash: h,
          block,
          detected,
          tree: { hash: h, tree: detected.ann.tree },
          ann: detected.ann,
        };
      case 'annotated-ref':
        h = detected.ref.target;
        break;
      case 'sequential-ref':
        h = detected.ref.ref.target;
        break;
    }
  }
  throw new FormatError(`object ${hashToString(hash)}: references nested deeper than ${maxDepth}`);
}

/** The decryption an annotated tree needs, or undefined when it is not encrypted. */
async function transformFor(
  obj: ResolvedObject,
  opts: ReadObjectOptions,
): Promise<ReadTransform | undefined> {
  if (!obj.ann || obj.ann.crypt.kind === 'null') return undefined;
  if (!opts.decryptor)
    throw new NoMatchingKeyError(
      `tree ${hashToString(obj.hash)} is encrypted and no key was given`,
      [],
      {
        hint: 'give a keyring with -k',
      },
    );
  return opts.decryptor(obj.ann, obj.hash);
}

/**
 * Streams an object's content. Every block is verified before it is yielded; the first
 * missing, corrupt or undecodable block ends the stream with a typed error.
 * @param source - where the object is stored
 * @param hash - the object (blob, tree, annotated tree or reference)
 * @param opts - the decryptor for encrypted trees, read-ahead, depth limit
 * @returns the content, block by block
 * @throws {@link NotFoundError}, {@link IntegrityError}, {@link FormatError}, or {@link NoMatchingKeyError} for encrypted content without a decryptor
 */
export async function* readObject(
  source: BlockSource,
  hash: Uint8Array,
  opts: ReadObjectOptions = {},
): AsyncIterable<Uint8Array> {
  const obj = await resolveObject(source, hash, opts.maxDepth);
  if (!obj.tree) {
    yield obj.block;
    return;
  }
  const transform = await transformFor(obj, opts);
  yield* readTree(source, obj.tree, {
    transform,
    readAhead: opts.readAhead,
    maxDepth: opts.maxDepth,
  });
}

/**
 * The hashes of an object's data blocks, in order (`cat -H`). A blob is its own single
 * data block.
 */
export async function* objectDataHashes(
  source: BlockSource,
  hash: Uint8Array,
  opts: ReadObjectOptions = {},
): AsyncIterable<Uint8Array> {
  const obj = await resolveObject(source, hash, opts.maxDepth);
  if (!obj.tree) {
    yield obj.hash;
    return;
  }
  yield* walkTree(source, obj.tree, { maxDepth: opts.maxDepth });
}
