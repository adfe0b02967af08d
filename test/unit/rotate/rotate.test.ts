import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { concatBytes } from '../../../src/codec/cbor.js';
import { crypto } from '../../../src/crypto/index.js';
import {
  FormatError,
  IntegrityError,
  NoMatchingKeyError,
  UsageError,
} from '../../../src/errors.js';
import { generateGroupKey } from '../../../src/groupkey/generate.js';
import type { GroupKey } from '../../../src/groupkey/model.js';
import type { KeyringSource } from '../../../src/groupkey/open.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';
import { FsKeyIndex, groupKeysWithId, recordGroupKey } from '../../../src/store/fs-key-index.js';
import { rotateTree, storeGroupKeyTree } from '../../../src/rotate/rotate.js';
import { findGroupSecret } from '../../../src/rotate/secrets.js';
import { updateGroupKey } from '../../../src/rotate/update.js';
import type { BlockStore } from '../../../src/store/blockstore.js';
import { FsBlockStore } from '../../../src/store/fs.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { decodeMTreeAnn, encodeMTreeAnn, type MTreeAnn } from '../../../src/tree/annotation.js';
import { encryptMethod2, treeCipher } from '../../../src/tree/encrypt.js';
import { decryptTransform, writeEncryptedTree } from '../../../src/tree/encrypted-tree.js';
import { objectDataHashes, readObject } from '../../../src/tree/object.js';
import { writeTree } from '../../../src/tree/writer.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const BLOCK = 262_144;
const b58 = encodeBase58;

function member(): { source: KeyringSource; pub: Uint8Array } {
  const keyring = generateKeyring(1);
  return { source: { keyring }, pub: keyring.entries[0]!.publicKey };
}

function chunks(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += BLOCK) out.push(data.subarray(i, i + BLOCK));
  return out;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return concatBytes(parts);
}

/** Byte equality without vitest's slow element-wise diff of large arrays. */
function expectSame(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
}

async function hashes(store: BlockStore, root: Uint8Array): Promise<string[]> {
  const out: string[] = [];
  for await (const h of objectDataHashes(store, root)) out.push(b58(h));
  return out;
}

/** Reads an encrypted annotated tree with a known secret. */
function readWith(store: BlockStore, root: Uint8Array, secret: Uint8Array): Promise<Uint8Array> {
  return collect(
    readObject(store, root, { decryptor: async (ann) => decryptTransform(ann, secret) }),
  );
}

async function annOf(store: BlockStore, root: Uint8Array): Promise<MTreeAnn> {
  return decodeMTreeAnn((await store.get(root))!);
}

/** Stores `data` encrypted (method 1) for group key `gk` with `secret`. */
async function encryptedTree(
  store: BlockStore,
  gk: GroupKey,
  secret: Uint8Array,
  data: Uint8Array,
  metadata?: string,
): Promise<Uint8Array> {
  const groupKeyHash = await storeGroupKeyTree(store, undefined, gk);
  const res = await writeEncryptedTree(store, chunks(data), {
    secret,
    groupKeyHash,
    nonceS: crypto().randomBytes(32),
    method: 1,
    metadata,
  });
  return res.annotation;
}

