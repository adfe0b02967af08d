/**
 * A one-line progress indicator on stderr for long store/cat runs. It appears only when
 * stderr is a terminal, progress is not disabled, and the work has run for half a second.
 */
import type { CliContext } from './context.js';
import { isQuiet } from './output.js';
import { onInterrupt } from './io/temp-files.js';
import { cliConfig } from './settings.js';

/** Receives progress; `finish` erases the line. */
export interface Progress {
  /** Reports the bytes (or items) done so far. */
  update(done: number): void;
  /** Removes the indicator (call on success and on failure). */
  finish(): void;
}

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  label: string;
  /** Total bytes (or items) when known (shows a percentage). */
  total?: number;
  /** What is counted: bytes (default; sizes and a rate) or items (files, blocks). */
  unit?: 'bytes' | 'items';
  enabled: boolean;
  /** Where to draw (default process.stderr). */
  stream?: NodeJS.WriteStream;
}

const DELAY_MS = 500;
const REDRAW_MS = 100;

/** Human-readable byte count (KiB, MiB, …). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

const NOOP: Progress = { update: () => undefined, finish: () => undefined };

/** A progress indicator, or a no-op one when disabled. */
export function createProgress(opts: ProgressOptions): Progress {
  if (!opts.enabled) return NOOP;
  const stream = opts.stream ?? process.stderr;
  const start = Date.now();
  const amount = opts.unit === 'items' ? (n: number) => `${n}` : formatBytes;
  let lastDraw = 0;
  let drawn = false;
  const erase = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  // Interrupted (Ctrl-C) with the line drawn: erase it so the prompt starts clean.
  const forget = onInterrupt(erase);
  return {
    update(done) {
      const now = Date.now();
      if (now - start < DELAY_MS || now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      const rate = done / Math.max(0.001, (now - start) / 1000);
      let line = `${opts.label} ${amount(done)}`;
      if (opts.total !== undefined && opts.total > 0)
        line += ` / ${amount(opts.total)} (${Math.min(100, Math.floor((100 * done) / opts.total))}%)`;
      line += opts.unit === 'items' ? `  ${Math.round(rate)}/s` : `  ${formatBytes(rate)}/s`;
      stream.write(`\r\x1b[K${line}`);
      drawn = true;
    },
    finish() {
      erase();
      forget();
    },
  };
}

/**
 * Whether progress may be shown: stderr is a TTY, `--no-progress` was not given, and the
 * config's `progress` is not `never`.
 */
export async function progressEnabled(
  ctx: CliContext,
  flag: boolean | undefined,
): Promise<boolean> {
  // A terminal that cannot move the cursor (TERM=dumb, Emacs shells) gets no escape codes.
  if (flag === false || isQuiet() || !process.stderr.isTTY || ctx.env.TERM === 'dumb') return false;
  try {
    return (await cliConfig(ctx)).progress !== 'never';
  } catch {
    return true;
  }
}

/**
 * Runs `body` with a progress line (shown when {@link progressEnabled} says so for `flag`),
 * and erases the line however `body` ends.
 */
export async function withProgress<T>(
  ctx: CliContext,
  flag: boolean | undefined,
  line: Omit<ProgressOptions, 'enabled' | 'stream'>,
  body: (p: Progress) => Promise<T>,
): Promise<T> {
  const p = createProgress({ ...line, enabled: await progressEnabled(ctx, flag) });
  try {
    return await body(p);
  } finally {
    p.finish();
  }
}
