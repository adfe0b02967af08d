import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as api from '../../src/index.js';
import {
  decodeBase58,
  encodeBase58,
  formatKeyringFile,
  FormatError,
  generateGroupKey,
  generateKeyring,
  Hbs2Error,
  IntegrityError,
  loadConfig,
  MemoryBlockStore,
  NoMatchingKeyError,
  openGroupKey,
  parseKeyringFile,
  parseSigilFile,
  readersFromAcbFile,
  readTree,
  createSigil,
  formatSigilFile,
  inlineRunner,
  writeTree,
} from '../../src/index.js';

const VECTORS = path.resolve(__dirname, '../vectors/hbs2-keys');

describe('public API (src/index.ts)', () => {
  it('exports each module: errors, codec, crypto, keyring, config, groupkey, store, tree, acb, sigil, rotate, parallel', () => {
    for (const name of [
      'Hbs2Error',
      'UsageError',
      'NotFoundError',
      'CborReader',
      'CborWriter',
      'encodeBase58',
      'parseArmored',
      'crypto',
      'selectCrypto',
      'hkdfExpand32',
      'parseKeyringFile',
      'generateKeyring',
      'readKeyringFile',
      'loadConfig',
      'parseConfigText',
      'generateGroupKey',
      'openGroupKey',
      'parseGroupKeyFile',
      'MemoryBlockStore',
      'FsBlockStore',
      'fsck',
      'writeTree',
      'readTree',
      'treeCipher',
      'decryptBlock',
      'writeEncryptedTree',
      'deterministicTreeNonce',
      'decryptTransform',
      'blockNonceKey',
      'metadataNonce',
      'openMetadata',
      'parseAcbDsl',
      'readersFromAcbFile',
      'createSigil',
      'parseSigilFile',
      'recordGroupKey',
      'updateGroupKey',
      'workerPool',
      'runnerFor',
    ])
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
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
    for await (const c of readTree(store, root)) chunks.push(c);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('hello world');
  });

  it('sigils verify, and a flipped signature bit is an IntegrityError', () => {
    const k = generateKeyring(1);
    const text = formatSigilFile(createSigil(k, k.entries[0]!.publicKey));
    const v = parseSigilFile(new TextEncoder().encode(text), 'k.sigil');
    expect(v.data.encryptionKey).toEqual(k.entries[0]!.publicKey);
    const s = createSigil(k, k.entries[0]!.publicKey);
    s.box.signature[0]! ^= 1;
    expect(() => parseSigilFile(api.encodeSigil(s), 'bad.sigil')).toThrow(IntegrityError);
  });

  it('ACB readers, config defaults and the inline runner are reachable', async () => {
    expect(() => readersFromAcbFile(new Uint8Array([1, 2, 3]), 'x.acb')).toThrow(Hbs2Error);
    const cfg = await loadConfig(path.join(VECTORS, 'no-such-config.yaml'));
    expect(cfg.keyrings).toEqual([]);
    expect(typeof inlineRunner().run).toBe('function');
  });
});
