/**
 * An S3 store behind the opener's interfaces: S3BlockStore, S3RefStore, the key index as
 * empty objects `PREFIX/keyindex/<id>/<hash>`, and gc's exclusion as a lock object.
 */
import { UsageError } from '../../errors.js';
import type { Hbs2Store } from '../open.js';
import { S3BlockStore } from './block-store.js';
import { S3KeyIndex } from './key-index.js';
import { S3Client, type S3ClientOptions } from './client.js';
import { S3RequestError } from './errors.js';
import { formatS3Location, parseS3Location } from './layout.js';
import { S3RefStore } from './ref-store.js';

/** How to reach the S3 service: everything of a client but the bucket. */
export type S3Connection = Omit<S3ClientOptions, 'bucket'>;

/** Name of gc's lock object under the store prefix. */
export const S3_LOCK_NAME = '.hbs2-refs.lock';
/** How long {@link S3Store.withExclusive} waits for another holder. */
const LOCK_WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Opens the store at `s3://BUCKET/PREFIX`. */
export function openS3Store(location: string, connection: S3Connection | undefined): Hbs2Store {
  const loc = parseS3Location(location);
  if (!connection)
    throw new UsageError(`no S3 connection settings for ${location}`, {
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a non-AWS service), or the s3 section of the config',
    });
  const client = new S3Client({ ...connection, bucket: loc.bucket });
  const blocks = new S3BlockStore(client, loc.prefix);
  const refs = new S3RefStore(client, loc.prefix);
  const canonical = formatS3Location(loc);
  return {
    location,
    layout: 's3',
    created: false,
    blocks,
    refs,
    keyIndex: new S3KeyIndex(client, loc.prefix),
    withExclusive: (fn) => withLockObject(client, `${loc.prefix}${S3_LOCK_NAME}`, canonical, fn),
    close: async () => undefined,
  };
}

/**
 * Runs `fn` holding the lock object `key`, created with `If-None-Match: *` so that only
 * one holder can exist; waits up to 30 s for another holder, then fails naming the object
 * (a holder killed before it could remove it leaves it behind).
 */
async function withLockObject<T>(
  client: S3Client,
  key: string,
  store: string,
  fn: () => Promise<T>,
): Promise<T> {
  const end = Date.now() + LOCK_WAIT_MS;
  const body = new TextEncoder().encode(`${new Date().toISOString()} pid ${process.pid}\n`);
  for (;;) {
    const res = await client.send({
      method: 'PUT',
      key,
      body,
      headers: { 'if-none-match': '*' },
      accept: [409, 412],
    });
    if (res.status < 300) break;
    if (Date.now() > end)
      throw new S3RequestError(
        `the store ${store} is locked by another writer (s3://${client.bucket}/${key})`,
        { bucket: client.bucket, key },
        { hint: `if no other hbs2 command is running on it, delete s3://${client.bucket}/${key}` },
      );
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    await client.send({ method: 'DELETE', key, accept: [404] });
  }
}
