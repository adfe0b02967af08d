/**
 * I/O failures are exit 7 (issue 15): a read-only store is not a usage error. The store
 * is made read-only by a bind mount in a private mount namespace (`unshare -m`, needs
 * root or user namespaces); the test is skipped where that is not allowed. A full disk is
 * a case of test/cli/cases/store-location.yaml (/dev/full).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { expectOneError, useTempDir } from '../helpers/cli.js';
import { BIN, hbs2Env } from '../helpers/hostile.js';

const dir = useTempDir();
const canMount =
  spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind / /mnt 2>/dev/null && echo ok'], {
    encoding: 'utf8',
  }).stdout.trim() === 'ok';

it.skipIf(!canMount)('storing into a read-only store is exit 7 naming the file system', () => {
  const store = path.join(dir(), 'ro-store');
  fs.mkdirSync(store);
  fs.writeFileSync(path.join(dir(), 'f.txt'), 'hello\n');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script =
    `mount --bind ${q(store)} ${q(store)} && mount -o remount,bind,ro ${q(store)} && ` +
    `exec ${q(process.execPath)} ${q(BIN)} store f.txt`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
    cwd: dir(),
    env: hbs2Env(dir(), store),
    encoding: 'utf8',
  });
  expectOneError(r, 7, { text: 'read-only file system', emptyStdout: true });
  expect(r.stderr).toContain('hbs2: hint:');
  expect(fs.readdirSync(store)).toEqual([]);
});
