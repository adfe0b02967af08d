/**
 * Blocks read over HTTP from `hbs2 serve` (or hbs2-peer's HTTP port): `GET /cat/HASH`
 * for a block, `GET /size/HASH` for its size. Portable (`fetch` only). Every block is
 * checked against its hash here, so a server can withhold blocks but never alter them.
 */
import { encodeBase58 } from '../codec/base58.js';
import { FormatError, Hbs2Error, IntegrityError, NotFoundError } from '../errors.js';
import type { BlockSource } from './blockstore.js';
import { verifyBlock } from './hash.js';
import { checkBlockSize } from './limits.js';

/** The typed error a failed response stands for (the server names it in `x-hbs2-error`). */
async function responseError(res: Response, what: string): Promise<Hbs2Error> {
  const text = (await res.text()).trim().slice(0, 500);
  const message = `${what}: HTTP ${res.status}${text ? `: ${text}` : ''}`;
  switch (res.headers.get('x-hbs2-error')) {
    case 'IntegrityError':
      return new IntegrityError(message);
    case 'FormatError':
      return new FormatError(message);
    case 'NotFoundError':
      return new NotFoundError(message);
    default:
      return new Hbs2Error(message);
  }
}

/** A read-only block source over HTTP. */
export class HttpBlockSource implements BlockSource {
  private readonly base: URL;

  /**
   * @param baseUrl - the server's root (`http://127.0.0.1:8000/`); relative URLs resolve
   *   against the page's location in a browser
   * @param fetchFn - the `fetch` to use (default the global one)
   */
  constructor(
    baseUrl: string | URL,
    private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
  ) {
    const href = String(baseUrl);
    this.base = new URL(href.endsWith('/') ? href : `${href}/`, globalThis.location?.href);
  }

  /**
   * The block `hash`, verified; null when the server does not have it.
   * @throws {@link IntegrityError} when the bytes do not hash to `hash`, or the server
   *   reports its copy corrupt
   */
  async get(hash: Uint8Array): Promise<Uint8Array | null> {
    const name = encodeBase58(hash);
    const res = await this.fetchFn(new URL(`cat/${name}`, this.base));
    if (res.status === 404) return null;
    if (!res.ok) throw await responseError(res, `block ${name}`);
    const block = new Uint8Array(await res.arrayBuffer());
    checkBlockSize(hash, block.length);
    return verifyBlock(hash, block);
  }

  /** The size of block `hash` in bytes; null when the server does not have it. */
  async sizeOf(hash: Uint8Array): Promise<number | null> {
    const name = encodeBase58(hash);
    const res = await this.fetchFn(new URL(`size/${name}`, this.base));
    if (res.status === 404) return null;
    if (!res.ok) throw await responseError(res, `size of block ${name}`);
    const size: unknown = await res.json();
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      throw new FormatError(`size of block ${name}: not a byte count`);
    return size;
  }
}
