/**
 * The download worker's state, run in Node with real MessageChannels, ReadableStreams and
 * Responses: a registered download is answered once, streamed by pulls (the page is asked
 * for a block only when the reader took the one before), failed on the page's error or a
 * wrong length, and cancelled back to the page; anything else under the scope is a 404.
 * The same worker in chromium is covered by test/browser/web-page.test.ts.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  contentDisposition,
  downloadIdOf,
  downloadPath,
  isRegisterDownload,
  newDownloadId,
  type PageMessage,
  type WorkerMessage,
} from '../../../web/download-protocol.js';
import { PendingDownloads } from '../../../web/download-registry.js';

const BASE = 'http://127.0.0.1:8000';
const opened: MessagePort[] = [];
afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

/** Lets queued port messages and stream reactions run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

/**
 * The page's side of one download: answers each pull with the next chunk, then the end
 * (or, at chunk `failAt`, the error the page sends when a block fails its hash).
 */
function pageSide(chunks: Uint8Array[], failAt = -1) {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1);
  const heard: WorkerMessage['type'][] = [];
  let next = 0;
  const send = (m: PageMessage) => port1.postMessage(m);
  port1.onmessage = (e: MessageEvent<WorkerMessage>) => {
    heard.push(e.data.type);
    if (e.data.type !== 'pull') return;
    if (next === failAt) send({ type: 'error', message: 'the content could not be read' });
    else if (next < chunks.length) send({ type: 'chunk', chunk: chunks[next++]! });
    else send({ type: 'end' });
  };
  return { port: port2, heard, pulls: () => heard.filter((t) => t === 'pull').length, send };
}

const chunksOf = (count: number, size = 1000) =>
  Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i));

/** Registers `chunks` as download `name` and returns the id and the page side. */
async function registered(
  downloads: PendingDownloads,
  chunks: Uint8Array[],
  opts: { name?: string; length?: number | null; failAt?: number } = {},
) {
  const page = pageSide(chunks, opts.failAt);
  const id = newDownloadId();
  const length = opts.length === undefined ? null : opts.length;
  downloads.register({ type: 'register', id, name: opts.name ?? 'file.bin', length }, page.port);
  await settle();
  return { id, page, url: new URL(downloadPath(id, opts.name ?? 'file.bin'), BASE) };
}

describe('PendingDownloads', () => {
  it('answers a registered id once, with the file name, type and announced length', async () => {
    const downloads = new PendingDownloads();
    const chunks = chunksOf(3);
    const { page, url } = await registered(downloads, chunks, {
      name: 'résumé "final".pdf',
      length: 3000,
    });
    expect(page.heard).toEqual(['registered']);
    const res = downloads.respond(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-length')).toBe('3000');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(res.headers.get('content-disposition')).toBe(contentDisposition('résumé "final".pdf'));
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.concat(chunks))).toBe(true);
    expect(page.heard.slice(0, 2)).toEqual(['registered', 'started']);
    // One-shot: the id is forgotten as soon as it is taken.
    expect(downloads.respond(url).status).toBe(404);
    expect(downloads.size).toBe(0);
  });

  it('unknown ids and other paths under the scope are 404s, not passed to the server', async () => {
    const downloads = new PendingDownloads();
    await registered(downloads, chunksOf(1));
    for (const p of [downloadPath(newDownloadId(), 'x'), '/download/', '/download/abc/x'])
      expect(downloads.respond(new URL(p, BASE)).status).toBe(404);
    expect(downloads.size).toBe(1);
  });

  it('asks the page for a chunk only when the reader took the one before', async () => {
    const downloads = new PendingDownloads();
    const { page, url } = await registered(downloads, chunksOf(50));
    const reader = downloads.respond(url).body!.getReader();
    for (let i = 0; i < 5; i++) expect((await reader.read()).value![0]).toBe(i);
    await settle();
    // Five read, one queued, one asked for: the other 43 stay unread at the page.
    expect(page.pulls()).toBeLessThanOrEqual(7);
    await reader.cancel();
  });

  it("the page's error mid-way errors the response after the chunks before it", async () => {
    const downloads = new PendingDownloads();
    const { url } = await registered(downloads, chunksOf(10), { failAt: 7 });
    const reader = downloads.respond(url).body!.getReader();
    for (let i = 0; i < 7; i++) expect((await reader.read()).value![0]).toBe(i);
    await expect(reader.read()).rejects.toThrow('the content could not be read');
  });

  it('fails a download shorter or longer than the length it announced', async () => {
    const downloads = new PendingDownloads();
    const short = await registered(downloads, chunksOf(2), { length: 3000 });
    await expect(downloads.respond(short.url).arrayBuffer()).rejects.toThrow();
    const long = await registered(downloads, chunksOf(4), { length: 3000 });
    await expect(downloads.respond(long.url).arrayBuffer()).rejects.toThrow();
  });

  it('a cancelled download tells the page to stop', async () => {
    const downloads = new PendingDownloads();
    const { page, url } = await registered(downloads, chunksOf(50));
    const reader = downloads.respond(url).body!.getReader();
    await reader.read();
    await reader.cancel();
    await settle();
    expect(page.heard).toContain('cancel');
  });

  it('a page that gives up before the request takes its registration back', async () => {
    const downloads = new PendingDownloads();
    const { page, url } = await registered(downloads, chunksOf(1));
    page.send({ type: 'error', message: 'saved another way' });
    await settle();
    expect(downloads.size).toBe(0);
    expect(downloads.respond(url).status).toBe(404);
  });
});

describe('download protocol', () => {
  it('ids are 128 random bits; only well-formed registrations are taken', () => {
    const id = newDownloadId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(newDownloadId()).not.toBe(id);
    const ok = { type: 'register', id, name: 'a.bin', length: 5 };
    expect(isRegisterDownload(ok)).toBe(true);
    expect(isRegisterDownload({ ...ok, length: null })).toBe(true);
    for (const bad of [
      null,
      'register',
      { ...ok, type: 'chunk' },
      { ...ok, id: id.toUpperCase() },
      { ...ok, id: id.slice(1) },
      { ...ok, name: '' },
      { ...ok, length: -1 },
      { ...ok, length: 1.5 },
    ])
      expect(isRegisterDownload(bad)).toBe(false);
  });

  it('download paths round-trip their id', () => {
    const id = newDownloadId();
    expect(downloadIdOf(downloadPath(id, 'a/b c.bin'))).toBe(id);
    expect(downloadIdOf(`/cat/${id}`)).toBeNull();
    expect(downloadIdOf('/download/not-an-id/x')).toBeNull();
  });

  it('any file name gives a header value naming exactly it (RFC 6266 filename*)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), (name) => {
        const value = contentDisposition(name);
        // A value a Headers object accepts: no CR, LF or NUL could split or end it.
        expect(new Headers({ 'content-disposition': value }).get('content-disposition')).toBe(
          value,
        );
        const [, fallback, encoded] =
          /^attachment; filename="([^"]*)"; filename\*=UTF-8''(\S+)$/.exec(value)!;
        expect(fallback).toMatch(/^[\x20-\x7e]*$/);
        expect(encoded).toMatch(/^[A-Za-z0-9%!._~-]+$/);
        expect(decodeURIComponent(encoded!)).toBe(name);
      }),
    );
  });
});