describe('rotateTree', () => {
  const a = member();
  const b = member();
  const data = xorshiftBytes(2 * BLOCK + 1234, 7);

  it('same secret: re-annotates only, data blocks untouched', async () => {
    const store = new MemoryBlockStore();
    const gk0 = generateGroupKey([a.pub]);
    const t0 = await encryptedTree(store, gk0.groupKey, gk0.secret, data, 'note');
    const gk1 = updateGroupKey(gk0.groupKey, gk0.secret, { add: [b.pub] });
    const before = store.writes;
    const r = await rotateTree(store, undefined, t0, gk1.groupKey, [a.source]);
    expect(r.mode).toBe('reannotated');
    expect(r.blocksWritten).toBeLessThanOrEqual(4);
    expect(r.blocksWritten).toBe(store.writes - before);
    expect(b58(r.root)).not.toBe(b58(t0));
    expect(await hashes(store, r.root)).toEqual(await hashes(store, t0));
    const [oldAnn, newAnn] = [await annOf(store, t0), await annOf(store, r.root)];
    expect(newAnn.crypt.kind).toBe('symm1');
    if (newAnn.crypt.kind !== 'symm1' || oldAnn.crypt.kind !== 'symm1') return;
    expect(b58(newAnn.crypt.nonce)).toBe(b58(oldAnn.crypt.nonce));
    expect(b58(newAnn.crypt.groupKey)).not.toBe(b58(oldAnn.crypt.groupKey));
    expect(newAnn.meta).toEqual(oldAnn.meta);
    expectSame(await readWith(store, r.root, gk0.secret), data);
    // B (only in the new key) opens it directly.
    const found = await findGroupSecret(store, newAnn.crypt.groupKey, [b.source]);
    expect(b58(found.secret)).toBe(b58(gk0.secret));
  });

  it('different secret: re-encrypts, readable with the new secret only', async () => {
    const store = new MemoryBlockStore();
    const gk0 = generateGroupKey([a.pub, b.pub]);
    const t0 = await encryptedTree(store, gk0.groupKey, gk0.secret, data, 'secret note');
    const gk1 = updateGroupKey(gk0.groupKey, gk0.secret, { remove: [b.pub] });
    expect(gk1.rotated).toBe(true);
    const r = await rotateTree(store, undefined, t0, gk1.groupKey, [a.source]);
    expect(r.mode).toBe('reencrypted');
    const newHashes = await hashes(store, r.root);
    const oldHashes = await hashes(store, t0);
    expect(newHashes).toHaveLength(oldHashes.length);
    for (const h of newHashes) expect(oldHashes).not.toContain(h);
    expectSame(await readWith(store, r.root, gk1.secret), data);
    await expect(readWith(store, r.root, gk0.secret)).rejects.toBeInstanceOf(IntegrityError);
    // Re-encryption writes the default: method 2 with keyed block nonces, options (0, 0).
    const ann = await annOf(store, r.root);
    if (ann.crypt.kind !== 'symm2') throw new Error('expected symm2');
    expect(ann.crypt.opts).toEqual({ a: 0n, b: 0n });
    await expect(findGroupSecret(store, ann.crypt.groupKey, [b.source])).rejects.toBeInstanceOf(
      NoMatchingKeyError,
    );
    // The old root is untouched.
    expectSame(await readWith(store, t0, gk0.secret), data);
  });

  it('a method 2 tree reads back and keeps kind, options and nonce when re-annotated', async () => {
    const store = new MemoryBlockStore();
    const gk0 = generateGroupKey([a.pub]);
    const groupKey = await storeGroupKeyTree(store, undefined, gk0.groupKey);
    const nonce = crypto().randomBytes(32);
    const t = treeCipher(gk0.secret, nonce);
    const opts = { a: 1n, b: 2n };
    const res = await writeTree(store, chunks(data), {
      transform: (plain, index) => encryptMethod2(t, opts, plain, index),
    });
    const ann: MTreeAnn = {
      meta: { kind: 'short', text: 'm2' },
      crypt: { kind: 'symm2', opts, groupKey, nonce },
      tree: res.rootNode,
    };
    const root = await store.put(encodeMTreeAnn(ann));
    expectSame(await readWith(store, root, gk0.secret), data);

    const gk1 = updateGroupKey(gk0.groupKey, gk0.secret, { add: [b.pub] });
    const r = await rotateTree(store, undefined, root, gk1.groupKey, [a.source]);
    expect(r.mode).toBe('reannotated');
    const next = await annOf(store, r.root);
    expect(next.crypt.kind).toBe('symm2');
    if (next.crypt.kind !== 'symm2') return;
    expect(next.crypt.opts).toEqual(opts);
    expect(b58(next.crypt.nonce)).toBe(b58(nonce));
    expect(next.meta).toEqual(ann.meta);
    expect(await hashes(store, r.root)).toEqual(await hashes(store, root));
    expectSame(await readWith(store, r.root, gk0.secret), data);
  });

  it('a method 2 tree rotated to a new secret reads back with it', async () => {
    const store = new MemoryBlockStore();
    const gk0 = generateGroupKey([a.pub]);
    const groupKey = await storeGroupKeyTree(store, undefined, gk0.groupKey);
    const nonce = crypto().randomBytes(32);
    const t = treeCipher(gk0.secret, nonce);
    const opts = { a: 5n, b: 9n };
    const small = xorshiftBytes(BLOCK + 10, 3);
    const res = await writeTree(store, chunks(small), {
      transform: (plain, index) => encryptMethod2(t, opts, plain, index),
    });
    const root = await store.put(
      encodeMTreeAnn({
        meta: { kind: 'none' },
        crypt: { kind: 'symm2', opts, groupKey, nonce },
        tree: res.rootNode,
      }),
    );
    const gk1 = generateGroupKey([a.pub]);
    const r = await rotateTree(store, undefined, root, gk1.groupKey, [a.source]);
    expect(r.mode).toBe('reencrypted');
    expectSame(await readWith(store, r.root, gk1.secret), small);
  });

  it('refuses plain trees (FormatError) and a new key nobody opens (NoMatchingKeyError)', async () => {
    const store = new MemoryBlockStore();
    const plain = await writeTree(store, chunks(data));
    const gk0 = generateGroupKey([a.pub]);
    await expect(
      rotateTree(store, undefined, plain.root, gk0.groupKey, [a.source]),
    ).rejects.toBeInstanceOf(FormatError);
    const t0 = await encryptedTree(store, gk0.groupKey, gk0.secret, data);
    const onlyB = generateGroupKey([b.pub]);
    await expect(
      rotateTree(store, undefined, t0, onlyB.groupKey, [a.source]),
    ).rejects.toBeInstanceOf(NoMatchingKeyError);
  });
});

