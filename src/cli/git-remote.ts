/**
 * `git-remote-hbs2tk`: the gitremote-helpers(7) push/fetch protocol over an encrypted
 * repository in a store. Stdout carries the protocol and nothing else; every failure is
 * one `hbs2: error: …` line on stderr and the CLI's exit code.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { parseBase58Key } from '../acb/key.js';
import { encodeBase58 } from '../codec/base58.js';
import { IntegrityError, UsageError } from '../errors.js';
import { DEFAULT_SKEW_SECONDS } from '../git/chain.js';
import { fetchObjects } from '../git/fetch.js';
import { runGit, type GitEnv } from '../git/git-process.js';
import { pushRefs, type RefUpdateRequest } from '../git/push.js';
import { openRepoView, type RepoView } from '../git/view.js';
import type { Hbs2Store } from '../store/open.js';
import type { KeyringSource } from '../groupkey/open.js';
import { workerPool, type BlockRunner } from '../parallel/pool.js';
import { availableParallelism } from 'node:os';
import type { CliContext } from './context.js';
import { reportError } from './errors.js';
import { chooseSigner, openGitStores } from './git-stores.js';
import { loadKeyringsFromPaths } from './keyrings.js';
import { resolveKeyringPaths, resolveStorePath } from './settings.js';
import { closeSharedPool, sharedPool } from './shared-pool.js';

/** The URL scheme of this helper (not `hbs2://`: hbs2-git's helper owns that one). */
export const GIT_URL_SCHEME = 'hbs2tk://';

/** The repository key of an `hbs2tk://KEY` URL. */
export function parseGitUrl(url: string): Uint8Array {
  if (!url.startsWith(GIT_URL_SCHEME))
    throw new UsageError(`not an ${GIT_URL_SCHEME} URL: ${JSON.stringify(url)}`);
  return parseBase58Key(url.slice(GIT_URL_SCHEME.length).replace(/\/+$/, ''), 'repository key');
}

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

/** Options set by `option` lines. */
interface HelperOptions {
  dryRun: boolean;
  force: boolean;
  atomic: boolean;
  leases: Map<string, string | null>;
}

const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 };

/**
 * Unquotes a C-style quoted protocol argument (git's `quote_c_style`: names with odd or
 * non-ASCII bytes come as `"…"` with `\\`, `\"`, `\n`… and octal `\303\251` bytes of UTF-8).
 */
