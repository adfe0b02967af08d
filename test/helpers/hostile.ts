/**
 * Helpers of the reliability suites (test/hostile, test/crash): async spawns of the built
 * CLI with a hard timeout, a small concurrency pool, directory snapshots (to prove that a
 * failing command leaves its inputs alone), the clean-error contract of spec/cli.md, blocks
 * placed straight into a store, and SIGKILL-at-a-random-moment runs.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeBase58 } from '../../src/codec/base58.js';
import { jsCrypto } from '../../src/crypto/index.js';

/** The built CLI entry point (`npx tsc -p tsconfig.build.json` first). */
export const BIN = path.resolve(__dirname, '../../bin/hbs2.js');

/** Hard limit for one CLI run of the hostile suite. */
export const RUN_TIMEOUT_MS = 20_000;

/** What one CLI run produced. */
export interface Run {
  /** Exit code, or null when killed by a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** True when the run hit its timeout and was killed. */
  timedOut: boolean;
}

/** Options of {@link runHbs2}. */
export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Bytes for stdin; stdin is closed (empty) when absent. */
  input?: string | Uint8Array;
  timeoutMs?: number;
}

/** The environment a test CLI run gets: its own store and config home inside `dir`. */
export function hbs2Env(dir: string, store = path.join(dir, 'store')): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HBS2_STORE: store,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
    HBS2_DEBUG: '',
  };
}

/** Runs `node bin/hbs2.js ...args` asynchronously; a run past the timeout is SIGKILLed. */
export function runHbs2(args: readonly string[], opts: RunOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? RUN_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A command that exits before reading stdin makes the write fail with EPIPE: harmless.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
  });
}

/** Runs `tasks` with at most `limit` of them in flight; results in task order. */
export async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Relative path (with `/`) → SHA-256 hex of every regular file under `dir`. */
export function snapshotDir(dir: string): Map<string, string> {
  const snap = new Map<string, string>();
  const walk = (abs: string, rel: string): void => {
    for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, ent.name);
      const r = rel === '' ? ent.name : `${rel}/${ent.name}`;
      if (ent.isDirectory()) walk(a, r);
      else if (ent.isFile())
        snap.set(r, createHash('sha256').update(fs.readFileSync(a)).digest('hex'));
      else snap.set(r, `<${ent.isSymbolicLink() ? 'symlink' : 'special'}>`);
    }
  };
  walk(dir, '');
  return snap;
}

/** What changed between two snapshots. */
export interface SnapshotDiff {
  changed: string[];
  removed: string[];
  added: string[];
}

/** Compares snapshots taken before and after a run. */
export function diffSnapshots(
  before: Map<string, string>,
  after: Map<string, string>,
): SnapshotDiff {
  const diff: SnapshotDiff = { changed: [], removed: [], added: [] };
  for (const [p, h] of before) {
    const now = after.get(p);
    if (now === undefined) diff.removed.push(p);
    else if (now !== h) diff.changed.push(p);
  }
  for (const p of after.keys()) if (!before.has(p)) diff.added.push(p);
  return diff;
}

/**
 * The clean-failure contract of spec/cli.md, as a list of violations (empty = clean):
 * finished in time, exit code among `codes`, stderr's first line is the one and only
 * `hbs2: error:` line, no stack trace.
 */
export function errorContractViolations(r: Run, codes: readonly number[]): string[] {
  const v: string[] = [];
  if (r.timedOut) v.push('timed out (killed)');
  if (r.status === null || !codes.includes(r.status))
    v.push(`exit ${r.status ?? `signal ${r.signal}`}, expected ${codes.join(' or ')}`);
  const lines = r.stderr.split('\n');
  if (!(lines[0] ?? '').startsWith('hbs2: error:'))
    v.push(`first stderr line is not 'hbs2: error:': ${JSON.stringify(lines[0])}`);
  const errorLines = lines.filter((l) => l.startsWith('hbs2: error:')).length;
  if (errorLines !== 1) v.push(`${errorLines} 'hbs2: error:' lines`);
  if (lines.some((l) => /^\s+at /.test(l))) v.push('stack trace on stderr');
  if (/internal error/.test(r.stderr)) v.push('internal error reported');
  return v;
}

/** The base58 name of a block: BLAKE2b-256 of its bytes. */
export function blockName(bytes: Uint8Array): string {
  return encodeBase58(jsCrypto.blake2b256(bytes));
}

/**
 * Writes `bytes` straight into `<store>/blocks/<c>/<rest>` (hbs2's layout), named by its
 * hash unless `name` is given; returns the name. Bypasses every writer check on purpose.
 */
export function putBlock(store: string, bytes: Uint8Array, name = blockName(bytes)): string {
  const f = path.join(store, 'blocks', name[0]!, name.slice(1));
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, bytes);
  return name;
}

/** How a {@link killAtRandom} run ended. */
export interface KillOutcome {
  /** The delay before the SIGKILL, in ms. */
  delayMs: number;
  /** True when the signal arrived before the process exited on its own. */
  killed: boolean;
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns the CLI with `args`, waits a random 0..maxDelayMs ms, then SIGKILLs it (unless it
 * already exited). The building block of every crash trial; the rotate trial the lead will
 * add is one more call of this with `['rotate', …]`.
 */
export function killAtRandom(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  maxDelayMs: number,
  cwd: string = process.cwd(),
  input?: string | Uint8Array,
): Promise<KillOutcome> {
  const delayMs = Math.floor(Math.random() * (maxDelayMs + 1));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let exited = false;
    let killed = false;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => {
      if (!exited) killed = child.kill('SIGKILL');
    }, delayMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', () => {
      exited = true;
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        delayMs,
        killed: killed && status === null,
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/**
 * Stores a file of random bytes of each size in `sizes` (`hbs2 store`, with `env`'s store)
 * before a crash trial, removing the file afterwards; throws if a store fails.
 * @returns each printed root with its content, and how long the last store took (ms)
 */
export async function storeSamples(
  dir: string,
  env: NodeJS.ProcessEnv,
  sizes: readonly number[],
): Promise<{ stored: Array<[string, Buffer]>; lastMs: number }> {
  const stored: Array<[string, Buffer]> = [];
  let lastMs = 0;
  for (const size of sizes) {
    const f = path.join(dir, `before-${size}`);
    const data = randomBytes(size);
    fs.writeFileSync(f, data);
    const t0 = performance.now();
    const r = await runHbs2(['store', '--no-progress', f], { cwd: dir, env });
    if (r.status !== 0) throw new Error(`store of ${size} bytes failed: ${r.stderr}`);
    lastMs = performance.now() - t0;
    stored.push([r.stdout.toString().trim(), data]);
    fs.rmSync(f);
  }
  return { stored, lastMs };
}

/**
 * Runs `hbs2 ARGS` to completion on a copy of the store at `prefix` to time it, then on
 * the store itself, SIGKILLed at a random moment within 1.2 × that time (the copy
 * included); throws if the timed run fails.
 */
export async function killAtRandomAfterTiming(
  args: readonly string[],
  dir: string,
  prefix: string,
): Promise<KillOutcome> {
  const t0 = performance.now();
  const copy = `${prefix}-timing`;
  fs.cpSync(prefix, copy, { recursive: true });
  const timed = await runHbs2(args, { cwd: dir, env: hbs2Env(dir, copy) });
  if (timed.status !== 0)
    throw new Error(`timing run of ${args.join(' ')} failed: ${timed.stderr}`);
  return killAtRandom(args, hbs2Env(dir, prefix), (performance.now() - t0) * 1.2, dir);
}
