/**
 * The read-only store server over a memory store, through real loopback HTTP: hbs2-peer's
 * paths, content types, ranges of `/cat`, encrypted trees only as ciphertext, no writes,
 * no listing, and the page's files only by their names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeBase58,
  generateGroupKey,
  generateKeyring,
  MemoryBlockStore,
  MemoryRefStore,
  parseHash,
  setLwwRef,
  storeEncrypted,
  storePlain,
} from '../../../src/index.js';
import { serveStore, type RunningServer } from '../../../src/serve/http-server.js';
import { parseRange } from '../../../src/serve/range.js';
import type { StaticFiles } from '../../../src/serve/static-files.js';

const blocks = Object.assign(new MemoryBlockStore(), {
  async sizeOf(this: MemoryBlockStore, h: Uint8Array) {
    return (await this.get(h))?.length ?? null;
  },
});
const refs = new MemoryRefStore();
const content = new Uint8Array(600_000).map((_, i) => (i * 31) & 255);
const web: StaticFiles = new Map([
  [
    '/',
    {
      type: 'text/html; charset=utf-8',
      body: new TextEncoder().encode('<h1>x</h1>'),
      csp: "default-src 'none'",
    },
  ],
]);
let server: RunningServer;
let plainRoot: string;
let encRoot: string;
let refKey: string;

beforeAll(async () => {
  plainRoot = encodeBase58((await storePlain(blocks, [content])).root);
  const alice = generateKeyring(1);
  const { groupKey } = generateGroupKey([alice.entries[0]!.publicKey]);
  encRoot = encodeBase58(
    (await storeEncrypted(blocks, [content], { groupKey, keyrings: [{ keyring: alice }] })).root,
  );
  const owner = generateKeyring(0);
  await setLwwRef(
    refs,
    blocks,
    { publicKey: owner.signPublicKey, secretKey: owner.signSecretKey },
    owner.signPublicKey,
    (await storePlain(blocks, [new TextEncoder().encode('by ref')])).root,
  );
  refKey = encodeBase58(owner.signPublicKey);
  server = await serveStore({ blocks, refs }, { web });
});
afterAll(() => server.close());

const get = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);

describe('hbs2 serve over a store', () => {
  it('listens on loopback by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('/tree/HASH streams a plain object; /size/HASH is the root block size as JSON', async () => {
    const r = await get(`/tree/${plainRoot}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    // Buffer.equals: toEqual walks 600,000 elements one by one (seconds).
    expect(Buffer.from(await r.arrayBuffer()).equals(content)).toBe(true);
    const s = await get(`/size/${plainRoot}`);
    expect(s.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await s.json()).toBe((await blocks.get(parseHash(plainRoot)))!.length);
  });

  it('/cat/HASH is the raw block, with single byte ranges', async () => {
    const whole = new Uint8Array(await (await get(`/cat/${plainRoot}`)).arrayBuffer());
    const part = await get(`/cat/${plainRoot}`, { headers: { range: 'bytes=2-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 2-5/${whole.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.subarray(2, 6));
    const past = await get(`/cat/${plainRoot}`, { headers: { range: `bytes=${whole.length}-` } });
    expect(past.status).toBe(416);
  });

  it('an encrypted tree is never decrypted: /tree refuses it, /metadata shows it encrypted', async () => {
    const r = await get(`/tree/${encRoot}`);
    expect(r.status).toBe(403);
    expect(await r.text()).toMatch(/encrypted/);
    const m = (await (await get(`/metadata/${encRoot}`)).json()) as {
      encryption: { method: string; canDecrypt: boolean; recipients: number };
    };
    expect(m.encryption).toMatchObject({
      method: 'group-symm-2',
      canDecrypt: false,
      recipients: 1,
    });
  });

  it('/ref/KEY serves the content an LWW ref points at', async () => {
    const r = await get(`/ref/${refKey}`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('by ref');
  });

  it('missing is 404, a bad hash 400, writes 405, unknown paths and listings 404', async () => {
    expect((await get(`/cat/${encodeBase58(new Uint8Array(32))}`)).status).toBe(404);
    expect((await get('/cat/0OIl')).status).toBe(400);
    expect((await get(`/cat/${plainRoot}`, { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await get('/cat/')).status).toBe(404);
    expect((await get('/blocks/')).status).toBe(404);
    expect((await get('/../package.json')).status).toBe(404);
  });

  it('the page is served at / with its content type and a strict CSP', async () => {
    const r = await get('/');
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('parseRange', () => {
  it('reads one range, a suffix and an open end; ignores the rest', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=4-', 10)).toEqual({ start: 4, end: 9 });
    expect(parseRange('bytes=4-100', 10)).toEqual({ start: 4, end: 9 });
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=1-2,4-5', 10)).toBeNull();
    expect(parseRange('items=1-2', 10)).toBeNull();
    expect(parseRange(undefined, 10)).toBeNull();
  });
});
