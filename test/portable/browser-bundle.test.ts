/**
 * The portable entry point (`"."`, src/index.ts) bundles for browsers: esbuild with
 * `platform: 'browser'` must meet no `node:` import (and resolve no bare Node built-in) anywhere in
 * what it reaches, and the bundle alone — in a runtime without Node's synchronous
 * `require`, as in a browser — stores a file encrypted for a group and reads it back.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ENTRY = path.resolve(__dirname, '../../src/index.ts');

let dir: string;
let bundleFile: string;
const nodeImports: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-bundle-'));
  bundleFile = path.join(dir, 'hbs2.mjs');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: bundleFile,
    logLevel: 'silent',
    plugins: [
      {
        name: 'refuse-node-builtins',
        setup(build) {
          // Records every `node:` import, with who imports it, then marks it external so
          // the build completes and the test can list them all. Bare built-in names are
          // left to esbuild, which fails the build unless the importing package maps them
          // away for browsers (tweetnacl's `"browser": { "crypto": false }`).
          build.onResolve({ filter: /^node:/ }, (args) => {
            nodeImports.push(`${path.relative(process.cwd(), args.importer)} → ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  expect(result.errors).toEqual([]);
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('portable core bundled for the browser', () => {
  it('reaches no node: import', () => {
    expect(nodeImports).toEqual([]);
  });

  it('has no reference to Node globals (Buffer, process.env)', () => {
    const text = fs.readFileSync(bundleFile, 'utf8');
    expect(text).not.toMatch(/\bBuffer\.(from|alloc|concat)\b/);
    expect(text).not.toMatch(/process\.env\b/);
  });

  it('alone, without a synchronous require, encrypts for a group and decrypts', () => {
    // A child with no way to load anything but the bundle: copied into an empty directory
    // (no node_modules), `process.getBuiltinModule` removed, `self` as browsers have it.
    const script = `
      delete process.getBuiltinModule;
      globalThis.self = globalThis;
      const api = await import(${JSON.stringify(bundleFile)});
      const alice = api.generateKeyring(1);
      const bob = api.generateKeyring(1);
      const carol = api.generateKeyring(1);
      const { groupKey } = api.generateGroupKey([alice.entries[0].publicKey, bob.entries[0].publicKey]);
      const store = new api.MemoryBlockStore();
      const data = new Uint8Array(600_000).map((_, i) => (i * 7) & 255);
      const { root } = await api.storeEncrypted(store, [data], {
        groupKey, keyrings: [{ keyring: alice }], keyIndex: new api.MemoryKeyIndex(),
      });
      const parts = [];
      for await (const p of api.readContent(store, root, { keyrings: [{ keyring: bob }] })) parts.push(p);
      const back = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0; for (const p of parts) { back.set(p, o); o += p.length; }
      let other = 'read';
      try { for await (const _ of api.readContent(store, root, { keyrings: [{ keyring: carol }] })); }
      catch (e) { other = e.name; }
      console.log(JSON.stringify({
        backend: api.crypto().name,
        same: back.length === data.length && back.every((b, i) => b === data[i]),
        root: api.encodeBase58(root).length > 40,
        other,
      }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      backend: 'js',
      same: true,
      root: true,
      other: 'NoMatchingKeyError',
    });
  });
});
