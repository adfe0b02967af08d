/**
 * gc against pins added at the same time, on the real RGW: the library's gc runs
 * in-process and a pin is added at its worst moments (between its mark and its sweep;
 * after a pin's blocks were checked but before its ref is written). Whatever the order,
 * no pin may end up naming blocks gc deleted.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { NotFoundError, UsageError } from '../../src/errors.js';
import { gc, type GcResult } from '../../src/pins/gc.js';
import { addPin, listPins, storedSize, type PinStores } from '../../src/pins/pins.js';
import { decodePinRecord, pinRefKey } from '../../src/pins/record.js';
import { openStore, type Hbs2Store } from '../../src/store/open.js';
import { hashToString } from '../../src/store/hash.js';
import {
  S3_LOCK_NAME,
  S3_REF_WRITERS,
  s3StoreLocks,
  type S3StoreLocks,
} from '../../src/store/s3/store-locks.js';
import { writeTree } from '../../src/tree/writer.js';
import { describeS3, keysUnder, s3Connection, testClient, useBucket } from './helpers.js';

const bucket = useBucket('gcpins');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Long enough for a pin to be recorded (or a gc to finish) when nothing holds it back. */
const RACE_MS = 2000;

function openAt(prefix: string): Promise<Hbs2Store> {
  return openStore(`s3://${bucket()}/${prefix}`, { write: true, s3: s3Connection() });
}

/** A 3-block tree no pin keeps yet: gc's garbage unless a pin gets to it first. */
async function unpinnedTree(store: Hbs2Store): Promise<Uint8Array> {
  return (await writeTree(store.blocks, [randomBytes(600_000)])).root;
}

/**
 * The pin `name`, if its ref is set, can be read back: its record and every block its root
 * needs are there (a ref to a deleted record would be a pin `listPins` no longer shows).
 */
async function expectPinIntactOrAbsent(store: Hbs2Store, name: string): Promise<void> {
  const value = await store.refs.getRef(pinRefKey(name));
  if (value === null) return;
  const record = await store.blocks.get(value);
  expect(record, `pin '${name}': its record block`).not.toBeNull();
  const pin = decodePinRecord(record!);
  await expect(storedSize(store.blocks, pin.root), `pin '${name}'`).resolves.toBeGreaterThan(0);
}

/** `p`'s outcome without throwing: 'done' or the error. */
const settled = (p: Promise<unknown>) =>
  p.then(
    () => 'done',
    (e: unknown) => e,
  );

describeS3('gc and pins added meanwhile (S3)', () => {
  it('a pin added between gc’s mark and its sweep waits for the sweep, then is refused', async () => {
    const store = await openAt('between-mark-and-sweep');
    const root = await unpinnedTree(store);
    let pinning: Promise<unknown> | undefined;
    const r = await gc(store, {
      graceMs: 0,
      beforeSweep: async () => {
        pinning = addPin(store, root, 'late');
        pinning.catch(() => undefined);
        await Promise.race([pinning, sleep(RACE_MS)]);
      },
    });
    const outcome = await settled(pinning!);
    await expectPinIntactOrAbsent(store, 'late');
    // The tree was garbage when gc marked: it is gone, so the pin could not be recorded.
    expect(r.reclaimed.hashes.map(hashToString)).toContain(hashToString(root));
    expect(outcome).toBeInstanceOf(NotFoundError);
    expect(await listPins(store)).toEqual([]);
  });

  it('a gc started while a pin is being recorded waits for it, and keeps the pinned tree', async () => {
    const store = await openAt('while-pinning');
    const root = await unpinnedTree(store);
    let collecting: Promise<GcResult> | undefined;
    // The pin's blocks are checked; gc starts just before its record is written.
    const blocks = new Proxy(store.blocks, {
      get(target, name) {
        if (name === 'put')
          return async (block: Uint8Array, hash?: Uint8Array) => {
            collecting ??= gc(store, { graceMs: 0 });
            collecting.catch(() => undefined);
            await Promise.race([collecting, sleep(RACE_MS)]);
            return target.put(block, hash);
          };
        const v: unknown = Reflect.get(target, name);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const stores: PinStores = { refs: store.refs, blocks };
    await addPin(stores, root, 'early');
    const r = await collecting!;
    await expectPinIntactOrAbsent(store, 'early');
    expect(r.reclaimed.hashes.map(hashToString)).not.toContain(hashToString(root));
    expect((await listPins(store)).map((p) => p.name)).toEqual(['early']);
  });
});

/** Holds `side` of `locks` until released; `inside` resolves once it is held. */
function held(locks: S3StoreLocks, side: 'exclusive' | 'shared') {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const done = locks[side](async () => {
    entered();
    await released;
  });
  return { inside, release, done };
}

describeS3('the S3 store lock (gc against ref updates)', () => {
  it('each side gives up after its wait with a usage error, leaving no lock object', async () => {
    const locks = s3StoreLocks(testClient(bucket()), 'busy/', { waitMs: 800, pollMs: 100 });
    const gcRunning = held(locks, 'exclusive');
    await gcRunning.inside;
    const pin = await settled(locks.shared(async () => 'written'));
    expect(pin).toBeInstanceOf(UsageError);
    expect((pin as Error).message).toBe(
      `a gc is running on s3://${bucket()}/busy/; retry when it ends`,
    );
    gcRunning.release();
    await gcRunning.done;

    const writing = held(locks, 'shared');
    await writing.inside;
    const collect = await settled(locks.exclusive(async () => 'collected'));
    expect(collect).toBeInstanceOf(UsageError);
    expect((collect as Error).message).toMatch(/refs of s3:\/\/.*\/busy\/ are being written/);
    writing.release();
    await writing.done;

    expect(await keysUnder(bucket(), 'busy/')).toEqual([]);
    // Both sides work again once the other has ended.
    expect(await locks.exclusive(async () => 'collected')).toBe('collected');
    expect(await locks.shared(async () => 'written')).toBe('written');
  });

  // Lock objects are stale 2.5 s after their last write here (5 min by default).
  const timing = { waitMs: 10_000, pollMs: 100, refreshMs: 300, staleMs: 2500 };

  it('a killed holder’s object is ignored once stale, by either side', async () => {
    const client = testClient(bucket());
    const locks = s3StoreLocks(client, 'killed/', timing);
    const body = new Uint8Array(0);
    const killedWriter = `killed/${S3_REF_WRITERS}killed-store`;
    await client.send({ method: 'PUT', key: killedWriter, body });
    expect(await locks.exclusive(async () => 'collected')).toBe('collected');
    await client.send({ method: 'DELETE', key: killedWriter });

    const killedGc = `killed/${S3_LOCK_NAME}`;
    await client.send({ method: 'PUT', key: killedGc, body });
    expect(await locks.shared(async () => 'written')).toBe('written');
    // Left for a person to remove: another gc still stops at it.
    expect(await keysUnder(bucket(), 'killed/')).toEqual([killedGc]);
  });

  it('a live holder keeps its object fresh: gc waits for an update longer than the staleness', async () => {
    const locks = s3StoreLocks(testClient(bucket()), 'long/', timing);
    const writing = held(locks, 'shared');
    await writing.inside;
    let updateEnded = false;
    const collecting = locks.exclusive(async () => updateEnded);
    await sleep(2 * timing.staleMs);
    updateEnded = true;
    writing.release();
    await writing.done;
    // gc ran only after the update: it saw it end.
    expect(await collecting).toBe(true);
    expect(await keysUnder(bucket(), 'long/')).toEqual([]);
  });
});
