/**
 * Compatibility, library level (issue 13): the files hbs2's own code wrote
 * (test/vectors/hbs2-written, see its NOTE.md) read through the public API (src/node.ts, internals from their modules)
 * exactly as the oracle's RESULTS.txt says, under both crypto backends. Expected values
 * come from the oracle's files (test/helpers/hbs2-written.ts), never from our own output.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeBase58,
  encodeBase58,
  FsBlockStore,
  hashBlock,
  MemoryBlockStore,
  NoMatchingKeyError,
  openGroupKey,
  parseGroupKeyFile,
  parseKeyringFile,
  parseSigilFile,
  readObject,
  writeTree,
  type BlockSource,
  type BlockStore,
  type CryptoProvider,
  type Decryptor,
  type GroupKey,
  type KeyringSource,
} from '../../src/node.js';
import { withCrypto } from '../helpers/crypto.js';
import { concatBytes } from '../../src/codec/cbor.js';
import { decodeGroupKey } from '../../src/groupkey/model.js';
import { groupKeyId } from '../../src/groupkey/secret.js';
import { formatGroupKeyDump } from '../../src/groupkey/dump.js';
import { collectDeps } from '../../src/tree/deps.js';
import { detectBlock } from '../../src/tree/detect.js';
import { encodeMTreeAnn, type MTreeAnn } from '../../src/tree/annotation.js';
import {
  decodeSmallEncryptedBlock,
  decryptBlock,
  decryptMetadata,
  treeCipher,
} from '../../src/tree/encrypt.js';
import { loadNativeCrypto, selectCrypto } from '../../src/crypto/select.js';
import {
  GROUPKEY_NAMES,
  KEYRING_NAMES,
  SIGIL_NAMES,
  blockFile,
  copyStoresToTemp,
  expectVectorsUnchanged,
  groupKeyDump,
  hashLines,
  keyringList,
  membersInFileOrder,
  opensAccordingToOracle,
  sigilCheck,
  snapshotVectors,
  vectorPath,
  vectorTrees,
  type KeyringName,
} from '../helpers/hbs2-written.js';

const b58 = (b: Uint8Array): string => encodeBase58(b);
const read = (...parts: string[]): Uint8Array => fs.readFileSync(vectorPath(...parts));

const keyringOf = (name: KeyringName): KeyringSource => ({
  path: `${name}.key`,
  keyring: parseKeyringFile(read('keyrings', `${name}.key`), `${name}.key`),
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of stream) parts.push(p);
  return concatBytes(parts);
}

/** The base58 names of every block `root` depends on, root first. */
async function depsOf(store: BlockStore, root: Uint8Array): Promise<string[]> {
  const out: string[] = [];
  for await (const d of collectDeps(store, root)) out.push(b58(d.hash));
  return out;
}

/** Opens the group key stored at `gkHash` with `keyrings`: what a library user does. */
async function secretOf(
  store: BlockSource,
  gkHash: Uint8Array,
  keyrings: readonly KeyringSource[],
  c: CryptoProvider,
): Promise<Uint8Array> {
  const gk = decodeGroupKey(await collect(readObject(store, gkHash)));
  return withCrypto(c, () => openGroupKey(gk, keyrings)).secret;
}

/** A decryptor built only from exported functions (group key tree → secret → blocks). */
function decryptorOf(
  store: BlockSource,
  keyrings: readonly KeyringSource[],
  c: CryptoProvider,
): Decryptor {
  return async (ann: MTreeAnn) => {
    const crypt = ann.crypt;
    if (crypt.kind !== 'symm1' && crypt.kind !== 'symm2')
      throw new Error(`vector tree with ${crypt.kind} encryption`);
    const t = treeCipher(await secretOf(store, crypt.groupKey, keyrings, c), crypt.nonce, c);
    const method = crypt.kind === 'symm1' ? 1 : 2;
    return (stored, index) => decryptBlock(t, method, stored, index, `#${index}`, c);
  };
}

