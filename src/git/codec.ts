/**
 * Byte forms of an encrypted git repository in a store (docs/formats.md, "Encrypted git
 * repositories"): the repository record the owner head points to, a push transaction
 * (signed by its writer), the refs record a transaction carries encrypted, and the key of
 * each writer's head ref. Every record starts with a text magic and a version so a block
 * of one kind can never be read as another.
 */
import { decodeAcb, encodeAcb } from '../acb/codec.js';
import type { Acb } from '../acb/model.js';
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readNewtypeBytes, writeMaybe, writeNewtypeBytes } from '../codec/hbs2.js';
import { crypto } from '../crypto/index.js';
import { FormatError } from '../errors.js';

/** Magic of the repository record. */
export const REPO_MAGIC = 'hbs2tk-git-repo';
/** Magic of a transaction's signed payload. */
export const TX_MAGIC = 'hbs2tk-git-tx';
/** Magic of the (encrypted) refs record. */
export const REFS_MAGIC = 'hbs2tk-git-refs';
/** Tag hashed in front of the keys of a writer's head ref. */
export const WRITER_HEAD_TAG = 'hbs2tk-git-head|';
/** The only version of each record defined so far. */
export const GIT_FORMAT_VERSION = 1;

/** Most entries read in one list; bounds memory on hostile input. */
export const MAX_GIT_LIST = 1_000_000;

/** The repository record: who may write, which group keys exist, what the owner decided. */
export interface RepoRecord {
  /** The owner's signing key: the repository key of `hbs2tk://` URLs. */
  owner: Uint8Array;
  /** Writers (with time ranges) and the rest of the repository's ACB. */
  acb: Acb;
  /** Hash of the stored group key new pushes are encrypted for. */
  groupKey: Uint8Array;
  /** Every group key ever used by the repository (the current one included). */
  groupKeys: Uint8Array[];
  /** Transactions the owner deleted (they and their descendants are not canonical). */
  deleted: Uint8Array[];
  /** A transaction at or below which the chain is never reorganised. */
  checkpoint: Uint8Array | null;
}

/** One push, as signed by its writer. */
export interface Transaction {
  /** The repository key (owner's signing key). */
  repo: Uint8Array;
  /** 0 for a first push, else the parent's height + 1. */
  height: number;
  /** The canonical tip the writer built on (null for the first push). */
  parent: Uint8Array | null;
  /** The writer's own previous transaction (null for its first). */
  prevOwn: Uint8Array | null;
  /** Unix seconds when the push was made. */
  time: number;
  /** Hash of the group key the refs record and pack are encrypted for. */
  groupKey: Uint8Array;
  /** Encrypted tree (annotation hash) of the refs record. */
  refs: Uint8Array;
  /** Encrypted tree (annotation hash) of the git pack, or null when there are no objects. */
  pack: Uint8Array | null;
}

/** A git object id as raw bytes (20 for SHA-1, 32 for SHA-256). */
export type Oid = Uint8Array;

/** The refs after a push: a full snapshot, and the ref HEAD points to. */
export interface RefsRecord {
  /** The symbolic target of HEAD (`refs/heads/main`), or null. */
  head: string | null;
  /** Ref name → object id, sorted by name on encoding. */
  refs: Map<string, string>;
}

function writeMagic(w: CborWriter, fields: number, magic: string): CborWriter {
  return w
    .array(fields + 2)
    .text(magic)
    .int(GIT_FORMAT_VERSION);
}

function readMagic(r: CborReader, fields: number, magic: string): void {
  const at = r.pos;
  const n = r.arrayLength();
  if (r.text() !== magic) throw r.fail(`not a ${magic} record`, at);
  const version = r.uint();
  if (version !== GIT_FORMAT_VERSION) throw r.fail(`unsupported ${magic} version ${version}`, at);
  if (n !== fields + 2) throw r.fail(`${magic} has ${n - 2} fields, expected ${fields}`, at);
}

function writeHashes(w: CborWriter, hashes: readonly Uint8Array[]): void {
  w.array(hashes.length);
  for (const h of hashes) writeNewtypeBytes(w, h);
}

function readHash32(r: CborReader, name: string): Uint8Array {
  return new Uint8Array(readNewtypeBytes(r, name, 32));
}

function readHashes(r: CborReader, name: string): Uint8Array[] {
  const n = r.arrayLength();
  if (n > MAX_GIT_LIST) throw r.fail(`${name}: more than ${MAX_GIT_LIST} entries`);
  return Array.from({ length: n }, () => readHash32(r, name));
}

/** Encodes the repository record. */
export function encodeRepoRecord(rec: RepoRecord): Uint8Array {
  const w = writeMagic(new CborWriter(512), 7, REPO_MAGIC);
  writeNewtypeBytes(w, rec.owner);
  w.bytes(encodeAcb(rec.acb));
  writeNewtypeBytes(w, rec.groupKey);
  writeHashes(w, rec.groupKeys);
  writeHashes(w, rec.deleted);
  writeMaybe(w, rec.checkpoint, writeNewtypeBytes);
  // Room for later fields without a version change: an empty map today.
  w.map(0);
  return w.finish();
}

