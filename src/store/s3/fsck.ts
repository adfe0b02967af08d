/**
 * `fsck` of an S3 store: every object under `PREFIX/blocks/` must be named by the base58
 * of 32 bytes, hash to that name, not be empty (unless it is the empty block) and not be
 * larger than any block can be (such an object is never downloaded). With `repair`, bad
 * objects are moved to `PREFIX/quarantine/` (a server-side copy, then a delete), never
 * deleted outright. Problems have the shape of the file-system check's.
 */
import { runBounded } from '../bounded.js';
import type { FsckOptions, FsckProblem, FsckProblemKind, FsckResult } from '../fsck.js';
import { equalBytes, hashBlock, hashToString } from '../hash.js';
import { MAX_BLOCK_SIZE } from '../limits.js';
import type { S3BlockStore } from './block-store.js';
import { uriEncode } from './sigv4.js';
import { hashOfKey } from './layout.js';

/** Objects checked at once. */
const CHECKS_IN_FLIGHT = 16;

/** Checks (and optionally repairs) the blocks of an S3 store. */
export async function fsckS3(store: S3BlockStore, opts: FsckOptions = {}): Promise<FsckResult> {
  const { client, prefix } = store;
  const result: FsckResult = { checked: 0, ok: 0, problems: [], unrepaired: 0 };
  const blocksPrefix = `${prefix}blocks/`;

  const quarantine = async (key: string): Promise<void> => {
    const target = `${prefix}quarantine/${key.slice(blocksPrefix.length).replace('/', '')}`;
    await client.send({
      method: 'PUT',
      key: target,
      headers: { 'x-amz-copy-source': uriEncode(`/${client.bucket}/${key}`, true) },
    });
    await client.send({ method: 'DELETE', key });
  };

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
  };

  await runBounded(client.list(blocksPrefix), CHECKS_IN_FLIGHT, check);
  result.problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return result;
}
