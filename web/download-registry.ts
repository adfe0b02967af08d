/**
 * The download worker's state: downloads the page registered and the responses that
 * stream them. Kept apart from the service worker's event wiring so it runs (and is
 * tested) anywhere with MessageChannel, ReadableStream and Response.
 */
import {
  contentDisposition,
  downloadIdOf,
  type PageMessage,
  type RegisterDownload,
  type WorkerMessage,
} from './download-protocol.js';

interface Pending {
  name: string;
  length: number | null;
  port: MessagePort;
}

const post = (port: MessagePort, message: WorkerMessage) => port.postMessage(message);

/** Headers of every answer: like the server's, nothing is sniffed, run or cached. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'",
};

/**
 * The body of a download: each chunk is asked of the page only when the browser has taken
 * the one before (the queue holds one chunk), so memory stays at a few blocks whatever the
 * size. The page's error (or a length other than the one announced) errors the stream,
 * and the browser then marks the download failed instead of saving a truncated file.
 */
function streamFromPage(port: MessagePort, length: number | null): ReadableStream<Uint8Array> {
  let received = 0;
  let answered: (() => void) | null = null;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (message: string) => {
          controller.error(new Error(message));
          port.close();
        };
        port.onmessage = (e: MessageEvent<PageMessage>) => {
          const m = e.data;
          if (m.type === 'chunk') {
            received += m.chunk.length;
            if (length !== null && received > length)
              fail(`more than the ${length} bytes announced`);
            else controller.enqueue(m.chunk);
          } else if (m.type === 'end') {
            if (length !== null && received !== length)
              fail(`${received} bytes, not the ${length} announced`);
            else {
              controller.close();
              port.close();
            }
          } else if (m.type === 'error') fail(m.message);
          answered?.();
          answered = null;
        };
      },
      pull() {
        return new Promise<void>((resolve) => {
          answered = resolve;
          post(port, { type: 'pull' });
        });
      },
      cancel() {
        post(port, { type: 'cancel' });
        port.close();
        answered?.();
      },
    },
    { highWaterMark: 1 },
  );
}

/** Downloads registered by the page and not yet asked for by the browser. */
export class PendingDownloads {
  private readonly pending = new Map<string, Pending>();

  /**
   * Keeps `download` until the browser asks for it, and tells the page it may.
   * @param download - the page's registration
   * @param port - the page's end of the channel the content comes over
   */
  register(download: RegisterDownload, port: MessagePort): void {
    if (this.pending.has(download.id)) {
      port.close(); // ids are random: a repeat is a confused page, not a second download
      return;
    }
    this.pending.set(download.id, { name: download.name, length: download.length, port });
    // A page that gives up before navigating (it fell back to another way of saving)
    // says so; the registration then goes.
    port.onmessage = (e: MessageEvent<PageMessage>) => {
      if (e.data.type === 'error' && this.pending.get(download.id)?.port === port) {
        this.pending.delete(download.id);
        port.close();
      }
    };
    post(port, { type: 'registered' });
  }

  /**
   * The answer to a request under the download scope: the registered download's stream,
   * once (the id is forgotten as it is taken), or a 404 for any other path or id.
   * @param url - the request's URL
   * @returns the response
   */
  respond(url: URL): Response {
    const id = downloadIdOf(url.pathname);
    const download = id === null ? undefined : this.pending.get(id);
    if (id === null || !download)
      return new Response('no such download (they can be fetched once, from the page)\n', {
        status: 404,
        headers: { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
      });
    this.pending.delete(id);
    post(download.port, { type: 'started' });
    const headers: Record<string, string> = {
      ...COMMON_HEADERS,
      'content-type': 'application/octet-stream',
      'content-disposition': contentDisposition(download.name),
    };
    if (download.length !== null) headers['content-length'] = String(download.length);
    return new Response(streamFromPage(download.port, download.length), { headers });
  }

  /** How many downloads wait for the browser's request. */
  get size(): number {
    return this.pending.size;
  }
}
