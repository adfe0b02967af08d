/** getLwwRef / setLwwRef over a ref store and a block store. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crypto } from '../../../src/crypto/index.js';
import {
  FormatError,
  IntegrityError,
  NoMatchingKeyError,
  NotFoundError,
} from '../../../src/errors.js';
import {
  encodeLwwRef,
  encodeSignedBox,
  getLwwRef,
  lwwRefKeyHash,
  lwwRefSigner,
  makeSignedBox,
  MemoryRefStore,
  setLwwRef,
  setRef,
  summarizeLwwRef,
  SimpleRefStore,
} from '../../../src/refs/index.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { FsBlockStore, hashBlock, MemoryBlockStore } from '../../../src/store/index.js';

const keyPair = (seed: number) => crypto().signKeyPairFromSeed(new Uint8Array(32).fill(seed));
const owner = keyPair(5);
const other = keyPair(6);
const refKey = owner.publicKey;
const value = (n: number) => new Uint8Array(32).fill(n);

function stores() {
  return { refs: new MemoryRefStore(), blocks: new MemoryBlockStore() };
}

/** Points the ref at `block` directly, as an attacker with write access to the store could. */
async function plant(s: ReturnType<typeof stores>, block: Uint8Array): Promise<void> {
  await setRef(s.refs, lwwRefKeyHash(refKey), await s.blocks.put(block));
}

