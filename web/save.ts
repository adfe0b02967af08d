/**
 * Saving content the page reads block by block, in the best way this browser allows:
 *
 * - `stream`: through the download worker (web/download-worker.ts) into the browser's
 *   downloads, pulled block by block — memory stays at a few blocks whatever the size;
 * - `file-picker`: where the worker cannot run (service workers need a secure origin,
 *   e.g. the page served on a LAN address over http) but the File System Access API is
 *   there, streamed into the file the person picks;
 * - `memory`: else collected into a Blob and saved by a link, as big as the content.
 *
 * A failure mid-way (a block failing its hash) aborts the save: the browser marks the
 * download failed, or the picked file is left as it was, rather than keep a truncated file.
 */
import {
  DOWNLOAD_SCOPE,
  DOWNLOAD_WORKER_URL,
  downloadPath,
  newDownloadId,
  type KeepAlive,
  type PageMessage,
  type RegisterDownload,
  type WorkerMessage,
} from './download-protocol.js';

/** How a download is being saved. */
export type SaveMethod = 'stream' | 'file-picker' | 'memory';

/** What to save. */
export interface SaveRequest {
  /** The file name offered to the browser. */
  name: string;
  /** The exact content length when known (the browser then shows progress), else null. */
  length: number | null;
  /** The content; read only as fast as it is written out. */
  content: ReadableStream<Uint8Array>;
}

/** The person cancelled the download (in the browser's downloads, or the file picker). */
export class DownloadCancelledError extends Error {
  override readonly name = 'DownloadCancelledError';
}

/**
 * A stream over `blocks` that reads the next block only when asked (no queue of its own),
 * so the reader's pace is the decryption's. The first block is read before it returns:
 * content that cannot be read at all (no key, a missing root) fails here, before the
 * browser has begun a download that could only fail.
 * @param blocks - the content, block by block
 * @returns the content as a pull-based stream; its error is the one `blocks` threw
 * @throws the error of reading the first block
 */
export async function pullStream(
  blocks: AsyncIterable<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const it = blocks[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array> | null = await it.next();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = first ?? (await it.next());
        first = null;
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The worker once active; null where service workers are unavailable or refused. */
async function activate(reg: ServiceWorkerRegistration): Promise<ServiceWorker | null> {
  if (reg.active) return reg.active;
  const incoming = reg.installing ?? reg.waiting;
  if (!incoming) return null;
  return new Promise((resolve) => {
    const check = () => {
      if (incoming.state === 'activated') resolve(incoming);
      else if (incoming.state === 'redundant') resolve(null);
    };
    incoming.addEventListener('statechange', check);
    check();
  });
}

let registration: Promise<ServiceWorker | null> | undefined;

/**
 * Registers the download worker (once; call early so it is active by the first download).
 * Its scope is `/download/` only: the page itself is not controlled by it, so the page's
 * block requests go straight to the server.
 * @returns the active worker, or null where it cannot run (not a secure context, no
 *   service workers, registration refused)
 */
export function downloadWorker(): Promise<ServiceWorker | null> {
  registration ??= (async () => {
    if (!isSecureContext || !('serviceWorker' in navigator)) return null;
    try {
      const reg = await navigator.serviceWorker.register(DOWNLOAD_WORKER_URL, {
        scope: DOWNLOAD_SCOPE,
      });
      return await activate(reg);
    } catch {
      return null;
    }
  })();
  return registration;
}

/** How long an active worker may take to acknowledge a registration. */
const REGISTER_TIMEOUT_MS = 15_000;
/** Keep-alive period: well under the 30 s an idle service worker is kept by browsers. */
const KEEP_ALIVE_MS = 10_000;

/**
 * Streams `req` through the download worker: registers it under a fresh id, navigates a
 * hidden frame to its URL and answers the worker's pulls one block at a time.
 * @returns the bytes saved, or 'not-served' when the worker did not answer the URL (the
 *   stream is then untouched and can be saved another way)
 */
function saveThroughWorker(
  worker: ServiceWorker,
  req: SaveRequest,
): Promise<number | 'not-served'> {
  const id = newDownloadId();
  const channel = new MessageChannel();
  const port = channel.port1;
  const send = (m: PageMessage, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const frame = document.createElement('iframe');
  frame.hidden = true;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let started = false;
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const keepAlive = setInterval(
      () => worker.postMessage({ type: 'keep-alive' } satisfies KeepAlive),
      KEEP_ALIVE_MS,
    );
    const unanswered = setTimeout(() => notServed(), REGISTER_TIMEOUT_MS);
    const finish = (settle: () => void) => {
      clearInterval(keepAlive);
      clearTimeout(unanswered);
      port.close();
      // The browser's download no longer needs the frame that started it.
      frame.remove();
      settle();
    };
    const notServed = () => {
      if (started) return;
      send({ type: 'error', message: 'saved another way' });
      finish(() => resolve('not-served'));
    };
    const pull = async (r: ReadableStreamDefaultReader<Uint8Array>) => {
      try {
        const next = await r.read();
        if (next.done) {
          send({ type: 'end' });
          return finish(() => resolve(bytes));
        }
        bytes += next.value.length;
        // A copy of its own, so the transfer detaches nothing the reader still uses.
        const chunk = next.value.slice();
        send({ type: 'chunk', chunk }, [chunk.buffer]);
      } catch (e) {
        // The worker errors the response, so the browser fails the download.
        send({ type: 'error', message: 'the content could not be read' });
        finish(() => reject(e));
      }
    };
    port.onmessage = (e: MessageEvent<WorkerMessage>) => {
      switch (e.data.type) {
        case 'registered':
          clearTimeout(unanswered);
          // The server answers /download/ with a 404: a page loading in the frame means
          // the worker did not take the request.
          frame.addEventListener('load', notServed);
          frame.src = downloadPath(id, req.name);
          document.body.append(frame);
          break;
        case 'started':
          started = true;
          reader = req.content.getReader();
          break;
        case 'pull':
          if (reader) void pull(reader);
          break;
        case 'cancel':
          void reader?.cancel();
          finish(() => reject(new DownloadCancelledError('download cancelled')));
          break;
      }
    };
    worker.postMessage(
      { type: 'register', id, name: req.name, length: req.length } satisfies RegisterDownload,
      [channel.port2],
    );
  });
}

/** Reads `content` to its end, handing each chunk to `write`; returns the bytes read. */
async function forEachChunk(
  content: ReadableStream<Uint8Array>,
  write: (chunk: Uint8Array) => unknown,
): Promise<number> {
  const reader = content.getReader();
  let bytes = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    bytes += r.value.length;
    await write(r.value);
  }
  return bytes;
}

