/**
 * `hbs2 serve`: read-only HTTP over a store, on hbs2-peer's paths (its HttpWorker):
 *
 * - `GET /cat/HASH` — the raw block, `application/octet-stream` (Range requests served);
 * - `GET /size/HASH` — the block's size as a JSON number;
 * - `GET /tree/HASH` — the content of a plain object, streamed;
 * - `GET /ref/KEY` — the content of the tree an LWW ref (base58 public key) points at;
 * - `GET /metadata/HASH` — this toolkit's addition: `cat --metadata` as JSON, without keys.
 *
 * Encrypted trees are served as stored: `/cat` gives their ciphertext blocks, `/tree`
 * refuses them, and decryption happens only in the client (the page at `/` does it with
 * the portable core). No listing, no writes, no secret ever reaches the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeBase58 } from '../codec/base58.js';
import {
  FormatError,
  Hbs2Error,
  IntegrityError,
  NoMatchingKeyError,
  NotFoundError,
} from '../errors.js';
import { describeObject } from '../inspect/inspect.js';
import { getLwwRef } from '../refs/lww-store.js';
import type { RefStore } from '../refs/ref-store.js';
import type { BlockSource } from '../store/blockstore.js';
import { HASH_LENGTH } from '../store/hash.js';
import { readObject } from '../tree/object.js';
import { hostName, isAllowedHost } from './host-check.js';
import { parseRange } from './range.js';
import { staticFile, type StaticFiles } from './static-files.js';

/** What the server reads: blocks (with their sizes) and, for `/ref/`, refs. */
export interface ServedStore {
  blocks: BlockSource & { sizeOf(hash: Uint8Array): Promise<number | null> };
  refs?: Pick<RefStore, 'getRef'>;
}

/** Options of {@link storeRequestHandler} and {@link serveStore}. */
export interface ServeOptions {
  /** The web page's files (`/`, its script and style); none: `/` is a 404. */
  web?: StaticFiles;
  /**
   * Host names answered beyond IP addresses and `localhost` (`*`: any). Every other Host
   * header gets 403: see serve/host-check.ts (DNS rebinding).
   */
  allowedHosts?: readonly string[];
}

/** Headers every response carries: nothing is sniffed, framed or told where it came from. */
const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Blocks are content-addressed: a block's bytes under a hash never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseHashSegment(text: string): Uint8Array {
  let hash: Uint8Array;
  try {
    hash = decodeBase58(text);
  } catch {
    throw new HttpError(400, `not a base58 hash: ${text.slice(0, 80)}`);
  }
  if (hash.length !== HASH_LENGTH) throw new HttpError(400, 'a hash is 32 bytes');
  return hash;
}

/** The status a library error is answered with. */
function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof FormatError) return 422;
  if (e instanceof NoMatchingKeyError) return 403;
  if (e instanceof IntegrityError) return 500;
  return 500;
}

function sendText(res: ServerResponse, status: number, text: string, extra = {}): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(text + '\n');
}

function sendJson(res: ServerResponse, value: unknown, cache = 'no-store'): void {
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': cache,
  });
  res.end(JSON.stringify(value));
}

