/**
 * The LWWRef boxes hbs2 itself wrote (test/vectors/hbs2-written-lwwref, see NOTE.md):
 * decode, verify with the ref key, re-encode byte for byte; the choice rule between them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { parseKeyringFile } from '../../../src/keyring/keyring.js';
import {
  acceptLwwRefBox,
  decodeLwwRef,
  decodeSignedBox,
  encodeLwwRef,
  encodeSignedBox,
  getLwwRef,
  lwwRefKeyHash,
  MemoryRefStore,
  openLwwRefBox,
} from '../../../src/refs/index.js';
import { hashBlock, MemoryBlockStore } from '../../../src/store/index.js';

const DIR = path.resolve(__dirname, '../../vectors/hbs2-written-lwwref');
const read = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(DIR, name)));

/** `name value` lines of lwwref.txt (hbs2's own record of what it wrote). */
const facts = new Map(
  fs
    .readFileSync(path.join(DIR, 'lwwref.txt'), 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((p) => p.length >= 2)
    .map((p) => [p[0]!, p[1]!]),
);
const fact = (k: string): string => {
  const v = facts.get(k);
  if (v === undefined) throw new Error(`lwwref.txt has no ${k}`);
  return v;
};

const keyring = parseKeyringFile(read('seed05.key'), 'seed05.key');
const refKey = keyring.signPublicKey;

describe('hbs2-written LWWRef boxes', () => {
  it('the keyring hbs2 wrote holds the ref key', () => {
    expect(encodeBase58(refKey)).toBe(fact('sign-pk-b58'));
    expect(encodeBase58(lwwRefKeyHash(refKey))).toBe(fact('ref-key-hash-b58'));
  });

  it.each([
    ['seq1', 1n, 'seq1-value-b58'],
    ['seq2', 2n, 'seq2-value-b58'],
  ])('%s: decodes, verifies, and re-encodes byte for byte', (name, seq, valueFact) => {
    const block = read(`${name}.signedbox`);
    expect(Buffer.from(block).toString('hex')).toBe(fact(`${name}-signedbox-hex`));
    const v = openLwwRefBox(block, refKey);
    expect(v.ref.seq).toBe(seq);
    expect(encodeBase58(v.ref.value)).toBe(fact(valueFact));
    expect(v.ref.proof).toBeNull();
    expect(encodeBase58(v.boxHash)).toBe(fact(`${name}-block-hash-b58`));
    expect(encodeSignedBox(decodeSignedBox(block))).toEqual(block);
    const payload = read(`${name}.lwwref`);
    expect(v.box.payload).toEqual(payload);
    expect(encodeLwwRef(decodeLwwRef(payload))).toEqual(payload);
  });

  it('seq2-samevalue verifies and re-encodes', () => {
    const block = read('seq2-samevalue.signedbox');
    expect(encodeBase58(hashBlock(block))).toBe(fact('seq2same-block-hash-b58'));
    const v = openLwwRefBox(block, refKey);
    expect(v.ref.seq).toBe(2n);
    expect(encodeBase58(v.ref.value)).toBe(fact('seq1-value-b58'));
    expect(encodeSignedBox(v.box)).toEqual(block);
  });

  it('the choice rule: higher seq wins in any order; equal seq → greater value hash', async () => {
    const boxes = ['seq1', 'seq2', 'seq2-samevalue'].map((n) => read(`${n}.signedbox`));
    // seq2's value (af b2 …) is greater than seq1's (25 6c …): seq2 beats seq2-samevalue.
    const winner = encodeBase58(hashBlock(boxes[1]!));
    for (const order of [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ]) {
      const refs = new MemoryRefStore();
      const blocks = new MemoryBlockStore();
      for (const i of order) await acceptLwwRefBox(refs, blocks, refKey, boxes[i]!);
      const got = await getLwwRef(refs, blocks, refKey);
      expect(encodeBase58(got!.boxHash), order.join()).toBe(winner);
    }
  });

  it('a lower seq is not taken, and says so', async () => {
    const refs = new MemoryRefStore();
    const blocks = new MemoryBlockStore();
    expect((await acceptLwwRefBox(refs, blocks, refKey, read('seq2.signedbox'))).changed).toBe(
      true,
    );
    const r = await acceptLwwRefBox(refs, blocks, refKey, read('seq1.signedbox'));
    expect(r.changed).toBe(false);
    expect(r.current.ref.seq).toBe(2n);
  });
});
