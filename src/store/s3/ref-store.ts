/**
 * Refs as objects of an S3 bucket: ref `k` is `PREFIX/refs/<c>/<rest>` holding the base58
 * of its value, as a ref file of the simple layout does. There is no lock file: an update
 * is a read-modify-write whose write is conditional on the object's ETag (`If-Match`), or
 * on its absence (`If-None-Match: *`), and starts over when another writer got there
 * first, so `decide` always sees the value it replaces and a higher LWW value is never
 * lost. Where a server refuses conditional writes (501), the write is unconditional and
 * read back; a different value read back means another writer won, and the update starts
 * over on that value.
 *
 * ETags are sent quoted, as RFC 9110 and AWS have them. Ceph RGW 16 compares `If-Match`
 * with the unquoted ETag and so refuses its own quoted one: a 412 while the ref still has
 * the ETag sent switches this store to bare ETags.
 *
 * Opened as a store (open.ts), each update also holds the shared side of gc's lock: the
 * conditional writes order updates among themselves, not against gc's sweep.
 */
import { FormatError } from '../../errors.js';
import type { RefStore, RefUpdate } from '../../refs/ref-store.js';
import { equalBytes, hashToString, parseHash } from '../hash.js';
import type { S3Client } from './client.js';
import { S3RequestError } from './errors.js';
import { hashOfKey, objectKey } from './layout.js';

/** Longest ref object read; a value is 43 or 44 base58 characters. */
const MAX_REF_BYTES = 1024;
/** Attempts of one update before giving up on a busy ref. */
const MAX_UPDATE_ATTEMPTS = 16;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A ref's value and the ETag of the object holding it. */
interface VersionedRef {
  readonly value: Uint8Array | null;
  /** Absent when the object is. */
  readonly etag: string | undefined;
}

/** One stored ref: its key hash and its value. */
export interface S3StoredRef {
  key: Uint8Array;
  value: Uint8Array;
}

/** Refs under `prefix` in the client's bucket. */
export class S3RefStore implements RefStore {
  /** Send ETags without their quotes (see the module comment). */
  private bareEtags = false;

  constructor(
    readonly client: S3Client,
    /** Key prefix, empty or ending in `/`. */
    readonly prefix: string,
    /**
     * Runs each whole update (the store's side of gc's lock, store-locks.ts, so that no
     * ref changes while gc works); default: nothing around it.
     */
    private readonly guardUpdate: <T>(update: () => Promise<T>) => Promise<T> = (update) =>
      update(),
  ) {}

  /** The object key of ref `key`. */
  keyOf(key: Uint8Array): string {
    return objectKey(this.prefix, 'refs', key);
  }

  private async read(key: Uint8Array): Promise<VersionedRef> {
    const objectName = this.keyOf(key);
    const res = await this.client.send({
      method: 'GET',
      key: objectName,
      accept: [404],
      maxBodyBytes: MAX_REF_BYTES,
    });
    if (res.status === 404) return { value: null, etag: undefined };
    const text = new TextDecoder('latin1').decode(res.body);
    const value = parseHash(text, `ref s3://${this.client.bucket}/${objectName}`);
    return { value, etag: res.headers.get('etag') ?? undefined };
  }

  /**
   * {@inheritDoc RefStore.getRef}
   * Content that is not the base58 of 32 bytes is a FormatError naming the object.
   */
  async getRef(key: Uint8Array): Promise<Uint8Array | null> {
    return (await this.read(key)).value;
  }

  /**
   * {@inheritDoc RefStore.updateRef}
   * `decide` may run more than once when other writers update the same ref meanwhile;
   * each run sees the value then in place. A ref object that does not parse is passed
   * to `decide` as absent, so that writing a new value repairs it.
   */
  async updateRef(key: Uint8Array, decide: RefUpdate): Promise<Uint8Array | null> {
    return this.guardUpdate(() => this.update(key, decide));
  }

  /** {@link S3RefStore.updateRef} without the guard. */
  private async update(key: Uint8Array, decide: RefUpdate): Promise<Uint8Array | null> {
    const objectName = this.keyOf(key);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.read(key).catch(async (e: unknown) => {
        if (!(e instanceof FormatError)) throw e;
        const head = await this.client.send({ method: 'HEAD', key: objectName, accept: [404] });
        return { value: null, etag: head.headers.get('etag') ?? undefined };
      });
      const next = await decide(current.value);
      if (next === null || (current.value !== null && equalBytes(next, current.value)))
        return current.value;
      const condition: Record<string, string> =
        current.etag === undefined
          ? { 'if-none-match': '*' }
          : { 'if-match': this.bareEtags ? current.etag.replace(/"/g, '') : current.etag };
      const res = await this.client.send({
        method: 'PUT',
        key: objectName,
        body: new TextEncoder().encode(hashToString(next)),
        headers: condition,
        accept: [409, 412, 501],
      });
      if (res.status === 501) {
        await this.client.send({
          method: 'PUT',
          key: objectName,
          body: new TextEncoder().encode(hashToString(next)),
        });
        const readBack = await this.getRef(key).catch(() => null);
        if (readBack !== null && equalBytes(readBack, next)) return next;
      } else if (res.status < 300) return next;
      else if (res.status === 412 && current.etag !== undefined && !this.bareEtags) {
        const head = await this.client.send({ method: 'HEAD', key: objectName, accept: [404] });
        if (head.headers.get('etag') === current.etag) {
          this.bareEtags = true;
          continue;
        }
      }
      // Another writer changed the ref between the read and the write: start over.
      await sleep(20 * (attempt + 1) * Math.random());
    }
    throw new S3RequestError(
      `ref s3://${this.client.bucket}/${objectName} kept changing: ${MAX_UPDATE_ATTEMPTS} updates lost to other writers`,
      { bucket: this.client.bucket, key: objectName },
    );
  }

  /** {@inheritDoc RefStore.delRef} */
  async delRef(key: Uint8Array): Promise<boolean> {
    const objectName = this.keyOf(key);
    const head = await this.client.send({ method: 'HEAD', key: objectName, accept: [404] });
    if (head.status === 404) return false;
    await this.client.send({ method: 'DELETE', key: objectName, accept: [404] });
    return true;
  }

  /**
   * Every ref with its value. An object under `refs/` whose name or content is not a
   * hash is a FormatError naming it: a walk that skipped it could drop what it points to.
   */
  async *listRefs(): AsyncIterable<S3StoredRef> {
    for await (const o of this.client.list(`${this.prefix}refs/`)) {
      const key = hashOfKey(this.prefix, 'refs', o.key);
      if (!key)
        throw new FormatError(`ref s3://${this.client.bucket}/${o.key}: name is not a hash`);
      const value = await this.getRef(key);
      if (value !== null) yield { key, value };
    }
  }
}
