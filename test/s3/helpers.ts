/**
 * Helpers of the S3 suites: the gateway the global setup started, a bucket of the test
 * file's own, a client for it, and the environment that points the CLI at it.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, inject } from 'vitest';
import { S3Client, type S3ClientOptions } from '../../src/store/s3/client.js';
import type { S3Connection } from '../../src/store/s3/open.js';

/** The running gateway, or null when the suite skips. */
export const ceph = inject('ceph');

/** `describe` when a gateway runs, `describe.skip` otherwise. */
export function describeS3(name: string, body: () => void): void {
  (ceph ? describe : describe.skip)(name, body);
}

/** A client of `bucket` on the test gateway (options override the defaults). */
export function testClient(bucket: string, opts: Partial<S3ClientOptions> = {}): S3Client {
  if (!ceph) throw new Error('no gateway');
  return new S3Client({
    endpoint: ceph.endpoint,
    region: ceph.region,
    bucket,
    credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey },
    retries: 2,
    retryDelayMs: 50,
    timeoutMs: 10_000,
    ...opts,
  });
}

/** A fresh bucket name. */
export function bucketName(what: string): string {
  return `hbs2-${what}-${randomBytes(4).toString('hex')}`;
}

/** Creates a bucket of the test file's own (in beforeAll); returns its name getter. */
export function useBucket(what: string): () => string {
  const name = bucketName(what);
  beforeAll(async () => {
    if (ceph) await testClient(name).createBucket();
  });
  return () => name;
}

/** The AWS_* variables that point the CLI at the test gateway. */
export function s3Env(): Record<string, string> {
  if (!ceph) throw new Error('no gateway');
  return {
    AWS_ENDPOINT_URL: ceph.endpoint,
    AWS_REGION: ceph.region,
    AWS_ACCESS_KEY_ID: ceph.accessKey,
    AWS_SECRET_ACCESS_KEY: ceph.secretKey,
  };
}

/** Keys of every object under `prefix` of `bucket`, sorted. */
export async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of testClient(bucket).list(prefix)) keys.push(o.key);
  return keys.sort();
}

/** How the library reaches the test gateway (openStore's `s3` option). */
export function s3Connection(): S3Connection {
  if (!ceph) throw new Error('no gateway');
  return {
    endpoint: ceph.endpoint,
    region: ceph.region,
    credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey },
    retries: 2,
    retryDelayMs: 50,
  };
}
