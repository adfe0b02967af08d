/**
 * Temp files the CLI is writing right now (the not-yet-renamed `-o` outputs). While any
 * exists, SIGINT and SIGTERM unlink them synchronously and then let the signal end the
 * process as it would have (the shell sees 130 or 143): a killed `cat -o` must not leave a
 * plaintext copy of an encrypted file behind.
 */
import { unlinkSync } from 'node:fs';

const live = new Set<string>();
/** Other cleanups to run on interruption (erasing a progress line). */
const cleanups = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function onSignal(signal: NodeJS.Signals): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // A cleanup that fails must not keep the files below from being removed.
    }
  }
  cleanups.clear();
  for (const file of live) {
    try {
      unlinkSync(file);
    } catch {
      // Already gone (renamed or removed): nothing to clean.
    }
  }
  live.clear();
  uninstall();
  // Re-raised with the default action restored, so the parent sees a death by signal.
  process.kill(process.pid, signal);
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
}

function install(): void {
  if (live.size === 0 && cleanups.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstallIfIdle(): void {
  if (live.size === 0 && cleanups.size === 0) uninstall();
}

/** Records a temp file to remove if the process is interrupted before it is untracked. */
export function trackTempFile(file: string): void {
  install();
  live.add(file);
}

/** Forgets a temp file (renamed into place or removed); the last one restores the default. */
export function untrackTempFile(file: string): void {
  if (!live.delete(file)) return;
  uninstallIfIdle();
}

/**
 * Runs `cleanup` (synchronously) if SIGINT or SIGTERM arrives before the returned function
 * is called; used to erase a progress line so the shell prompt starts on a clean line.
 */
export function onInterrupt(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    if (cleanups.delete(cleanup)) uninstallIfIdle();
  };
}
