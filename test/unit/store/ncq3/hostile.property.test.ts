/**
 * Hostile NCQ3 files: random, truncated and bit-flipped data, index and state files give a
 * value or a typed error (Hbs2Error), never another exception or a hang. Plus the recovery
 * rule checked at every cut of hbs2-written files against the tail offsets of the manifest.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hbs2Error } from '../../../../src/errors.js';
import { memorySource } from '../../../../src/store/ncq3/byte-source.js';
import { pendingExtent, recoverLength } from '../../../../src/store/ncq3/data-file.js';
import { parseFileKey, parseState } from '../../../../src/store/ncq3/state.js';
import { NcqBlockStore } from '../../../../src/store/ncq3/store.js';
import { hashBlock } from '../../../../src/store/hash.js';
import { NCQ3_VECTORS } from '../../../helpers/ncq3-vectors.js';

const WORKDIR = 'prefix/ncq3/0';
const vector = (store: string, file: string) =>
  fs.readFileSync(path.join(NCQ3_VECTORS, store, WORKDIR, file));

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-ncq3-hostile-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A damage: cut at a fraction, flip a bit, or replace with random bytes. */
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ cut: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    flip: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    bit: fc.nat(7),
  }),
  fc.record({ random: fc.uint8Array({ maxLength: 300 }) }),
);

type Damage = { cut: number } | { flip: number; bit: number } | { random: Uint8Array };

function apply(bytes: Uint8Array, d: Damage): Uint8Array {
  if ('random' in d) return d.random;
  const out = Uint8Array.from(bytes);
  if ('cut' in d) return out.subarray(0, Math.floor(out.length * d.cut));
  if (out.length > 0) out[Math.floor(out.length * d.flip)]! ^= 1 << d.bit;
  return out;
}

/** Opens `prefix` and reads hello, the ref and a missing key: values or typed errors only. */
async function readsSafely(prefix: string): Promise<void> {
  try {
    const store = await NcqBlockStore.open(prefix);
    try {
      for (const op of [
        () => store.get(hashBlock(new TextEncoder().encode('hello'))),
        () => store.has(hashBlock(new Uint8Array([1]))),
        () => store.getRef(new Uint8Array(32).fill(0xc0)),
      ])
        await op().catch((e: unknown) => {
          if (!(e instanceof Hbs2Error)) throw e;
        });
    } finally {
      await store.close();
    }
  } catch (e) {
    if (!(e instanceof Hbs2Error)) throw e;
  }
}

/** A copy of spec69-reopened (state, index, data) with `file` replaced. */
function storeWith(file: string, bytes: Uint8Array, n: number): string {
  const root = path.join(tmp, `case-${n}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.cpSync(path.join(NCQ3_VECTORS, 'spec69-reopened'), root, { recursive: true });
  const target = path.join(root, WORKDIR, file);
  fs.chmodSync(target, 0o644);
  fs.writeFileSync(target, bytes);
  return path.join(root, 'prefix');
}

describe('hostile NCQ3 files', () => {
  let n = 0;
  for (const file of [
    'f-0000000000000001.data',
    'i-0000000000000003.cq',
    's-0000000000000006',
    'f-0000000000000005.data',
  ])
    it(`damaged ${file}: a value or a typed error`, async () => {
      const original = vector('spec69-reopened', file);
      await fc.assert(
        fc.asyncProperty(damage, async (d) => {
          await readsSafely(storeWith(file, apply(original, d), n++));
        }),
        { numRuns: 60 },
      );
    });

  it('random state text parses or is "bad", never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string(), (bytes, text) => {
        parseState(bytes);
        parseState(new TextEncoder().encode(text));
        parseFileKey(text);
      }),
    );
  });

  it('pendingExtent of random bytes and facts stays inside the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.nat(1000), async (bytes, fact) => {
        const e = await pendingExtent(memorySource(bytes), fact);
        expect(e.indexed).toBeLessThanOrEqual(Math.max(bytes.length, e.trimmedTo));
        expect(e.indexed === 0 || e.indexed > 48).toBe(true);
      }),
    );
  });
});

describe('recovery at every cut of hbs2-written data files', () => {
  it('spec69 f-1 (one tail at its end): 0 below 197, 197 at 197', async () => {
    const bytes = vector('spec69', 'f-0000000000000001.data');
    for (let cut = 0; cut <= bytes.length; cut++)
      expect(await recoverLength(memorySource(bytes.subarray(0, cut)))).toBe(cut === 197 ? 197 : 0);
  });

  it('multi f-1: the end of the last whole tail record before the cut', async () => {
    const bytes = vector('multi', 'f-0000000000000001.data');
    // MANIFEST: B M B M B M B M, tails ending at these offsets.
    const tailEnds = [262232, 524464, 786696, 1048928];
    for (const cut of [0, 100, 262231, 262232, 262233, 524463, 524464, 800000, 1048927, 1048928]) {
      const expected = Math.max(0, ...tailEnds.filter((t) => t <= cut));
      expect(await recoverLength(memorySource(bytes.subarray(0, cut))), String(cut)).toBe(expected);
    }
  });
});
