/**
 * hbs2 symmetric group keys (`GroupKey 'Symm`, spec keys-and-groupkeys §5): the model and
 * its CBOR codec. A group key is a *sequence* of three top-level CBOR items; see
 * {@link decodeGroupKey} for the exact decoding rules hbs2 applies.
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readNewtypeBytes, writeMaybe, writeNewtypeBytes } from '../codec/hbs2.js';
import { toHex } from '../codec/hex.js';

/** One recipient: an X25519 public key and the group secret sealed to it. */
export interface GroupKeyRecipient {
  /** The recipient's encryption public key (32 bytes in every key hbs2 writes). */
  publicKey: Uint8Array;
  /** `crypto_box_seal` of `82 00 58 20 ‖ secret` (84 bytes in every key hbs2 writes). */
  sealed: Uint8Array;
}

/** The only group key id scheme hbs2 defines (`GroupKeyIdBasic1`). */
export type GroupKeyIdScheme = 'basic1';

/** A decoded or generated symmetric group key. */
export interface GroupKey {
  /** 1 = hbs2's `GroupKeySymmPlain`, 2 = `GroupKeySymmFancy`. */
  version: 1 | 2;
  /**
   * Recipients in decoded order. hbs2 writes its HashMap in an order we cannot recompute
   * (spec §1.6), so keeping the decoded order is what makes re-encoding byte-exact.
   */
  recipients: GroupKeyRecipient[];
  scheme: GroupKeyIdScheme | null;
  /** BLAKE2b-256 of the secret's check box (§5.4). */
  id: Uint8Array | null;
  /** Unix seconds; a bigint only when it does not fit a safe integer. */
  timestamp: bigint | number | null;
  /**
   * The exact CBOR bytes this key was decoded from (trailing bytes included) or, for a
   * generated key, its encoding. Absent on keys built by hand or by merging.
   */
  cbor?: Uint8Array;
}

/** Most recipients a decoded group key may hold; bounds memory on hostile input. */
export const MAX_GROUPKEY_RECIPIENTS = 1_000_000;

const INT_MIN = -(1n << 63n);
const INT_MAX = (1n << 63n) - 1n;

/** Hex form of bytes, used as an exact map key for public keys. */
export function bytesKey(b: Uint8Array): string {
  return toHex(b);
}

/**
 * Encodes a group key the way hbs2's `Serialise` instance does: the v1 record, the
 * integer 2, and the triple of Maybes. A plain key gets the tail `02 83 80 80 80`.
 */
export function encodeGroupKey(gk: GroupKey): Uint8Array {
  const w = new CborWriter(64 + 124 * gk.recipients.length);
  w.array(2).int(0).map(gk.recipients.length);
  for (const r of gk.recipients) {
    writeNewtypeBytes(w, r.publicKey);
    writeNewtypeBytes(w, r.sealed);
  }
  w.int(2).array(3);
  writeMaybe(w, gk.scheme, (w) => w.array(1).int(0));
  writeMaybe(w, gk.id, (w, id) => writeNewtypeBytes(w, id));
  writeMaybe(w, gk.timestamp, (w, t) => w.int(t));
  return w.finish();
}

/**
 * The CBOR to store for a group key: the exact bytes it was decoded from when known,
 * else its encoding.
 */
export function groupKeyBytes(gk: GroupKey): Uint8Array {
  return gk.cbor ?? encodeGroupKey(gk);
}

/**
 * Decodes a group key exactly as hbs2 does (spec §5.2):
 *
 * 1. item 1 is `82 00` + a definite map of `82 00 <bytes>` keys and values;
 * 2. no bytes left → plain (v1);
 * 3. otherwise an integer (anything else fails the decode); 2 → a definite 3-tuple of
 *    Maybes (scheme, id, timestamp) → fancy (v2); any other integer → plain;
 * 4. whatever follows is ignored.
 *
 * Lengths of keys, boxes and ids are not checked, as in hbs2. A repeated recipient keeps
 * the later box (HashMap semantics) at the position of its first occurrence.
 * Every failure is a FormatError.
 */
export function decodeGroupKey(bytes: Uint8Array, what = 'group key'): GroupKey {
  const r = new CborReader(bytes, what);
  r.record(1, 'group key');
  const n = r.mapLength();
  if (n > MAX_GROUPKEY_RECIPIENTS) throw r.fail(`more than ${MAX_GROUPKEY_RECIPIENTS} recipients`);
  const recipients: GroupKeyRecipient[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const publicKey = new Uint8Array(readNewtypeBytes(r, 'recipient public key'));
    const sealed = new Uint8Array(readNewtypeBytes(r, 'encrypted box'));
    const k = bytesKey(publicKey);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, recipients.length);
      recipients.push({ publicKey, sealed });
    } else {
      recipients[at] = { publicKey, sealed };
    }
  }
  const cbor = new Uint8Array(bytes);
  const plain: GroupKey = { version: 1, recipients, scheme: null, id: null, timestamp: null, cbor };
  if (r.remaining === 0) return plain;
  const versionAt = r.pos;
  const version = r.int();
  // hbs2 decodes the version as a Haskell Int, which refuses values beyond 64 bits signed.
  if (version < INT_MIN || version > INT_MAX) throw r.fail('version out of range', versionAt);
  if (version !== 2n) return plain;
  const tupleAt = r.pos;
  if (r.arrayLength() !== 3) throw r.fail('expected a 3-tuple of Maybes', tupleAt);
  const scheme = r.maybe((r): GroupKeyIdScheme => {
    r.record(0, 'group key id scheme');
    return 'basic1';
  });
  const id = r.maybe((r) => new Uint8Array(readNewtypeBytes(r, 'group key id')));
  const timestamp = r.maybe((r) => {
    const t = r.uint64();
    return t <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : t;
  });
  return { version: 2, recipients, scheme, id, timestamp, cbor };
}