/** `/cat/HASH`: the raw block, whole or the byte range asked for. */
async function sendBlock(
  req: IncomingMessage,
  res: ServerResponse,
  store: ServedStore,
  hash: Uint8Array,
): Promise<void> {
  const block = await store.blocks.get(hash);
  if (!block) throw new HttpError(404, 'no such block');
  const headers = {
    ...COMMON_HEADERS,
    'content-type': 'application/octet-stream',
    'cache-control': IMMUTABLE,
    'accept-ranges': 'bytes',
  };
  const range = parseRange(req.headers.range, block.length);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${block.length}` });
    res.end();
    return;
  }
  const body = range ? block.subarray(range.start, range.end + 1) : block;
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'content-length': String(body.length),
    ...(range && { 'content-range': `bytes ${range.start}-${range.end}/${block.length}` }),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * `/tree/HASH`: the content of a plain object, streamed (each block verified before it is
 * sent). A failure after the first byte can only cut the response short.
 */
async function sendContent(
  req: IncomingMessage,
  res: ServerResponse,
  store: ServedStore,
  hash: Uint8Array,
): Promise<void> {
  const encrypted = () => {
    throw new HttpError(
      403,
      'the content is encrypted: read its blocks with /cat/ and decrypt them in the client',
    );
  };
  const blocks = readObject(store.blocks, hash, { decryptor: encrypted })[Symbol.asyncIterator]();
  // The first block is read before the headers, so a missing or encrypted object is a
  // proper error status rather than an empty 200.
  const first = await blocks.next();
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'content-type': 'application/octet-stream',
    'cache-control': IMMUTABLE,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    for (let r = first; !r.done; r = await blocks.next()) {
      if (!res.write(r.value)) await new Promise((ok) => res.once('drain', ok));
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/** The value of the LWW ref named by the base58 public key `key`. */
async function refValue(store: ServedStore, key: string): Promise<Uint8Array> {
  if (!store.refs) throw new HttpError(404, 'this store has no refs');
  let refKey: Uint8Array;
  try {
    refKey = decodeBase58(key);
  } catch {
    throw new HttpError(400, 'not a base58 key');
  }
  const ref = await getLwwRef(store.refs, store.blocks, refKey);
  if (!ref) throw new HttpError(404, 'no such ref');
  return ref.ref.value;
}

/**
 * The request handler of the read-only store server (for `node:http`, or any server
 * passing Node's request and response objects).
 * @param store - the blocks (and refs) to serve
 * @param opts - the web page's files
 * @returns a handler that answers every request (never throws)
 */
export function storeRequestHandler(
  store: ServedStore,
  opts: ServeOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      if (!isAllowedHost(req.headers.host, opts.allowedHosts))
        throw new HttpError(
          403,
          `host '${hostName(req.headers.host ?? '').slice(0, 100)}' is not allowed: requests must name an IP address or localhost (DNS rebinding protection); hbs2 serve --allow-host NAME allows a name`,
        );
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendText(res, 405, 'read-only: only GET and HEAD', { allow: 'GET, HEAD' });
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [, route, arg, ...rest] = url.pathname.split('/');
      if (rest.length > 0) throw new HttpError(404, 'not found');
      if (arg !== undefined && arg !== '') {
        const value = decodeURIComponent(arg);
        switch (route) {
          case 'cat':
            return await sendBlock(req, res, store, parseHashSegment(value));
          case 'size': {
            const size = await store.blocks.sizeOf(parseHashSegment(value));
            if (size === null) throw new HttpError(404, 'no such block');
            return sendJson(res, size, IMMUTABLE);
          }
          case 'tree':
            return await sendContent(req, res, store, parseHashSegment(value));
          case 'ref':
            return await sendContent(req, res, store, await refValue(store, value));
          case 'metadata': {
            const hash = parseHashSegment(value);
            return sendJson(
              res,
              await describeObject(store.blocks, hash, { sizeOf: (h) => store.blocks.sizeOf(h) }),
            );
          }
        }
      }
      const file = opts.web && staticFile(opts.web, url.pathname);
      if (!file) throw new HttpError(404, 'not found');
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'content-type': file.type,
        'content-length': String(file.body.length),
        'cache-control': 'no-cache',
        'content-security-policy': file.csp,
      });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = statusOf(e);
      const known = e instanceof HttpError || e instanceof Hbs2Error;
      sendText(res, status, known ? (e as Error).message : 'internal error', {
        'x-hbs2-error': e instanceof HttpError ? 'http' : known ? (e as Error).name : 'internal',
      });
    }
  };
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and ends the open ones. */
  close(): Promise<void>;
}

/**
 * Serves `store` read-only over HTTP.
 * @param store - the blocks (and refs) to serve
 * @param opts - where to listen (default 127.0.0.1, a free port) and the page's files
 * @returns the running server
 * @throws the listen error (port in use, address not available)
 */
export async function serveStore(
  store: ServedStore,
  opts: ServeOptions & { port?: number; host?: string } = {},
): Promise<RunningServer> {
  const handler = storeRequestHandler(store, opts);
  const server: Server = createServer((req, res) => void handler(req, res));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
