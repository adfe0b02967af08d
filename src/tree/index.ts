/** Merkle trees: node and annotation codecs, chunker, writer, reader, detection, deps, totals. */
export { BLOCK_SIZE, LEAF_MAX, MAX_TREE_DEPTH, NODE_MAX } from './constants.js';
export {
  decodeMTree,
  encodeMTree,
  readMTree,
  writeMTree,
  type MLeaf,
  type MNode,
  type MTree,
} from './node.js';
export {
  decodeMTreeAnn,
  encodeMTreeAnn,
  readAnnMetaData,
  readMTreeAnn,
  readMTreeEncryption,
  writeAnnMetaData,
  writeMTreeAnn,
  writeMTreeEncryption,
  type AnnMetaData,
  type MTreeAnn,
  type MTreeEncryption,
  type SymmOpts,
} from './annotation.js';
export {
  decodeAnnotatedHashRef,
  decodeSequentialRef,
  encodeAnnotatedHashRef,
  encodeSequentialRef,
  readAnnotatedHashRef,
  readSequentialRef,
  writeAnnotatedHashRef,
  writeSequentialRef,
  type AnnotatedHashRef,
  type SequentialRef,
} from './refs.js';
export { chunkBytes } from './chunker.js';
export { TreeBuilder, buildTree, type BuiltTree, type TreeShape } from './builder.js';
export {
  hashingTransform,
  writeTree,
  type BlockTransform,
  type TransformedBlock,
  type WriteTreeOptions,
  type WriteTreeResult,
} from './writer.js';
export {
  loadTreeBlock,
  readTree,
  walkTree,
  type ReadTransform,
  type ReadTreeOptions,
  type TreeRoot,
  type WalkOptions,
} from './reader.js';
export { decodeTreeBlock, detectBlock, type Detected } from './detect.js';
export { collectDeps, type Dep, type DepRole, type DepsOptions } from './deps.js';
export { treeTotals, type TreeTotals, type TreeTotalsOptions } from './totals.js';
export {
  objectDataHashes,
  readObject,
  resolveObject,
  type Decryptor,
  type ReadObjectOptions,
  type ResolvedObject,
} from './object.js';
export * from './encrypted-tree.js';
export * from './keyed-nonces.js';
