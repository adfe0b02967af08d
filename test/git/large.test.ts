/**
 * Large data: 5 commits × 3 files × 5 MiB of random data, with pack.packSizeLimit=12m,
 * pushed one commit at a time and cloned. The clone is identical, the store grows by about
 * one pack per push (not by the repository), and the helper's peak RSS stays bounded.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/cli.js';
import { HELPER, makeRepo, makeTeam, type Team } from './helpers.js';

const tmp = useTempDir();
let t: Team;
const MiB = 1024 * 1024;
const rssLog = () => path.join(t.dir, 'rss.log');

beforeAll(() => {
  t = makeTeam(tmp());
  // The helper on PATH records its peak RSS (kB) when it exits.
  const hook = path.join(t.dir, 'rss-hook.cjs');
  fs.writeFileSync(
    hook,
    `process.on('exit', () => require('fs').appendFileSync(${JSON.stringify(rssLog())}, process.resourceUsage().maxRSS + '\\n'));\n`,
  );
  const wrapper = path.join(t.dir, 'bin', 'git-remote-hbs2tk');
  fs.rmSync(wrapper);
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\nexec "${process.execPath}" --require "${hook}" "${HELPER}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
});

function storeBytes(): number {
  return fs
    .readdirSync(path.join(t.dir, 'store'), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
}

function peakRssMiB(): number {
  const lines = fs.readFileSync(rssLog(), 'utf8').trim().split('\n');
  fs.rmSync(rssLog());
  return Math.max(...lines.map(Number)) / 1024;
}

describe('large data', () => {
  it('5 × 3 × 5 MiB random: incremental pushes, identical clone, bounded memory', () => {
    makeRepo(t, 'big');
    t.ok('big', ['config', 'pack.packSizeLimit', '12m']);
    t.ok('big', ['remote', 'add', 'origin', t.url]);
    const growth: number[] = [];
    for (let c = 1; c <= 5; c++) {
      for (let f = 1; f <= 3; f++)
        fs.writeFileSync(path.join(t.dir, 'big', `f${f}.bin`), randomBytes(5 * MiB));
      t.ok('big', ['add', '.']);
      t.ok('big', ['commit', '-q', '-m', `commit ${c}`]);
      const before = storeBytes();
      t.ok('big', ['push', '-q', 'origin', 'main']);
      growth.push(storeBytes() - before);
    }
    // Each push stores one commit's objects (15 MiB + tree overhead), never the repository.
    for (const g of growth) {
      expect(g).toBeGreaterThan(15 * MiB);
      expect(g).toBeLessThan(15 * MiB * 1.1);
    }
    const pushRss = peakRssMiB();
    t.ok('.', ['-c', 'pack.packSizeLimit=12m', 'clone', '-q', t.url, 'copy']);
    const cloneRss = peakRssMiB();
    expect(t.ok('copy', ['rev-parse', 'HEAD'])).toBe(t.ok('big', ['rev-parse', 'HEAD']));
    for (let f = 1; f <= 3; f++)
      expect(
        fs
          .readFileSync(path.join(t.dir, 'copy', `f${f}.bin`))
          .equals(fs.readFileSync(path.join(t.dir, 'big', `f${f}.bin`))),
      ).toBe(true);
    t.ok('copy', ['fsck', '--no-progress']);
    // The repository is 75 MiB: a helper that held it (or a few whole packs) in memory would fail this.
    console.log(`peak RSS: push ${pushRss.toFixed(0)} MiB, clone ${cloneRss.toFixed(0)} MiB`);
    expect(pushRss).toBeLessThan(160);
    expect(cloneRss).toBeLessThan(160);
  });
});
