/**
 * What the NCQ3 writer puts on disk, byte for byte: sections and tails as the spec's
 * worked examples, every hbs2-written state file re-rendered to its own bytes, and every
 * hbs2-written index file rebuilt from the data file it indexes to the same table and
 * trailer (the order of slots inside a bucket is not reproducible, spec §7.4, so each
 * bucket is compared as a set).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSource } from '../../../../src/store/ncq3/byte-source.js';
import { pendingExtent, scanSections } from '../../../../src/store/ncq3/data-file.js';
import { refPayload, sectionHeader, tailRecord } from '../../../../src/store/ncq3/encode.js';
import { IndexFile } from '../../../../src/store/ncq3/index-file.js';
import {
  bucketCount,
  buildIndex,
  type IndexEntry,
} from '../../../../src/store/ncq3/index-writer.js';
import { saltedRefKey } from '../../../../src/store/ncq3/section.js';
import { dataFileName, parseState } from '../../../../src/store/ncq3/state.js';
import { renderState } from '../../../../src/store/ncq3/state-writer.js';
import { hashBlock } from '../../../../src/store/hash.js';
import { NCQ3_VECTORS, WHOLE_STORES, wholeStore } from '../../../helpers/ncq3-vectors.js';

const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-ncq3w-'));
afterAll(() => fs.rmSync(tmpdir, { recursive: true, force: true }));

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const concat = (parts: Uint8Array[]) => Buffer.concat(parts);

describe('sections (spec §6.9)', () => {
  it('hello block, the LWW ref record and a tail give the 197-byte example file', () => {
    const hello = new TextEncoder().encode('hello');
    const k = hex('c0c6b110178c641636d70c7bdbda802aa92a379d5b5aeb96c5e257f2dca90ad9');
    const value = hex('f3e93c06f14642f232263dd9827dcea1280322941c825f4076776f0219a62a19');
    const ref = refPayload(value, k);
    const body = concat([
      sectionHeader('block', hashBlock(hello), hello.length),
      hello,
      sectionHeader('ref', saltedRefKey(k), ref.length),
      ref,
    ]);
    const file = concat([body, tailRecord(body.length)]);
    expect(file.toString('hex')).toBe(
      '00000029324dcf027dd4a30a932c441f365a25e86b173defa4b8e58948253471' +
        'b81b72cf423b3b0068656c6c6f000000648357441525ca8214dae44768dd25ab' +
        '5459f9342c250c115d492f69a4d0783e58523b3b00f3e93c06f14642f232263d' +
        'd9827dcea1280322941c825f4076776f0219a62a19c0c6b110178c641636d70c' +
        '7bdbda802aa92a379d5b5aeb96c5e257f2dca90ad90000002cee0d8fa220beba' +
        '567204b316258868897b27c49e602717698bbcc0abc5eb47184d3b3b00000000' +
        '00000000c5',
    );
  });

  it('a tombstone is 40 bytes: size 36, key, T;;\\0', () => {
    const key = hashBlock(new TextEncoder().encode('hello'));
    expect(Buffer.from(sectionHeader('tombstone', key, 0)).toString('hex')).toBe(
      '00000024324dcf027dd4a30a932c441f365a25e86b173defa4b8e58948253471b81b72cf543b3b00',
    );
  });
});

/** Every state and index file of the hbs2-written stores kept whole. */
function vectorFiles(prefix: 's-' | 'i-'): { store: string; workdir: string; name: string }[] {
  return WHOLE_STORES.flatMap((store) => {
    const workdir = path.join(wholeStore(store), 'ncq3', '0');
    return fs
      .readdirSync(workdir)
      .filter((n) => n.startsWith(prefix))
      .map((name) => ({ store, workdir, name }));
  });
}

describe('state files', () => {
  const files = vectorFiles('s-');
  it('there are hbs2-written state files to compare with', () => {
    expect(files.length).toBeGreaterThan(10);
  });
  it.each(files.map((f) => [`${f.store}/${f.name}`, f] as const))(
    '%s re-renders to its own bytes',
    (_n, f) => {
      const bytes = fs.readFileSync(path.join(f.workdir, f.name));
      expect(renderState(parseState(bytes)!)).toBe(bytes.toString('latin1'));
    },
  );
});

/** The slots of each bucket of a table, sorted, so bucket contents compare as sets. */
function canonicalTable(table: Uint8Array): string[] {
  const buckets: string[] = [];
  for (let b = 0; b * 208 < table.length; b++) {
    const slots: string[] = [];
    for (let s = 0; s < 4; s++) {
      const at = b * 208 + s * 52;
      if (at >= table.length) break;
      slots.push(Buffer.from(table.subarray(at, at + 52)).toString('hex'));
    }
    buckets.push(slots.sort().join(''));
  }
  return buckets;
}

