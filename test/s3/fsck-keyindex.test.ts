/**
 * fsck of an S3 store and its key index on the real RGW (checkS3Store): index objects
 * deleted, or a corrupt one planted, and `repair` records every group key tree again from
 * the blocks, setting a corrupt index aside under `quarantine/`, as on disk.
 */
import { expect, it } from 'vitest';
import { generateGroupKey } from '../../src/groupkey/index.js';
import { generateKeyring } from '../../src/keyring/keyring.js';
import { storeEncrypted } from '../../src/ops/content.js';
import { checkS3Store } from '../../src/rotate/store-check.js';
import { openStore } from '../../src/store/open.js';
import { describeS3, keysUnder, s3Connection, testClient, useBucket } from './helpers.js';

const bucket = useBucket('fsckidx');

/** An S3 store under `prefix` holding two encrypted trees of two group keys, indexed. */
async function storeWithIndex(prefix: string) {
  const location = `s3://${bucket()}/${prefix}`;
  const store = await openStore(location, { write: true, s3: s3Connection() });
  const kr = generateKeyring(1);
  for (const fill of [1, 2]) {
    const { groupKey } = generateGroupKey([kr.entries[0]!.publicKey]);
    await storeEncrypted(store.blocks, [new Uint8Array(1000).fill(fill)], {
      groupKey,
      keyrings: [{ keyring: kr }],
      keyIndex: store.keyIndex,
    });
  }
  const entries = await store.keyIndex.list();
  expect(entries).toHaveLength(2);
  return { location, entries, index: store.keyIndex, client: testClient(bucket()) };
}

describeS3('fsck and the key index of an S3 store', () => {
  it('repair records again the index entries that were lost', async () => {
    const { location, entries, index, client } = await storeWithIndex('lost');
    for (const key of await keysUnder(bucket(), 'lost/keyindex/'))
      await client.send({ method: 'DELETE', key });
    expect(await index.list()).toEqual([]);

    const fixed = await checkS3Store(location, { repair: true, s3: s3Connection() });
    expect(fixed.keyIndexRebuilt).toBe(2);
    expect(fixed.unrepaired).toBe(0);
    expect(await index.list()).toEqual(entries);
  });

  it('a corrupt index is an unrepaired problem; repair sets it aside and rebuilds it', async () => {
    const { location, entries, index, client } = await storeWithIndex('corrupt');
    // An id that is no base58 name.
    await client.send({
      method: 'PUT',
      key: 'corrupt/keyindex/not-an-id/x',
      body: new Uint8Array(0),
    });
    const found = await checkS3Store(location, { s3: s3Connection() });
    expect(found.keyIndexProblem).toMatch(/corrupt key index: keyindex\/not-an-id/);
    expect(found.unrepaired).toBe(1);
    expect(found.problems).toEqual([]);

    const fixed = await checkS3Store(location, { repair: true, s3: s3Connection() });
    expect(fixed.keyIndexProblem).toBe(found.keyIndexProblem);
    expect(fixed.keyIndexRebuilt).toBe(2);
    expect(fixed.unrepaired).toBe(0);
    expect(await index.list()).toEqual(entries);
    const quarantined = await keysUnder(bucket(), 'corrupt/quarantine/');
    expect(quarantined).toHaveLength(3); // the planted object and the two entries
    expect(quarantined).toContainEqual(
      expect.stringMatching(/^corrupt\/quarantine\/keyindex-\d+\/not-an-id\/x$/),
    );

    const again = await checkS3Store(location, { s3: s3Connection() });
    expect(again.keyIndexProblem).toBeNull();
    expect(again.unrepaired).toBe(0);
  });
});
