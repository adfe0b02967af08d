/**
 * A minimal S3 client over `fetch`: signed requests to one bucket, each with a timeout,
 * retried with exponential backoff on network errors, timeouts, 5xx and 429 (a full
 * Ceph OSD accepts requests and never answers; a flaky link drops them), at most
 * `maxInFlight` at once. Only what the block and ref stores need: GET, HEAD, PUT (with
 * `If-None-Match` / `If-Match`), DELETE and ListObjectsV2.
 */
import { uriEncode, signRequest, type S3Credentials } from './sigv4.js';
import { S3AccessDeniedError, S3RequestError, describeTarget, type S3Target } from './errors.js';
import { Limiter } from './limiter.js';
import { parseListObjectsV2, parseS3Error, type ListedObject } from './xml.js';

/** Where and how to reach a bucket. */
export interface S3ClientOptions {
  /** `https://host[:port]`; default `https://s3.<region>.amazonaws.com`. */
  readonly endpoint?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  readonly bucket: string;
  readonly credentials: S3Credentials;
  /**
   * Address the bucket in the path (`endpoint/bucket/key`) rather than the host name
   * (`bucket.endpoint/key`). Default: path style except on amazonaws.com.
   */
  readonly pathStyle?: boolean;
  /** Per-attempt timeout, headers and body included (default 30 s). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  readonly retries?: number;
  /** First backoff delay; doubled each retry, with jitter, capped at 5 s (default 200 ms). */
  readonly retryDelayMs?: number;
  /** Requests in flight at most (default 24). */
  readonly maxInFlight?: number;
}

/** An answer the caller handles (statuses it accepted). */
export interface S3Response {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

/** One request. */
export interface S3Request {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'DELETE';
  /** Object key; absent for bucket-level requests. */
  readonly key?: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Statuses returned to the caller (any 2xx always is). */
  readonly accept?: readonly number[];
  /** Longest body read; a longer answer fails before it is read (default 8 MiB). */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY = 8 * 1024 * 1024;
const MAX_BACKOFF_MS = 5000;

/** Statuses worth another attempt: throttling and server-side failures. */
function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** A failure of one attempt that another attempt may not repeat. */
class TransientFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Signed requests to one bucket. */
export class S3Client {
  readonly bucket: string;
  readonly endpoint: URL;
  readonly region: string;
  readonly pathStyle: boolean;
  private readonly credentials: S3Credentials;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly limiter: Limiter;

  constructor(opts: S3ClientOptions) {
    this.bucket = opts.bucket;
    this.region = opts.region ?? 'us-east-1';
    this.endpoint = new URL(opts.endpoint ?? `https://s3.${this.region}.amazonaws.com`);
    this.pathStyle = opts.pathStyle ?? !this.endpoint.hostname.endsWith('amazonaws.com');
    this.credentials = opts.credentials;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retries = opts.retries ?? 4;
    this.retryDelayMs = opts.retryDelayMs ?? 200;
    this.limiter = new Limiter(opts.maxInFlight ?? 24);
  }

  /** The URL of `key` (or of the bucket). */
  urlOf(key?: string, query: Readonly<Record<string, string>> = {}): URL {
    const path = key === undefined ? '' : uriEncode(key, true);
    const base = new URL(this.endpoint);
    if (this.pathStyle) base.pathname = `/${this.bucket}/${path}`;
    else {
      base.hostname = `${this.bucket}.${base.hostname}`;
      base.pathname = `/${path}`;
    }
    for (const [k, v] of Object.entries(query)) base.searchParams.set(k, v);
    return base;
  }