/** Table and trailer of an index file's bytes. */
function splitIndex(bytes: Uint8Array): { table: Uint8Array; trailer: string } {
  const textLength = Buffer.from(bytes).readUInt32BE(bytes.length - 4);
  const tableLength = bytes.length - 4 - textLength;
  return {
    table: bytes.subarray(0, tableLength),
    trailer: Buffer.from(bytes.subarray(tableLength, bytes.length - 4)).toString('latin1'),
  };
}

describe('index files', () => {
  it('the index of the §6.9 file is the §7.5 example: 55,465 bytes, two slots, 81-byte trailer', () => {
    const hello = hex('324dcf027dd4a30a932c441f365a25e86b173defa4b8e58948253471b81b72cf');
    const rk = hex('8357441525ca8214dae44768dd25ab5459f9342c250c115d492f69a4d0783e58');
    const bytes = concat(
      buildIndex([
        { key: hello, dataKey: 1n, offset: 0, length: 45 },
        { key: rk, dataKey: 1n, offset: 45, length: 104 },
      ]),
    );
    expect(bytes.length).toBe(55_465);
    expect(bytes.subarray(55_328, 55_380).toString('hex')).toBe(
      `${Buffer.from(hello).toString('hex')}000000000000000100000000000000000000002d`,
    );
    expect(bytes.subarray(4160, 4212).toString('hex')).toBe(
      `${Buffer.from(rk).toString('hex')}0000000000000001000000000000002d00000068`,
    );
    expect(bytes.subarray(55_380).toString('latin1')).toBe(
      '(keysize 32)\n(keypartsize 8)\n(valuesize 20)\n(bucksize 4)\n(buckets 512)\n(cqfile 1)\u0000\u0000\u0000Q',
    );
  });

  it('bucket counts follow §7.3', () => {
    expect([0, 1780, 1781, 3561, 3562, 100_000, 1_000_000].map(bucketCount)).toEqual([
      512, 512, 1024, 1024, 2048, 32768, 524288,
    ]);
  });

  const files = vectorFiles('i-');
  it('there are hbs2-written index files to compare with', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });
  it.each(files.map((f) => [`${f.store}/${f.name}`, f] as const))(
    '%s is rebuilt from its data file with the same table and trailer',
    async (_n, f) => {
      const hbs2 = new Uint8Array(fs.readFileSync(path.join(f.workdir, f.name)));
      const index = (await IndexFile.open(path.join(f.workdir, f.name)))!;
      const dataKeys = new Set((await index.entries()).map((e) => e.dataKey));
      await index.close();
      expect(dataKeys.size).toBe(1); // an index made for one data file (§7.6)
      const [dataKey] = [...dataKeys] as [bigint];
      const source = (await FileSource.open(path.join(f.workdir, dataFileName(dataKey))))!;
      const entries = new Map<string, IndexEntry>();
      const { indexed } = await pendingExtent(source, 0);
      for await (const s of scanSections(source, indexed || source.size))
        if (s.kind !== 'tail') entries.set(Buffer.from(s.key).toString('hex'), { ...s, dataKey });
      await source.close();
      const list = [...entries.values()].map((e) => ({
        key: e.key,
        dataKey,
        offset: e.offset,
        length: e.length,
      }));
      const ours = new Uint8Array(concat(buildIndex(list)));
      const a = splitIndex(hbs2);
      const b = splitIndex(ours);
      expect(b.trailer).toBe(a.trailer);
      const slotSet = (t: Uint8Array) =>
        new Set(
          canonicalTable(t)
            .flatMap((x) => x.match(/.{104}/g) ?? [])
            .filter((x) => !/^0+$/.test(x)),
        );
      expect(slotSet(b.table)).toEqual(slotSet(a.table));
      if (!a.trailer.includes('(buckets 512)')) {
        // Several pages: which entries of a full bucket overflow depends on hbs2's
        // insertion order (hash-map order, not reproducible); every entry must be found.
        const file = path.join(tmpdir, f.store + f.name);
        fs.writeFileSync(file, ours);
        const reread = (await IndexFile.open(file))!;
        for (const e of list)
          expect(await reread.lookup(e.key)).toEqual({
            dataKey,
            offset: e.offset,
            length: e.length,
          });
        await reread.close();
        return;
      }
      expect(b.table.length).toBe(a.table.length);
      expect(canonicalTable(b.table)).toEqual(canonicalTable(a.table));
    },
  );
  it('NCQ3_VECTORS is the vector directory', () => expect(fs.existsSync(NCQ3_VECTORS)).toBe(true));
});
