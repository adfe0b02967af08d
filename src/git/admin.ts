/**
 * What the owner of a repository does: create it, and change its record — readers (group
 * keys), writers (ACB ranges), deleted transactions, the checkpoint. Each change is a new
 * record the owner head points to with the next sequence number.
 */
import { keyOf, UNBOUNDED, type Acb, type AcbWriter } from '../acb/model.js';
import { encodeBase58 } from '../codec/base58.js';
import type { KeyPair } from '../crypto/index.js';
import { UsageError } from '../errors.js';
import { generateGroupKey } from '../groupkey/generate.js';
import { groupKeyBytes, type GroupKey } from '../groupkey/model.js';
import type { KeyringSource } from '../groupkey/open.js';
import { setLwwRef } from '../refs/lww-store.js';
import { getLwwRef } from '../refs/lww-store.js';
import { hashToString } from '../store/hash.js';
import type { BlockStore } from '../store/blockstore.js';
import { writeTree } from '../tree/writer.js';
import { encodeRepoRecord, type RepoRecord } from './codec.js';
import { loadGroupKey, loadRepo, RepoSecrets, blockHash, type GitStores } from './repo.js';
import { openRepoView } from './view.js';

/** Stores a group key as a tree of its exact bytes; returns the tree's hash. */
export async function storeGroupKey(blocks: BlockStore, gk: GroupKey): Promise<Uint8Array> {
  return (await writeTree(blocks, [groupKeyBytes(gk)])).root;
}

/** Stores `record` and points the owner head at it (next seq). */
async function publishRecord(stores: GitStores, owner: KeyPair, record: RepoRecord): Promise<void> {
  const block = encodeRepoRecord(record);
  const hash = await stores.blocks.put(block, blockHash(block));
  await stores.blocks.flush();
  await setLwwRef(stores.refs, stores.blocks, owner, owner.publicKey, hash);
}

/**
 * Creates a repository owned by `owner`: its key is the owner's signing key. Refuses a
 * key that already heads a repository (or any other LWW ref).
 */
export async function initRepo(
  stores: GitStores,
  owner: KeyPair,
  acb: Acb,
  groupKey: GroupKey,
): Promise<Uint8Array> {
  if (await getLwwRef(stores.refs, stores.blocks, owner.publicKey))
    throw new UsageError(
      `key ${encodeBase58(owner.publicKey)} already heads a repository (or another lwwref) in this store`,
      { hint: 'use a keyring with a new signing key for each repository' },
    );
  if (acb.writers.length === 0)
    throw new UsageError('the ACB lists no writer: nobody could push', {
      hint: 'add `acb-writer a1 "<sign pk>"` lines to the ACB',
    });
  const gk = await storeGroupKey(stores.blocks, groupKey);
  await publishRecord(stores, owner, {
    owner: owner.publicKey,
    acb,
    groupKey: gk,
    groupKeys: [gk],
    deleted: [],
    checkpoint: null,
  });
  return owner.publicKey;
}

/** Loads the record, applies `change` and publishes the result, signed by the owner. */
export async function updateRecord(
  stores: GitStores,
  owner: KeyPair,
  change: (record: RepoRecord) => Promise<RepoRecord> | RepoRecord,
): Promise<RepoRecord> {
  const { record } = await loadRepo(stores, owner.publicKey);
  const next = await change(record);
  await publishRecord(stores, owner, next);
  return next;
}

/**
 * Adds readers: a new group key with the same secret for every current recipient and the
 * new ones (so new pushes need nothing else), and each earlier secret of the repository
 * sealed to the new readers, so they read the whole history.
 */
export async function addReaders(
  stores: GitStores,
  owner: KeyPair,
  keyrings: readonly KeyringSource[],
  readers: readonly Uint8Array[],
): Promise<RepoRecord> {
  return updateRecord(stores, owner, async (record) => {
    const secrets = new RepoSecrets(stores.blocks, record, keyrings);
    const current = await loadGroupKey(stores.blocks, record.groupKey);
    const recipients = [...current.recipients.map((r) => r.publicKey), ...readers];
    const added: Uint8Array[] = [];
    const fresh = generateGroupKey(recipients, {
      secret: await secrets.secretFor(record.groupKey),
    });
    const head = await storeGroupKey(stores.blocks, fresh.groupKey);
    const seenIds = new Set([keyOf(fresh.groupKey.id!)]);
    for (const old of record.groupKeys) {
      const gk = await loadGroupKey(stores.blocks, old);
      if (!gk.id || seenIds.has(keyOf(gk.id))) continue;
      seenIds.add(keyOf(gk.id));
      const rewrapped = generateGroupKey(readers, { secret: await secrets.secretFor(old) });
      added.push(await storeGroupKey(stores.blocks, rewrapped.groupKey));
    }
    return { ...record, groupKey: head, groupKeys: [...record.groupKeys, ...added, head] };
  });
}

/**
 * Removes readers: pushes from now on use a new secret sealed to the remaining readers.
 * What was published before stays readable to whoever could read it.
 */
export async function removeReaders(
  stores: GitStores,
  owner: KeyPair,
  readers: readonly Uint8Array[],
): Promise<RepoRecord> {
  return updateRecord(stores, owner, async (record) => {
    const current = await loadGroupKey(stores.blocks, record.groupKey);
    const gone = new Set(readers.map(keyOf));
    const present = new Set(current.recipients.map((r) => keyOf(r.publicKey)));
    for (const r of readers)
      if (!present.has(keyOf(r)))
        throw new UsageError(`${encodeBase58(r)} is not a reader of this repository`);
    const remaining = current.recipients.map((r) => r.publicKey).filter((k) => !gone.has(keyOf(k)));
    if (remaining.length === 0)
      throw new UsageError('removing every reader would leave nobody able to read');
    const fresh = generateGroupKey(remaining);
    const head = await storeGroupKey(stores.blocks, fresh.groupKey);
    return { ...record, groupKey: head, groupKeys: [...record.groupKeys, head] };
  });
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return keyOf(a) === keyOf(b);
}

