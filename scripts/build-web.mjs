// Builds the page `hbs2 serve` shows at `/` into dist/web/: web/app.ts bundled with the
// portable core (esbuild, for browsers), its download worker (web/download-worker.ts, a
// classic script as service workers are everywhere) plus the static index.html and style.css.
// Run by `npm run build`; tests import buildWeb().
import * as esbuild from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles web/`entry`.ts into `outDir`/`entry`.js. */
const bundle = (outDir, entry, format) =>
  esbuild.build({
    entryPoints: [path.join(ROOT, 'web', `${entry}.ts`)],
    outfile: path.join(outDir, `${entry}.js`),
    bundle: true,
    format,
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
  });

/** Writes app.js, download-worker.js, index.html and style.css into `outDir` (default dist/web). */
export async function buildWeb(outDir = path.join(ROOT, 'dist', 'web')) {
  await mkdir(outDir, { recursive: true });
  await bundle(outDir, 'app', 'esm');
  await bundle(outDir, 'download-worker', 'iife');
  for (const name of ['index.html', 'style.css'])
    await copyFile(path.join(ROOT, 'web', name), path.join(outDir, name));
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
