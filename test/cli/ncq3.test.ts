/**
 * The CLI on hbs2-written NCQ3 stores: reading commands work on them (without a lock,
 * changing nothing). Writing commands are tested in ncq3-write.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOneError, runCli, useTempDir } from '../helpers/cli.js';
import { diffSnapshots, snapshotDir } from '../helpers/hostile.js';
import {
  F3MIB17_ROOT,
  f3MiB17,
  manifestSections,
  materializeStore,
} from '../helpers/ncq3-vectors.js';

const dir = useTempDir();
let small: string;
let torn: string;
beforeAll(() => {
  // Copies: the commands run on stores the test may compare before and after.
  fs.cpSync(
    path.resolve(__dirname, '../vectors/hbs2-written-ncq3/small'),
    path.join(dir(), 'small'),
    {
      recursive: true,
    },
  );
  small = path.join(dir(), 'small', 'prefix');
  torn = materializeStore('crashed/B-torn-after-fact.before', dir());
});

const run = (args: string[], store: string) => runCli(dir(), args, { store, bytes: true });

describe('reading commands on an NCQ3 store', () => {
  it('cat of the 3 MiB+17 tree gives the file, from a store with a torn tail too', () => {
    for (const store of [small, torn]) {
      const before = snapshotDir(store);
      const r = run(['cat', F3MIB17_ROOT], store);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.equals(Buffer.from(f3MiB17()))).toBe(true);
      expect(diffSnapshots(before, snapshotDir(store))).toEqual({
        changed: [],
        removed: [],
        added: [],
      });
    }
  });

  it('cat -H lists the 13 leaves, deps the root and leaves, cat -r one block', () => {
    const leaves = run(['cat', '-H', F3MIB17_ROOT], small).out.trim().split('\n');
    expect(leaves).toHaveLength(13);
    const deps = run(['deps', F3MIB17_ROOT], small).out.trim().split('\n');
    expect(deps).toEqual([F3MIB17_ROOT, ...leaves]);
    const hello = manifestSections('small')[0]!;
    const r = run(['cat', '-r', '4PNCZERNLKAqwSYHhZpb7B4GE34eiYDPXGgeNKWNNaBp'], small);
    expect(hello.payload).toBe(5);
    expect(r.out).toBe('hello');
  });

  it('cat --metadata describes the tree; metadata dump says it has none', () => {
    const r = run(['cat', '--metadata', '--json', F3MIB17_ROOT], small);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ type: 'merkle', size: 3145745, blocks: 13 });
    expectOneError(run(['metadata', 'dump', F3MIB17_ROOT], small), 6, { text: 'has no metadata' });
  });

  it('a deleted block is not found (exit 6)', () => {
    expectOneError(run(['cat', '-r', 'BkfUxXYmJJUHGP3xUR6XEZY4EZ1hCkrTAjMmiqXFXBGW'], small), 6, {
      text: 'not found',
      emptyStdout: true,
    });
  });
});

describe('fsck of an NCQ3 store (read-only)', () => {
  it('a clean store: every block verified, exit 0, nothing changed', () => {
    const before = snapshotDir(path.join(dir(), 'small'));
    const r = run(['fsck', '--json'], small);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.out) as { blocks: number; problems: unknown[]; layout: string };
    expect(j.layout).toBe('ncq3');
    // The manifest's block sections, tombstoned and overwritten ones included.
    const blocks = manifestSections('small').filter((x) => x.kind === 'B').length;
    expect(j.blocks).toBe(blocks);
    expect(j.problems).toEqual([]);
    expect(diffSnapshots(before, snapshotDir(path.join(dir(), 'small')))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });
  });

  it('a torn tail is reported (hbs2 drops it at its next start) but is not a failure', () => {
    const r = run(['fsck'], torn);
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toMatch(/^torn-tail .*hbs2 keeps 3147811/m);
  });

  it('a block whose bytes were changed: hash-mismatch naming it, exit 4', () => {
    const copy = path.join(dir(), 'flipped');
    fs.cpSync(path.join(dir(), 'small'), copy, { recursive: true });
    const hello = manifestSections('small').find((x) => x.kind === 'B' && x.payload === 5)!;
    const data = path.join(copy, 'prefix', 'ncq3', '0', hello.file);
    const bytes = fs.readFileSync(data);
    bytes[hello.offset + 40] = bytes[hello.offset + 40]! ^ 1; // the first payload byte
    fs.writeFileSync(data, bytes);
    const r = run(['fsck'], path.join(copy, 'prefix'));
    expectOneError(r, 4, { text: 'store check failed: 1 problem' });
    expect(r.out).toMatch(
      /^hash-mismatch .* \(block 4PNCZERNLKAqwSYHhZpb7B4GE34eiYDPXGgeNKWNNaBp\)/m,
    );
  });
});
