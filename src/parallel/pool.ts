/**
 * A small worker-thread pool for block work. Each worker owns the buffers it is sent
 * (they are transferred, never shared: sodium-native rejects SharedArrayBuffer views).
 * Small inputs never start it: {@link BlockRunner.inline} runs jobs on the main thread.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { crypto } from '../crypto/index.js';
import { FormatError, Hbs2Error, IntegrityError, NotFoundError, UsageError } from '../errors.js';
import { jobSlack, runBlockJob, type BlockJob, type BlockResult } from './jobs.js';

/** Something that runs block jobs, in a pool or inline. */
export interface BlockRunner {
  /**
   * Runs a job; the job's `data` buffer may be transferred and must not be reused. With
   * `wholeBuffer`, the caller also gives up everything else in `data.buffer` (no other
   * view of it is in use), so it is sent as it is rather than copied.
   */
  run(job: BlockJob, opts?: { wholeBuffer?: boolean }): Promise<BlockResult>;
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

/**
 * A pool of `size` workers (default: available parallelism) using the current backend.
 * @param size - how many worker threads
 * @returns the pool (close it when done)
 */
export function workerPool(size = availableParallelism()): BlockRunner {
  const backend = crypto().name;
  const workers: Worker[] = [];
  const load: number[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 0;
  const url = new URL('./worker.js', import.meta.url);
  for (let i = 0; i < size; i++) {
    const w = new Worker(url, { workerData: { backend } });
    w.unref();
    w.on(
      'message',
      (msg: {
        id: number;
        block?: Uint8Array;
        hash?: Uint8Array;
        error?: string;
        hint?: string;
        exitCode?: number;
      }) => {
        load[i]!--;
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(workerError(msg.error, msg.hint, msg.exitCode));
        else p.resolve(msg.hash ? { block: msg.block!, hash: msg.hash } : { block: msg.block! });
      },
    );
    w.on('error', (e) => {
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
    workers.push(w);
    load.push(0);
  }
  return {
    parallelism: size,
    run(job, opts) {
      // Least-loaded worker; ties go to the lowest index.
      let best = 0;
      for (let i = 1; i < workers.length; i++) if (load[i]! < load[best]!) best = i;
      const id = nextId++;
      // Room for the MAC (and method 2's CBOR framing) lets the worker return the
      // ciphertext in the same buffer.
      const data = ownBuffer(job.data, jobSlack(job.op), opts?.wholeBuffer ?? false);
      const sent = { ...job, data } as BlockJob;
      return new Promise<BlockResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        load[best]!++;
        workers[best]!.postMessage({ id, job: sent }, [data.buffer as ArrayBuffer]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** The error classes a worker's failure is rebuilt as, by exit code. */
const ERROR_CLASSES: Record<number, typeof Hbs2Error> = {
  2: UsageError,
  3: FormatError,
  4: IntegrityError,
  6: NotFoundError,
};

/** A worker's failure as the same family of error on this side (plain Hbs2Error otherwise). */
function workerError(message: string, hint: string | undefined, exitCode?: number): Hbs2Error {
  const Class = (exitCode !== undefined && ERROR_CLASSES[exitCode]) || Hbs2Error;
  return new Class(message, { hint });
}

/**
 * A view at the start of an ArrayBuffer it alone uses, with `slack` spare bytes after it,
 * so that it can be transferred and the result written back into it. Copies when `a` is
 * part of a bigger buffer (transferring that would detach the caller's other views),
 * unless the caller said the `whole` buffer is the job's.
 */
function ownBuffer(a: Uint8Array, slack: number, whole: boolean): Uint8Array {
  const fits = whole
    ? a.byteLength + slack <= a.buffer.byteLength
    : a.byteLength + slack === a.buffer.byteLength;
  if (a.byteOffset === 0 && fits && a.buffer instanceof ArrayBuffer) return a;
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
