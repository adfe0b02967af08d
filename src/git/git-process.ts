/**
 * The local repository, through spawned `git` (no git library): object presence,
 * ancestry, resolving names, and packs written by `git pack-objects` and read by
 * `git index-pack`. Every failure of git is an Hbs2Error carrying git's own message.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Hbs2Error } from '../errors.js';

/** Where and how git runs: the repository's directory and environment (`GIT_DIR`…). */
export interface GitEnv {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A git command that failed; the message is git's stderr (first line). */
export class GitCommandError extends Hbs2Error {}

interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs `git args` with `input` on stdin, collecting its output. */
export function runGit(git: GitEnv, args: readonly string[], input?: string): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: git.cwd, env: git.env, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString(),
      }),
    );
    child.stdin.on('error', () => undefined); // git may exit before reading it all
    child.stdin.end(input ?? '');
  });
}

function failure(args: readonly string[], run: GitRun): GitCommandError {
  const line = run.stderr.trim().split('\n')[0] || `exit status ${run.code}`;
  return new GitCommandError(`git ${args[0]}: ${line}`);
}

/** The subset of `oids` present in the local object database. */
export async function presentObjects(git: GitEnv, oids: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(oids)];
  if (list.length === 0) return new Set();
  const args = ['cat-file', '--batch-check=%(objectname)'];
  const run = await runGit(git, args, list.join('\n') + '\n');
  if (run.code !== 0) throw failure(args, run);
  const lines = run.stdout.toString().split('\n');
  return new Set(list.filter((oid, i) => lines[i] === oid));
}

/** Whether `ancestor` is reachable from `descendant` (both present locally). */
export async function isAncestor(
  git: GitEnv,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  const args = ['merge-base', '--is-ancestor', ancestor, descendant];
  const run = await runGit(git, args);
  if (run.code === 0) return true;
  if (run.code === 1) return false;
  throw failure(args, run);
}

/** The object id a local name (ref, object id) stands for, unpeeled; null when unknown. */
export async function resolveName(git: GitEnv, name: string): Promise<string | null> {
  const run = await runGit(git, ['rev-parse', '--verify', '--quiet', `${name}^{object}`]);
  return run.code === 0 ? run.stdout.toString().trim() : null;
}

/** A running git whose stdout is streamed; `done` settles when it exits. */
interface Streamed {
  output: AsyncIterable<Uint8Array>;
  done: Promise<void>;
}

/**
 * Streams `git pack-objects --revs --thin --stdout` of the objects reachable from
 * `include` and not from `exclude` (a thin pack: deltas may use excluded objects).
 */
export function packObjects(
  git: GitEnv,
  include: readonly string[],
  exclude: readonly string[],
): Streamed {
  const args = ['pack-objects', '--revs', '--thin', '--stdout', '-q', '--delta-base-offset'];
  const child = spawn('git', args, { cwd: git.cwd, env: git.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            failure(args, {
              code: code ?? 1,
              stdout: Buffer.alloc(0),
              stderr: Buffer.concat(err).toString(),
            }),
          ),
    );
  });
  done.catch(() => undefined);
  child.stdin.on('error', () => undefined);
  child.stdin.end([...include, ...exclude.map((x) => `^${x}`)].join('\n') + '\n');
  return { output: child.stdout, done };
}

/**
 * Feeds a pack to `git index-pack --stdin --fix-thin` (completing thin deltas from local
 * objects) and keeps it. Resolves when git has indexed it; a failing source stops git.
 */
export async function indexPack(git: GitEnv, pack: AsyncIterable<Uint8Array>): Promise<void> {
  const args = ['index-pack', '--stdin', '--fix-thin'];
  const child = spawn('git', args, {
    cwd: git.cwd,
    env: git.env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  child.stdin.on('error', () => undefined);
  try {
    for await (const chunk of pack) {
      if (!child.stdin.write(chunk))
        await new Promise<void>((resolve) => {
          child.stdin.once('drain', resolve);
          child.once('close', resolve);
        });
    }
    child.stdin.end();
  } catch (e) {
    // Nothing half-read may be kept: git sees a truncated pack and discards it.
    child.kill('SIGTERM');
    await done;
    throw e;
  }
  const code = await done;
  if (code !== 0)
    throw failure(args, { code, stdout: Buffer.alloc(0), stderr: Buffer.concat(err).toString() });
}

/**
 * Runs `fn` with a new bare git repository in a temp dir, removed afterwards: where
 * objects are fetched to when nobody's repository is at hand (rewriting history).
 * @param env - the environment git runs with (the scratch repository's `GIT_DIR` is added)
 * @param fn - the work, given the scratch repository's git environment
 * @returns what `fn` returns
 * @throws {@link Hbs2Error} when `git init` fails; whatever `fn` throws
 */
export async function withScratchRepo<T>(
  env: NodeJS.ProcessEnv,
  fn: (git: GitEnv) => Promise<T>,
): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hbs2-git-'));
  try {
    const init = await runGit({ cwd: dir, env }, ['init', '-q', '--bare', dir]);
    if (init.code !== 0) throw new Hbs2Error(`git init: ${init.stderr.trim()}`);
    return await fn({ cwd: dir, env: { ...env, GIT_DIR: dir } });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
