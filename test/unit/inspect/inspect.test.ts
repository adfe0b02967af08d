import { describe, expect, it } from 'vitest';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { crypto } from '../../../src/crypto/index.js';
import { generateGroupKey } from '../../../src/groupkey/generate.js';
import type { KeyringSource } from '../../../src/groupkey/open.js';
import { describeObject, readMetadataText } from '../../../src/inspect/inspect.js';
import { IntegrityError, NoMatchingKeyError, NotFoundError } from '../../../src/errors.js';
import { resolveObject } from '../../../src/tree/object.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';
import { storeGroupKeyTree } from '../../../src/rotate/rotate.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { encodeMTreeAnn } from '../../../src/tree/annotation.js';
import { encryptMethod2, treeCipher } from '../../../src/tree/encrypt.js';
import {
  writeAnnotatedTree,
  writeEncryptedTree,
  writeTreeWithMetadataBlock,
} from '../../../src/tree/encrypted-tree.js';
import { writeTree } from '../../../src/tree/writer.js';

const BLOCK = 262_144;

function chunks(n: number): Uint8Array[] {
  const data = crypto().randomBytes(n);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i += BLOCK) out.push(data.subarray(i, i + BLOCK));
  return out;
}

function setup() {
  const store = new MemoryBlockStore();
  const keyring = generateKeyring(1);
  const member: KeyringSource = { keyring };
  const outsider: KeyringSource = { keyring: generateKeyring(1) };
  const gk = generateGroupKey([keyring.entries[0]!.publicKey]);
  const sizeOf = async (h: Uint8Array) => (await store.get(h))?.length ?? null;
  return { store, member, outsider, gk, sizeOf };
}

describe('describeObject', () => {
  it('method 1 tree: plaintext size with the key, ciphertext size without', async () => {
    const { store, member, outsider, gk, sizeOf } = setup();
    const groupKeyHash = await storeGroupKeyTree(store, undefined, gk.groupKey);
    const n = 2 * BLOCK + 77;
    const res = await writeEncryptedTree(store, chunks(n), {
      secret: gk.secret,
      groupKeyHash,
      nonceS: crypto().randomBytes(32),
      method: 1,
      metadata: 'hidden',
    });
    const withKey = await describeObject(store, res.annotation, { sizeOf, keyrings: [member] });
    expect(withKey).toMatchObject({
      type: 'ann-merkle',
      size: n,
      blocks: 3,
      metadata: { kind: 'ref', text: 'hidden', encrypted: true },
      encryption: {
        method: 'group-symm-1',
        groupKey: encodeBase58(groupKeyHash),
        groupKeyId: encodeBase58(gk.groupKey.id!),
        recipients: 1,
        canDecrypt: true,
      },
    });
    expect(withKey.sizeIsCiphertext).toBeUndefined();
    for (const keyrings of [[], [outsider]]) {
      const d = await describeObject(store, res.annotation, { sizeOf, keyrings });
      expect(d).toMatchObject({
        size: n + 3 * 16,
        sizeIsCiphertext: true,
        metadata: { text: null, encrypted: true },
        encryption: { canDecrypt: false, recipients: 1 },
      });
    }
  });

  it('method 2 tree: the plaintext size is recovered from the stored block sizes', async () => {
    const { store, member, gk, sizeOf } = setup();
    const groupKey = await storeGroupKeyTree(store, undefined, gk.groupKey);
    const nonce = crypto().randomBytes(32);
    const t = treeCipher(gk.secret, nonce);
    // Sizes around the CBOR length-head boundaries of the box (24, 256, 65536 bytes).
    for (const n of [0, 1, 7, 8, 9, 239, 240, 241, 65_519, 65_520, 65_521, BLOCK + 5]) {
      const res = await writeTree(store, n === 0 ? [] : chunks(n), {
        transform: (p, i) => encryptMethod2(t, { a: 3n, b: 4n }, p, i),
      });
      const root = await store.put(
        encodeMTreeAnn({
          meta: { kind: 'none' },
          crypt: { kind: 'symm2', opts: { a: 3n, b: 4n }, groupKey, nonce },
          tree: res.rootNode,
        }),
      );
      const d = await describeObject(store, root, { sizeOf, keyrings: [member] });
      expect(d.encryption.method).toBe('group-symm-2');
      expect(d.encryption.canDecrypt).toBe(true);
      expect(d.size, `plaintext of ${n} bytes`).toBe(n);
    }
  });

  it('plain, annotated and group key objects', async () => {
    const { store, gk, sizeOf } = setup();
    const plain = await writeTree(store, chunks(1000));
    expect(await describeObject(store, plain.root, { sizeOf })).toMatchObject({
      type: 'merkle',
      size: 1000,
      blocks: 1,
      metadata: { kind: 'none', text: null, encrypted: false },
      encryption: { method: 'none', groupKey: null, canDecrypt: true },
    });
    const ann = await writeAnnotatedTree(store, chunks(10), { kind: 'short', text: 'note' });
    expect(await describeObject(store, ann.annotation, { sizeOf })).toMatchObject({
      type: 'ann-merkle',
      size: 10,
      metadata: { kind: 'short', text: 'note', encrypted: false },
      encryption: { method: 'none' },
    });
    const gkHash = await storeGroupKeyTree(store, undefined, gk.groupKey);
    const d = await describeObject(store, gkHash, { sizeOf });
    expect(d.type).toBe('groupkey');
    expect(d.groupKeyInfo).toEqual({
      id: encodeBase58(gk.groupKey.id!),
      recipients: 1,
      version: gk.groupKey.version,
    });
    const blob = await store.put(new TextEncoder().encode('just a blob'));
    expect(await describeObject(store, blob, { sizeOf })).toMatchObject({
      type: 'blob',
      size: 11,
      blocks: 1,
    });
  });
});

