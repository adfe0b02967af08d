/**
 * Errors of S3 requests. Each names the bucket and key; none carries a credential.
 */
import { IoError } from '../../errors.js';

/** Which object a request was about, for messages. */
export interface S3Target {
  readonly bucket: string;
  /** The object key, or undefined for a bucket-level request (listing). */
  readonly key?: string;
}

/** `s3://bucket/key` as messages show it. */
export function describeTarget(t: S3Target): string {
  return `s3://${t.bucket}/${t.key ?? ''}`;
}

/**
 * A request failed after its retries: the network, a timeout or a server error. The
 * store is unreachable or broken; nothing about the data is known.
 */
export class S3RequestError extends IoError {
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  constructor(
    message: string,
    readonly target: S3Target,
    options: { status?: number; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options);
    this.status = options.status;
  }
}

/** The server refused the credentials or the request (HTTP 403). */
export class S3AccessDeniedError extends S3RequestError {}
