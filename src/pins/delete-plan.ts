/**
 * What `del` removes: the objects asked for and (recursively) every block they need,
 * minus the blocks other roots still need. Planned before anything is deleted, so a
 * caller can show the count and size and ask once.
 */
import { NotFoundError } from '../errors.js';
import type { StoreBlocks } from '../store/open.js';
import { hashToString } from '../store/hash.js';
import { collectDeps } from '../tree/deps.js';

/** Options of {@link planDelete}. */
export interface DeletePlanOptions {
  /** Delete every block the roots depend on, not just the roots. */
  recursive?: boolean;
  /** With `recursive`: roots whose blocks must survive (trees sharing blocks). */
  keep?: readonly Uint8Array[];
  /** With `recursive`: delete the group key trees too (kept by default). */
  includeGroupKeys?: boolean;
  /** How each root is named in messages (default its base58 hash), parallel to `roots`. */
  names?: readonly string[];
}

/** A group key tree kept out of a recursive delete. */
export interface KeptGroupKey {
  hash: Uint8Array;
  /** Blocks of its tree. */
  blocks: number;
}

/** What {@link planDelete} decided. */
export interface DeletePlan {
  /** The blocks to delete, each once, dependencies before the roots that need them. */
  blocks: Uint8Array[];
  /** Their total size in bytes. */
  bytes: number;
  /** Blocks of the roots left alone because a kept root or group key needs them. */
  kept: number;
  /** Group key trees left alone (a group key's tree is shared by all its group's trees). */
  keptGroupKeys: KeptGroupKey[];
}

/**
 * Plans the deletion of `roots` (see {@link DeletePlanOptions}). Nothing is changed.
 * Deleting the returned blocks in order leaves roots last, so an interrupted delete can
 * simply be repeated.
 * @param store - the store
 * @param roots - hashes of the objects (or blocks) to delete
 * @param opts - recursion, roots to keep, group keys
 * @returns the blocks to delete, their size and what was kept
 * @throws {@link NotFoundError} when a root is not in the store
 * @throws {@link IntegrityError} or {@link FormatError} for a corrupt tree while recursing
 */
export async function planDelete(
  store: Pick<StoreBlocks, 'get' | 'has' | 'sizeOf'>,
  roots: readonly Uint8Array[],
  opts: DeletePlanOptions = {},
): Promise<DeletePlan> {
  const targets: Uint8Array[] = [];
  const seen = new Set<string>();
  const add = (h: Uint8Array) => {
    const k = hashToString(h);
    if (!seen.has(k)) {
      seen.add(k);
      targets.push(h);
    }
  };
  const groupKeys: Uint8Array[] = [];
  for (const [i, root] of roots.entries()) {
    if (!(await store.has(root)))
      throw new NotFoundError(`block ${opts.names?.[i] ?? hashToString(root)} not found`);
    if (!opts.recursive) {
      add(root);
      continue;
    }
    const deps: Uint8Array[] = [];
    for await (const d of collectDeps(store, root)) {
      if (!d.present) continue;
      deps.push(d.hash);
      if (d.role === 'group-key') groupKeys.push(d.hash);
    }
    for (const h of deps.reverse()) add(h);
  }
  const kept = new Set<string>();
  const keep = async (root: Uint8Array): Promise<number> => {
    let n = 0;
    for await (const d of collectDeps(store, root)) {
      kept.add(hashToString(d.hash));
      n++;
    }
    return n;
  };
  for (const k of opts.keep ?? []) await keep(k);
  // A group key's tree is shared by every tree encrypted for that group (it is stored
  // once, under a name anyone can predict): deleting it with one of them breaks the others.
  const keptGroupKeys: KeptGroupKey[] = [];
  if (!opts.includeGroupKeys)
    for (const gk of groupKeys) {
      if (kept.has(hashToString(gk))) continue;
      keptGroupKeys.push({ hash: gk, blocks: await keep(gk) });
    }
  const blocks = targets.filter((h) => !kept.has(hashToString(h)));
  let bytes = 0;
  for (const h of blocks) bytes += (await store.sizeOf(h)) ?? 0;
  return { blocks, bytes, kept: targets.length - blocks.length, keptGroupKeys };
}

/** What {@link deleteBlocks} removed. */
export interface DeleteResult {
  /** The blocks that were there and are gone, in order. */
  deleted: Uint8Array[];
  /** Their total size in bytes. */
  bytes: number;
}

/**
 * Deletes the planned blocks in order (blocks already gone are skipped).
 * @param store - the store
 * @param blocks - the blocks, as {@link planDelete} ordered them
 * @returns what was deleted
 */
export async function deleteBlocks(
  store: Pick<StoreBlocks, 'sizeOf' | 'del'>,
  blocks: readonly Uint8Array[],
): Promise<DeleteResult> {
  const deleted: Uint8Array[] = [];
  let bytes = 0;
  for (const h of blocks) {
    const size = (await store.sizeOf(h)) ?? 0;
    if (await store.del(h)) {
      deleted.push(h);
      bytes += size;
    }
  }
  return { deleted, bytes };
}
