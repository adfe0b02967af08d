/**
 * `git-remote-hbs2tk`: runs the library's gitremote-helpers(7) protocol
 * (src/git/remote-helper.ts) on stdin and stdout. This side finds the store and keyrings
 * (git config, the toolkit's config, the environment), wires the streams, and turns a
 * failure into one `hbs2: error: …` line on stderr and the CLI's exit code. Stdout carries
 * the protocol and nothing else.
 */
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { encodeBase58 } from '../codec/base58.js';
import { UsageError } from '../errors.js';
import { runGit, type GitEnv } from '../git/git-process.js';
import { runRemoteHelper } from '../git/remote-helper.js';
import { parseGitUrl } from '../git/url.js';
import { workerPool, type BlockRunner } from '../parallel/pool.js';
import { openStore } from '../store/open.js';
import { availableParallelism } from 'node:os';
import type { CliContext } from './context.js';
import { reportError } from './errors.js';
import { loadKeyringsFromPaths } from './keyrings.js';
import { resolveKeyringPaths, resolveStorePath } from './settings.js';
import { closeSharedPool, sharedPool } from './shared-pool.js';

/** The values of a git config key (empty when unset). */
async function gitConfig(git: GitEnv, key: string): Promise<string[]> {
  const run = await runGit(git, ['config', '--get-all', key]);
  return run.code === 0
    ? run.stdout
        .toString()
        .split('\n')
        .filter((l) => l !== '')
    : [];
}

/**
 * The process's worker pool, started only when a large pack is encrypted or decrypted:
 * starting workers costs more than a small push or a fetch with nothing to do.
 */
const lazyPool: BlockRunner = {
  get parallelism() {
    return availableParallelism();
  },
  run: (job, opts) => sharedPool(() => workerPool()).run(job, opts),
  close: () => closeSharedPool(),
};

/** Writes protocol lines to stdout (only here). */
function send(lines: readonly string[]): Promise<void> {
  const text = lines.map((l) => l + '\n').join('');
  return new Promise((resolve, reject) =>
    process.stdout.write(text, (e) => (e ? reject(e) : resolve())),
  );
}

/** Runs the protocol with git's commands on stdin, answering on stdout. */
async function serveStdio(opts: Parameters<typeof runRemoteHelper>[2]): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    await runRemoteHelper(rl, send, opts);
  } finally {
    // git keeps our stdin open: without this an error would leave the helper waiting.
    rl.close();
    process.stdin.destroy();
  }
}

/** Runs the helper with git's arguments (remote name, URL); resolves to the exit code. */
export async function gitRemoteMain(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const ctx: CliContext = { env };
  try {
    const [remote, urlArg] = argv;
    if (!remote) throw new UsageError('usage: git-remote-hbs2tk <remote> [<url>] (run by git)');
    const url = urlArg ?? remote;
    const repoKey = parseGitUrl(url);
    const git: GitEnv = { env };
    const named = !remote.includes('://');
    const cfg = (key: string) =>
      named ? gitConfig(git, `remote.${remote}.${key}`) : Promise.resolve([]);
    const storeDir = await resolveStorePath(ctx, (await cfg('hbs2-store'))[0]);
    const keyringPaths = await resolveKeyringPaths(ctx, await cfg('hbs2-keyring'));
    const keyrings = keyringPaths.length > 0 ? await loadKeyringsFromPaths(keyringPaths) : [];
    const gitDir = env.GIT_DIR;
    const stateFile = gitDir
      ? path.join(path.resolve(gitDir), 'hbs2tk', `${encodeBase58(repoKey)}.owner-seq`)
      : null;
    const stores = await openStore(storeDir, { write: false });
    try {
      await serveStdio({ stores, repoKey, keyrings, git, stateFile, runner: lazyPool });
    } finally {
      await stores.close();
    }
    return 0;
  } catch (e) {
    const report = reportError(e, env.HBS2_DEBUG === '1');
    process.stderr.write(report.lines.join('\n') + '\n');
    return report.exitCode;
  } finally {
    await closeSharedPool();
  }
}
