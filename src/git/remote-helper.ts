/**
 * The gitremote-helpers(7) protocol of `git-remote-hbs2tk` over an encrypted repository in
 * a store: `capabilities`, `option`, `list`, `fetch` and `push` batches, read as lines and
 * answered as lines. Where the lines come from and go to (stdin and stdout for git) is the
 * caller's; so are the store location, the keyrings and the process's exit code.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeBase58 } from '../codec/base58.js';
import { IntegrityError, UsageError } from '../errors.js';
import type { KeyringSource } from '../groupkey/open.js';
import type { BlockRunner } from '../parallel/pool.js';
import { openStore, type Hbs2Store } from '../store/open.js';
import { DEFAULT_SKEW_SECONDS } from './chain.js';
import { fetchObjects } from './fetch.js';
import type { GitEnv } from './git-process.js';
import { pushRefs, type RefUpdateRequest } from './push.js';
import { pushSigner } from './signers.js';
import { openRepoView, type RepoView } from './view.js';

/** What a helper session works on. */
export interface RemoteHelperOptions {
  /** The store holding the repository, opened for reading (the caller closes it). */
  stores: Hbs2Store;
  repoKey: Uint8Array;
  keyrings: readonly KeyringSource[];
  /** The git repository the objects are fetched into and pushed from. */
  git: GitEnv;
  /**
   * File remembering the highest owner head seq seen, so that a store rolled back to an
   * older head is refused; null keeps no memory.
   */
  stateFile: string | null;
  /** Encrypts and decrypts packs (default inline). */
  runner?: BlockRunner;
  /**
   * Opens the store for writing, on the first push (default: `openStore` of the reading
   * store's location); the session closes it.
   */
  openWritable?: () => Promise<Hbs2Store>;
}

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
 * @param s - the argument as git sent it
 * @returns the argument unquoted (unchanged when it is not quoted)
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

/**
 * Parses the refspec of a `push [+]src:dst` line.
 * @param spec - the line after `push `
 * @param forceAll - whether `option force true` was given
 * @returns the update git asks for (src null: delete dst)
 * @throws {@link UsageError} when the refspec has no colon
 */
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
  private readonly opts: HelperOptions = {
    dryRun: false,
    force: false,
    atomic: false,
    leases: new Map(),
  };
  private writable: Hbs2Store | null = null;

  constructor(private readonly o: RemoteHelperOptions) {}

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** The repository as it is now; refuses an owner head older than one seen before. */
  private async load(): Promise<RepoView> {
    const view = await openRepoView(this.o.stores, this.o.repoKey, {
      keyrings: this.o.keyrings,
      now: this.now(),
      skew: DEFAULT_SKEW_SECONDS,
      runner: this.o.runner,
    });
    await this.checkNotRolledBack(view.head.ref.seq);
    this.view = view;
    return view;
  }

  private async checkNotRolledBack(seq: bigint): Promise<void> {
    const stateFile = this.o.stateFile;
    if (!stateFile) return;
    const seen = await fs.readFile(stateFile, 'utf8').then(
      (t) => BigInt(t.trim() || '0'),
      () => 0n,
    );
    if (seq < seen)
      throw new IntegrityError(
        `repository ${encodeBase58(this.o.repoKey)}: the owner head went back from seq ${seen} to ${seq} (the store was rolled back)`,
      );
    await fs.mkdir(path.dirname(stateFile), { recursive: true });
    await fs.writeFile(stateFile, `${seq}\n`);
  }

  async list(): Promise<string[]> {
    const view = await this.load();
    const lines = [...view.tipRefs.refs].map(([name, oid]) => `${oid} ${name}`);
    if (view.tipRefs.head && view.tipRefs.refs.has(view.tipRefs.head))
      lines.push(`@${view.tipRefs.head} HEAD`);
    return lines;
  }

  async fetch(wanted: string[]): Promise<void> {
    await fetchObjects(this.view ?? (await this.load()), this.o.git, wanted);
  }

  async push(specs: string[]): Promise<string[]> {
    const view = this.view ?? (await this.load());
    const updates = specs.map((s) => parsePushLine(s, this.opts.force));
    const now = this.now();
    // Opened for writing only now: a clone or fetch never needs a writable store.
    this.writable ??= await (this.o.openWritable
      ? this.o.openWritable()
      : openStore(this.o.stores.location, { write: true }));
    const res = await pushRefs(this.writable, this.o.repoKey, {
      keyrings: this.o.keyrings,
      now,
      skew: DEFAULT_SKEW_SECONDS,
      signer: pushSigner(this.o.keyrings, view.record.acb, now),
      git: this.o.git,
      updates,
      leases: this.opts.leases,
      dryRun: this.opts.dryRun,
      atomic: this.opts.atomic,
      runner: this.o.runner,
    });
    this.view = null;
    return res.outcomes.map((o) => (o.ok ? `ok ${o.dst}` : `error ${o.dst} ${o.reason}`));
  }

  async close(): Promise<void> {
    await this.writable?.close();
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

/**
 * Answers the commands git sends, batch by batch, until a blank line or the end of input:
 * `capabilities`, `option NAME VALUE`, `list`, a `fetch` batch, a `push` batch.
 * @param input - the lines git sends, without their newlines
 * @param send - writes answer lines (each gets a newline); resolves once written
 * @param opts - the repository, keys and store of the session
 * @returns once git has said all it had to
 * @throws {@link UsageError} on a command the helper does not know; the library's typed
 *   errors of a failed list, fetch or push
 */
export async function runRemoteHelper(
  input: AsyncIterable<string>,
  send: (lines: readonly string[]) => Promise<void>,
  opts: RemoteHelperOptions,
): Promise<void> {
  const session = new Session(opts);
  const lines = input[Symbol.asyncIterator]();
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
    await session.close();
  }
}
