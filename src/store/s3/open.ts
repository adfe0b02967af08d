/**
 * An S3 store behind the opener's interfaces: S3BlockStore, S3RefStore, the key index as
 * empty objects `PREFIX/keyindex/<id>/<hash>`, and gc's exclusion as lock objects
 * (store-locks.ts).
 */
import { UsageError } from '../../errors.js';
import type { Hbs2Store } from '../open.js';
import { S3BlockStore } from './block-store.js';
import { S3KeyIndex } from './key-index.js';
import { S3Client, type S3ClientOptions } from './client.js';
import { parseS3Location } from './layout.js';
import { S3RefStore } from './ref-store.js';
import { s3StoreLocks } from './store-locks.js';

/** How to reach the S3 service: everything of a client but the bucket. */
export type S3Connection = Omit<S3ClientOptions, 'bucket'>;

/** Opens the store at `s3://BUCKET/PREFIX`. */
export function openS3Store(location: string, connection: S3Connection | undefined): Hbs2Store {
  const loc = parseS3Location(location);
  if (!connection)
    throw new UsageError(`no S3 connection settings for ${location}`, {
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a non-AWS service), or the s3 section of the config',
    });
  const client = new S3Client({ ...connection, bucket: loc.bucket });
  const blocks = new S3BlockStore(client, loc.prefix);
  const locks = s3StoreLocks(client, loc.prefix);
  // Every ref update holds the shared side, so none runs while gc holds the exclusive one.
  const refs = new S3RefStore(client, loc.prefix, (fn) => locks.shared(fn));
  return {
    location,
    layout: 's3',
    created: false,
    blocks,
    refs,
    keyIndex: new S3KeyIndex(client, loc.prefix),
    withExclusive: (fn) => locks.exclusive(fn),
    close: async () => undefined,
  };
}
