/**
 * The gateway dies in the middle of a `store`: the command ends with one clean error
 * naming the object it was writing (no stack, no hang), and once the gateway is back a
 * re-run completes and the file reads back byte-identically. Build first.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { useTempDir } from '../helpers/cli.js';
import { hbs2Env, runHbs2 } from '../helpers/hostile.js';
import { killRgw, startRgw } from './ceph.mjs';
import { ceph, describeS3, s3Env, testClient, useBucket } from './helpers.js';

const dir = useTempDir();
const bucket = useBucket('outage');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describeS3('radosgw killed mid-store', () => {
  let down = false;
  afterAll(async () => {
    if (down) await startRgw(ceph!.dir);
  });

  it('gives a clean error, and a re-run after the restart completes', async () => {
    const data = randomBytes(24 * 1024 * 1024);
    fs.writeFileSync(path.join(dir(), 'big.bin'), data);
    const env = { ...hbs2Env(dir()), ...s3Env(), HBS2_STORE: `s3://${bucket()}/st` };
    const run = (args: string[]) => runHbs2(args, { cwd: dir(), env, timeoutMs: 120_000 });

    const first = run(['store', 'big.bin']);
    // Kill once the store is under way (some blocks are in the bucket).
    const client = testClient(bucket());
    for (let n = 0; n < 8;) {
      n = 0;
      for await (const _ of client.list('st/blocks/')) n++;
      await new Promise((r) => setTimeout(r, 50));
    }
    killRgw(ceph!.dir);
    down = true;
    const r = await first;
    expect(r.timedOut).toBe(false);
    expect(r.status, r.stderr).toBe(7); // the I/O exit code
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('hbs2: error:'));
    expect(errors, r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`s3://${bucket()}/st/`));
    expect(errors[0]).toMatch(/failed after \d+ attempts/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout.length).toBe(0);

    await startRgw(ceph!.dir);
    down = false;
    const second = await run(['store', 'big.bin']);
    expect(second.status, second.stderr).toBe(0);
    const root = second.stdout.toString().trim();
    const cat = await run(['cat', root]);
    expect(cat.status, cat.stderr).toBe(0);
    expect(sha(cat.stdout)).toBe(sha(data));
  }, 180_000);
});
