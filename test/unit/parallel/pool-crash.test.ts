/**
 * A worker that dies fails its pool loudly: every pending job rejects with an error that
 * says so, later jobs reject at once, nothing hangs. The workers are real threads (the
 * built worker.js, or a small script that crashes), killed or crashing mid-flight.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { poolOf } from '../../../dist/parallel/pool.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const WORKER = new URL('../../../dist/parallel/worker.js', import.meta.url);
const blockWorker = () => new Worker(WORKER, { workerData: { backend: 'js' } });
/** A worker running `body` (CommonJS) for every message it gets. */
const scriptWorker = (body: string) =>
  new Worker(`require('node:worker_threads').parentPort.on('message', () => { ${body} });`, {
    eval: true,
  });
const exited = (w: Worker) => new Promise<number>((resolve) => w.once('exit', resolve));
const hashJob = (i: number) => ({ op: 'hash' as const, data: xorshiftBytes(262_144, i) });

describe('a pool whose worker dies', () => {
  it('killed mid-flight: every pending job rejects naming the worker, later jobs too', async () => {
    const workers = [blockWorker(), blockWorker()];
    const pool = poolOf(workers);
    const second = exited(workers[1]!);
    const jobs = Array.from({ length: 12 }, (_, i) => pool.run(hashJob(i)));
    // Worker 1 has jobs it cannot have answered yet (nothing ran since they were posted).
    void workers[0]!.terminate();
    const settled = await Promise.allSettled(jobs);
    const reasons = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    expect(reasons.length).toBeGreaterThanOrEqual(6);
    for (const e of reasons) expect(e.message).toMatch(/block worker 1 of 2 stopped unexpectedly/);
    // The pool is broken for good: no job waits on a worker that is gone.
    await expect(pool.run(hashJob(99))).rejects.toThrow(/stopped unexpectedly/);
    // …and it stopped the worker that was still alive.
    await second;
    await pool.close();
  });

  it('an uncaught error in a worker rejects the pending job with that error as the cause', async () => {
    const pool = poolOf([scriptWorker("throw new TypeError('boom');")]);
    const e = (await pool.run(hashJob(1)).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(
      /block worker 1 of 1 stopped unexpectedly \(uncaught TypeError: boom\)/,
    );
    expect((e.cause as Error).name).toBe('TypeError');
    await pool.close();
  });

  it('a worker that exits rejects with its exit code', async () => {
    const pool = poolOf([scriptWorker('process.exit(3);')]);
    await expect(pool.run(hashJob(2))).rejects.toThrow(/\(exit code 3\)/);
    await pool.close();
  });

  it('closing the pool with jobs in flight rejects them instead of leaving them pending', async () => {
    const pool = poolOf([scriptWorker('/* never answers */')]);
    const job = pool.run(hashJob(3));
    await pool.close();
    await expect(job).rejects.toThrow(/closed with jobs in flight/);
    await expect(pool.run(hashJob(4))).rejects.toThrow(/closed/);
  });
});
