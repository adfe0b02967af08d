import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { crypto } from '../../../src/crypto/index.js';
import { FormatError } from '../../../src/errors.js';
import {
  decodeRefsRecord,
  decodeRepoRecord,
  decodeTransaction,
  encodeRefsRecord,
  encodeRepoRecord,
  encodeTransaction,
  writerHeadKey,
  type RepoRecord,
  type Transaction,
} from '../../../src/git/codec.js';

const k = (n: number) => new Uint8Array(32).fill(n);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const T = 1767225600;

// The vectors of docs/formats.md §6; the head key was recomputed with Python's hashlib.
const RECORD: RepoRecord = {
  owner: k(1),
  acb: {
    root: null,
    owners: [],
    readers: [],
    writers: [
      { key: k(1), ranges: [] },
      { key: k(2), ranges: [{ from: T, to: -1 }] },
    ],
    prev: null,
  },
  groupKey: k(3),
  groupKeys: [k(3)],
  deleted: [],
  checkpoint: null,
};
const RECORD_HEX =
  '896f68627332746b2d6769742d7265706f01820058200101010101010101010101010101010101010101010101010101010101010101587e86008080809f820058200101010101010101010101010101010101010101010101010101010101010101820058200202020202020202020202020202020202020202020202020202020202020202ff80029f838200582002020202020202020202020202020202020202020202020202020202020202021a6955b90020ff820058200303030303030303030303030303030303030303030303030303030303030303818200582003030303030303030303030303030303030303030303030303030303030303038080a0';
const TX: Transaction = {
  repo: k(1),
  height: 0,
  parent: null,
  prevOwn: null,
  time: T,
  groupKey: k(3),
  refs: k(4),
  pack: k(5),
};
const TX_HEX =
  '8a6d68627332746b2d6769742d7478018200582001010101010101010101010101010101010101010101010101010101010101010080801a6955b90082005820030303030303030303030303030303030303030303030303030303030303030382005820040404040404040404040404040404040404040404040404040404040404040481820058200505050505050505050505050505050505050505050505050505050505050505';
const REFS_HEX =
  '846f68627332746b2d6769742d7265667301816f726566732f68656164732f6d61696e81826f726566732f68656164732f6d61696e540123456789abcdef0123456789abcdef01234567';

describe('git record codecs', () => {
  it('repository record vector', () => {
    const bytes = encodeRepoRecord(RECORD);
    expect(hex(bytes)).toBe(RECORD_HEX);
    expect(encodeBase58(crypto().blake2b256(bytes))).toBe(
      'CgdnUxDrT7LGNsg1U682QenHTxd7XjsZ5GHM3joicZef',
    );
    expect(decodeRepoRecord(bytes)).toEqual(RECORD);
  });

  it('transaction vector', () => {
    const bytes = encodeTransaction(TX);
    expect(hex(bytes)).toBe(TX_HEX);
    expect(decodeTransaction(bytes)).toEqual(TX);
  });

  it('refs record vector: names sorted, object ids raw', () => {
    const rec = {
      head: 'refs/heads/main',
      refs: new Map([['refs/heads/main', '0123456789abcdef0123456789abcdef01234567']]),
    };
    expect(hex(encodeRefsRecord(rec))).toBe(REFS_HEX);
    expect(decodeRefsRecord(Buffer.from(REFS_HEX, 'hex'))).toEqual(rec);
  });

  it('writer head key vector', () => {
    expect(hex(writerHeadKey(k(1), k(2)))).toBe(
      '8038a7c95425355aede34f7fb04f608ed06a0bbdf6e954df857935ebb0473486',
    );
    expect(hex(writerHeadKey(k(2), k(1)))).not.toBe(hex(writerHeadKey(k(1), k(2))));
  });

  it('a block of one kind is never read as another', () => {
    expect(() => decodeTransaction(encodeRepoRecord(RECORD))).toThrow(FormatError);
    expect(() => decodeRepoRecord(encodeTransaction(TX))).toThrow(FormatError);
    expect(() => decodeRefsRecord(encodeTransaction(TX))).toThrow(FormatError);
  });

  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const oid = fc.oneof(
    fc.uint8Array({ minLength: 20, maxLength: 20 }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
  );

  it('round trips (property)', () => {
    fc.assert(
      fc.property(
        hash,
        fc.nat(),
        fc.option(hash, { nil: null }),
        fc.option(hash, { nil: null }),
        fc.nat(),
        fc.option(hash, { nil: null }),
        (repo, height, parent, prevOwn, time, pack) => {
          const tx: Transaction = {
            repo,
            height,
            parent,
            prevOwn,
            time,
            groupKey: repo,
            refs: repo,
            pack,
          };
          expect(decodeTransaction(encodeTransaction(tx))).toEqual(tx);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.option(fc.string(), { nil: null }),
        fc.uniqueArray(fc.tuple(fc.string(), oid), { selector: (x) => x[0] }),
        (head, entries) => {
          const rec = {
            head,
            refs: new Map(entries.map(([n, o]) => [n, Buffer.from(o).toString('hex')])),
          };
          const back = decodeRefsRecord(encodeRefsRecord(rec));
          expect(back.head).toBe(head);
          expect(new Map(back.refs)).toEqual(rec.refs);
        },
      ),
    );
  });

  it('any bytes: a value or a FormatError, never a crash (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (junk, cut) => {
        for (const bytes of [junk, Buffer.from(TX_HEX, 'hex').subarray(0, cut % 200)])
          for (const dec of [decodeTransaction, decodeRepoRecord, decodeRefsRecord])
            try {
              dec(bytes);
            } catch (e) {
              expect(e).toBeInstanceOf(FormatError);
            }
      }),
    );
  });
});
