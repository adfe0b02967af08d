import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DurableWriteQueue,
  realFileOps,
  type DurableFileOps,
} from '../../../src/store/durable-queue.js';
import { FsBlockStore } from '../../../src/store/fs.js';
import { hashBlock } from '../../../src/store/hash.js';
import { TEMP_PREFIX } from '../../../src/fsutil.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-durable-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A temp file the queue can take: real, open, written; `names` maps it to its path. */
const names = new Map<fs.promises.FileHandle, string>();
async function written(
  sub: string,
  name: string,
  bytes: string,
): Promise<[fs.promises.FileHandle, string]> {
  const d = path.join(dir, sub);
  fs.mkdirSync(d, { recursive: true });
  const tmp = path.join(d, `${TEMP_PREFIX}${name}`);
  const fh = await fs.promises.open(tmp, 'wx');
  await fh.writeFile(bytes);
  names.set(fh, tmp);
  return [fh, tmp];
}

/**
 * The real file-system calls, logged as they complete ("synced", "renamed", "dir synced"),
 * each fsync waiting for `gate` first so a test can hold files between write and fsync.
 */
function recordingOps(): { ops: DurableFileOps; log: string[]; open: () => void } {
  const log: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const ops: DurableFileOps = {
    sync: async (fh) => {
      await gate;
      await realFileOps.sync(fh);
      log.push(`synced ${names.get(fh)}`);
    },
    close: realFileOps.close,
    rename: async (from, to) => {
      // The name must not appear before its bytes were synced.
      expect(log).toContain(`synced ${from}`);
      await realFileOps.rename(from, to);
      log.push(`renamed ${to}`);
    },
    unlink: realFileOps.unlink,
    syncDir: async (d) => {
      await realFileOps.syncDir(d);
      log.push(`dir synced ${d}`);
    },
  };
  return { ops, log, open };
}

const settledYet = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 20));
  return done;
};

describe('DurableWriteQueue', () => {
  it('renames a file only after its fsync, fsyncs each directory once after its renames, and drain waits for all', async () => {
    const { ops, log, open } = recordingOps();
    const q = new DurableWriteQueue({ ops, parallelism: 2 });
    const finals: string[] = [];
    const adds: Promise<void>[] = [];
    for (let i = 0; i < 6; i++) {
      const sub = i % 2 === 0 ? 'a' : 'b';
      const [fh, tmp] = await written(sub, `f${i}`, `content ${i}`);
      const final = path.join(dir, sub, `f${i}`);
      finals.push(final);
      adds.push(q.add(fh, tmp, final));
    }
    const drained = q.drain();
    // Held before fsync: nothing is under a final name, no add and no drain has resolved.
    expect(await settledYet(drained)).toBe(false);
    expect(await settledYet(Promise.race(adds))).toBe(false);
    for (const f of finals) expect(fs.existsSync(f)).toBe(false);

    open();
    await drained;
    await Promise.all(adds);
    for (const [i, f] of finals.entries()) expect(fs.readFileSync(f, 'utf8')).toBe(`content ${i}`);
    expect(fs.readdirSync(path.join(dir, 'a')).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual(
      [],
    );
    const dirSyncs = log.filter((l) => l.startsWith('dir synced'));
    expect(dirSyncs.sort()).toEqual([
      `dir synced ${path.join(dir, 'a')}`,
      `dir synced ${path.join(dir, 'b')}`,
    ]);
    // Every rename precedes every directory fsync.
    const lastRename = Math.max(...finals.map((f) => log.indexOf(`renamed ${f}`)));
    expect(lastRename).toBeLessThan(log.indexOf(dirSyncs[0]!));
  });

  it('runs at most `parallelism` fsyncs at once', async () => {
    let running = 0;
    let most = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const ops: DurableFileOps = {
      ...realFileOps,
      sync: async (fh) => {
        most = Math.max(most, ++running);
        await gate;
        await realFileOps.sync(fh);
        running--;
      },
    };
    const q = new DurableWriteQueue({ ops, parallelism: 2 });
    const adds: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      const [fh, tmp] = await written('d', `f${i}`, 'x');
      adds.push(q.add(fh, tmp, path.join(dir, 'd', `f${i}`)));
    }
    expect(await settledYet(Promise.race(adds))).toBe(false);
    expect(most).toBe(2);
    open();
    await Promise.all(adds);
    await q.drain();
    expect(most).toBe(2);
    expect(fs.readdirSync(path.join(dir, 'd')).sort()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
  });

  it('reports a failed fsync to its add, never renames that file and removes its temp', async () => {
    const failing = new Set<string>();
    const ops: DurableFileOps = {
      ...realFileOps,
      sync: async (fh) => {
        if (failing.has(names.get(fh)!))
          throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        await realFileOps.sync(fh);
      },
    };
    const q = new DurableWriteQueue({ ops });
    const [fh1, tmp1] = await written('d', 'bad', 'bad');
    failing.add(tmp1);
    await expect(q.add(fh1, tmp1, path.join(dir, 'd', 'bad'))).rejects.toThrow(
      /input\/output error/,
    );
    await q.drain();
    expect(fs.readdirSync(path.join(dir, 'd'))).toEqual([]);
    // The queue goes on: the next file is committed.
    const [fh2, tmp2] = await written('d', 'good', 'good');
    await q.add(fh2, tmp2, path.join(dir, 'd', 'good'));
    expect(fs.readdirSync(path.join(dir, 'd'))).toEqual(['good']);
  });
});

describe('FsBlockStore with pooled fsyncs', () => {
  it('puts many blocks at once with every one under its name on return and no temp files after flush', async () => {
    const store = new FsBlockStore(dir, { syncParallelism: 4 });
    const blocks = Array.from({ length: 40 }, (_, i) => new TextEncoder().encode(`block ${i}`));
    const hashes = await Promise.all(blocks.map((b) => store.put(b)));
    for (const [i, h] of hashes.entries())
      expect(fs.readFileSync(store.blockPath(h))).toEqual(Buffer.from(blocks[i]!));
    await store.flush();
    const files = fs.readdirSync(path.join(dir, 'blocks'), { recursive: true }) as string[];
    expect(files.filter((f) => path.basename(f).startsWith(TEMP_PREFIX))).toEqual([]);
    expect(hashes[0]).toEqual(hashBlock(blocks[0]!));
  });
});
