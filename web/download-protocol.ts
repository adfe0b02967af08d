/**
 * What the page and its download worker (web/download-worker.ts) say to each other. The
 * page registers a download under a random id, handing the worker one end of a
 * MessageChannel; the browser's request for `/download/ID/NAME` is answered by the worker
 * with a stream that asks the page for each next block ("pull") only when the browser has
 * taken the previous one, so the decrypted content never piles up in either.
 */

/** The path the worker answers under (also its registration scope). */
export const DOWNLOAD_SCOPE = '/download/';

/** The script the page registers. */
export const DOWNLOAD_WORKER_URL = '/download-worker.js';

/** Page → worker (`ServiceWorker.postMessage`, with the channel's port transferred). */
export interface RegisterDownload {
  type: 'register';
  /** 32 lowercase hex digits, from the page's CSPRNG: unguessable, used once. */
  id: string;
  /** The file name the browser saves under. */
  name: string;
  /** The content length when the page knows it exactly, else null. */
  length: number | null;
}

/** Page → worker: sent now and then during a download so the browser keeps the worker. */
export interface KeepAlive {
  type: 'keep-alive';
}

/** Page → worker over the port. */
export type PageMessage =
  { type: 'chunk'; chunk: Uint8Array } | { type: 'end' } | { type: 'error'; message: string };

/** Worker → page over the port. */
export type WorkerMessage =
  /** The id is known: the page may navigate to the download URL. */
  | { type: 'registered' }
  /** The browser asked for the download URL: the response is on its way. */
  | { type: 'started' }
  /** The browser wants the next chunk. */
  | { type: 'pull' }
  /** The browser stopped reading (download cancelled); nothing more is wanted. */
  | { type: 'cancel' };

const ID = /^[0-9a-f]{32}$/;

/**
 * Whether `value` is a well-formed {@link RegisterDownload}.
 * @param value - a message the worker received
 * @returns true when it can be registered
 */
export function isRegisterDownload(value: unknown): value is RegisterDownload {
  const m = value as Partial<RegisterDownload> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.type === 'register' &&
    typeof m.id === 'string' &&
    ID.test(m.id) &&
    typeof m.name === 'string' &&
    m.name.length > 0 &&
    (m.length === null || (Number.isSafeInteger(m.length) && (m.length as number) >= 0))
  );
}

/**
 * A fresh download id: 128 random bits as hex.
 * @returns 32 lowercase hex digits
 */
export function newDownloadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The URL path the page navigates to for download `id`; the name is there for the
 * browser's download list only (the worker takes the name registered).
 * @param id - the registered id
 * @param name - the file name
 * @returns `/download/ID/NAME`, the name percent-encoded
 */
export function downloadPath(id: string, name: string): string {
  return `${DOWNLOAD_SCOPE}${id}/${encodeURIComponent(name)}`;
}

/**
 * The id in a download URL path, if it is one.
 * @param pathname - a request's URL path
 * @returns the id, or null for any other path
 */
export function downloadIdOf(pathname: string): string | null {
  if (!pathname.startsWith(DOWNLOAD_SCOPE)) return null;
  const id = pathname.slice(DOWNLOAD_SCOPE.length).split('/')[0]!;
  return ID.test(id) ? id : null;
}

/**
 * A `Content-Disposition` saving as `name` (RFC 6266: an ASCII fallback plus the UTF-8
 * name), with no character that could end the header value early.
 * @param name - the file name
 * @returns the header value
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const utf8 = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
