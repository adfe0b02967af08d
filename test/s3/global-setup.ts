/**
 * Vitest global setup of the `s3` project (test/s3): starts one single-node Ceph with a
 * RADOS gateway for the whole run and stops it at the end. Without radosgw installed the
 * S3 tests skip with a message, except under CI=true, where a missing install step must
 * not pass unnoticed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { cephInstalled, startCeph, stopCeph, type CephInfo } from './ceph.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running gateway, or null when Ceph is not installed (tests skip). */
    ceph: (CephInfo & { dir: string }) | null;
  }
}

/** The whole cluster comes up in ~18 s here; past this something is wrong. */
const START_TIMEOUT_MS = 90_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!cephInstalled()) {
    if (process.env.CI === 'true')
      throw new Error(
        'CI=true but Ceph (ceph-mon, ceph-osd, radosgw) is not installed: the S3 tests cannot run; .ci/run installs them',
      );
    console.warn(
      'S3 tests skipped: radosgw is not installed (apt-get install ceph-mon ceph-osd radosgw)',
    );
    project.provide('ceph', null);
    return async () => {};
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-ceph-'));
  try {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`Ceph did not start within ${START_TIMEOUT_MS / 1000} s (logs: ${dir}/log)`),
          ),
        START_TIMEOUT_MS,
      );
    });
    const info = await Promise.race([startCeph(dir), deadline]).finally(() => clearTimeout(timer));
    project.provide('ceph', { ...info, dir });
  } catch (e) {
    await stopCeph(dir);
    throw e;
  }
  return () => stopCeph(dir);
}
