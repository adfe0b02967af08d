/** Worker-thread entry: runs BlockJobs posted by the pool with the backend it was given. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadWasmBlake2b, selectCrypto } from '../crypto/select.js';
import { ownedOutput, runBlockJob, type BlockJob } from './jobs.js';
import { toWireError } from './wire-error.js';

const c = selectCrypto((workerData as { backend: 'js' | 'native' }).backend);
const output = ownedOutput();
// Hashing is most of a worker's work: the native backend uses the faster WebAssembly
// BLAKE2b once loaded (messages wait in the port's queue meanwhile).
if (c.name === 'native') await loadWasmBlake2b();

parentPort!.on('message', (msg: { id: number; job: BlockJob }) => {
  try {
    const r = runBlockJob(msg.job, c, output);
    // The result lives in the buffer the job came in (or a copy): hand it back, not a clone.
    parentPort!.postMessage({ id: msg.id, block: r.block, hash: r.hash }, [
      r.block.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    // The class travels by name, so the caller rethrows the same class.
    parentPort!.postMessage({ id: msg.id, error: toWireError(e) });
  }
});
