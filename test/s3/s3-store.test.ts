/**
 * S3BlockStore and S3RefStore against the real gateway: conditional writes, verified
 * reads, listings of more than one page, errors that name the object.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/errors.js';
import { hashBlock } from '../../src/store/hash.js';
import { S3BlockStore } from '../../src/store/s3/block-store.js';
import { S3AccessDeniedError, S3RequestError } from '../../src/store/s3/errors.js';
import { S3RefStore } from '../../src/store/s3/ref-store.js';
import { ceph, describeS3, testClient, useBucket } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** A loopback port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('the S3 suite', () => {
  it('has a gateway, or says why not', () => {
    if (!ceph) console.warn('skipped: no radosgw here');
    expect(ceph === null || ceph.endpoint.startsWith('http://127.0.0.1:')).toBe(true);
  });
});

describeS3('S3BlockStore on Ceph RGW', () => {
  const bucket = useBucket('blocks');

  it('puts, gets, sizes and deletes a block', async () => {
    const store = new S3BlockStore(testClient(bucket()), 'p/');
    const block = bytes('hello s3');
    const h = await store.put(block);
    expect(h).toEqual(hashBlock(block));
    expect(await store.get(h)).toEqual(block);
    expect(await store.has(h)).toBe(true);
    expect(await store.sizeOf(h)).toBe(block.length);
    expect(await store.modifiedAt(h)).toBeGreaterThan(Date.now() - 600_000);
    expect(await store.put(block)).toEqual(h); // already there: fine
    expect(await store.del(h)).toBe(true);
    expect(await store.del(h)).toBe(false);
    expect(await store.get(h)).toBeNull();
  });

  it('never overwrites a block: a different body under an existing name is refused', async () => {
    const client = testClient(bucket());
    const store = new S3BlockStore(client, 'never/');
    const original = bytes('the original block');
    const h = await store.put(original);
    // Straight through the client, as a buggy or hostile writer would.
    const res = await client.send({
      method: 'PUT',
      key: store.keyOf(h),
      body: bytes('something else'),
      headers: { 'if-none-match': '*' },
      accept: [412],
    });
    expect(res.status).toBe(412);
    // And through the store, claiming the hash for other bytes.
    await store.put(bytes('forged'), h);
    expect(await store.get(h)).toEqual(original);
  });

  it('verifies every GET against the hash', async () => {
    const client = testClient(bucket());
    const store = new S3BlockStore(client, 'verify/');
    const h = hashBlock(bytes('the real content'));
    await client.send({ method: 'PUT', key: store.keyOf(h), body: bytes('planted') });
    await expect(store.get(h)).rejects.toThrow(IntegrityError);
    await expect(store.get(h)).rejects.toThrow(/corrupt/);
  });

  it('lists more than one page (ListObjectsV2 returns 1000 keys at most)', async () => {
    const store = new S3BlockStore(testClient(bucket(), { maxInFlight: 32 }), 'many/');
    const put = await Promise.all(
      Array.from({ length: 1005 }, (_, i) => store.put(bytes(`block ${i}`))),
    );
    const listed = [];
    for await (const h of store.hashes()) listed.push(Buffer.from(h).toString('hex'));
    expect(listed.sort()).toEqual(put.map((h) => Buffer.from(h).toString('hex')).sort());
  });

  it('says "access denied" on wrong credentials, naming bucket and key', async () => {
    const client = testClient(bucket(), {
      credentials: { accessKeyId: ceph!.accessKey, secretAccessKey: 'wrong-secret' },
    });
    const store = new S3BlockStore(client, 'denied/');
    const err = await store.put(bytes('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3AccessDeniedError);
    expect(String((err as Error).message)).toMatch(
      new RegExp(`^access denied to s3://${bucket()}/denied/blocks/`),
    );
    expect(String((err as Error).message)).not.toContain('wrong-secret');
  });

  it('gives up after its retries with an error naming the object when nothing answers', async () => {
    const client = testClient(bucket(), {
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      retries: 1,
      retryDelayMs: 1,
    });
    const err = await new S3BlockStore(client, '').get(hashBlock(bytes('x'))).catch((e) => e);
    expect(err).toBeInstanceOf(S3RequestError);
    expect((err as Error).message).toMatch(
      /^GET s3:\/\/hbs2-blocks-[0-9a-f]+\/blocks\/.+ failed after 2 attempts: ECONNREFUSED/,
    );
  });
});

describeS3('S3RefStore on Ceph RGW', () => {
  const bucket = useBucket('refs');
  const k = hashBlock(bytes('ref key'));
  const v = (i: number) => hashBlock(bytes(`value ${i}`));

  it('creates, updates, lists and deletes a ref', async () => {
    const refs = new S3RefStore(testClient(bucket()), 'r/');
    expect(await refs.getRef(k)).toBeNull();
    expect(await refs.updateRef(k, async () => v(1))).toEqual(v(1));
    expect(await refs.getRef(k)).toEqual(v(1));
    expect(await refs.updateRef(k, async () => null)).toEqual(v(1));
    const listed = [];
    for await (const r of refs.listRefs()) listed.push(r);
    expect(listed).toEqual([{ key: k, value: v(1) }]);
    expect(await refs.delRef(k)).toBe(true);
    expect(await refs.delRef(k)).toBe(false);
  });

  it('never loses the highest value when writers race (If-Match, retried)', async () => {
    const refs = new S3RefStore(testClient(bucket()), 'race/');
    const seqOf = new Map<string, number>();
    for (let i = 0; i < 40; i++) seqOf.set(Buffer.from(v(i)).toString('hex'), i);
    const seq = (x: Uint8Array | null) => (x ? seqOf.get(Buffer.from(x).toString('hex'))! : -1);
    // 12 writers, each offering its value if higher than what is there (the LWW rule).
    await Promise.all(
      [3, 17, 5, 39, 11, 2, 28, 8, 33, 1, 20, 14].map((i) =>
        refs.updateRef(k, async (cur) => (seq(cur) < i ? v(i) : null)),
      ),
    );
    expect(seq(await refs.getRef(k))).toBe(39);
  });
});
