/**
 * The page's files as `hbs2 serve` serves them (read from a build directory, through real
 * loopback HTTP): the download worker with its own content type and policy, the page's
 * policy allowing that worker and its download frame, and `/download/…` — answered by the
 * worker in the browser — never served by the server.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlockStore } from '../../../src/index.js';
import { serveStore, type RunningServer } from '../../../src/serve/http-server.js';
import { loadStaticFiles } from '../../../src/serve/static-files.js';

const BUILT = {
  'index.html': '<!doctype html><title>page</title>',
  'app.js': 'console.log("app")',
  'download-worker.js': 'self.addEventListener("fetch", () => {})',
  'style.css': 'body {}',
};
let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-web-'));
  for (const [name, text] of Object.entries(BUILT)) fs.writeFileSync(path.join(dir, name), text);
  const web = await loadStaticFiles(dir);
  expect(web).not.toBeNull();
  const blocks = Object.assign(new MemoryBlockStore(), { sizeOf: async () => null });
  server = await serveStore({ blocks }, { web: web! });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const get = (p: string) => fetch(new URL(p, server.url));

describe('the page files of hbs2 serve', () => {
  it('serves the download worker as a script under its own policy', async () => {
    const r = await get('/download-worker.js');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(r.headers.get('cache-control')).toBe('no-cache');
    // Its scope (/download/) is under its own path: no Service-Worker-Allowed needed.
    expect(r.headers.get('service-worker-allowed')).toBeNull();
    expect(await r.text()).toBe(BUILT['download-worker.js']);
  });

  it("lets the page run its own worker and frame, and nobody else's", async () => {
    const policy = (await get('/')).headers.get('content-security-policy')!.split(/;\s*/);
    expect(policy).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "worker-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'none'",
      ]),
    );
    expect((await get('/app.js')).headers.get('content-security-policy')).toBe(policy.join('; '));
  });

  it('never serves /download/ (the worker answers it in the browser): a 404', async () => {
    for (const p of [
      '/download/0123456789abcdef0123456789abcdef/file.bin',
      '/download/',
      '/download',
    ])
      expect((await get(p)).status, p).toBe(404);
  });

  it('a build without the worker is no page at all', async () => {
    const partial = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-web-'));
    try {
      for (const name of ['index.html', 'app.js', 'style.css'])
        fs.writeFileSync(path.join(partial, name), BUILT[name as keyof typeof BUILT]);
      expect(await loadStaticFiles(partial)).toBeNull();
    } finally {
      fs.rmSync(partial, { recursive: true, force: true });
    }
  });
});
