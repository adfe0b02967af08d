/**
 * Blocks as objects of an S3 bucket (layout in ./layout.ts). Blocks are never
 * overwritten: a PUT carries `If-None-Match: *`, so an object already under the name,
 * whatever it holds, stays (412 means "already there"); a server that answers 501 to that
 * header gets a HEAD and, for an absent block, a plain PUT. Every GET is checked against
 * the hash.
 */
import type { BlockStore } from '../blockstore.js';
import { hashBlock, verifyBlock } from '../hash.js';
import { MAX_BLOCK_SIZE } from '../limits.js';
import type { S3Client } from './client.js';
import { S3RequestError } from './errors.js';
import { hashOfKey, objectKey } from './layout.js';

/** Blocks under `prefix` in the client's bucket. */
export class S3BlockStore implements BlockStore {
  constructor(
    readonly client: S3Client,
    /** Key prefix, empty or ending in `/`. */
    readonly prefix: string,
  ) {}

  /** The object key of block `hash`. */
  keyOf(hash: Uint8Array): string {
    return objectKey(this.prefix, 'blocks', hash);
  }

  /** {@inheritDoc BlockStore.put} */
  async put(block: Uint8Array, hash?: Uint8Array): Promise<Uint8Array> {
    const h = hash ?? hashBlock(block);
    const key = this.keyOf(h);
    const res = await this.client.send({
      method: 'PUT',
      key,
      body: block,
      headers: { 'if-none-match': '*' },
      // 412: there already; 409: another conditional write of the same name is in
      // progress (AWS); 501: the server does not do conditional writes.
      accept: [409, 412, 501],
    });
    if (res.status === 409 || res.status === 501) {
      if (await this.has(h)) return h;
      if (res.status === 409)
        throw new S3RequestError(
          `PUT s3://${this.client.bucket}/${key}: a concurrent write of this block did not complete`,
          { bucket: this.client.bucket, key },
          { status: 409 },
        );
      await this.client.send({ method: 'PUT', key, body: block });
    }
    return h;
  }

  /** {@inheritDoc BlockStore.get} */
  async get(hash: Uint8Array): Promise<Uint8Array | null> {
    const block = await this.getUnverified(hash);
    return block && verifyBlock(hash, block);
  }

  /** {@inheritDoc BlockStore.getUnverified} */
  async getUnverified(hash: Uint8Array): Promise<Uint8Array | null> {
    const res = await this.client.send({
      method: 'GET',
      key: this.keyOf(hash),
      accept: [404],
      maxBodyBytes: MAX_BLOCK_SIZE,
    });
    return res.status === 404 ? null : res.body;
  }

  /** HEAD of the block's object; null when absent. */
  private async head(hash: Uint8Array): Promise<Headers | null> {
    const res = await this.client.send({ method: 'HEAD', key: this.keyOf(hash), accept: [404] });
    return res.status === 404 ? null : res.headers;
  }

  /** {@inheritDoc BlockStore.has} */
  async has(hash: Uint8Array): Promise<boolean> {
    return (await this.head(hash)) !== null;
  }

  /** A block's size in bytes (its object's length); null when absent. */
  async sizeOf(hash: Uint8Array): Promise<number | null> {
    const h = await this.head(hash);
    return h && Number(h.get('content-length') ?? 0);
  }

  /** When the block's object was last written (ms since the epoch); null when absent. */
  async modifiedAt(hash: Uint8Array): Promise<number | null> {
    const h = await this.head(hash);
    return h && Date.parse(h.get('last-modified') ?? '');
  }

  /** {@inheritDoc BlockStore.del} */
  async del(hash: Uint8Array): Promise<boolean> {
    // S3 answers a DELETE the same whether the object was there or not.
    if (!(await this.has(hash))) return false;
    await this.client.send({ method: 'DELETE', key: this.keyOf(hash), accept: [404] });
    return true;
  }

  /** {@inheritDoc BlockStore.hashes} */
  async *hashes(): AsyncIterable<Uint8Array> {
    for await (const o of this.client.list(`${this.prefix}blocks/`)) {
      const h = hashOfKey(this.prefix, 'blocks', o.key);
      if (h) yield h;
    }
  }

  /** Nothing to do: a PUT is durable once answered. */
  async flush(): Promise<void> {}
}
