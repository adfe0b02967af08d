/**
 * The access control block model (spec acb.md): who may own, read and write a unit of
 * content, plus the toolkit's time-limited writers. ACBs form a monoid under {@link mergeAcb}.
 */

import { toHex } from '../codec/hex.js';

/** `-1` in a range bound: no bound on that side. */
export const UNBOUNDED = -1;

/** A validity range in Unix seconds: `from` inclusive, `to` exclusive, `-1` = unbounded. */
export interface TimeRange {
  from: number;
  to: number;
}

/** A writer: a signing key and the ranges in which it may write (empty = always). */
export interface AcbWriter {
  key: Uint8Array;
  /** Union of these ranges; an empty list means the writer is authorised at any time. */
  ranges: TimeRange[];
}

/** An access control block. */
export interface Acb {
  /** At most one Ed25519 signing key. */
  root: Uint8Array | null;
  /** Ed25519 signing keys that may change the ACB. */
  owners: Uint8Array[];
  /** X25519 encryption keys: the recipients of a group key made from this ACB. */
  readers: Uint8Array[];
  /** Signing keys whose publications are accepted, each optionally time-limited. */
  writers: AcbWriter[];
  /** Hash of the previous version of this ACB. */
  prev: Uint8Array | null;
}

/** The monoid's identity: no root, empty lists, no prev. */
export function emptyAcb(): Acb {
  return { root: null, owners: [], readers: [], writers: [], prev: null };
}

/** A map key for raw bytes (hex), used for de-duplication. */
export function keyOf(b: Uint8Array): string {
  return toHex(b);
}

/** Concatenates key lists and drops repeats, keeping the first occurrence. */
function unionKeys(a: readonly Uint8Array[], b: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const k of [...a, ...b]) {
    const id = keyOf(k);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(k);
  }
  return out;
}

/** True when a range admits no instant at all (from ≥ to, both bounded). */
export function isEmptyRange(r: TimeRange): boolean {
  return r.from !== UNBOUNDED && r.to !== UNBOUNDED && r.from >= r.to;
}

/** True when `t` lies in `r` (from inclusive, to exclusive). */
export function rangeContains(r: TimeRange, t: number): boolean {
  return (r.from === UNBOUNDED || r.from <= t) && (r.to === UNBOUNDED || t < r.to);
}

/**
 * The effective ranges of each distinct writer key, in first-occurrence order. A key listed
 * twice (possible in files written elsewhere) is one writer whose ranges are the union of
 * its entries', matching the binary form, where ranges name keys rather than list entries.
 */
export function writersByKey(writers: readonly AcbWriter[]): AcbWriter[] {
  const byKey = new Map<string, AcbWriter>();
  for (const w of writers) {
    const id = keyOf(w.key);
    const acc = byKey.get(id);
    if (!acc) byKey.set(id, { key: w.key, ranges: [...w.ranges] });
    else acc.ranges.push(...w.ranges);
  }
  return [...byKey.values()];
}

function sameRange(a: TimeRange, b: TimeRange): boolean {
  return a.from === b.from && a.to === b.to;
}

/**
 * Merges writer lists as a union of authority: a writer unrestricted on either side stays
 * unrestricted (narrowing it to the other side's ranges would take authority away);
 * otherwise its ranges are concatenated without repeats.
 */
function unionWriters(a: readonly AcbWriter[], b: readonly AcbWriter[]): AcbWriter[] {
  const byKey = new Map<string, { key: Uint8Array; always: boolean; ranges: TimeRange[] }>();
  for (const side of [a, b]) {
    for (const w of writersByKey(side)) {
      const id = keyOf(w.key);
      let acc = byKey.get(id);
      if (!acc) {
        acc = { key: w.key, always: false, ranges: [] };
        byKey.set(id, acc);
      }
      if (w.ranges.length === 0) acc.always = true;
      for (const r of w.ranges)
        if (!acc.ranges.some((x) => sameRange(x, r))) acc.ranges.push({ ...r });
    }
  }
  return [...byKey.values()].map((w) => ({ key: w.key, ranges: w.always ? [] : w.ranges }));
}

/**
 * `a <> b`: a's root if present else b's; each list concatenated without repeats (first
 * occurrence kept); a's prev if present else b's. Associative, with {@link emptyAcb} as
 * identity.
 */
export function mergeAcb(a: Acb, b: Acb): Acb {
  return {
    root: a.root ?? b.root,
    owners: unionKeys(a.owners, b.owners),
    readers: unionKeys(a.readers, b.readers),
    writers: unionWriters(a.writers, b.writers),
    prev: a.prev ?? b.prev,
  };
}

/**
 * Folds {@link mergeAcb} over a list (`mconcat`).
 * @param acbs - access control blocks
 * @returns their merge
 */
export function mergeAcbs(acbs: readonly Acb[]): Acb {
  return acbs.reduce(mergeAcb, emptyAcb());
}

/** True when the ACB has any time-limited writer (it then needs the version-2 extension). */
export function hasWriterRanges(acb: Acb): boolean {
  return acb.writers.some((w) => w.ranges.length > 0);
}

/**
 * Whether `signPk` may write at `atSeconds` (Unix seconds): it must be listed as a writer,
 * and either have no range or fall inside one of its ranges.
 * @param acb - the access control block
 * @param signPk - the writer's signing public key
 * @param atSeconds - when (Unix seconds)
 * @returns whether it may write then
 */
export function isWriterAuthorised(acb: Acb, signPk: Uint8Array, atSeconds: number): boolean {
  return writerStatus(acb, signPk, atSeconds) === 'authorised';
}

/** Whether a key may write, and if not why: {@link writerStatus}. */
export type WriterStatus = 'authorised' | 'outside-ranges' | 'not-a-writer';

/**
 * Whether `signPk` may write at `atSeconds`, and if not, why: it is no writer at all, or
 * a writer whose time ranges do not hold `atSeconds`.
 * @param acb - the access control block
 * @param signPk - the writer's signing public key
 * @param atSeconds - when (Unix seconds)
 * @returns `authorised`, `outside-ranges` or `not-a-writer`
 */
export function writerStatus(acb: Acb, signPk: Uint8Array, atSeconds: number): WriterStatus {
  const id = keyOf(signPk);
  const writer = writersByKey(acb.writers).find((w) => keyOf(w.key) === id);
  if (!writer) return 'not-a-writer';
  return writer.ranges.length === 0 || writer.ranges.some((r) => rangeContains(r, atSeconds))
    ? 'authorised'
    : 'outside-ranges';
}
