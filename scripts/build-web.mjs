// Builds the page `hbs2 serve` shows at `/` into dist/web/: web/app.ts bundled with the
// portable core (esbuild, for browsers) plus the static index.html and style.css.
// Run by `npm run build`; tests import buildWeb().
import * as esbuild from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Writes app.js, index.html and style.css into `outDir` (default dist/web). */
export async function buildWeb(outDir = path.join(ROOT, 'dist', 'web')) {
  await mkdir(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'web', 'app.ts')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
  });
  for (const name of ['index.html', 'style.css'])
    await copyFile(path.join(ROOT, 'web', name), path.join(outDir, name));
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
