import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, progressEnabled } from '../../../src/cli/progress.js';
import { setQuiet } from '../../../src/cli/output.js';

/** A stream that records what is written. */
function recorder(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = {
    write: (s: string) => {
      text += s;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

afterEach(() => {
  vi.useRealTimers();
  setQuiet(false);
});

describe('progress line', () => {
  it('appears after half a second, shows a percentage of a known total, and is erased', () => {
    vi.useFakeTimers({ now: 0 });
    const r = recorder();
    const p = createProgress({ label: 'cat', total: 4096, enabled: true, stream: r.stream });
    p.update(1024);
    expect(r.text()).toBe('');
    vi.setSystemTime(1000);
    p.update(2048);
    expect(r.text()).toBe('\r\x1b[Kcat 2.0 KiB / 4.0 KiB (50%)  2.0 KiB/s');
    p.finish();
    expect(r.text().endsWith('\r\x1b[K')).toBe(true);
  });

  it('counts items (fsck files) without byte units', () => {
    vi.useFakeTimers({ now: 0 });
    const r = recorder();
    const p = createProgress({
      label: 'fsck: files checked',
      unit: 'items',
      enabled: true,
      stream: r.stream,
    });
    vi.setSystemTime(2000);
    p.update(300);
    expect(r.text()).toBe('\r\x1b[Kfsck: files checked 300  150/s');
    p.finish();
  });

  it('is off for TERM=dumb, --quiet, --no-progress and a stderr that is not a terminal', async () => {
    const tty = process.stderr.isTTY;
    try {
      process.stderr.isTTY = true;
      const ctx = (env: NodeJS.ProcessEnv) => ({
        env: { ...env, XDG_CONFIG_HOME: '/nonexistent' },
      });
      expect(await progressEnabled(ctx({ TERM: 'xterm' }), undefined)).toBe(true);
      expect(await progressEnabled(ctx({ TERM: 'dumb' }), undefined)).toBe(false);
      expect(await progressEnabled(ctx({ TERM: 'xterm' }), false)).toBe(false);
      setQuiet(true);
      expect(await progressEnabled(ctx({ TERM: 'xterm' }), undefined)).toBe(false);
      setQuiet(false);
      process.stderr.isTTY = false;
      expect(await progressEnabled(ctx({ TERM: 'xterm' }), undefined)).toBe(false);
    } finally {
      process.stderr.isTTY = tty;
    }
  });
});

describe('progress line on SIGINT', () => {
  it('is erased before the process dies of the signal (run in a child on the built dist/)', () => {
    const dist = path.resolve(import.meta.dirname, '../../../dist/cli/progress.js');
    const script = `
      const { createProgress } = await import(${JSON.stringify(pathToFileURL(dist).href)});
      const realNow = Date.now; let now = realNow(); Date.now = () => now;
      const p = createProgress({ label: 'cat', enabled: true, stream: process.stderr });
      now += 1000; p.update(5000);
      process.kill(process.pid, 'SIGINT');
      setTimeout(() => {}, 5000);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.signal).toBe('SIGINT');
    expect(r.stderr.startsWith('\r\x1b[Kcat ')).toBe(true);
    expect(r.stderr.endsWith('\r\x1b[K')).toBe(true);
  });
});
