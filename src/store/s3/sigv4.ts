/**
 * AWS Signature Version 4 for S3 requests (header-based authentication). Written here
 * rather than taken from an SDK: it is the only part of an S3 client that is hard to get
 * right, it is small (canonical request, string to sign, derived key, one HMAC), and
 * AWS's published examples pin it down as known-answer tests (test/unit/store/s3).
 * HMAC and SHA-256 come from @noble/hashes, already a dependency.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Credentials of one S3 user. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials' session token (sent as `x-amz-security-token`). */
  readonly sessionToken?: string;
}

/** What {@link signRequest} signs. */
export interface SignInput {
  readonly method: string;
  readonly url: URL;
  /**
   * Headers to send and sign, besides `host`, `x-amz-date` and `x-amz-security-token`,
   * which are added. Every header given is signed.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  readonly payloadHash: string;
  readonly region: string;
  /** `s3` for S3; the generic AWS test suite uses `service`. */
  readonly service: string;
  readonly credentials: S3Credentials;
  readonly date: Date;
}

/** The hex SHA-256 of `body` (of the empty string when absent). */
export function payloadSha256(body?: Uint8Array | string): string {
  return bytesToHex(sha256(typeof body === 'string' ? utf8ToBytes(body) : (body ?? EMPTY)));
}

const EMPTY = new Uint8Array(0);

/** `20150830T123600Z`: the ISO 8601 basic format SigV4 uses. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * RFC 3986 percent-encoding as SigV4 wants it: everything but unreserved characters
 * (`A-Z a-z 0-9 - _ . ~`) is encoded, and `/` too unless `keepSlash`.
 */
export function uriEncode(text: string, keepSlash = false): string {
  const encoded = encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

/**
 * The canonical URI of `url`'s path for S3: the decoded path encoded once, slashes kept
 * (S3 does not normalise or double-encode paths, unlike other services).
 */
function canonicalUri(url: URL): string {
  return uriEncode(decodeURIComponent(url.pathname), true) || '/';
}

/** Query parameters, each name and value encoded, sorted by name then value. */
function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams].map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The signed request's headers: the input's plus `host`, `x-amz-date`, and the token. */
export interface SignedRequest {
  /** Every header to send, names in lower case, `authorization` included. */
  readonly headers: Record<string, string>;
  /** `host;x-amz-date;…`: the names signed. */
  readonly signedHeaders: string;
  /** Hex signature. */
  readonly signature: string;
}

/** Signs a request; the result's headers go on the wire as they are. */
export function signRequest(input: SignInput): SignedRequest {
  const date = amzDate(input.date);
  const day = date.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers.host = input.url.host;
  headers['x-amz-date'] = date;
  if (input.credentials.sessionToken)
    headers['x-amz-security-token'] = input.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.url),
    canonicalQuery(input.url),
    canonicalHeaders,
    signedHeaders,
    input.payloadHash,
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, payloadSha256(canonicalRequest)].join(
    '\n',
  );
  const key = signingKey(input.credentials.secretAccessKey, day, input.region, input.service);
  const signature = bytesToHex(hmac(sha256, key, utf8ToBytes(stringToSign)));
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers, signedHeaders, signature };
}

/** The derived key: HMAC chain of date, region, service and `aws4_request`. */
function signingKey(secret: string, day: string, region: string, service: string): Uint8Array {
  let key = hmac(sha256, utf8ToBytes(`AWS4${secret}`), utf8ToBytes(day));
  for (const part of [region, service, 'aws4_request']) key = hmac(sha256, key, utf8ToBytes(part));
  return key;
}
