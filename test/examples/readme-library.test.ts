/**
 * The README's Library snippet runs as printed: it is cut out of README.md, written inside
 * the package (so `hbs2-toolkit` and `hbs2-toolkit/node` resolve to this package's dist/ by
 * self-reference) and run in a temp directory, where it must print what Alice stored.
 * Build first: `npx tsc -p tsconfig.build.json`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

/** The first ```js block of the README's Library section. */
function librarySnippet(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README.md: no js block in the Library section');
  return m[1]!;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-readme-lib-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('README Library section', () => {
  it('encrypts for Alice and Bob and Bob reads it back', () => {
    const outDir = path.join(ROOT, 'test-output');
    fs.mkdirSync(outDir, { recursive: true });
    const script = path.join(outDir, `readme-library-${process.pid}.mjs`);
    fs.writeFileSync(script, librarySnippet());
    try {
      const r = spawnSync(process.execPath, [script], {
        cwd: work,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('Q3: 42\n');
      // The store is real: the encrypted tree is on disk in the temp directory.
      expect(fs.existsSync(path.join(work, 'store'))).toBe(true);
    } finally {
      fs.rmSync(script, { force: true });
    }
  });
});
