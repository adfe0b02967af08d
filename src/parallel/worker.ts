/** Worker-thread entry: runs BlockJobs posted by the pool with the backend it was given. */
import { parentPort, workerData } from 'node:worker_threads';
import { selectCrypto } from '../crypto/index.js';
import { Hbs2Error } from '../errors.js';
import { runBlockJob, type BlockJob } from './jobs.js';

const c = selectCrypto((workerData as { backend: 'js' | 'native' }).backend);

parentPort!.on('message', (msg: { id: number; job: BlockJob }) => {
  try {
    const r = runBlockJob(msg.job, c);
    const transfer = r.block.buffer === msg.job.data.buffer ? [] : [r.block.buffer as ArrayBuffer];
    parentPort!.postMessage({ id: msg.id, block: r.block, hash: r.hash }, transfer);
  } catch (e) {
    const integrity = e instanceof Hbs2Error && e.exitCode === 4;
    parentPort!.postMessage({
      id: msg.id,
      error: e instanceof Error ? e.message : String(e),
      integrity,
    });
  }
});
