/**
 * Moving a store between the simple layout and NCQ3 (spec ncq3-storage §13), in place.
 *
 * simple → NCQ3 does what `hbs2-peer migrate` does (§13.3): blocks and refs are copied
 * into `<prefix>/ncq3`, progress is logged in `ncq3/0/migrate-ss.log` (`block B58`,
 * `ref B58`, then `finished`), then the marker `ss-ncq3-done` is written and `blocks/`,
 * `refs/` are renamed `.blocks.backup`, `.refs.backup` — so hbs2-peer starts on the result
 * and reads nothing twice. Unlike hbs2, a block file that does not hash to its name stops
 * the migration (naming it) instead of being deleted: `hbs2 fsck --repair` quarantines it.
 *
 * NCQ3 → simple copies every live block and ref into `blocks/` and `refs/` (the marker
 * keeps NCQ3 the store meanwhile), then renames `ncq3` to `.ncq3.backup` and removes the
 * marker, so hbs2-peer 0.25 asks for a migration again instead of starting on an empty
 * store.
 *
 * Both are idempotent and resumable: every block is checked by hash before and after the
 * copy, and a killed run is repeated from the start of what is not yet durable (until the
 * marker is written the layout is still the simple one, see layout.ts).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { IntegrityError } from '../errors.js';
import { fileError, fsyncDir } from '../fsutil.js';
import { listSimpleRefs } from '../refs/list-simple-refs.js';
import { SimpleRefStore } from '../refs/simple-ref-store.js';
import { FsBlockStore } from './fs.js';
import { hashToString } from './hash.js';
import { MIGRATION_DONE_MARKER, MIGRATION_LOG, probeStoreLayout } from './layout.js';
import { NcqBlockStore } from './ncq3/store.js';
import { workdirOf } from './ncq3/writer.js';

/** What a migration did. */
export interface MigrateResult {
  /** False when the store was already in the target layout. */
  migrated: boolean;
  /** Blocks copied by this run (blocks already there are verified, not counted). */
  blocks: number;
  /** Blocks verified in the target. */
  verified: number;
  refs: number;
}

/** Bytes copied between two durable points of a simple → NCQ3 run (and its log). */
const FLUSH_EVERY = 64 * 1024 * 1024;

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

