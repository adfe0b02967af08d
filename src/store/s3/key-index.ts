/**
 * The key index of an S3 store: one empty object per entry,
 * `PREFIX/keyindex/<id b58>/<group key tree hash b58>` — the names of the file-system
 * index (rotate/key-index.ts), so a store copied between the two keeps its index. Adding
 * an entry is one PUT, which is atomic.
 */
import { encodeBase58 } from '../../codec/base58.js';
import {
  checkIndexableId,
  decodeIndexName,
  type KeyIndex,
  type KeyIndexEntry,
} from '../key-index.js';
import type { S3Client } from './client.js';

/** The key index under `PREFIX/keyindex/` of a bucket. */
export class S3KeyIndex implements KeyIndex {
  private readonly base: string;

  /**
   * @param client - the bucket's client
   * @param prefix - the store's prefix in the bucket (empty, or ending in `/`)
   */
  constructor(
    private readonly client: S3Client,
    prefix: string,
  ) {
    this.base = `${prefix}keyindex/`;
  }

  async record(id: Uint8Array, groupKeyHash: Uint8Array): Promise<void> {
    checkIndexableId(id);
    await this.client.send({
      method: 'PUT',
      key: `${this.base}${encodeBase58(id)}/${encodeBase58(groupKeyHash)}`,
      body: new Uint8Array(0),
    });
  }

  async groupKeysWithId(id: Uint8Array): Promise<Uint8Array[]> {
    const idName = encodeBase58(id);
    const names: string[] = [];
    for await (const o of this.client.list(`${this.base}${idName}/`))
      names.push(o.key.slice(this.base.length + idName.length + 1));
    return names.sort().map((n) => decodeIndexName(n, `keyindex/${idName}`));
  }

  async list(): Promise<KeyIndexEntry[]> {
    const ids = new Set<string>();
    for await (const o of this.client.list(this.base))
      ids.add(o.key.slice(this.base.length).split('/')[0]!);
    const out: KeyIndexEntry[] = [];
    for (const idName of [...ids].sort()) {
      const id = decodeIndexName(idName, 'keyindex');
      for (const groupKeyHash of await this.groupKeysWithId(id)) out.push({ id, groupKeyHash });
    }
    return out;
  }
}
