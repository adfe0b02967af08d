/**
 * The web page's files, read once from the directory the build writes them to
 * (dist/web/). Only these names are served: no listing, no path from the request ever
 * reaches the file system.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the page. */
export interface StaticFile {
  type: string;
  body: Uint8Array;
  /** The Content-Security-Policy it is served with. */
  csp: string;
}

/** The page's files by URL path. */
export type StaticFiles = ReadonlyMap<string, StaticFile>;

/**
 * Scripts only from this origin ('wasm-unsafe-eval' lets them compile WebAssembly),
 * requests only to this origin, no plugins, not framed by others. The page's own worker
 * and frames are allowed: its download worker, and the hidden frame whose request for
 * `/download/…` that worker answers with the download.
 */
const PAGE_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "connect-src 'self'; img-src 'self' data: blob:; worker-src 'self'; frame-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The download worker's own policy: it fetches nothing and loads nothing (it only answers
 * requests under its scope with content the page hands it).
 */
const WORKER_CSP = "default-src 'none'";

const SCRIPT = 'text/javascript; charset=utf-8';

const FILES: Record<string, { name: string; type: string; csp: string }> = {
  '/': { name: 'index.html', type: 'text/html; charset=utf-8', csp: PAGE_CSP },
  '/app.js': { name: 'app.js', type: SCRIPT, csp: PAGE_CSP },
  '/download-worker.js': { name: 'download-worker.js', type: SCRIPT, csp: WORKER_CSP },
  '/style.css': { name: 'style.css', type: 'text/css; charset=utf-8', csp: PAGE_CSP },
};

/** The web directory next to the compiled server (dist/web/). */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../web/', import.meta.url));
}

/**
 * Reads the page's files from `dir`; null when the page was not built there (the server
 * then serves the store paths only).
 */
export async function loadStaticFiles(dir: string = defaultWebDir()): Promise<StaticFiles | null> {
  const out = new Map<string, StaticFile>();
  for (const [urlPath, { name, type, csp }] of Object.entries(FILES)) {
    try {
      out.set(urlPath, { type, body: await fs.readFile(path.join(dir, name)), csp });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  return out;
}

/** The file served at `urlPath`, if any. */
export function staticFile(files: StaticFiles, urlPath: string): StaticFile | undefined {
  return files.get(urlPath === '/index.html' ? '/' : urlPath);
}
