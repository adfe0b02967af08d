import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyOf, type Acb } from '../../../src/acb/model.js';
import { canonicalChain, type ChainInput, type FoundTx } from '../../../src/git/chain.js';

const REPO = new Uint8Array(32).fill(9);
const W1 = new Uint8Array(32).fill(1);
const W2 = new Uint8Array(32).fill(2);
const OUT = new Uint8Array(32).fill(3);
const h = (n: number) => {
  const b = new Uint8Array(32);
  b[0] = n >> 8;
  b[1] = n & 255;
  return b;
};

function tx(
  n: number,
  parent: FoundTx | null,
  time: number,
  extra: Partial<FoundTx> & { height?: number } = {},
): FoundTx {
  return {
    hash: h(n),
    author: W1,
    signatureValid: true,
    ...extra,
    tx: {
      repo: REPO,
      height: extra.height ?? (parent ? parent.tx.height + 1 : 0),
      parent: parent?.hash ?? null,
      prevOwn: null,
      time,
      groupKey: h(0),
      refs: h(0),
      pack: null,
      ...extra.tx,
    },
  };
}

const acb: Acb = {
  root: null,
  owners: [],
  readers: [],
  writers: [
    { key: W1, ranges: [] },
    { key: W2, ranges: [{ from: 100, to: 200 }] },
  ],
  prev: null,
};

function run(txs: FoundTx[], over: Partial<ChainInput> = {}) {
  return canonicalChain({
    txs,
    repo: REPO,
    acb,
    deleted: [],
    checkpoint: null,
    now: 1000,
    skew: 60,
    ...over,
  });
}
const names = (r: ReturnType<typeof run>) => r.chain.map((t) => t.hash[1]);
const verdict = (r: ReturnType<typeof run>, t: FoundTx) => r.verdicts.get(keyOf(t.hash));

describe('canonical chain', () => {
  const a = tx(1, null, 10);
  const b = tx(2, a, 20);
  const c = tx(3, b, 30);

  it('follows parents from the first push', () => {
    expect(names(run([c, a, b]))).toEqual([1, 2, 3]);
    expect(names(run([]))).toEqual([]);
  });

  it('among children of one parent the oldest wins, the lower hash on equal times', () => {
    const late = tx(5, a, 25);
    const early = tx(6, a, 21);
    const r = run([a, late, early]);
    expect(names(r)).toEqual([1, 6]);
    expect(verdict(r, late)).toEqual({ kind: 'lost', winner: early.hash });
    const tieLow = tx(7, a, 21);
    expect(names(run([a, early, tieLow]))).toEqual([1, 6]);
    expect(names(run([a, tx(8, a, 21), tx(4, a, 21)]))).toEqual([1, 4]);
  });

  it('descendants of a lost or invalid transaction are not canonical', () => {
    const loser = tx(5, a, 25);
    const child = tx(6, loser, 26);
    const r = run([a, b, loser, child]);
    expect(names(r)).toEqual([1, 2]);
    expect(verdict(r, child)).toMatchObject({ kind: 'orphan' });
  });

  it('an outsider, a bad signature, another repository are invalid and their children roll back', () => {
    for (const bad of [
      tx(4, a, 15, { author: OUT }),
      tx(4, a, 15, { signatureValid: false }),
      tx(4, a, 15, { tx: { repo: h(77) } as never }),
    ]) {
      const kid = tx(5, bad, 16);
      const r = run([a, bad, kid, b]);
      expect(names(r)).toEqual([1, 2]);
      expect(verdict(r, bad)?.kind).toBe('invalid');
      expect(verdict(r, kid)?.kind).toBe('orphan');
    }
  });

  it('time-range edges: from inclusive, to exclusive', () => {
    expect(names(run([a, tx(4, a, 100, { author: W2 })]))).toEqual([1, 4]);
    expect(names(run([a, tx(4, a, 199, { author: W2 })]))).toEqual([1, 4]);
    expect(names(run([a, tx(4, a, 200, { author: W2 })]))).toEqual([1]);
    expect(names(run([a, tx(4, a, 99, { author: W2 })]))).toEqual([1]);
  });

  it('a future-dated push is refused beyond the skew', () => {
    expect(names(run([a, tx(4, a, 1060)]))).toEqual([1, 4]);
    const r = run([a, tx(4, a, 1061)]);
    expect(names(r)).toEqual([1]);
    expect(verdict(r, tx(4, a, 1061))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('future'),
    });
  });

  it('time must grow along the chain, heights must count', () => {
    expect(names(run([a, tx(4, a, 10)]))).toEqual([1]);
    expect(names(run([a, tx(4, a, 11, { height: 5 })]))).toEqual([1]);
    expect(names(run([tx(4, null, 11, { height: 1 })]))).toEqual([]);
  });

  it('a missing parent makes a transaction invalid', () => {
    const r = run([b]);
    expect(names(r)).toEqual([]);
    expect(verdict(r, b)).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('parent'),
    });
  });

  it('deleted: the transaction and its descendants leave; a sibling takes over', () => {
    const sib = tx(5, a, 25);
    const r = run([a, b, c, sib], { deleted: [b.hash] });
    expect(names(r)).toEqual([1, 5]);
    expect(verdict(r, c)?.kind).toBe('orphan');
  });

  it('a checkpoint blocks reorganisation at and below it', () => {
    const older = tx(5, a, 15); // would beat b without the checkpoint
    expect(names(run([a, b, c, older]))).toEqual([1, 5]);
    const r = run([a, b, c, older], { checkpoint: b.hash });
    expect(names(r)).toEqual([1, 2, 3]);
    expect(verdict(r, older)?.kind).toBe('orphan');
    // Later rules do not undo it either: deleting b or ending W1 keeps the fixed part.
    expect(names(run([a, b, c], { checkpoint: b.hash, deleted: [b.hash] }))).toEqual([1, 2, 3]);
    const ended: Acb = { ...acb, writers: [{ key: W1, ranges: [{ from: -1, to: 25 }] }] };
    expect(names(run([a, b, c], { checkpoint: b.hash, acb: ended }))).toEqual([1, 2]);
  });

  it('an unknown checkpoint is ignored and says why', () => {
    const r = run([a, b], { checkpoint: h(99) });
    expect(names(r)).toEqual([1, 2]);
    expect(r.checkpointIgnored).toMatch(/not in the store/);
  });
});

