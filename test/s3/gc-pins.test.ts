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
import { openStore, type Hbs2Store } from '../../src/store/open.js';
import { hashToString } from '../../src/store/hash.js';
import { S3_LOCK_NAME, S3_REF_WRITERS, s3StoreLocks } from '../../src/store/s3/store-locks.js';
import { writeTree } from '../../src/tree/writer.js';
import { ceph, describeS3, testClient, useBucket } from './helpers.js';

const bucket = useBucket('gcpins');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Long enough for a pin to be recorded (or a gc to finish) when nothing holds it back. */
const RACE_MS = 2000;

function openAt(prefix: string): Promise<Hbs2Store> {
  if (!ceph) throw new Error('no gateway');
  return openStore(`s3://${bucket()}/${prefix}`, {
    write: true,
    s3: {
      endpoint: ceph.endpoint,
      region: ceph.region,
      credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey },
      retries: 2,
      retryDelayMs: 50,
    },
  });
}

/** A 3-block tree no pin keeps yet: gc's garbage unless a pin gets to it first. */
async function unpinnedTree(store: Hbs2Store): Promise<Uint8Array> {
  return (await writeTree(store.blocks, [randomBytes(600_000)])).root;
}

/** Every pin of the store can be read back: each block its root needs is there. */
async function expectEveryPinComplete(store: Hbs2Store): Promise<void> {
  for (const pin of await listPins(store))
    await expect(storedSize(store.blocks, pin.root), `pin '${pin.name}'`).resolves.toBeGreaterThan(
      0,
    );
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
    await expectEveryPinComplete(store);
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
    await expectEveryPinComplete(store);
    expect(r.reclaimed.hashes.map(hashToString)).not.toContain(hashToString(root));
    expect((await listPins(store)).map((p) => p.name)).toEqual(['early']);
  });

  it('each side gives up after its wait with a usage error, leaving no lock object', async () => {
    const client = testClient(bucket());
    const prefix = 'busy/';
    const locks = s3StoreLocks(client, prefix, { waitMs: 800, pollMs: 100 });
    const held = (side: 'exclusive' | 'shared') => {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const done = locks[side](async () => {
        entered();
        await released;
      });
      return { inside, release, done };
    };

    const gcRunning = held('exclusive');
    await gcRunning.inside;
    const pin = await settled(locks.shared(async () => 'written'));
    expect(pin).toBeInstanceOf(UsageError);
    expect((pin as Error).message).toBe(
      `a gc is running on s3://${bucket()}/busy/; retry when it ends`,
    );
    gcRunning.release();
    await gcRunning.done;

    const writing = held('shared');
    await writing.inside;
    const collect = await settled(locks.exclusive(async () => 'collected'));
    expect(collect).toBeInstanceOf(UsageError);
    expect((collect as Error).message).toMatch(/refs of s3:\/\/.*\/busy\/ are being written/);
    writing.release();
    await writing.done;

    const left: string[] = [];
    for await (const o of client.list(prefix)) left.push(o.key);
    expect(left).toEqual([]);
    // Both sides work again once the other has ended.
    expect(await locks.exclusive(async () => 'collected')).toBe('collected');
    expect(await locks.shared(async () => 'written')).toBe('written');
    expect([S3_LOCK_NAME, S3_REF_WRITERS].every((n) => !left.includes(prefix + n))).toBe(true);
  });
});