describe('updateGroupKey', () => {
  const [a, b, c] = [member(), member(), member()];
  const gk = generateGroupKey([a.pub, b.pub]);
  const members = (g: GroupKey) => g.recipients.map((r) => b58(r.publicKey));

  it('adding keeps the id', () => {
    const r = updateGroupKey(gk.groupKey, gk.secret, { add: [c.pub] });
    expect(b58(r.groupKey.id!)).toBe(b58(gk.groupKey.id!));
    expect(members(r.groupKey)).toEqual([a.pub, b.pub, c.pub].map(b58));
    expect(r).toMatchObject({ added: 1, removed: 0, rotated: false });
  });

  it('removing changes the id and the secret', () => {
    const r = updateGroupKey(gk.groupKey, gk.secret, { remove: [b.pub] });
    expect(b58(r.groupKey.id!)).not.toBe(b58(gk.groupKey.id!));
    expect(b58(r.secret)).not.toBe(b58(gk.secret));
    expect(members(r.groupKey)).toEqual([b58(a.pub)]);
    expect(r).toMatchObject({ added: 0, removed: 1, rotated: true });
  });

  it('--keep-secret keeps the id when removing', () => {
    const r = updateGroupKey(gk.groupKey, gk.secret, { remove: [b.pub], keepSecret: true });
    expect(b58(r.groupKey.id!)).toBe(b58(gk.groupKey.id!));
    expect(r.rotated).toBe(false);
    expect(r.removed).toBe(1);
  });

  it('--rekey changes the id even when only adding; with --keep-secret it is a UsageError', () => {
    const r = updateGroupKey(gk.groupKey, gk.secret, { add: [c.pub], rekey: true });
    expect(b58(r.groupKey.id!)).not.toBe(b58(gk.groupKey.id!));
    expect(() =>
      updateGroupKey(gk.groupKey, gk.secret, { add: [c.pub], rekey: true, keepSecret: true }),
    ).toThrow(UsageError);
  });

  it('set gives exactly that member set', () => {
    const r = updateGroupKey(gk.groupKey, gk.secret, { set: [c.pub, a.pub, c.pub] });
    expect(members(r.groupKey)).toEqual([c.pub, a.pub].map(b58));
    expect(r).toMatchObject({ added: 1, removed: 1, rotated: true });
  });

  it('counts keys to remove that were not members', () => {
    const r = updateGroupKey(gk.groupKey, gk.secret, { remove: [c.pub] });
    expect(r.notMembers).toBe(1);
    expect(r.removed).toBe(0);
    expect(r.rotated).toBe(false);
  });

  it('an empty result is a FormatError', () => {
    expect(() => updateGroupKey(gk.groupKey, gk.secret, { remove: [a.pub, b.pub] })).toThrow(
      FormatError,
    );
    expect(() => updateGroupKey(gk.groupKey, gk.secret, { set: [] })).toThrow(FormatError);
  });
});

