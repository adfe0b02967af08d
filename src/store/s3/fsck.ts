/**
 * `fsck` of an S3 store: every object under `PREFIX/blocks/` must be named by the base58
 * of 32 bytes, hash to that name, not be empty (unless it is the empty block) and not be
 * larger than any block can be (such an object is never downloaded). With `repair`, bad
 * objects are moved to `PREFIX/quarantine/` (a server-side copy, then a delete), never
 * deleted outright. Problems have the shape of the file-system check's. The key index is
 * checked and rebuilt a layer up (rotate/store-check.ts), from the blocks found sound here.
 */
import { runBounded } from '../bounded.js';
import type { FsckOptions, FsckProblem, FsckProblemKind, FsckResult } from '../fsck.js';
import { equalBytes, hashBlock, hashToString } from '../hash.js';
import { MAX_BLOCK_SIZE } from '../limits.js';
import type { S3BlockStore } from './block-store.js';
import type { S3Client } from './client.js';
import { uriEncode } from './sigv4.js';
import { hashOfKey } from './layout.js';

/** Objects checked at once. */
const CHECKS_IN_FLIGHT = 16;

/** Options of {@link fsckS3}. */
export interface FsckS3Options extends FsckOptions {
  /** Called with every block found sound (e.g. to find the group key trees among them). */
  onBlock?: (hash: Uint8Array, block: Uint8Array) => void;
}

/** Moves object `from` to `to` in the same bucket: a server-side copy, then a delete. */
async function moveObject(client: S3Client, from: string, to: string): Promise<void> {
  await client.send({
    method: 'PUT',
    key: to,
    headers: { 'x-amz-copy-source': uriEncode(`/${client.bucket}/${from}`, true) },
  });
  await client.send({ method: 'DELETE', key: from });
}

/**
 * Moves every object of the key index (`PREFIX/keyindex/…`) to
 * `PREFIX/quarantine/keyindex-<ms>/…`: a corrupt index is set aside whole, as on disk,
 * never patched, and then rebuilt from the blocks.
 * @param store - the store's blocks (its bucket and prefix)
 * @returns how many objects were moved
 */
export async function quarantineS3KeyIndex(store: S3BlockStore): Promise<number> {
  const { client, prefix } = store;
  const index = `${prefix}keyindex/`;
  const target = `${prefix}quarantine/keyindex-${Date.now()}/`;
  let moved = 0;
  for await (const o of client.list(index)) {
    await moveObject(client, o.key, target + o.key.slice(index.length));
    moved++;
  }
  return moved;
}

/** Checks (and optionally repairs) the blocks of an S3 store. */
export async function fsckS3(store: S3BlockStore, opts: FsckS3Options = {}): Promise<FsckResult> {
  const { client, prefix } = store;
  const result: FsckResult = { checked: 0, ok: 0, problems: [], unrepaired: 0 };
  const blocksPrefix = `${prefix}blocks/`;

  const quarantine = (key: string): Promise<void> =>
    moveObject(
      client,
      key,
      `${prefix}quarantine/${key.slice(blocksPrefix.length).replace('/', '')}`,
    );

  const report = async (
    kind: FsckProblemKind,
    key: string,
    hash: string | null,
    detail: string,
  ): Promise<void> => {
    const problem: FsckProblem = {
      kind,
      path: key.slice(prefix.length),
      hash,
      detail,
      action: 'none',
    };
    if (opts.repair && kind !== 'unreadable') {
      try {
        await quarantine(key);
        problem.action = 'quarantined';
      } catch (e) {
        problem.detail += ` (repair failed: ${(e as Error).message})`;
      }
    }
    if (problem.action === 'none') result.unrepaired++;
    result.problems.push(problem);
  };

  const check = async (o: { key: string; size: number }): Promise<void> => {
    result.checked++;
    opts.onFile?.(result.checked);
    const h = hashOfKey(prefix, 'blocks', o.key);
    if (!h) return report('bad-name', o.key, null, 'the name is not base58 of a 32-byte hash');
    const name = hashToString(h);
    if (o.size > MAX_BLOCK_SIZE)
      return report('oversize', o.key, name, `${o.size} bytes, more than any block can be`);
    let block: Uint8Array | null;
    try {
      block = await store.getUnverified(h);
    } catch (e) {
      return report('unreadable', o.key, name, (e as Error).message);
    }
    if (block === null) {
      result.checked--; // deleted since the listing
      return;
    }
    const actual = hashBlock(block);
    if (!equalBytes(actual, h)) {
      const kind = block.length === 0 ? 'zero-size' : 'hash-mismatch';
      return report(kind, o.key, name, `content hashes to ${hashToString(actual)}`);
    }
    result.ok++;
    opts.onBlock?.(h, block);
  };

  await runBounded(client.list(blocksPrefix), CHECKS_IN_FLIGHT, check);
  result.problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return result;
}
