import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as api from '../../src/index.js';
import * as nodeApi from '../../src/node.js';
import {
  decodeBase58,
  encodeBase58,
  formatKeyringFile,
  FormatError,
  generateGroupKey,
  generateKeyring,
  Hbs2Error,
  IntegrityError,
  MemoryBlockStore,
  NoMatchingKeyError,
  openGroupKey,
  parseKeyringFile,
  parseSigilFile,
  readersFromAcbFile,
  readObject,
  createSigil,
  formatSigilFile,
  writeTree,
} from '../../src/index.js';
import { inlineRunner, loadConfig } from '../../src/node.js';
import { encodeSigil } from '../../src/sigil/model.js';

const VECTORS = path.resolve(__dirname, '../vectors/hbs2-keys');

/** Exported names, sorted: types leave no trace at run time, so these are the values. */
const names = (m: object) => Object.keys(m).sort();

describe('public API (src/index.ts)', () => {
  it('exports exactly the curated portable names', () => {
    expect(names(api)).toMatchInlineSnapshot(`
      [
        "FormatError",
        "Hbs2Error",
        "HttpBlockSource",
        "IntegrityError",
        "MemoryBlockStore",
        "MemoryKeyIndex",
        "MemoryRefStore",
        "NoMatchingKeyError",
        "NotFoundError",
        "UsageError",
        "addEntry",
        "applyRecipientsRule",
        "blake2b256Of",
        "contentDecryptor",
        "createSigil",
        "crypto",
        "decodeAcb",
        "decodeBase58",
        "decryptTransform",
        "describeMetadata",
        "describeObject",
        "encodeAcb",
        "encodeBase58",
        "findGroupSecret",
        "formatAcbDsl",
        "formatGroupKeyFile",
        "formatKeyringFile",
        "formatLwwRef",
        "formatMetadataSexp",
        "formatSigilFile",
        "fromHex",
        "generateEntry",
        "generateGroupKey",
        "generateKeyring",
        "getLwwRef",
        "hashBlock",
        "hashToString",
        "isWriterAuthorised",
        "jsCrypto",
        "keyringsWithEntry",
        "lwwRefKeyHash",
        "lwwRefSigner",
        "mergeAcbs",
        "mergeGroupKeys",
        "metadataFields",
        "openGroupKey",
        "parseAcbDsl",
        "parseAcbDslOrFile",
        "parseAcbFile",
        "parseGroupKeyFile",
        "parseHash",
        "parseKeyringFile",
        "parseSigilFile",
        "readContent",
        "readMetadataText",
        "readObject",
        "readRecipients",
        "readersFromAcbFile",
        "removeEntry",
        "rotateTree",
        "selectEntries",
        "setLwwRef",
        "storeEncrypted",
        "storeGroupKeyTree",
        "storePlain",
        "summarizeAcb",
        "summarizeGroupKey",
        "summarizeKeyring",
        "summarizeLwwRef",
        "summarizeSigil",
        "toHex",
        "treeRootOf",
        "updateGroupKey",
        "useCrypto",
        "verifyGroupKeyId",
        "verifySigil",
        "writeAnnotatedTree",
        "writeEncryptedTree",
        "writeTree",
        "writeTreeWithMetadataBlock",
        "writerStatus",
      ]
    `);
  });

  it('./node adds exactly the Node names to the portable ones', () => {
    expect(names(nodeApi).filter((n) => !(n in api))).toMatchInlineSnapshot(`
      [
        "FsBlockStore",
        "FsKeyIndex",
        "NcqBlockStore",
        "SimpleRefStore",
        "addPin",
        "autoMetadata",
        "checkStore",
        "checkStoreAt",
        "deleteBlocks",
        "detectMimeType",
        "detectStoreLayout",
        "findKeyringFiles",
        "findPin",
        "fsck",
        "gc",
        "groupKeyFilesListing",
        "initStoreDirectories",
        "inlineRunner",
        "listPins",
        "loadConfig",
        "loadKeyrings",
        "loadNativeCrypto",
        "openReadableStore",
        "openStore",
        "planDelete",
        "preferNativeCrypto",
        "readConfigFile",
        "readGroupKeyFile",
        "readKeyringFile",
        "removePins",
        "runnerFor",
        "selectCrypto",
        "summarizePin",
        "workerPool",
      ]
    `);
    for (const n of names(api))
      expect((nodeApi as Record<string, unknown>)[n]).toBe((api as Record<string, unknown>)[n]);
  });

  it('base58 round-trips and rejects a bad character with a FormatError', () => {
    const bytes = Uint8Array.from([0, 0, 1, 2, 255]);
    const text = encodeBase58(bytes);
    expect(text.startsWith('11')).toBe(true);
    expect(decodeBase58(text)).toEqual(bytes);
    expect(() => decodeBase58('0OIl')).toThrow(FormatError);
  });

  it('parses a real hbs2 keyring file (test/refchan/owner.key) to its signing key', () => {
    const data = fs.readFileSync(path.join(VECTORS, 'test_refchan_owner.key'));
    const k = parseKeyringFile(data, 'owner.key');
    expect(Buffer.from(k.signPublicKey).toString('hex')).toBe(
      '92f60027d1da677c5a05263195fb8df337b268241f0c93360df54891d570aa90',
    );
    expect(k.entries).toHaveLength(0);
    expect(formatKeyringFile(k)).toBe(data.toString('utf8'));
  });

  it('a group key opens with a recipient keyring and not with another', () => {
    const [a, b] = [generateKeyring(1), generateKeyring(1)];
    const { groupKey, secret } = generateGroupKey([a.entries[0]!.publicKey]);
    expect(openGroupKey(groupKey, [{ keyring: a }]).secret).toEqual(secret);
    expect(() => openGroupKey(groupKey, [{ keyring: b }])).toThrow(NoMatchingKeyError);
  });

  it("writeTree of 'hello world' into a MemoryBlockStore gives hbs2's root; readTree returns it", async () => {
    const store = new MemoryBlockStore();
    const { root } = await writeTree(store, [new TextEncoder().encode('hello world')]);
    expect(encodeBase58(root)).toBe('FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9');
    const chunks: Uint8Array[] = [];
    for await (const c of readObject(store, root)) chunks.push(c);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('hello world');
  });

  it('sigils verify, and a flipped signature bit is an IntegrityError', () => {
    const k = generateKeyring(1);
    const text = formatSigilFile(createSigil(k, k.entries[0]!.publicKey));
    const v = parseSigilFile(new TextEncoder().encode(text), 'k.sigil');
    expect(v.data.encryptionKey).toEqual(k.entries[0]!.publicKey);
    const s = createSigil(k, k.entries[0]!.publicKey);
    s.box.signature[0]! ^= 1;
    expect(() => parseSigilFile(encodeSigil(s), 'bad.sigil')).toThrow(IntegrityError);
  });

  it('ACB readers, config defaults and the inline runner are reachable', async () => {
    expect(() => readersFromAcbFile(new Uint8Array([1, 2, 3]), 'x.acb')).toThrow(Hbs2Error);
    const cfg = await loadConfig(path.join(VECTORS, 'no-such-config.yaml'));
    expect(cfg.keyrings).toEqual([]);
    expect(typeof inlineRunner().run).toBe('function');
  });
});