describe('canonical chain properties', () => {
  /** Random DAGs of transactions: each names an earlier one (or none) as parent. */
  const dag = fc
    .array(
      fc.record({
        parent: fc.nat(),
        root: fc.boolean(),
        dt: fc.integer({ min: -3, max: 10 }),
        author: fc.constantFrom(W1, W2, OUT),
        sig: fc.boolean(),
      }),
      { maxLength: 25 },
    )
    .map((specs) => {
      const txs: FoundTx[] = [];
      specs.forEach((s, i) => {
        const parent = s.root || txs.length === 0 ? null : txs[s.parent % txs.length]!;
        const time = (parent?.tx.time ?? 90) + s.dt;
        txs.push(
          tx(i + 1, parent, Math.max(0, time), {
            author: s.author,
            signatureValid: s.sig || i % 3 !== 0,
          }),
        );
      });
      return txs;
    });

  it('the chain is a path of valid parent links, oldest valid sibling at every step, whatever the input order', () => {
    fc.assert(
      fc.property(dag, fc.integer({ min: 0, max: 1000 }), (txs, seed) => {
        const r = run(txs);
        const shuffled = [...txs].sort(
          (x, y) => ((x.hash[1]! * 7919 + seed) % 101) - ((y.hash[1]! * 7919 + seed) % 101),
        );
        expect(names(run(shuffled))).toEqual(names(r));
        let prev: FoundTx | null = null;
        for (const t of r.chain) {
          expect(t.tx.parent === null ? null : keyOf(t.tx.parent)).toBe(
            prev ? keyOf(prev.hash) : null,
          );
          expect(t.signatureValid).toBe(true);
          expect(t.author).not.toBe(OUT);
          if (prev) expect(t.tx.time).toBeGreaterThan(prev.tx.time);
          for (const sib of txs)
            if (
              sib !== t &&
              keyOf(sib.tx.parent ?? new Uint8Array()) === keyOf(t.tx.parent ?? new Uint8Array())
            )
              expect(['lost', 'invalid']).toContain(r.verdicts.get(keyOf(sib.hash))!.kind);
          prev = t;
        }
        // Every transaction gets exactly one verdict; canonical ones are the chain.
        expect(r.verdicts.size).toBe(txs.length);
        const canon = [...r.verdicts.values()].filter((v) => v.kind === 'canonical').length;
        expect(canon).toBe(r.chain.length);
      }),
    );
  });

  it('adding an outsider transaction anywhere never changes the chain', () => {
    fc.assert(
      fc.property(dag, fc.nat(), (txs, at) => {
        const before = names(run(txs));
        const parent = txs.length ? txs[at % txs.length]! : null;
        const evil = tx(999, parent, (parent?.tx.time ?? 0) - 50 < 0 ? 0 : 1, { author: OUT });
        expect(names(run([...txs, evil]))).toEqual(before);
      }),
    );
  });

  it('a checkpoint on the chain keeps the chain up to it under any later deletion', () => {
    fc.assert(
      fc.property(dag, fc.nat(), fc.nat(), (txs, pick, del) => {
        const r = run(txs);
        fc.pre(r.chain.length > 0);
        const cp = r.chain[pick % r.chain.length]!;
        const deleted = [txs[del % txs.length]!.hash];
        const after = run(txs, { checkpoint: cp.hash, deleted });
        const upTo = r.chain.indexOf(cp) + 1;
        expect(names(after).slice(0, upTo)).toEqual(names(r).slice(0, upTo));
      }),
    );
  });
});