/** The File System Access API's save picker, where the browser has it. */
type SavePicker = (opts: { suggestedName: string }) => Promise<{
  createWritable(): Promise<{
    write(chunk: Uint8Array): Promise<void>;
    close(): Promise<void>;
    abort(): Promise<void>;
  }>;
}>;

/** Streams `req` into a file the person picks; aborting leaves that file as it was. */
async function saveToPickedFile(pick: SavePicker, req: SaveRequest): Promise<number> {
  let file;
  try {
    file = await (await pick({ suggestedName: req.name })).createWritable();
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError')
      throw new DownloadCancelledError('no file chosen');
    throw e;
  }
  try {
    const bytes = await forEachChunk(req.content, (chunk) => file.write(chunk));
    await file.close();
    return bytes;
  } catch (e) {
    await file.abort();
    throw e;
  }
}

/** Collects `req` into a Blob and saves it through a download link. */
async function saveFromMemory(req: SaveRequest): Promise<number> {
  const parts: BlobPart[] = [];
  const bytes = await forEachChunk(req.content, (chunk) => parts.push(chunk.slice()));
  const url = URL.createObjectURL(new Blob(parts, { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = req.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return bytes;
}

/**
 * Saves `req` the best way available (see the module comment).
 * @param req - name, length and content
 * @param onMethod - told the method before the content is read (and again on a fallback)
 * @returns the bytes saved
 * @throws {@link DownloadCancelledError} when the person cancels; the content's own error
 *   when reading it fails
 */
export async function save(
  req: SaveRequest,
  onMethod: (method: SaveMethod) => void,
): Promise<number> {
  const worker = await downloadWorker();
  if (worker) {
    onMethod('stream');
    const saved = await saveThroughWorker(worker, req);
    if (saved !== 'not-served') return saved;
  }
  const pick = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (pick) {
    onMethod('file-picker');
    return saveToPickedFile(pick, req);
  }
  onMethod('memory');
  return saveFromMemory(req);
}
