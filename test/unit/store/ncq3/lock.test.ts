/**
 * The NCQ3 writer's lock is a real flock(2): it conflicts with flock(1) (what hbs2-peer's
 * filelock takes), a second taker fails at once naming the holder, release frees it.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import { lockStore } from '../../../../src/store/ncq3/lock.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Exit status of `flock -n FILE true`: 0 when the lock was free, 1 when held. */
const shellFlock = (file: string) => spawnSync('flock', ['-n', file, 'true']).status;

describe('lockStore', () => {
  it('holds an exclusive flock until released', async () => {
    const file = path.join(dir, '.lock');
    const held = await lockStore(file);
    expect(shellFlock(file)).toBe(1);
    const second = lockStore(file);
    await expect(second).rejects.toThrow(UsageError);
    await expect(second).rejects.toThrow(/locked by another process \(pid \d+/);
    await held.release();
    expect(shellFlock(file)).toBe(0);
    await (await lockStore(file)).release();
  });

  it('fails at once while another process holds it (as a running hbs2-peer would)', async () => {
    const file = path.join(dir, '.lock');
    fs.writeFileSync(file, '');
    // flock(1) holding the lock while `sleep` runs: our take must fail, not wait.
    const holder = spawn('flock', ['-w', '10', file, 'sleep', '30'], { stdio: 'ignore' });
    try {
      while (shellFlock(file) === 0) await new Promise((r) => setTimeout(r, 20));
      await expect(lockStore(file)).rejects.toThrow(/locked by another process/);
    } finally {
      holder.kill();
    }
  });
});