/** Decodes a repository record; anything else is a FormatError. */
export function decodeRepoRecord(bytes: Uint8Array, what = 'repository record'): RepoRecord {
  const r = new CborReader(bytes, what);
  readMagic(r, 7, REPO_MAGIC);
  const owner = readHash32(r, 'owner key');
  const acb = decodeAcb(new Uint8Array(r.bytes()), `${what}: acb`);
  const groupKey = readHash32(r, 'group key');
  const groupKeys = readHashes(r, 'group keys');
  const deleted = readHashes(r, 'deleted transactions');
  const checkpoint = r.maybe((r) => readHash32(r, 'checkpoint'));
  r.skip();
  r.expectEnd();
  return { owner, acb, groupKey, groupKeys, deleted, checkpoint };
}

/** Encodes a transaction's payload (the bytes its writer signs). */
export function encodeTransaction(tx: Transaction): Uint8Array {
  if (!Number.isSafeInteger(tx.height) || tx.height < 0)
    throw new FormatError(`transaction: bad height ${tx.height}`);
  if (!Number.isSafeInteger(tx.time) || tx.time < 0)
    throw new FormatError(`transaction: bad time ${tx.time}`);
  const w = writeMagic(new CborWriter(384), 8, TX_MAGIC);
  writeNewtypeBytes(w, tx.repo);
  w.int(tx.height);
  writeMaybe(w, tx.parent, writeNewtypeBytes);
  writeMaybe(w, tx.prevOwn, writeNewtypeBytes);
  w.int(tx.time);
  writeNewtypeBytes(w, tx.groupKey);
  writeNewtypeBytes(w, tx.refs);
  writeMaybe(w, tx.pack, writeNewtypeBytes);
  return w.finish();
}

/** Decodes a transaction's payload; anything else is a FormatError. */
export function decodeTransaction(bytes: Uint8Array, what = 'transaction'): Transaction {
  const r = new CborReader(bytes, what);
  readMagic(r, 8, TX_MAGIC);
  const repo = readHash32(r, 'repository key');
  const height = r.uint();
  const parent = r.maybe((r) => readHash32(r, 'parent'));
  const prevOwn = r.maybe((r) => readHash32(r, "writer's previous transaction"));
  const time = r.uint();
  const groupKey = readHash32(r, 'group key');
  const refs = readHash32(r, 'refs record');
  const pack = r.maybe((r) => readHash32(r, 'pack'));
  r.expectEnd();
  return { repo, height, parent, prevOwn, time, groupKey, refs, pack };
}

const HEX_OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Encodes a refs record: names sorted (byte order of their UTF-8), object ids raw. */
export function encodeRefsRecord(rec: RefsRecord): Uint8Array {
  const names = [...rec.refs.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const w = writeMagic(new CborWriter(64 + 80 * names.length), 2, REFS_MAGIC);
  writeMaybe(w, rec.head, (w, h) => w.text(h));
  w.array(names.length);
  for (const name of names) {
    const oid = rec.refs.get(name)!;
    if (!HEX_OID.test(oid)) throw new FormatError(`refs record: '${oid}' is not an object id`);
    w.array(2).text(name).bytes(Buffer.from(oid, 'hex'));
  }
  return w.finish();
}

/** Decodes a refs record; anything else is a FormatError. */
export function decodeRefsRecord(bytes: Uint8Array, what = 'refs record'): RefsRecord {
  const r = new CborReader(bytes, what);
  readMagic(r, 2, REFS_MAGIC);
  const head = r.maybe((r) => r.text());
  const n = r.arrayLength();
  if (n > MAX_GIT_LIST) throw r.fail(`more than ${MAX_GIT_LIST} refs`);
  const refs = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    if (r.arrayLength() !== 2) throw r.fail('a ref entry is [name, object id]', at);
    const name = r.text();
    const oid = r.bytes();
    if (oid.length !== 20 && oid.length !== 32)
      throw r.fail(`ref ${JSON.stringify(name)}: object id of ${oid.length} bytes`, at);
    if (refs.has(name)) throw r.fail(`ref ${JSON.stringify(name)} listed twice`, at);
    refs.set(name, Buffer.from(oid).toString('hex'));
  }
  r.expectEnd();
  return { head, refs };
}

/**
 * The ref key (in the store's RefStore) of `writer`'s head in repository `repo`:
 * `H("hbs2tk-git-head|" ‖ 82 00 58 20 repo ‖ 82 00 58 20 writer)`. Each writer owns one,
 * so stores synced by copying files never see two writers update the same ref.
 */
export function writerHeadKey(repo: Uint8Array, writer: Uint8Array): Uint8Array {
  if (repo.length !== 32 || writer.length !== 32)
    throw new FormatError('writer head key: keys are 32 bytes');
  const w = new CborWriter(96);
  w.raw(new TextEncoder().encode(WRITER_HEAD_TAG));
  writeNewtypeBytes(w, repo);
  writeNewtypeBytes(w, writer);
  return crypto().blake2b256(w.finish());
}
