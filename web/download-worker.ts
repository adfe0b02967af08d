/**
 * The page's download worker (served at /download-worker.js, scope /download/): answers
 * the browser's request for `/download/ID/NAME` with the content the page decrypts, as a
 * stream, so a download of any size is written to disk as it is decrypted. It holds no
 * key and sees no request but those under its scope (the page's block fetches do not pass
 * through it); the server is never asked for `/download/` content.
 */
import { DOWNLOAD_SCOPE, isRegisterDownload } from './download-protocol.js';
import { PendingDownloads } from './download-registry.js';

/** The parts of a service worker's global scope and events this worker uses. */
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface WorkerScope {
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install', listener: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchEvent) => void): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
}

const worker = globalThis as unknown as WorkerScope;
const downloads = new PendingDownloads();

// A new version takes over at once: the worker keeps nothing worth waiting for, and a
// download the old one streams goes on until it ends.
worker.addEventListener('install', (e) => e.waitUntil(worker.skipWaiting()));

worker.addEventListener('message', (e) => {
  const port = e.ports[0];
  if (isRegisterDownload(e.data) && port) downloads.register(e.data, port);
  // Anything else (the page's keep-alive) only has to arrive: each message event gives
  // the worker more time, so the browser does not stop it in the middle of a download.
});

worker.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (url.pathname.startsWith(DOWNLOAD_SCOPE)) e.respondWith(downloads.respond(url));
});