describe('key index', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('recordGroupKey / groupKeysWithId round trip (idempotent, sorted)', async () => {
    const storePath = path.join(dir, 'rt');
    const id = crypto().randomBytes(32);
    expect(await groupKeysWithId(storePath, id)).toEqual([]);
    const hs = [crypto().randomBytes(32), crypto().randomBytes(32), crypto().randomBytes(32)];
    for (const h of hs) await recordGroupKey(storePath, id, h);
    await recordGroupKey(storePath, id, hs[0]!);
    const got = (await groupKeysWithId(storePath, id)).map(b58);
    expect(got).toHaveLength(3);
    expect([...got].sort()).toEqual(hs.map(b58).sort());
    expect(await groupKeysWithId(storePath, crypto().randomBytes(32))).toEqual([]);
  });

  it('a corrupt name is a FormatError, not a silent miss', async () => {
    const storePath = path.join(dir, 'corrupt');
    const id = crypto().randomBytes(32);
    await recordGroupKey(storePath, id, crypto().randomBytes(32));
    fs.writeFileSync(path.join(storePath, 'keyindex', b58(id), '0OIl'), '');
    await expect(groupKeysWithId(storePath, id)).rejects.toBeInstanceOf(FormatError);
    // A base58 name of the wrong length as well.
    const id2 = crypto().randomBytes(32);
    fs.mkdirSync(path.join(storePath, 'keyindex', b58(id2)), { recursive: true });
    fs.writeFileSync(path.join(storePath, 'keyindex', b58(id2), 'abc'), '');
    await expect(groupKeysWithId(storePath, id2)).rejects.toBeInstanceOf(FormatError);
  });

  it('findGroupSecret falls back to the index: a reader added later reads older content', async () => {
    const storePath = path.join(dir, 'store');
    const store = new FsBlockStore(storePath, { syncFiles: false });
    const [a, b] = [member(), member()];
    const gk0 = generateGroupKey([a.pub]);
    const gk0Hash = await storeGroupKeyTree(store, new FsKeyIndex(storePath), gk0.groupKey);
    const data = xorshiftBytes(BLOCK + 99, 11);
    const res = await writeEncryptedTree(store, chunks(data), {
      secret: gk0.secret,
      groupKeyHash: gk0Hash,
      nonceS: crypto().randomBytes(32),
    });
    // Without the later key, B cannot open it.
    await expect(
      findGroupSecret(store, gk0Hash, [b.source], new FsKeyIndex(storePath)),
    ).rejects.toBeInstanceOf(NoMatchingKeyError);
    const gk1 = updateGroupKey(gk0.groupKey, gk0.secret, { add: [b.pub] });
    const gk1Hash = await storeGroupKeyTree(store, new FsKeyIndex(storePath), gk1.groupKey);
    expect((await groupKeysWithId(storePath, gk0.groupKey.id!)).map(b58).sort()).toEqual(
      [b58(gk0Hash), b58(gk1Hash)].sort(),
    );
    const found = await findGroupSecret(store, gk0Hash, [b.source], new FsKeyIndex(storePath));
    expect(found.via).toBe('key-index');
    expect(b58(found.openedGroupKeyHash)).toBe(b58(gk1Hash));
    expect(b58(found.secret)).toBe(b58(gk0.secret));
    expectSame(await readWith(store, res.annotation, found.secret), data);
    // A keyring that opens the named key directly does not go through the index.
    expect((await findGroupSecret(store, gk0Hash, [a.source], new FsKeyIndex(storePath))).via).toBe(
      'keyring',
    );
    // Without a store path there is no fallback.
    await expect(findGroupSecret(store, gk0Hash, [b.source])).rejects.toBeInstanceOf(
      NoMatchingKeyError,
    );
    // A different secret under the same members is never offered through the index.
    const other = generateGroupKey([b.pub]);
    await storeGroupKeyTree(store, new FsKeyIndex(storePath), other.groupKey);
    const again = await findGroupSecret(store, gk0Hash, [b.source], new FsKeyIndex(storePath));
    expect(b58(again.secret)).toBe(b58(gk0.secret));
  });

  it('ids that are not 32 bytes are never indexed; forged candidates are skipped with a warning', async () => {
    const storePath = path.join(dir, 'forged');
    const store = new FsBlockStore(storePath, { syncFiles: false });
    await expect(
      recordGroupKey(storePath, new Uint8Array(300), crypto().randomBytes(32)),
    ).rejects.toBeInstanceOf(FormatError);
    await expect(
      recordGroupKey(storePath, new Uint8Array(0), crypto().randomBytes(32)),
    ).rejects.toBeInstanceOf(FormatError);
    const [a, b] = [member(), member()];
    const gk0 = generateGroupKey([a.pub]);
    const gk0Hash = await storeGroupKeyTree(store, new FsKeyIndex(storePath), gk0.groupKey);
    // A key sealed to B with another secret, declaring gk0's id, indexed under it.
    const forged = { ...generateGroupKey([b.pub]).groupKey, cbor: undefined, id: gk0.groupKey.id };
    const forgedHash = await storeGroupKeyTree(store, new FsKeyIndex(storePath), forged);
    const warnings: string[] = [];
    await expect(
      findGroupSecret(store, gk0Hash, [b.source], new FsKeyIndex(storePath), (w) =>
        warnings.push(w),
      ),
    ).rejects.toBeInstanceOf(NoMatchingKeyError);
    expect(warnings).toEqual([
      expect.stringContaining(`skipped group key ${b58(forgedHash)}: group key id`),
    ]);
    // The genuine later key still opens, whatever the order of the candidates.
    await storeGroupKeyTree(
      store,
      new FsKeyIndex(storePath),
      updateGroupKey(gk0.groupKey, gk0.secret, { add: [b.pub] }).groupKey,
    );
    expect(
      b58((await findGroupSecret(store, gk0Hash, [b.source], new FsKeyIndex(storePath))).secret),
    ).toBe(b58(gk0.secret));
    // A key with a 300-byte id is stored but not indexed, and lookups under it do not crash.
    const long = { ...gk0.groupKey, cbor: undefined, id: new Uint8Array(300).fill(1) };
    const longHash = await storeGroupKeyTree(store, new FsKeyIndex(storePath), long);
    await expect(
      findGroupSecret(store, longHash, [b.source], new FsKeyIndex(storePath)),
    ).rejects.toBeInstanceOf(NoMatchingKeyError);
  });

  it('rotateTree records the new group key in the index', async () => {
    const storePath = path.join(dir, 'rot');
    const store = new FsBlockStore(storePath, { syncFiles: false });
    const [a, b] = [member(), member()];
    const gk0 = generateGroupKey([a.pub]);
    const gk0Hash = await storeGroupKeyTree(store, new FsKeyIndex(storePath), gk0.groupKey);
    const res = await writeEncryptedTree(store, chunks(xorshiftBytes(1000, 5)), {
      secret: gk0.secret,
      groupKeyHash: gk0Hash,
      nonceS: crypto().randomBytes(32),
    });
    const gk1 = updateGroupKey(gk0.groupKey, gk0.secret, { add: [b.pub] });
    const r = await rotateTree(store, new FsKeyIndex(storePath), res.annotation, gk1.groupKey, [
      a.source,
    ]);
    expect(r.mode).toBe('reannotated');
    const ann = await annOf(store, r.root);
    if (ann.crypt.kind !== 'symm2') throw new Error('expected symm2');
    const indexed = (await groupKeysWithId(storePath, gk0.groupKey.id!)).map(b58);
    expect(indexed).toContain(b58(ann.crypt.groupKey));
    expect(indexed).toContain(b58(gk0Hash));
  });
});
