/**
 * Writing one transaction: the refs record and the pack (from `git pack-objects`) as
 * encrypted trees for the record's current group key, the signed transaction, and the
 * writer's head ref last — so a writer killed before that leaves the repository as it was.
 */
import { keyOf } from '../acb/model.js';
import { crypto, type KeyPair } from '../crypto/index.js';
import { Hbs2Error } from '../errors.js';
import type { BlockRunner } from '../parallel/pool.js';
import { encodeLwwRef } from '../refs/lwwref.js';
import { encodeSignedBox, makeSignedBox } from '../refs/signed-box.js';
import { equalBytes } from '../store/hash.js';
import { writeEncryptedTree } from '../tree/encrypted-tree.js';
import type { FoundTx } from './chain.js';
import {
  encodeRefsRecord,
  encodeTransaction,
  writerHeadKey,
  type RefsRecord,
  type Transaction,
} from './codec.js';
import { packObjects, type GitEnv } from './git-process.js';
import { blockHash, writerHead, type GitStores } from './repo.js';
import { openRepoView, type RepoView, type ViewOptions } from './view.js';

/** The repository changed under a writer: its head, or the canonical tip it built on. */
export class TipMoved extends Hbs2Error {}

/** What a transaction holds and how it is made. */
export interface NewTransaction extends ViewOptions {
  signer: KeyPair;
  git: GitEnv;
  /** The refs after the transaction. */
  refs: RefsRecord;
  /** Objects to pack (with what they reach); none: no pack. */
  include: readonly string[];
  /** Objects the chain holds: the pack is thin against them. */
  exclude: readonly string[];
  /** The transaction built on (null: a first transaction, height 0). */
  parent: FoundTx | null;
  /** Unix seconds. */
  time: number;
  runner?: BlockRunner;
}

/**
 * Stores a transaction of `view`'s repository and moves the signer's head to it. Under
 * the store's refs lock it checks that the signer's head and the canonical tip are still
 * those of `view` (TipMoved otherwise: another push landed first).
 */
export async function storeTransaction(
  stores: GitStores,
  view: RepoView,
  t: NewTransaction,
): Promise<Uint8Array> {
  const { blocks } = stores;
  const groupKeyHash = view.record.groupKey;
  const secret = await view.secrets.secretFor(groupKeyHash);
  const c = crypto();
  const encrypt = (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) =>
    writeEncryptedTree(blocks, source, {
      secret,
      groupKeyHash,
      nonceS: c.randomBytes(32),
      runner: t.runner,
    });
  let pack: Uint8Array | null = null;
  if (t.include.length > 0) {
    const packed = packObjects(t.git, t.include, t.exclude);
    const tree = await encrypt(packed.output);
    await packed.done;
    pack = tree.annotation;
  }
  const refsTree = await encrypt([encodeRefsRecord(t.refs)]);

  const writerKey = t.signer.publicKey;
  const ownHead = await writerHead(stores, view.repoKey, writerKey);
  const tx: Transaction = {
    repo: view.repoKey,
    height: t.parent ? t.parent.tx.height + 1 : 0,
    parent: t.parent?.hash ?? null,
    prevOwn: ownHead?.ref.value ?? null,
    time: t.time,
    groupKey: groupKeyHash,
    refs: refsTree.annotation,
    pack,
  };
  const txBlock = encodeSignedBox(makeSignedBox(t.signer, encodeTransaction(tx)));
  const txHash = await blocks.put(txBlock, blockHash(txBlock));
  const box = encodeSignedBox(
    makeSignedBox(
      t.signer,
      encodeLwwRef({ seq: (ownHead?.ref.seq ?? 0n) + 1n, value: txHash, proof: null }),
    ),
  );
  const boxHash = await blocks.put(box, blockHash(box));
  // Everything the head will point to is durable before the head moves.
  await blocks.flush();
  await stores.refs.updateRef(writerHeadKey(view.repoKey, writerKey), async (current) => {
    const expected = ownHead?.boxHash ?? null;
    if ((current === null) !== (expected === null) || (current && !equalBytes(current, expected!)))
      throw new TipMoved('the writer head moved during the push');
    // Writers of one store are serialised here: a push that landed since we looked wins.
    const now = await openRepoView(stores, view.repoKey, { ...t, decryptTip: false });
    if (keyOf(now.tip?.hash ?? new Uint8Array()) !== keyOf(view.tip?.hash ?? new Uint8Array()))
      throw new TipMoved('another push landed first');
    return boxHash;
  });
  return txHash;
}
