/**
 * A small worker-thread pool for block work. Each worker owns the buffers it is sent
 * (they are transferred, never shared: sodium-native rejects SharedArrayBuffer views);
 * whether that is the caller's buffer or a copy is the caller's {@link BufferOwnership}.
 * Small inputs never start it: {@link BlockRunner.inline} runs jobs on the main thread.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { crypto } from '../crypto/index.js';
import { jobSlack, runBlockJob, type BlockJob, type BlockResult } from './jobs.js';
import { fromWireError, type WireError } from './wire-error.js';

/**
 * Who owns a job's input buffer once it is given to {@link BlockRunner.run}. Stated by the
 * caller, never guessed from the buffer's shape.
 * - `'borrowed'` (the default): the caller keeps `job.data`; a pool copies it into a
 *   buffer of its own before sending it, so the caller's buffer is never detached or
 *   written.
 * - `'transferred'`: the caller gives up the whole `job.data.buffer` (no other view of it
 *   is used afterwards). A pool sends it as it is, without a copy (it is detached on the
 *   caller's side), and the result may come back in it. The hot paths use this.
 *
 * The inline runner never writes its input, so both mean the same there.
 */
export type BufferOwnership = 'borrowed' | 'transferred';

/** Options of {@link BlockRunner.run}. */
export interface RunOptions {
  /** Who owns `job.data`'s buffer from now on (default `'borrowed'`). */
  ownership?: BufferOwnership;
}

/** Something that runs block jobs, in a pool or inline. */
export interface BlockRunner {
  /**
   * Runs a job. Failures reject with the same error class the job threw (rebuilt from
   * `{name, message, hint}` when it ran in a worker); a worker that died rejects every
   * job of its pool with an error saying so.
   */
  run(job: BlockJob, opts?: RunOptions): Promise<BlockResult>;
  /** How many jobs are worth keeping in flight. */
  readonly parallelism: number;
  close(): Promise<void>;
}

/**
 * Runs jobs on the calling thread (for small inputs, and as the reference).
 * @returns a runner with parallelism 1
 */
export function inlineRunner(): BlockRunner {
  const c = crypto();
  return {
    parallelism: 1,
    run: async (job) => runBlockJob(job, c),
    close: async () => undefined,
  };
}

interface Pending {
  resolve: (r: BlockResult) => void;
  reject: (e: Error) => void;
}

/** What a worker posts back: a result or an error. */
interface WorkerReply {
  id: number;
  block?: Uint8Array;
  hash?: Uint8Array;
  error?: WireError;
}

/**
 * A pool of `size` workers (default: available parallelism) using the current backend.
 * @param size - how many worker threads
 * @returns the pool (close it when done)
 */
export function workerPool(size = availableParallelism()): BlockRunner {
  const backend = crypto().name;
  const url = new URL('./worker.js', import.meta.url);
  return poolOf(Array.from({ length: size }, () => new Worker(url, { workerData: { backend } })));
}

/**
 * A pool over running block workers (`worker.js`). If one of them dies (it exits, or an
 * error escapes it), the pool is broken: every pending job and every later `run` rejects
 * with an error saying which worker stopped and why, and the other workers are stopped.
 * Nothing waits forever on a worker that is gone.
 * @param workers - started workers running `worker.js`
 * @returns the pool (close it when done)
 */
export function poolOf(workers: Worker[]): BlockRunner {
  const load = workers.map(() => 0);
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closing = false;
  let broken: Error | undefined;

  const fail = (i: number, why: string, cause?: unknown) => {
    if (closing || broken) return;
    broken = new Error(
      `block worker ${i + 1} of ${workers.length} stopped unexpectedly (${why}); ` +
        'the jobs in flight were lost',
      cause === undefined ? undefined : { cause },
    );
    for (const p of pending.values()) p.reject(broken);
    pending.clear();
    for (const w of workers) void w.terminate();
  };

  workers.forEach((w, i) => {
    w.unref();
    w.on('message', (msg: WorkerReply) => {
      load[i]!--;
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(fromWireError(msg.error));
      else p.resolve(msg.hash ? { block: msg.block!, hash: msg.hash } : { block: msg.block! });
    });
    w.on('error', (e) => fail(i, `uncaught ${e.name}: ${e.message}`, e));
    w.on('messageerror', (e) => fail(i, `unreadable message: ${e.message}`, e));
    w.on('exit', (code) => fail(i, `exit code ${code}`));
  });

  return {
    parallelism: workers.length,
    run(job, opts) {
      if (broken) return Promise.reject(broken);
      if (closing) return Promise.reject(new Error('the block worker pool is closed'));
      // Least-loaded worker; ties go to the lowest index.
      let best = 0;
      for (let i = 1; i < workers.length; i++) if (load[i]! < load[best]!) best = i;
      const id = nextId++;
      // Room for the MAC (and method 2's CBOR framing) lets the worker return the
      // ciphertext in the same buffer.
      const data = sendable(job.data, jobSlack(job.op), opts?.ownership ?? 'borrowed');
      const sent = { ...job, data } as BlockJob;
      return new Promise<BlockResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        load[best]!++;
        workers[best]!.postMessage({ id, job: sent }, [data.buffer as ArrayBuffer]);
      });
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
      const closed = new Error('the block worker pool was closed with jobs in flight');
      for (const p of pending.values()) p.reject(closed);
      pending.clear();
    },
  };
}

/**
 * The buffer to send for `a`: `a` itself when the caller transferred its buffer and it
 * starts there with `slack` spare bytes after the data (the result is written back into
 * it); otherwise a copy with that room, so a borrowed buffer is never detached.
 */
function sendable(a: Uint8Array, slack: number, ownership: BufferOwnership): Uint8Array {
  const fits = a.byteOffset === 0 && a.byteLength + slack <= a.buffer.byteLength;
  if (ownership === 'transferred' && fits && a.buffer instanceof ArrayBuffer) return a;
  const owned = new Uint8Array(new ArrayBuffer(a.byteLength + slack), 0, a.byteLength);
  owned.set(a);
  return owned;
}

/** Bytes above which starting a pool pays for itself. */
export const POOL_THRESHOLD = 4 * 262_144;

/**
 * A pool for large inputs, the inline runner for small or unknown-small ones.
 * @param expectedBytes - the input size, when known
 * @returns a runner (close it when done)
 */
export function runnerFor(expectedBytes: number | undefined): BlockRunner {
  if (expectedBytes !== undefined && expectedBytes < POOL_THRESHOLD) return inlineRunner();
  if (availableParallelism() < 2) return inlineRunner();
  return workerPool();
}