describe('getLwwRef / setLwwRef', () => {
  it('absent → null; set → seq 1; set again → seq 2 with the new value', async () => {
    const s = stores();
    expect(await getLwwRef(s.refs, s.blocks, refKey)).toBeNull();
    const first = await setLwwRef(s.refs, s.blocks, owner, refKey, value(1));
    expect(first).toMatchObject({ changed: true, current: { ref: { seq: 1n, proof: null } } });
    expect(first.discarded).toBeUndefined();
    const second = await setLwwRef(s.refs, s.blocks, owner, refKey, value(2));
    expect(second.current.ref.seq).toBe(2n);
    const got = await getLwwRef(s.refs, s.blocks, refKey);
    expect(got!.ref).toEqual({ seq: 2n, value: value(2), proof: null });
    expect(got!.boxHash).toEqual(second.current.boxHash);
    expect(await s.refs.getRef(lwwRefKeyHash(refKey))).toEqual(second.current.boxHash);
  });

  it('refuses a ref key the signer is not (NoMatchingKeyError) and writes nothing', async () => {
    const s = stores();
    const err = await setLwwRef(s.refs, s.blocks, other, refKey, value(1)).catch((e) => e);
    expect(err).toBeInstanceOf(NoMatchingKeyError);
    expect(await s.refs.getRef(lwwRefKeyHash(refKey))).toBeNull();
    expect(s.blocks.writes).toBe(0);
  });

  it('a box signed by another key is an IntegrityError on read', async () => {
    const s = stores();
    const payload = encodeLwwRef({ seq: 99n, value: value(9), proof: null });
    await plant(s, encodeSignedBox(makeSignedBox(other, payload)));
    await expect(getLwwRef(s.refs, s.blocks, refKey)).rejects.toThrow(
      /signed by .*, not by the ref key/,
    );
  });

  it('a box whose signature does not verify is an IntegrityError on read', async () => {
    const s = stores();
    const box = makeSignedBox(owner, encodeLwwRef({ seq: 1n, value: value(1), proof: null }));
    box.payload[2] = 0; // seq 1 → 0: the signature no longer covers the bytes
    await plant(s, encodeSignedBox(box));
    const err = await getLwwRef(s.refs, s.blocks, refKey).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err.message).toMatch(/bad signature$/);
  });

  it('a block that is not a signed box is a FormatError; a missing box a NotFoundError', async () => {
    const s = stores();
    await plant(s, new Uint8Array([1, 2, 3]));
    await expect(getLwwRef(s.refs, s.blocks, refKey)).rejects.toThrow(FormatError);
    await setRef(s.refs, lwwRefKeyHash(refKey), value(7));
    await expect(getLwwRef(s.refs, s.blocks, refKey)).rejects.toThrow(NotFoundError);
  });

  it('a box block altered in place fails its hash check (IntegrityError)', async () => {
    const s = stores();
    const { current } = await setLwwRef(s.refs, s.blocks, owner, refKey, value(1));
    const block = (await s.blocks.get(current.boxHash))!.slice();
    block[block.length - 1] = block.at(-1)! ^ 1;
    s.blocks.putRaw(current.boxHash, block);
    await expect(getLwwRef(s.refs, s.blocks, refKey)).rejects.toThrow(IntegrityError);
  });

  it('set over a value that does not verify starts again at seq 1 and says why', async () => {
    const s = stores();
    const payload = encodeLwwRef({ seq: 50n, value: value(9), proof: null });
    await plant(s, encodeSignedBox(makeSignedBox(other, payload)));
    const r = await setLwwRef(s.refs, s.blocks, owner, refKey, value(1));
    expect(r.discarded).toBe('invalid');
    expect(r.current.ref.seq).toBe(1n);
    await setRef(s.refs, lwwRefKeyHash(refKey), value(7)); // box block missing
    expect((await setLwwRef(s.refs, s.blocks, owner, refKey, value(1))).discarded).toBe(
      'missing-block',
    );
  });

  it('concurrent sets through separate stores on one directory lose no seq', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-lww-'));
    try {
      const n = 12;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          setLwwRef(new SimpleRefStore(dir), new FsBlockStore(dir), owner, refKey, value(i)),
        ),
      );
      const seqs = results.map((r) => r.current.ref.seq).sort((a, b) => Number(a - b));
      expect(seqs).toEqual(Array.from({ length: n }, (_, i) => BigInt(i + 1)));
      const got = await getLwwRef(new SimpleRefStore(dir), new FsBlockStore(dir), refKey);
      expect(got!.ref.seq).toBe(BigInt(n));
      expect(hashBlock(encodeSignedBox(got!.box))).toEqual(got!.boxHash);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lwwRefSigner', () => {
  it('picks the keyring whose signing key names the ref, whatever its place', async () => {
    const [a, b] = [generateKeyring(1), generateKeyring(1)];
    const given = [{ keyring: a }, { path: 'b.key', keyring: b }];
    const signer = lwwRefSigner(given, b.signPublicKey);
    expect(signer).toEqual({ publicKey: b.signPublicKey, secretKey: b.signSecretKey });
    // The chosen pair signs a ref that reads back verified.
    const s = stores();
    await setLwwRef(s.refs, s.blocks, signer, b.signPublicKey, value(3));
    expect((await getLwwRef(s.refs, s.blocks, b.signPublicKey))?.ref.value).toEqual(value(3));
  });

  it('no keyring holding the key: NoMatchingKeyError listing the signing keys tried', () => {
    const a = generateKeyring(0);
    let err: unknown;
    try {
      lwwRefSigner([{ keyring: a }], refKey);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NoMatchingKeyError);
    expect((err as NoMatchingKeyError).tried).toEqual([encodeBase58(a.signPublicKey)]);
    expect((err as Error).message).toContain(encodeBase58(refKey));
    expect(() => lwwRefSigner([], refKey)).toThrow(NoMatchingKeyError);
  });
});

describe('summarizeLwwRef', () => {
  it('shows key, value, box in base58; seq as a number while exact, else decimal digits', async () => {
    const s = stores();
    const { current } = await setLwwRef(s.refs, s.blocks, owner, refKey, value(1));
    expect(summarizeLwwRef(refKey, current)).toEqual({
      ref: encodeBase58(refKey),
      seq: 1,
      value: encodeBase58(value(1)),
      proof: null,
      box: encodeBase58(current.boxHash),
    });
    const big = { ...current, ref: { ...current.ref, seq: 2n ** 53n, proof: value(2) } };
    expect(summarizeLwwRef(refKey, big)).toMatchObject({
      seq: '9007199254740992',
      proof: encodeBase58(value(2)),
    });
  });
});
