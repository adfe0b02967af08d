/**
 * Where an hbs2 store lives in a bucket: `s3://BUCKET/PREFIX`, with objects named as the
 * files of the simple layout (blocks-trees-storage §6.1): `PREFIX/blocks/<c>/<rest>` and
 * `PREFIX/refs/<c>/<rest>`, where `<c><rest>` is the base58 of the hash. A local store
 * copied with any S3 sync tool is therefore a valid S3 store, and back.
 */
import { BASE58_ALPHABET } from '../../codec/base58.js';
import { UsageError } from '../../errors.js';
import { hashToString, parseHash } from '../hash.js';

/** A parsed `s3://` store location. */
export interface S3Location {
  readonly bucket: string;
  /** The key prefix, empty or ending in `/`. */
  readonly prefix: string;
}

/** True when `location` is an `s3://` URL (rather than a directory). */
export function isS3Location(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

/** Parses `s3://BUCKET[/PREFIX]`. */
export function parseS3Location(location: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(location);
  // Bucket names: 3-63 of lower-case letters, digits, dots and hyphens (S3's rules).
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1]!))
    throw new UsageError(`not an S3 store location: ${location}`, {
      hint: 'write it as s3://BUCKET or s3://BUCKET/PREFIX (a bucket name is 3-63 lower-case letters, digits, dots or hyphens)',
    });
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: m[1]!, prefix: prefix === '' ? '' : `${prefix}/` };
}

/** `s3://bucket/prefix` as messages show it. */
export function formatS3Location(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.prefix}`;
}

/** The object key of hash `h` under `dir` (`blocks` or `refs`). */
export function objectKey(prefix: string, dir: 'blocks' | 'refs', h: Uint8Array): string {
  const name = hashToString(h);
  return `${prefix}${dir}/${name[0]!}/${name.slice(1)}`;
}

/**
 * The hash an object key under `PREFIX/dir/` names, or null for anything else (a temp
 * object of another tool, a key that is not base58 of 32 bytes).
 */
export function hashOfKey(prefix: string, dir: 'blocks' | 'refs', key: string): Uint8Array | null {
  const start = `${prefix}${dir}/`;
  if (!key.startsWith(start)) return null;
  const rest = key.slice(start.length);
  if (rest.length < 3 || rest[1] !== '/' || !BASE58_ALPHABET.includes(rest[0]!)) return null;
  try {
    return parseHash(rest[0]! + rest.slice(2));
  } catch {
    return null;
  }
}
