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
 * requests only to this origin, no plugins, no framing.
 */
const PAGE_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const FILES: Record<string, { name: string; type: string }> = {
  '/': { name: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { name: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { name: 'style.css', type: 'text/css; charset=utf-8' },
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
  for (const [urlPath, { name, type }] of Object.entries(FILES)) {
    try {
      out.set(urlPath, { type, body: await fs.readFile(path.join(dir, name)), csp: PAGE_CSP });
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