async function touch(file: string): Promise<void> {
  try {
    await (await fs.open(file, 'a')).close();
  } catch (e) {
    throw fileError(e, file);
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  if (!(await exists(from))) return;
  let target = to;
  for (let i = 1; await exists(target); i++) target = `${to}.${i}`;
  try {
    await fs.rename(from, target);
  } catch (e) {
    throw fileError(e, from);
  }
}

/** Appends lines to the migration log and makes them durable. */
async function logLines(log: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const fh = await fs.open(log, 'a');
  try {
    await fh.write(lines.map((l) => `${l}\n`).join(''));
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Copies the simple-layout store at `prefix` into NCQ3 in place (see the module comment). */
export async function migrateToNcq3(prefix: string): Promise<MigrateResult> {
  prefix = path.resolve(prefix);
  const result: MigrateResult = { migrated: false, blocks: 0, verified: 0, refs: 0 };
  const log = path.join(workdirOf(prefix), MIGRATION_LOG);
  const logText = await fs.readFile(log, 'latin1').catch(() => '');
  if (/^finished$/m.test(logText)) return result;
  if ((await probeStoreLayout(prefix)) === 'ncq3' && !(await exists(path.join(prefix, 'blocks'))))
    if (!logText) return result; // a store that was NCQ3 already
  const logged = new Set(
    logText
      .split('\n')
      .filter((l) => l.startsWith('block '))
      .map((l) => l.slice(6)),
  );
  const source = new FsBlockStore(prefix);
  const ncq = await NcqBlockStore.open(prefix, { write: true });
  try {
    let pending: string[] = [];
    let bytes = 0;
    const durable = async () => {
      await ncq.flush();
      await logLines(log, pending);
      pending = [];
      bytes = 0;
    };
    for await (const h of source.hashes()) {
      const name = hashToString(h);
      if (logged.has(name) || (await ncq.has(h))) continue;
      const block = await source.get(h).catch((e: unknown) => {
        if (e instanceof IntegrityError)
          e.hint =
            'nothing was deleted; `hbs2 fsck --repair` quarantines bad blocks, then migrate again';
        throw e;
      });
      if (block === null) continue; // removed meanwhile
      if (block.length === 0) continue; // NCQ3 cannot hold it (hbs2 reads it as deleted)
      await ncq.put(block, h);
      pending.push(`block ${name}`);
      result.blocks++;
      bytes += block.length;
      if (bytes >= FLUSH_EVERY) await durable();
    }
    await durable();
    const refs = new SimpleRefStore(prefix);
    for await (const { key, value } of listSimpleRefs(refs)) {
      await ncq.updateRef(key, async () => value);
      pending.push(`ref ${hashToString(key)}`);
      result.refs++;
    }
    await durable();
    result.verified = await verifyCopied(source, ncq);
  } finally {
    await ncq.close();
  }
  await touch(path.join(prefix, MIGRATION_DONE_MARKER));
  await renameIfPresent(path.join(prefix, 'blocks'), path.join(prefix, '.blocks.backup'));
  await renameIfPresent(path.join(prefix, 'refs'), path.join(prefix, '.refs.backup'));
  await fsyncDir(prefix);
  await logLines(log, ['finished']);
  await touch(path.join(prefix, MIGRATION_DONE_MARKER));
  result.migrated = true;
  return result;
}

/** Every block of `source` reads back from `target` with its hash checked. */
async function verifyCopied(
  source: Pick<FsBlockStore, 'hashes' | 'sizeOf'>,
  target: Pick<NcqBlockStore, 'get'> | Pick<FsBlockStore, 'get'>,
): Promise<number> {
  let n = 0;
  for await (const h of source.hashes()) {
    if ((await source.sizeOf(h)) === 0) continue;
    if ((await target.get(h)) === null)
      throw new IntegrityError(`block ${hashToString(h)} is missing after the copy`, {
        hint: 'nothing was removed; run the migration again',
      });
    n++;
  }
  return n;
}

/** Copies the NCQ3 store at `prefix` back into the simple layout (see the module comment). */
export async function migrateToSimple(prefix: string): Promise<MigrateResult> {
  prefix = path.resolve(prefix);
  const result: MigrateResult = { migrated: false, blocks: 0, verified: 0, refs: 0 };
  if ((await probeStoreLayout(prefix)) !== 'ncq3') return result;
  // Opened for writing only to hold hbs2's lock: nothing may change the source meanwhile.
  const ncq = await NcqBlockStore.open(prefix, { write: true });
  // Block files beside ncq3/ without the marker would make the (partial) copy the store.
  await touch(path.join(prefix, MIGRATION_DONE_MARKER));
  const target = new FsBlockStore(prefix);
  try {
    for await (const h of ncq.hashes()) {
      const block = await ncq.get(h);
      if (block === null) continue;
      if (!(await target.has(h))) result.blocks++;
      await target.put(block, h);
    }
    await target.flush();
    const refs = new SimpleRefStore(prefix);
    for await (const { key, value } of ncq.listRefs()) {
      await refs.updateRef(key, async () => value);
      result.refs++;
    }
    for await (const h of ncq.hashes()) {
      if ((await target.get(h)) === null)
        throw new IntegrityError(`block ${hashToString(h)} is missing after the copy`, {
          hint: 'nothing was removed; run the migration again',
        });
      result.verified++;
    }
  } finally {
    await ncq.close();
  }
  await renameIfPresent(path.join(prefix, 'ncq3'), path.join(prefix, '.ncq3.backup'));
  await fs.rm(path.join(prefix, MIGRATION_DONE_MARKER), { force: true });
  await fsyncDir(prefix);
  result.migrated = true;
  return result;
}
