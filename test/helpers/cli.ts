/**
 * Helpers of the CLI suites (test/cli): a synchronous run of the built CLI inside a test's
 * temp dir, and the temp dir itself. The environment comes from {@link hbs2Env} of
 * hostile.ts, so every suite (sync or async) gives the CLI the same isolated store and
 * config home.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { BIN, hbs2Env } from './hostile.js';

/** Options of {@link runCli}. */
export interface CliOptions {
  /** Bytes for stdin; stdin is closed (empty) when absent. */
  input?: string | Uint8Array;
  /** The store (HBS2_STORE): relative to the temp dir, or absolute. Default `store`. */
  store?: string;
  /** Variables to add or override; a variable set to `undefined` is removed. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Working directory; default the temp dir. */
  cwd?: string;
  /** Return stdout as bytes ({@link CliBytesRun}) rather than text ({@link CliRun}). */
  bytes?: boolean;
}

/** A run whose stdout is read as text. */
export interface CliRun {
  /** Exit code, or null when killed (e.g. by the timeout). */
  status: number | null;
  /** Stdout decoded as UTF-8. */
  stdout: string;
  stderr: string;
  /** Stdout as the bytes the CLI wrote. */
  raw: Buffer;
}

/** A run whose stdout is compared as bytes (`cat` of binary data). */
export interface CliBytesRun {
  /** Exit code, or null when killed (e.g. by the timeout). */
  status: number | null;
  /** Stdout as the bytes the CLI wrote. */
  stdout: Buffer;
  /** Stdout decoded as UTF-8. */
  out: string;
  stderr: string;
}

/** Room for the largest `cat` of the suites (a few MB) with a wide margin. */
const MAX_BUFFER = 64 * 1024 * 1024;
/** A hung command fails its test instead of blocking the run (vitest's own limit is 60 s). */
const TIMEOUT_MS = 50_000;

/**
 * Runs `node bin/hbs2.js ...args` synchronously in `dir` (the test's temp dir), with the
 * store and config home of {@link hbs2Env} inside it. Build first:
 * `npx tsc -p tsconfig.build.json`.
 */
export function runCli(
  dir: string,
  args: readonly string[],
  opts: CliOptions & { bytes: true },
): CliBytesRun;
export function runCli(
  dir: string,
  args: readonly string[],
  opts?: CliOptions & { bytes?: false },
): CliRun;
export function runCli(
  dir: string,
  args: readonly string[],
  opts: CliOptions = {},
): CliRun | CliBytesRun {
  const env = { ...hbs2Env(dir, path.resolve(dir, opts.store ?? 'store')), ...opts.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? dir,
    input: opts.input ?? '',
    env,
    maxBuffer: MAX_BUFFER,
    timeout: TIMEOUT_MS,
  });
  const text = r.stdout.toString('utf8');
  const stderr = r.stderr.toString('utf8');
  return opts.bytes
    ? { status: r.status, stdout: r.stdout, out: text, stderr }
    : { status: r.status, stdout: text, stderr, raw: r.stdout };
}

/**
 * Gives the suite a fresh temp dir (`hbs2-*` under the OS temp dir), made in a `beforeAll`
 * and removed in an `afterAll`. Call it at the top of the file, before hooks that use the
 * dir: vitest runs `beforeAll` hooks in the order they were registered (and `afterAll`
 * hooks in reverse). Returns a getter, since the dir exists only once the hook ran.
 */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-'));
  });
  afterAll(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('useTempDir: the temp dir is used outside a test');
    return dir;
  };
}

/** What {@link expectOneError} reads of a run (either result shape). */
interface FailedRun {
  status: number | null;
  stdout: string | Uint8Array;
  stderr: string;
}

/**
 * Asserts a failure as the CLI contract has it: exit `code`, exactly one `hbs2: error:`
 * line (containing `text` when given), no stack trace; with `emptyStdout`, nothing on
 * stdout either.
 */
export function expectOneError(
  r: FailedRun,
  code: number,
  opts: { text?: string; emptyStdout?: boolean } = {},
): void {
  expect(r.status, r.stderr).toBe(code);
  if (opts.emptyStdout) expect(r.stdout.length, 'stdout').toBe(0);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('hbs2: error:'));
  expect(errors).toHaveLength(1);
  if (opts.text !== undefined) expect(errors[0]).toContain(opts.text);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** The CLI bound to one suite's temp dir: see {@link cliIn}. */
export interface SuiteCli {
  /** Runs `hbs2 ...args` with the store `store` (default `store`), stdout as bytes. */
  run(args: readonly string[], store?: string): CliBytesRun;
  /** Runs, expects exit 0 (the stderr is the failure message) and returns trimmed stdout. */
  ok(args: readonly string[], store?: string): string;
}

/** {@link runCli} for a suite whose temp dir is `dir()` (from {@link useTempDir}). */
export function cliIn(dir: () => string): SuiteCli {
  const run = (args: readonly string[], store = 'store'): CliBytesRun =>
    runCli(dir(), args, { store, bytes: true });
  return {
    run,
    ok(args, store) {
      const r = run(args, store);
      expect(r.status, `hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.out.trim();
    },
  };
}