  /**
   * Sends `req`, retrying transient failures; resolves to a 2xx answer or one of
   * `req.accept`. A 403 is an {@link S3AccessDeniedError}; anything else, or a transient
   * failure that outlasts the retries, an {@link S3RequestError}; both name the object.
   */
  async send(req: S3Request): Promise<S3Response> {
    const target: S3Target = { bucket: this.bucket, key: req.key };
    return this.limiter.run(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.attempt(req, target);
        } catch (e) {
          if (!(e instanceof TransientFailure)) throw e;
          if (attempt >= this.retries)
            throw new S3RequestError(
              `${req.method} ${describeTarget(target)} failed after ${attempt + 1} attempts: ${e.message}`,
              target,
              { status: e.status, hint: `check that ${this.endpoint.origin} is reachable` },
            );
          const backoff = Math.min(MAX_BACKOFF_MS, this.retryDelayMs * 2 ** attempt);
          await sleep(backoff * (0.5 + Math.random() / 2));
        }
      }
    });
  }

  /** One attempt: a transient failure throws {@link TransientFailure}. */
  private async attempt(req: S3Request, target: S3Target): Promise<S3Response> {
    const url = this.urlOf(req.key, req.query);
    const signed = signRequest({
      method: req.method,
      url,
      headers: { ...req.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      // Bodies are not hashed for the signature: blocks are content-addressed and every
      // GET is checked against its hash, and refs name signed or hashed blocks, so a
      // payload hash would cost a SHA-256 pass per block and protect nothing more.
      payloadHash: 'UNSIGNED-PAYLOAD',
      region: this.region,
      service: 's3',
      credentials: this.credentials,
      date: new Date(),
    });
    delete signed.headers.host; // fetch sets it from the URL
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      let res: Response;
      try {
        res = await fetch(url, {
          method: req.method,
          headers: signed.headers,
          body: req.body as Uint8Array<ArrayBuffer> | undefined,
          signal: abort.signal,
        });
      } catch (e) {
        throw new TransientFailure(
          abort.signal.aborted ? timeoutText(this.timeoutMs) : causeText(e),
        );
      }
      const accepted = (res.status >= 200 && res.status < 300) || req.accept?.includes(res.status);
      const body = await readBody(
        res,
        req.maxBodyBytes ?? DEFAULT_MAX_BODY,
        target,
        abort,
        this.timeoutMs,
      );
      if (accepted) return { status: res.status, headers: res.headers, body };
      const { code, message } = parseS3Error(new TextDecoder().decode(body));
      const detail = `HTTP ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
      if (retryable(res.status)) throw new TransientFailure(detail, res.status);
      if (res.status === 403)
        throw new S3AccessDeniedError(
          `access denied to ${describeTarget(target)} (${detail})`,
          target,
          {
            status: 403,
            hint: 'check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the config) and their permissions on the bucket',
          },
        );
      throw new S3RequestError(`${req.method} ${describeTarget(target)}: ${detail}`, target, {
        status: res.status,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every object under `prefix` (ListObjectsV2, page by page). */
  async *list(prefix: string): AsyncIterable<ListedObject> {
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix };
      if (token !== undefined) query['continuation-token'] = token;
      const res = await this.send({ method: 'GET', query });
      const page = parseListObjectsV2(new TextDecoder().decode(res.body));
      yield* page.objects;
      token = page.nextToken;
    } while (token !== undefined);
  }

  /** Creates the bucket; an existing bucket of this user is fine. */
  async createBucket(): Promise<void> {
    await this.send({ method: 'PUT', accept: [409] });
  }
}

function timeoutText(ms: number): string {
  return `no answer within ${ms} ms`;
}

/** The reason of a fetch failure (undici hides it in `cause`). */
function causeText(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/** Reads the whole body, refusing one longer than `max` before reading it. */
async function readBody(
  res: Response,
  max: number,
  target: S3Target,
  abort: AbortController,
  timeoutMs: number,
): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    abort.abort();
    throw new S3RequestError(
      `${describeTarget(target)} is ${declared} bytes, more than the ${max} expected`,
      target,
      { status: res.status },
    );
  }
  try {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > max)
      throw new S3RequestError(
        `${describeTarget(target)} is more than the ${max} bytes expected`,
        target,
        { status: res.status },
      );
    return bytes;
  } catch (e) {
    if (e instanceof S3RequestError) throw e;
    throw new TransientFailure(abort.signal.aborted ? timeoutText(timeoutMs) : causeText(e));
  }
}