/** The annotation of an annotated tree root (null for a plain tree). */
async function annotationOf(store: BlockSource, root: Uint8Array): Promise<MTreeAnn | null> {
  const d = detectBlock((await store.get(root))!);
  return d.type === 'ann-merkle' ? d.ann : null;
}

const backends: ('js' | 'native')[] = loadNativeCrypto() ? ['js', 'native'] : ['js'];
if (backends.length === 1) console.warn('NOTE: sodium-native not loadable; js backend only');

let stores: string;
let vectorsBefore: Map<string, string>;
beforeAll(() => {
  vectorsBefore = snapshotVectors();
  stores = copyStoresToTemp();
});
afterAll(() => {
  fs.rmSync(stores, { recursive: true, force: true });
  selectCrypto();
});

describe.each(backends)('hbs2-written vectors through the library, %s backend', (name) => {
  let c: CryptoProvider;
  beforeAll(() => {
    c = selectCrypto(name);
  });

  it.each(KEYRING_NAMES)('keyring %s.key: keys and descriptions equal %s.list', (k) => {
    const kr = keyringOf(k).keyring;
    const list = keyringList(k);
    expect(b58(kr.signPublicKey)).toBe(list.signPk);
    expect(b58(kr.signSecretKey)).toBe(list.signSk);
    expect(
      kr.entries.map((e) => ({
        encPk: b58(e.publicKey),
        encSk: b58(e.secretKey),
        desc: e.description,
      })),
    ).toEqual(list.entries);
    // The secret keys really are the public keys' (the keyring is usable, not just parsed).
    for (const e of kr.entries)
      expect(b58(c.boxKeyPairFromSecret(e.secretKey).publicKey)).toBe(b58(e.publicKey));
  });

  describe.each(GROUPKEY_NAMES)('group key %s.gk', (g) => {
    let gk: GroupKey;
    beforeAll(() => {
      gk = parseGroupKeyFile(read('groupkeys', `${g}.gk`), `${g}.gk`);
    });

    it('parses to the id, scheme, timestamp and members (file order) of its dump', () => {
      const dump = groupKeyDump(g);
      expect(gk.version).toBe(2);
      expect(b58(gk.id!)).toBe(dump.id);
      expect(gk.scheme).toBe(dump.scheme);
      expect(gk.timestamp).toBe(dump.timestamp);
      expect(gk.recipients.map((r) => b58(r.publicKey))).toEqual(membersInFileOrder(g));
      // The library returns the text without the final newline the CLI prints.
      expect(`${formatGroupKeyDump(gk)}\n`).toBe(dump.text);
    });

    it.each(KEYRING_NAMES)('opens with %s.key exactly when the oracle opened it', (k) => {
      const opens = opensAccordingToOracle().get(`${g}/${k}`);
      expect(opens).toBeDefined();
      if (!opens) {
        expect(() => withCrypto(c, () => openGroupKey(gk, [keyringOf(k)]))).toThrow(
          NoMatchingKeyError,
        );
        return;
      }
      const opened = withCrypto(c, () => openGroupKey(gk, [keyringOf(k)]));
      expect(b58(opened.id)).toBe(b58(gk.id!));
      expect(b58(groupKeyId(opened.secret, c))).toBe(groupKeyDump(g).id);
    });
  });

  it.each(hashLines())('hashes.txt: $file hashes to its whole-file hash', (h) => {
    const data = read('data', h.file);
    expect(data.length).toBe(h.size);
    expect(b58(hashBlock(data))).toBe(h.wholeFileHash);
  });

  it.each(hashLines())('hashes.txt: $file stored plain gives its tree root', async (h) => {
    const res = await writeTree(new MemoryBlockStore(), [read('data', h.file)]);
    expect(b58(res.root)).toBe(h.treeRoot);
  });

  describe.each(vectorTrees())('roots.txt: $label', (t) => {
    let store: FsBlockStore;
    const keyrings = (): KeyringSource[] => [keyringOf('alice')];
    beforeAll(() => {
      store = new FsBlockStore(`${stores}/${t.store}`);
    });

    it('reads back exactly the data file (alice.key where encrypted)', async () => {
      const out = await collect(
        readObject(store, decodeBase58(t.root), { decryptor: decryptorOf(store, keyrings(), c) }),
      );
      expect(Buffer.from(out).equals(read('data', t.dataFile))).toBe(true);
    });

    it('is annotated with the method and metadata README.txt gives', async () => {
      const ann = await annotationOf(store, decodeBase58(t.root));
      if (t.method === 'none' && t.metadata.kind === 'none') {
        expect(ann).toBeNull();
        return;
      }
      expect(ann).not.toBeNull();
      const method = { null: 'none', symm1: 'group-symm-1', symm2: 'group-symm-2' } as const;
      expect(method[ann!.crypt.kind as keyof typeof method]).toBe(t.method);
      expect(ann!.meta.kind).toBe(t.metadata.kind);
      if (ann!.meta.kind === 'short') expect(ann!.meta.text).toBe(t.metadata.text);
      if (ann!.meta.kind === 'ref') {
        const block = decodeSmallEncryptedBlock((await store.get(ann!.meta.hash))!);
        const secret = await secretOf(store, block.groupKeyHash, keyrings(), c);
        expect(decryptMetadata(block, secret, c)).toBe(t.metadata.text);
      }
      if (ann!.crypt.kind === 'symm1' || ann!.crypt.kind === 'symm2') {
        const gk = decodeGroupKey(await collect(readObject(store, ann!.crypt.groupKey)));
        expect(b58(gk.id!)).toBe(groupKeyDump(t.groupKey!).id);
      }
    });

    it('is not readable with a keyring that is not a recipient (dave.key)', async () => {
      const read = readObject(store, decodeBase58(t.root), {
        decryptor: decryptorOf(store, [keyringOf('dave')], c),
      });
      if (t.method === 'none') await expect(collect(read)).resolves.toBeDefined();
      else await expect(collect(read)).rejects.toThrow(NoMatchingKeyError);
    });
  });

  it.each(vectorTrees().filter((t) => t.method === 'none'))(
    'writing $dataFile plain gives the blocks of $label, byte for byte',
    async (t) => {
      const mem = new MemoryBlockStore();
      const res = await writeTree(mem, [read('data', t.dataFile)]);
      // ShortMetadata: an MTreeAnn with the text inline and no encryption, over the tree.
      const root =
        t.metadata.kind === 'short'
          ? await mem.put(
              encodeMTreeAnn({
                meta: { kind: 'short', text: t.metadata.text! },
                crypt: { kind: 'null' },
                tree: res.rootNode,
              }),
            )
          : res.root;
      expect(b58(root)).toBe(t.root);
      const vectorStore = new FsBlockStore(`${stores}/${t.store}`);
      const ours = await depsOf(mem, root);
      expect(ours).toEqual(await depsOf(vectorStore, root));
      for (const h of ours) {
        const mine = Buffer.from((await mem.get(decodeBase58(h)))!);
        expect(mine.equals(fs.readFileSync(blockFile(vectorStore.prefix, h))), h).toBe(true);
      }
    },
  );

  it.each(SIGIL_NAMES)('sigil %s.sigil verifies and states what the oracle read', (s) => {
    const v = parseSigilFile(read('sigils', `${s}.sigil`), `${s}.sigil`);
    const oracle = sigilCheck(s);
    expect(b58(v.signKey)).toBe(oracle.signPk);
    expect(b58(v.data.encryptionKey)).toBe(oracle.encryptPk);
    expect(v.data.info).toBe(oracle.info);
    expect(v.data.ext).toBeNull();
  });
});

it('no test above changed a byte of the vector directory', () =>
  expectVectorsUnchanged(vectorsBefore));