/** A small method 2 tree encrypted for `gk`, with `metadata` when given. */
async function encryptedTree(
  store: MemoryBlockStore,
  gk: ReturnType<typeof setup>['gk'],
  metadata?: string,
) {
  return writeEncryptedTree(store, chunks(100), {
    secret: gk.secret,
    groupKeyHash: await storeGroupKeyTree(store, undefined, gk.groupKey),
    nonceS: crypto().randomBytes(32),
    method: 2,
    metadata,
  });
}

describe('readMetadataText', () => {
  it('the text of plain and encrypted metadata; a tree without any is NotFoundError', async () => {
    const { store, member, outsider, gk } = setup();
    const ann = await writeAnnotatedTree(store, chunks(10), { kind: 'short', text: 'note' });
    expect(await readMetadataText(store, ann.annotation, {})).toBe('note');
    // hbs2's `metadata create` form: the text in a block of its own, named by the annotation.
    const data = chunks(300_000);
    const withBlock = await writeTreeWithMetadataBlock(store, data, 'mime-type: "x/y"');
    expect(await store.get(withBlock.metadataBlock!)).toEqual(
      new TextEncoder().encode('mime-type: "x/y"'),
    );
    expect(withBlock.ann.meta).toEqual({ kind: 'ref', hash: withBlock.metadataBlock });
    expect(withBlock.root).toEqual((await writeTree(store, data)).root);
    expect(await readMetadataText(store, withBlock.annotation, {})).toBe('mime-type: "x/y"');
    const plain = await writeTree(store, chunks(10));
    await expect(readMetadataText(store, plain.root, { name: 'ROOT' })).rejects.toThrow(
      new NotFoundError('ROOT has no metadata'),
    );
    const enc = await encryptedTree(store, gk, 'file-name: "x"');
    expect(await readMetadataText(store, enc.annotation, { keyrings: [member] })).toBe(
      'file-name: "x"',
    );
    await expect(readMetadataText(store, enc.annotation, { keyrings: [outsider] })).rejects.toThrow(
      NoMatchingKeyError,
    );
  });

  it('clear text in an encrypted tree is refused (IntegrityError naming the tree)', async () => {
    const { store, member, gk } = setup();
    const enc = await encryptedTree(store, gk);
    const { ann } = await resolveObject(store, enc.annotation);
    const forged = await store.put(encodeMTreeAnn({ ...ann!, meta: { kind: 'short', text: 'x' } }));
    await expect(
      readMetadataText(store, forged, { keyrings: [member], name: 'FORGED' }),
    ).rejects.toThrow(/the metadata of FORGED is not vouched for/);
    await expect(readMetadataText(store, forged, { keyrings: [member] })).rejects.toThrow(
      IntegrityError,
    );
  });
});