export function unquote(s: string): string {
  if (!s.startsWith('"') || !s.endsWith('"') || s.length < 2) return s;
  const bytes: number[] = [];
  const body = Buffer.from(s.slice(1, -1), 'utf8');
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b !== 0x5c) {
      bytes.push(b);
      continue;
    }
    const next = String.fromCharCode(body[++i] ?? 0);
    const octal = body.subarray(i, i + 3).toString('latin1');
    if (/^[0-3][0-7]{2}$/.test(octal)) {
      bytes.push(parseInt(octal, 8));
      i += 2;
    } else bytes.push(C_ESCAPES[next] ?? next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses `push [+]src:dst`. */
export function parsePushLine(spec: string, forceAll: boolean): RefUpdateRequest {
  const force = spec.startsWith('+');
  const body = force ? spec.slice(1) : spec;
  const colon = body.lastIndexOf(':');
  if (colon < 0) throw new UsageError(`bad push refspec from git: ${JSON.stringify(spec)}`);
  const src = unquote(body.slice(0, colon));
  return {
    src: src === '' ? null : src,
    dst: unquote(body.slice(colon + 1)),
    force: force || forceAll,
  };
}

/** One helper session: the repository, the keys, and the view computed by `list`. */
class Session {
  private view: RepoView | null = null;
  readonly opts: HelperOptions = { dryRun: false, force: false, atomic: false, leases: new Map() };

  private writable: Hbs2Store | null = null;

  constructor(
    readonly stores: Hbs2Store,
    readonly repoKey: Uint8Array,
    readonly keyrings: readonly KeyringSource[],
    readonly git: GitEnv,
    readonly stateFile: string | null,
  ) {}

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** The repository as it is now; refuses an owner head older than one seen before. */
  async load(): Promise<RepoView> {
    const view = await openRepoView(this.stores, this.repoKey, {
      keyrings: this.keyrings,
      now: this.now(),
      skew: DEFAULT_SKEW_SECONDS,
      runner: lazyPool,
    });
    await this.checkNotRolledBack(view.head.ref.seq);
    this.view = view;
    return view;
  }

  private async checkNotRolledBack(seq: bigint): Promise<void> {
    if (!this.stateFile) return;
    const seen = await fs.readFile(this.stateFile, 'utf8').then(
      (t) => BigInt(t.trim() || '0'),
      () => 0n,
    );
    if (seq < seen)
      throw new IntegrityError(
        `repository ${encodeBase58(this.repoKey)}: the owner head went back from seq ${seen} to ${seq} (the store was rolled back)`,
      );
    await fs.mkdir(path.dirname(this.stateFile), { recursive: true });
    await fs.writeFile(this.stateFile, `${seq}\n`);
  }

  async list(): Promise<string[]> {
    const view = await this.load();
    const lines = [...view.tipRefs.refs].map(([name, oid]) => `${oid} ${name}`);
    if (view.tipRefs.head && view.tipRefs.refs.has(view.tipRefs.head))
      lines.push(`@${view.tipRefs.head} HEAD`);
    return lines;
  }

  async fetch(wanted: string[]): Promise<void> {
    await fetchObjects(this.view ?? (await this.load()), this.git, wanted);
  }

  async push(specs: string[]): Promise<string[]> {
    const view = this.view ?? (await this.load());
    const updates = specs.map((s) => parsePushLine(s, this.opts.force));
    const now = this.now();
    // Opened for writing only now: a clone or fetch never needs a writable store.
    this.writable ??= await openGitStores(this.stores.location, true);
    const res = await pushRefs(this.writable, this.repoKey, {
      keyrings: this.keyrings,
      now,
      skew: DEFAULT_SKEW_SECONDS,
      signer: chooseSigner(this.keyrings, view.record.acb, now),
      git: this.git,
      updates,
      leases: this.opts.leases,
      dryRun: this.opts.dryRun,
      atomic: this.opts.atomic,
      runner: lazyPool,
    });
    this.view = null;
    return res.outcomes.map((o) => (o.ok ? `ok ${o.dst}` : `error ${o.dst} ${o.reason}`));
  }

  async close(): Promise<void> {
    await this.writable?.close();
    await this.stores.close();
  }

  /** Answers an `option` line. */
  option(name: string, value: string): string {
    const on = value === 'true';
    switch (name) {
      case 'dry-run':
        this.opts.dryRun = on;
        return 'ok';
      case 'force':
        this.opts.force = on;
        return 'ok';
      case 'atomic':
        this.opts.atomic = on;
        return 'ok';
      case 'cas': {
        const v = unquote(value);
        const colon = v.indexOf(':');
        if (colon < 0) return 'error cas needs <ref>:<expected>';
        const expected = v.slice(colon + 1);
        this.opts.leases.set(v.slice(0, colon), /^0*$/.test(expected) ? null : expected);
        return 'ok';
      }
      case 'progress':
      case 'verbosity':
      case 'followtags':
      case 'cloning':
        return 'ok';
      default:
        return 'unsupported';
    }
  }
}

/** Writes protocol lines to stdout (only here). */
function send(lines: readonly string[]): Promise<void> {
  const text = lines.map((l) => l + '\n').join('');
  return new Promise((resolve, reject) =>
    process.stdout.write(text, (e) => (e ? reject(e) : resolve())),
  );
}

/** Reads the commands git sends and answers them, batch by batch. */
async function serve(session: Session): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const lines = rl[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    return r.done ? null : r.value;
  };
  /** The lines of a batch starting with `first`, up to the blank line. */
  const batch = async (first: string) => {
    const out = [first];
    for (let l = await next(); l !== null && l !== ''; l = await next()) out.push(l);
    return out;
  };
  try {
    for (let line = await next(); line !== null && line !== ''; line = await next()) {
      const [cmd, ...rest] = line.split(' ');
      if (cmd === 'capabilities') await send(['fetch', 'push', 'option', '']);
      else if (cmd === 'list') await send([...(await session.list()), '']);
      else if (cmd === 'option')
        await send([session.option(rest[0] ?? '', rest.slice(1).join(' '))]);
      else if (cmd === 'fetch') {
        const wanted = (await batch(line)).map((l) => l.split(' ')[1]!);
        await session.fetch(wanted);
        await send(['']);
      } else if (cmd === 'push') {
        const specs = (await batch(line)).map((l) => l.slice('push '.length));
        await send([...(await session.push(specs)), '']);
      } else throw new UsageError(`unsupported remote helper command ${JSON.stringify(cmd)}`);
    }
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
    const stores = await openGitStores(storeDir, false);
    const session = new Session(stores, repoKey, keyrings, git, stateFile);
    try {
      await serve(session);
    } finally {
      await session.close();
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
