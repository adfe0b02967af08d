/**
 * hbs2-toolkit's portable API: hbs2-compatible keyrings, group keys, merkle trees,
 * group encryption, refs, ACBs and sigils over any {@link BlockStore}. Runs unchanged in
 * Node, browsers, Deno and Bun (no `node:` imports); the file-system stores, config,
 * worker pool and libsodium backend are in `hbs2-toolkit/node`.
 *
 * Nothing here prints, exits or reads environment variables. Failures are typed errors
 * ({@link Hbs2Error} and its subclasses).
 * @packageDocumentation
 */

// Errors
export {
  FormatError,
  Hbs2Error,
  IntegrityError,
  NoMatchingKeyError,
  NotFoundError,
  UsageError,
} from './errors.js';

// Encodings
export { decodeBase58, encodeBase58 } from './codec/base58.js';
export { fromHex, toHex } from './codec/hex.js';

// Cryptography backend
export { crypto, jsCrypto, useCrypto } from './crypto/index.js';
export type { CryptoProvider, IncrementalHash, KeyPair } from './crypto/provider.js';

// Keyrings
export {
  formatKeyringFile,
  generateEntry,
  generateKeyring,
  parseKeyringFile,
  type Keyring,
  type KeyringEntry,
} from './keyring/keyring.js';
export {
  addEntry,
  removeEntry,
  selectEntries,
  summarizeKeyring,
  type AddResult,
  type KeyringSummary,
  type RemoveResult,
  type Selection,
} from './keyring/ops.js';

// Group keys
export type { GroupKey, GroupKeyRecipient } from './groupkey/model.js';
export {
  generateGroupKey,
  type GenerateGroupKeyOptions,
  type GeneratedGroupKey,
} from './groupkey/generate.js';
export {
  keyringsWithEntry,
  openGroupKey,
  verifyGroupKeyId,
  type KeyringSource,
  type OpenedGroupKey,
} from './groupkey/open.js';
export { formatGroupKeyFile, parseGroupKeyFile } from './groupkey/file.js';
export { summarizeGroupKey, type GroupKeySummary } from './groupkey/dump.js';
export { mergeGroupKeys } from './groupkey/merge.js';
export {
  applyRecipientsRule,
  readRecipients,
  type ReadRecipientsOptions,
  type RecipientsInputRule,
  type Recipient,
  type RecipientInput,
  type RecipientsResult,
} from './ops/recipients.js';
export { updateGroupKey, type GroupKeyUpdate, type GroupKeyUpdateResult } from './rotate/update.js';

// Block stores and hashes
export type { BlockSink, BlockSource, BlockStore } from './store/blockstore.js';
export { MemoryBlockStore } from './store/memory.js';
export { HttpBlockSource } from './store/http-source.js';
export { hashBlock, hashToString, parseHash } from './store/hash.js';
export { MemoryKeyIndex, type KeyIndex, type KeyIndexEntry } from './store/key-index.js';

// Content: store, read, describe, rotate
export {
  blake2b256Of,
  contentDecryptor,
  readContent,
  storeEncrypted,
  storePlain,
  treeRootOf,
  type DecryptorOptions,
  type ReadContentOptions,
  type StoreContentOptions,
  type StoredContent,
  type StoredEncryptedContent,
  type StoreEncryptedOptions,
} from './ops/content.js';
export type { ByteSource } from './ops/abort.js';
export { writeTree, type WriteTreeOptions, type WriteTreeResult } from './tree/writer.js';
export { readObject, type Decryptor, type ReadObjectOptions } from './tree/object.js';
export {
  decryptTransform,
  writeAnnotatedTree,
  writeEncryptedTree,
  writeTreeWithMetadataBlock,
  type AnnotatedTreeResult,
  type EncryptedTreeParams,
  type EncryptionMethod,
} from './tree/encrypted-tree.js';
export {
  describeMetadata,
  describeObject,
  readMetadataText,
  type AnnotationMetadata,
  type InspectOptions,
  type ObjectDescription,
} from './inspect/inspect.js';
export { formatMetadataSexp, metadataFields } from './inspect/metadata-sexp.js';
export { findGroupSecret, type FoundSecret, type WarningSink } from './rotate/secrets.js';
export { rotateTree, storeGroupKeyTree, type RotateResult } from './rotate/rotate.js';
export type { BlockRunner } from './parallel/pool.js';

// Refs
export type { RefStore, RefUpdate } from './refs/ref-store.js';
export { MemoryRefStore } from './refs/memory-ref-store.js';
export { lwwRefKeyHash } from './refs/keys.js';
export { formatLwwRef, type LwwRef } from './refs/lwwref.js';
export {
  getLwwRef,
  lwwRefSigner,
  setLwwRef,
  summarizeLwwRef,
  type LwwRefSummary,
  type LwwRefUpdate,
  type SetLwwRefOptions,
  type VerifiedLwwRef,
} from './refs/lww-store.js';

// Access control blocks and sigils
export type { Acb, AcbWriter, TimeRange } from './acb/model.js';
export { isWriterAuthorised, mergeAcbs, writerStatus, type WriterStatus } from './acb/model.js';
export { summarizeAcb, type AcbSummary } from './acb/summary.js';
export { decodeAcb, encodeAcb } from './acb/codec.js';
export { formatAcbDsl, parseAcbDsl } from './acb/dsl.js';
export { parseAcbDslOrFile, parseAcbFile, readersFromAcbFile } from './acb/file.js';
export {
  createSigil,
  formatSigilFile,
  parseSigilFile,
  summarizeSigil,
  verifySigil,
  type CreateSigilOptions,
  type SigilSummary,
  type VerifiedSigil,
} from './sigil/sigil.js';
export type { Sigil, SigilData } from './sigil/model.js';
