/**
 * gc's exclusion on S3, where there is no lock file: a readers–writer lock made of objects.
 * gc holds `PREFIX/.hbs2-refs.lock`, created with `If-None-Match: *` (one gc at a time);
 * each ref update (a pin, an lwwref) holds an object of its own under
 * `PREFIX/.hbs2-ref-writers/`. Each side writes its own object and then looks for the
 * other side's: S3 reads and listings see every write that was answered before them, so
 * of a gc and a ref update that start together at least one sees the other.
 *
 * A ref update that sees gc's lock removes its object and waits for gc to end; gc that
 * sees ref updates' objects waits, holding its lock so that no new update starts, until
 * they are gone. Either fails after 30 s with a UsageError saying to retry. So no ref is
 * written while gc computes what is live and deletes the rest, as the local layouts' refs
 * lock ensures: a pin added during gc is recorded after it (when its blocks are still
 * there), never between its mark and its sweep.
 *
 * A holder rewrites its object every minute; one not rewritten for 5 minutes, by the
 * server's clock (`Date` against `Last-Modified`, so the hosts' clocks do not matter),
 * belongs to a killed command and is ignored by the other side. So a killed gc does not
 * stop every `store`, nor a killed `store` every gc. A stale gc lock still stops another
 * gc, which names it (as before: two gcs breaking one stale lock could both win).
 */
import { toHex } from '../../codec/hex.js';
import { crypto } from '../../crypto/index.js';
import { UsageError } from '../../errors.js';
import type { S3Client } from './client.js';

/** Name of gc's lock object under the store prefix. */
export const S3_LOCK_NAME = '.hbs2-refs.lock';
/** Folder (under the store prefix) of the objects ref updates hold. */
export const S3_REF_WRITERS = '.hbs2-ref-writers/';

/** The lock's durations (tests shorten them). */
export interface S3LockTiming {
  /** How long either side waits for the other before failing (default 30 s). */
  waitMs?: number;
  /** How often a waiting side looks again (default 0.5 s). */
  pollMs?: number;
  /** How often a holder rewrites its object to show it is alive (default 60 s). */
  refreshMs?: number;
  /** A lock object not rewritten for this long is a killed holder's (default 5 min). */
  staleMs?: number;
}

/** The two sides of an S3 store's lock. */
export interface S3StoreLocks {
  /** Runs `fn` (gc) while no other gc and no ref update runs. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` (a ref update) while no gc runs; ref updates run side by side. */
  shared<T>(fn: () => Promise<T>): Promise<T>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The server's clock when it sent `headers` (ms), or NaN without a `Date` header. */
const serverDate = (headers: Headers) => Date.parse(headers.get('date') ?? '');

/**
 * The locks of the S3 store under `prefix`.
 * @param client - the store's bucket
 * @param prefix - the store's key prefix (empty or ending in `/`)
 * @param timing - how long to wait, how often to look and to rewrite, when a lock is stale
 * @returns the exclusive (gc) and shared (ref update) sides
 */
export function s3StoreLocks(
  client: S3Client,
  prefix: string,
  timing: S3LockTiming = {},
): S3StoreLocks {
  const { waitMs = 30_000, pollMs = 500, refreshMs = 60_000, staleMs = 300_000 } = timing;
  const gcLock = `${prefix}${S3_LOCK_NAME}`;
  const writers = `${prefix}${S3_REF_WRITERS}`;
  const url = (key: string) => `s3://${client.bucket}/${key}`;
  const store = url(prefix);
  const holder = () => new TextEncoder().encode(`${new Date().toISOString()} pid ${process.pid}\n`);
  const write = (key: string) => client.send({ method: 'PUT', key, body: holder() });
  const remove = (key: string) => client.send({ method: 'DELETE', key, accept: [404] });
  const isStale = (lastModified: number, now: number) => now - lastModified > staleMs;

  /** Rewrites `key` every `refreshMs` until stopped; stopping waits for a rewrite under way. */
  const keepAlive = (key: string) => {
    let rewriting: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      rewriting = write(key).catch(() => undefined);
    }, refreshMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      // Else a rewrite answered after the delete would leave the object behind.
      await rewriting;
    };
  };

  /** Runs `fn` holding `key` (already written), then deletes it. */
  const holding = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const stop = keepAlive(key);
    try {
      return await fn();
    } finally {
      await stop();
      await remove(key);
    }
  };

  /** Polls `ready` until it holds; after `waitMs`, throws what `busy` makes. */
  const waitFor = async (ready: () => Promise<boolean>, busy: () => Promise<Error>) => {
    const end = Date.now() + waitMs;
    while (!(await ready())) {
      if (Date.now() > end) throw await busy();
      await sleep(pollMs);
    }
  };

  /** Whether a live gc holds its lock (a stale one is a killed gc's). */
  const gcIsRunning = async () => {
    const res = await client.send({ method: 'HEAD', key: gcLock, accept: [404] });
    if (res.status === 404) return false;
    const written = Date.parse(res.headers.get('last-modified') ?? '');
    return !isStale(written, serverDate(res.headers));
  };

  /** The live ref writers' objects; `serverNow` gives the server's clock. */
  const liveWriters = async (serverNow: () => number) => {
    const keys: string[] = [];
    for await (const o of client.list(writers))
      if (!isStale(o.lastModified, serverNow())) keys.push(o.key);
    return keys;
  };

  return {
    async exclusive(fn) {
      // The server's clock minus ours, from gc's own lock write: listings carry no Date.
      let skew = 0;
      const tryLock = async () => {
        const res = await client.send({
          method: 'PUT',
          key: gcLock,
          body: holder(),
          headers: { 'if-none-match': '*' },
          accept: [409, 412],
        });
        skew = (serverDate(res.headers) || Date.now()) - Date.now();
        return res.status < 300;
      };
      await waitFor(tryLock, async () => {
        return new UsageError(`the store ${store} is locked by another gc (${url(gcLock)})`, {
          hint: `retry when it ends; if no hbs2 gc is running on it, delete ${url(gcLock)}`,
        });
      });
      const serverNow = () => Date.now() + skew;
      return holding(gcLock, async () => {
        // Holding the lock, no new ref update starts: wait for those already running.
        await waitFor(
          async () => (await liveWriters(serverNow)).length === 0,
          async () => {
            const n = (await liveWriters(serverNow)).length;
            return new UsageError(
              `refs of ${store} are being written (${n} lock object${n === 1 ? '' : 's'} under ${url(writers)}); gc deleted nothing`,
              {
                hint: `retry when they end; if no hbs2 command is writing to it, delete the objects under ${url(writers)}`,
              },
            );
          },
        );
        return fn();
      });
    },

    async shared(fn) {
      const mine = `${writers}${Date.now()}-${toHex(crypto().randomBytes(8))}`;
      const enter = async () => {
        await write(mine);
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
      return holding(mine, fn);
    },
  };
}