/** Adds a writer, authorised from `from` (inclusive) to `to` (exclusive), -1 = unbounded. */
export function acbWithWriter(acb: Acb, key: Uint8Array, from: number, to: number): Acb {
  const always = from === UNBOUNDED && to === UNBOUNDED;
  const existing = acb.writers.find((w) => sameKey(w.key, key));
  if (existing && existing.ranges.length === 0)
    throw new UsageError(`${encodeBase58(key)} is already a writer at any time`);
  const writers: AcbWriter[] = existing
    ? acb.writers.map((w) =>
        sameKey(w.key, key) ? { key: w.key, ranges: always ? [] : [...w.ranges, { from, to }] } : w,
      )
    : [...acb.writers, { key, ranges: always ? [] : [{ from, to }] }];
  return { ...acb, writers };
}

/**
 * Ends a writer's authority at `at` (Unix seconds): every range still open then now ends
 * at `at`, so the writer's earlier pushes stay valid and later ones are not.
 */
export function acbWithWriterEnded(acb: Acb, key: Uint8Array, at: number): Acb {
  const existing = acb.writers.find((w) => sameKey(w.key, key));
  if (!existing) throw new UsageError(`${encodeBase58(key)} is not a writer of this repository`);
  const writers = acb.writers.map((w) => {
    if (!sameKey(w.key, key)) return w;
    if (w.ranges.length === 0) return { key: w.key, ranges: [{ from: UNBOUNDED, to: at }] };
    return {
      key: w.key,
      ranges: w.ranges.map((r) => (r.to === UNBOUNDED || r.to > at ? { from: r.from, to: at } : r)),
    };
  });
  return { ...acb, writers };
}

/** Adds a transaction to the deleted list (it and its descendants leave the chain). */
export function recordWithDeleted(record: RepoRecord, tx: Uint8Array): RepoRecord {
  if (record.deleted.some((d) => sameKey(d, tx)))
    throw new UsageError(`transaction ${hashToString(tx)} is already deleted`);
  return { ...record, deleted: [...record.deleted, tx] };
}

/**
 * Lets `key` push from `from` (inclusive) to `to` (exclusive), -1 = unbounded.
 * @param stores - the store holding the repository
 * @param owner - the owner's signing key pair (its public key is the repository key)
 * @param key - the writer's signing public key
 * @param from - Unix seconds the range starts, or -1
 * @param to - Unix seconds the range ends, or -1
 * @returns the new record
 * @throws {@link UsageError} when the key is already a writer at any time
 */
export function addWriter(
  stores: GitStores,
  owner: KeyPair,
  key: Uint8Array,
  from: number,
  to: number,
): Promise<RepoRecord> {
  return updateRecord(stores, owner, (r) => ({ ...r, acb: acbWithWriter(r.acb, key, from, to) }));
}

/**
 * Ends the authority of writer `key` at `at`; its earlier pushes stay valid.
 * @param stores - the store holding the repository
 * @param owner - the owner's signing key pair
 * @param key - the writer's signing public key
 * @param at - Unix seconds the authority ends (exclusive)
 * @returns the new record
 * @throws {@link UsageError} when the key is not a writer
 */
export function endWriter(
  stores: GitStores,
  owner: KeyPair,
  key: Uint8Array,
  at: number,
): Promise<RepoRecord> {
  return updateRecord(stores, owner, (r) => ({ ...r, acb: acbWithWriterEnded(r.acb, key, at) }));
}

/**
 * Deletes transaction `tx`: it and its descendants leave the canonical chain.
 * @param stores - the store holding the repository
 * @param owner - the owner's signing key pair
 * @param tx - the transaction's hash
 * @returns the new record
 * @throws {@link UsageError} when it is already deleted
 */
export function deleteTransaction(
  stores: GitStores,
  owner: KeyPair,
  tx: Uint8Array,
): Promise<RepoRecord> {
  return updateRecord(stores, owner, (r) => recordWithDeleted(r, tx));
}

/**
 * Fixes the chain up to `tx` (default: the canonical tip) against reorganisation: the
 * record's checkpoint becomes that transaction.
 * @param stores - the store holding the repository
 * @param owner - the owner's signing key pair
 * @param tx - a canonical transaction, or null for the current tip
 * @param at - the time the chain is computed at: Unix seconds `now` and the allowed `skew`
 * @returns the transaction now checkpointed
 * @throws {@link UsageError} when the repository has no push yet or `tx` is not canonical
 */
export async function checkpointRepo(
  stores: GitStores,
  owner: KeyPair,
  tx: Uint8Array | null,
  at: { now: number; skew: number },
): Promise<Uint8Array> {
  // The chain is computed from signatures alone: no keyring needed, nothing decrypted.
  const view = await openRepoView(stores, owner.publicKey, {
    keyrings: [],
    ...at,
    decryptTip: false,
  });
  const target = tx ?? view.tip?.hash;
  if (!target) throw new UsageError('the repository has no push yet');
  if (view.chain.verdicts.get(keyOf(target))?.kind !== 'canonical')
    throw new UsageError(`transaction ${encodeBase58(target)} is not on the canonical chain`);
  await updateRecord(stores, owner, (r) => ({ ...r, checkpoint: target }));
  return target;
}
