/**
 * gc's exclusion on S3, where there is no lock file: a readers–writer lock made of objects.
 * gc holds `PREFIX/.hbs2-refs.lock`, created with `If-None-Match: *` (one gc at a time);
 * each ref update (a pin, an lwwref) holds an object of its own under
 * `PREFIX/.hbs2-ref-writers/`. Each side writes its own object first and then looks for
 * the other side's: S3 reads and listings see every write that was answered before them,
 * so of a gc and a ref update that start together at least one sees the other.
 *
 * A ref update that sees gc's lock removes its object and waits for gc to end; gc that
 * sees ref updates' objects waits, holding its lock so that no new update starts, until
 * they are gone. Either fails after 30 s with a UsageError saying to retry. So no ref is
 * written while gc computes what is live and deletes the rest, as the local layouts' refs
 * lock ensures: a pin added during gc is recorded after it (when its blocks are still
 * there), never between its mark and its sweep.
 */
import { toHex } from '../../codec/hex.js';
import { crypto } from '../../crypto/index.js';
import { UsageError } from '../../errors.js';
import type { S3Client } from './client.js';

/** Name of gc's lock object under the store prefix. */
export const S3_LOCK_NAME = '.hbs2-refs.lock';
/** Folder (under the store prefix) of the objects ref updates hold. */
export const S3_REF_WRITERS = '.hbs2-ref-writers/';

/** How long either side waits for the other (default 30 s), and how often it looks. */
export interface S3LockTiming {
  waitMs?: number;
  pollMs?: number;
}

/** The two sides of an S3 store's lock. */
export interface S3StoreLocks {
  /** Runs `fn` (gc) while no other gc and no ref update runs. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` (a ref update) while no gc runs; ref updates run side by side. */
  shared<T>(fn: () => Promise<T>): Promise<T>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The locks of the S3 store under `prefix`.
 * @param client - the store's bucket
 * @param prefix - the store's key prefix (empty or ending in `/`)
 * @param timing - how long to wait for the other side (tests shorten it)
 * @returns the exclusive (gc) and shared (ref update) sides
 */
export function s3StoreLocks(
  client: S3Client,
  prefix: string,
  timing: S3LockTiming = {},
): S3StoreLocks {
  const waitMs = timing.waitMs ?? 30_000;
  const pollMs = timing.pollMs ?? 500;
  const gcLock = `${prefix}${S3_LOCK_NAME}`;
  const writers = `${prefix}${S3_REF_WRITERS}`;
  const url = (key: string) => `s3://${client.bucket}/${key}`;
  const store = url(prefix);
  const holder = () => new TextEncoder().encode(`${new Date().toISOString()} pid ${process.pid}\n`);
  const remove = (key: string) => client.send({ method: 'DELETE', key, accept: [404] });

  /** Creates gc's lock object; false when another gc holds it. */
  const tryGcLock = async () =>
    (
      await client.send({
        method: 'PUT',
        key: gcLock,
        body: holder(),
        headers: { 'if-none-match': '*' },
        accept: [409, 412],
      })
    ).status < 300;

  const gcIsRunning = async () =>
    (await client.send({ method: 'HEAD', key: gcLock, accept: [404] })).status !== 404;

  const writerLocks = async () => {
    const keys: string[] = [];
    for await (const o of client.list(writers)) keys.push(o.key);
    return keys;
  };

  /** Polls `ready` until it holds; after `waitMs`, throws what `busy` makes. */
  const waitFor = async (ready: () => Promise<boolean>, busy: () => Promise<Error>) => {
    const end = Date.now() + waitMs;
    while (!(await ready())) {
      if (Date.now() > end) throw await busy();
      await sleep(pollMs);
    }
  };

  return {
    async exclusive(fn) {
      await waitFor(tryGcLock, async () => {
        return new UsageError(`the store ${store} is locked by another gc (${url(gcLock)})`, {
          hint: `retry when it ends; if no hbs2 gc is running on it, delete ${url(gcLock)}`,
        });
      });
      try {
        // Holding the lock, no new ref update starts: wait for those already running.
        await waitFor(
          async () => (await writerLocks()).length === 0,
          async () => {
            const n = (await writerLocks()).length;
            return new UsageError(
              `refs of ${store} are being written (${n} lock object${n === 1 ? '' : 's'} under ${url(writers)}); gc deleted nothing`,
              {
                hint: `retry when they end; if no hbs2 command is writing to it, delete the objects under ${url(writers)}`,
              },
            );
          },
        );
        return await fn();
      } finally {
        await remove(gcLock);
      }
    },

    async shared(fn) {
      const mine = `${writers}${Date.now()}-${toHex(crypto().randomBytes(8))}`;
      const enter = async () => {
        await client.send({ method: 'PUT', key: mine, body: holder() });
        const running = await gcIsRunning().catch(async (e: unknown) => {
          await remove(mine).catch(() => undefined);
          throw e;
        });
        if (!running) return true;
        // gc may not have seen this object: step back so it can go on, and try again.
        await remove(mine);
        return false;
      };
      await waitFor(enter, async () => {
        return new UsageError(`a gc is running on ${store}; retry when it ends`, {
          hint: `if no hbs2 gc is running on it, delete ${url(gcLock)}`,
        });
      });
      try {
        return await fn();
      } finally {
        await remove(mine);
      }
    },
  };
}
