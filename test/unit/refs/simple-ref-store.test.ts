/** The simple-layout ref store: hbs2's paths and bytes, durable updates, the writer lock. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBase58, encodeBase58 } from '../../../src/codec/base58.js';
import { FormatError, Hbs2Error } from '../../../src/errors.js';
import { REFS_LOCK_NAME, SimpleRefStore, setRef } from '../../../src/refs/index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-refs-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** §8: the LWW ref key hash k and the box hash it points to. */
const K = decodeBase58('DyX17JgwdK79WrcFMiavVK8HXVNrVqyYhkbSUiNT37ha');
const V = decodeBase58('HR8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q');
const refFile = (): string => path.join(dir, 'refs/D/yX17JgwdK79WrcFMiavVK8HXVNrVqyYhkbSUiNT37ha');

describe('SimpleRefStore', () => {
  it('writes hbs2’s file: refs/<c>/<rest>, base58 text, no newline (spec §3 example)', async () => {
    const refs = new SimpleRefStore(dir);
    expect(await refs.getRef(K)).toBeNull();
    await setRef(refs, K, V);
    expect(fs.readFileSync(refFile(), 'latin1')).toBe(
      'HR8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q',
    );
    expect(await refs.getRef(K)).toEqual(V);
    // Nothing else is left behind: no temp file, no lock file.
    expect(fs.readdirSync(path.dirname(refFile()))).toEqual([path.basename(refFile())]);
    expect(fs.existsSync(path.join(dir, REFS_LOCK_NAME))).toBe(false);
  });

  it('reads a ref file hbs2 wrote', async () => {
    fs.mkdirSync(path.dirname(refFile()), { recursive: true });
    fs.writeFileSync(refFile(), 'HR8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q');
    expect(encodeBase58((await new SimpleRefStore(dir).getRef(K))!)).toBe(
      'HR8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q',
    );
  });

  it('a damaged ref file is a FormatError on read, and an update replaces it', async () => {
    fs.mkdirSync(path.dirname(refFile()), { recursive: true });
    fs.writeFileSync(refFile(), 'HR8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q\n');
    const refs = new SimpleRefStore(dir);
    await expect(refs.getRef(K)).rejects.toThrow(FormatError);
    let seen: Uint8Array | null | undefined;
    await refs.updateRef(K, async (current) => {
      seen = current;
      return V;
    });
    expect(seen).toBeNull();
    expect(await refs.getRef(K)).toEqual(V);
  });

  it('any ref file content reads as a 32-byte value or a FormatError', async () => {
    const refs = new SimpleRefStore(dir);
    fs.mkdirSync(path.dirname(refFile()), { recursive: true });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.constant(V), fc.constant(new Uint8Array(33))),
        async (bytes) => {
          // Raw bytes, or the base58 text of a hash-sized (or not) value.
          const text = bytes.length >= 32 ? encodeBase58(bytes) : Buffer.from(bytes);
          fs.writeFileSync(refFile(), text);
          try {
            expect(await refs.getRef(K)).toHaveLength(32);
          } catch (e) {
            expect(e).toBeInstanceOf(FormatError);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decide returning null or the same value writes nothing', async () => {
    const refs = new SimpleRefStore(dir);
    await setRef(refs, K, V);
    const before = fs.statSync(refFile()).ino;
    expect(await refs.updateRef(K, async () => null)).toEqual(V);
    expect(await refs.updateRef(K, async (c) => c)).toEqual(V);
    expect(fs.statSync(refFile()).ino).toBe(before);
  });

  it('delRef removes the file and reports whether it was there', async () => {
    const refs = new SimpleRefStore(dir);
    await setRef(refs, K, V);
    expect(await refs.delRef(K)).toBe(true);
    expect(await refs.delRef(K)).toBe(false);
    expect(await refs.getRef(K)).toBeNull();
  });

  it('serialises writers of separate store objects: no read-modify-write is lost', async () => {
    // Each writer adds one to a counter kept in the ref's first byte; a lost update
    // would leave less than the number of writers.
    const writers = 24;
    const bump = (refs: SimpleRefStore) =>
      refs.updateRef(K, async (current) => {
        const next = new Uint8Array(32);
        next[0] = (current?.[0] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 1)); // widen the race window
        return next;
      });
    await Promise.all(Array.from({ length: writers }, () => bump(new SimpleRefStore(dir))));
    expect((await new SimpleRefStore(dir).getRef(K))![0]).toBe(writers);
  });

  it('breaks the lock of a process that no longer exists', async () => {
    fs.mkdirSync(dir, { recursive: true });
    // A pid above Linux's pid_max (2^22) cannot be running.
    fs.writeFileSync(path.join(dir, REFS_LOCK_NAME), `${(1 << 22) + 7} ${os.hostname()} x\n`);
    await setRef(new SimpleRefStore(dir), K, V);
    expect(await new SimpleRefStore(dir).getRef(K)).toEqual(V);
    expect(fs.readdirSync(dir).sort()).toEqual(['refs']);
  });

  it('waits for a live holder, then fails with one clear error and writes nothing', async () => {
    fs.writeFileSync(path.join(dir, REFS_LOCK_NAME), `${process.pid} ${os.hostname()} x\n`);
    const refs = new SimpleRefStore(dir, { lock: { timeoutMs: 100 } });
    const err = await setRef(refs, K, V).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Hbs2Error);
    expect((err as Error).message).toBe(
      `${path.join(dir, REFS_LOCK_NAME)} is held by another writer (process ${process.pid})`,
    );
    expect(fs.existsSync(refFile())).toBe(false);
    expect(fs.readFileSync(path.join(dir, REFS_LOCK_NAME), 'utf8')).toContain(`${process.pid} `);
  });
});
