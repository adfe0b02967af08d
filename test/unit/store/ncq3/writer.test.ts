/**
 * The NCQ3 writer against the reader: what a session writes reads back after it closes
 * (blocks, refs, tombstones), files and state follow §14.2, indexes merge, and a copy of
 * an hbs2-written store keeps everything hbs2 wrote once our writer has added to it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import { FileSource } from '../../../../src/store/ncq3/byte-source.js';
import { fastCheck } from '../../../../src/store/ncq3/data-file.js';
import { NcqBlockStore } from '../../../../src/store/ncq3/store.js';
import { loadState } from '../../../../src/store/ncq3/state.js';
import { MERGE_INDEXES_OVER } from '../../../../src/store/ncq3/writer.js';
import { hashBlock, parseHash } from '../../../../src/store/hash.js';
import { readObject } from '../../../../src/tree/index.js';
import { F3MIB17_ROOT, REFS, f3MiB17, wholeStore } from '../../../helpers/ncq3-vectors.js';
import { xorshiftBytes } from '../../../helpers/bytes.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-ncq3w-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const workdir = () => path.join(dir, 'ncq3', '0');
const text = (s: string) => new TextEncoder().encode(s);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('an NCQ3 store written by this toolkit', () => {
  it('reads back blocks and refs; deletions by tombstone; files as §14.2 asks', async () => {
    const w = await NcqBlockStore.open(dir, { write: true });
    const big = xorshiftBytes(300_000, 7);
    const [hHello, hBig, hGone] = [text('hello'), big, text('gone')].map(hashBlock) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    await w.put(text('hello'));
    await w.put(big, hBig);
    await w.put(text('gone'));
    expect(await w.del(hGone)).toBe(true);
    expect(await w.del(hGone)).toBe(false); // already a tombstone: nothing appended
    const k = hashBlock(text('ref key'));
    await w.updateRef(k, async () => hHello);
    await w.updateRef(k, async () => hBig);
    expect(await w.get(hBig)).toEqual(big); // read back from the file being written
    await w.close();

    const names = fs.readdirSync(workdir()).sort();
    expect(names.filter((n) => /^[fis]-/.test(n))).toEqual([
      'f-0000000000000000.data',
      'i-0000000000000003.cq', // the two ref updates each wrote a state (s-1, s-2)
      's-0000000000000004',
    ]);
    expect(fs.existsSync(path.join(dir, 'ncq3', 'config'))).toBe(true);
    const source = (await FileSource.open(path.join(workdir(), 'f-0000000000000000.data')))!;
    expect(await fastCheck(source)).toBe(true); // ends with a valid tail record
    await source.close();
    expect(fs.readFileSync(path.join(workdir(), 's-0000000000000004'), 'latin1')).toMatch(
      /^i 3 \d+\nf 0\n\nn 5\n$/,
    );

    const r = await NcqBlockStore.open(dir);
    expect(new TextDecoder().decode((await r.get(hHello))!)).toBe('hello');
    expect(await r.get(hBig)).toEqual(big);
    expect(await r.get(hGone)).toBeNull();
    expect(await r.getRef(k)).toEqual(hBig);
    const hashes = (await collect(r.hashes())).map((h) => Buffer.from(h).toString('hex')).sort();
    expect(hashes).toEqual([hHello, hBig].map((h) => Buffer.from(h).toString('hex')).sort());
    expect(await collect(r.listRefs())).toEqual([{ key: k, value: hBig }]);
    await r.close();
  });

  it('refuses writes when opened read-only, and empty blocks (hbs2 reads them as tombstones)', async () => {
    const r = await NcqBlockStore.open(dir);
    await expect(r.put(text('x'))).rejects.toThrow(UsageError);
    const w = await NcqBlockStore.open(dir, { write: true });
    await expect(w.put(new Uint8Array(0))).rejects.toThrow(/empty block/);
    await w.close();
  });

  it('a second writer fails at once while the first holds the lock', async () => {
    // A store that does not exist yet is created (and locked) by its first write.
    const w = await NcqBlockStore.open(dir, { write: true });
    expect(fs.existsSync(path.join(dir, 'ncq3'))).toBe(false);
    await w.put(text('first'));
    await expect(NcqBlockStore.open(dir, { write: true })).rejects.toThrow(/locked/);
    await w.close();
    await (await NcqBlockStore.open(dir, { write: true })).close();
  });

  it(`merges indexes past ${MERGE_INDEXES_OVER}: every session's blocks still read`, async () => {
    const blocks: Uint8Array[] = [];
    for (let i = 0; i <= MERGE_INDEXES_OVER + 1; i++) {
      const w = await NcqBlockStore.open(dir, { write: true });
      blocks.push(await w.put(text(`session ${i}`)));
      await w.close();
    }
    const { state } = await loadState(workdir());
    expect(state.indexes.length).toBeLessThanOrEqual(2);
    expect(fs.readdirSync(workdir()).filter((n) => n.startsWith('i-')).length).toBe(
      state.indexes.length,
    );
    const r = await NcqBlockStore.open(dir);
    for (const [i, h] of blocks.entries())
      expect(new TextDecoder().decode((await r.get(h))!)).toBe(`session ${i}`);
    await r.close();
  });

  it('adding to an hbs2-written store: its pending file is indexed, everything still reads', async () => {
    fs.cpSync(wholeStore('small'), dir, { recursive: true });
    const w = await NcqBlockStore.open(dir, { write: true });
    const added = await w.put(text('added by the toolkit'));
    await w.updateRef(hex(REFS.k2), async () => added); // k2 was deleted by hbs2
    await w.close();
    const { state } = await loadState(workdir());
    expect(state.facts.size).toBe(0);
    // hbs2's f-1 indexed as i-4 (state s-5), ours is f-6
    expect([...state.files].sort()).toEqual([1n, 6n]);
    const r = await NcqBlockStore.open(dir);
    const chunks = await collect(readObject(r, parseHash(F3MIB17_ROOT)));
    expect(Buffer.concat(chunks).equals(f3MiB17())).toBe(true);
    expect(await r.getRef(hex(REFS.k))).toEqual(hex(REFS.seq2Box));
    expect(await r.getRef(hex(REFS.k2))).toEqual(added);
    expect(await r.get(hashBlock(text('to be deleted')))).toBeNull();
    await r.close();
  });
});
