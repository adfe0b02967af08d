#!/usr/bin/env node
/**
 * A single-node Ceph (one monitor, one bluestore OSD on a sparse file, one RADOS Gateway)
 * on loopback, everything inside one temp directory, for the S3 tests and the S3 bench.
 *
 *   node test/s3/ceph.mjs start DIR   # prints the endpoint and keys as JSON, daemons keep running
 *   node test/s3/ceph.mjs stop DIR    # stops the daemons by their recorded pids, removes DIR
 *
 * The daemons run in the foreground (`-f`) as detached children so their pids are ours to
 * record (DIR/pids.json); stop sends SIGTERM, then SIGKILL to what is left after 5 s.
 */
/* global setTimeout, fetch, AbortSignal */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** Access key and secret of the test user (a throwaway cluster on loopback). */
export const TEST_ACCESS_KEY = 'HBS2TESTACCESSKEY000';
export const TEST_SECRET_KEY = 'hbs2-test-secret-key-not-a-real-secret-0000';

const STOP_GRACE_MS = 5000;

/** True when the Ceph daemons this harness needs are installed. */
export function cephInstalled() {
  return ['ceph-mon', 'ceph-osd', 'radosgw', 'monmaptool', 'ceph-authtool'].every(
    (b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0,
  );
}

/** A free TCP port on 127.0.0.1 (closed again before it is handed out). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function conf(dir, monPort, rgwPort, fsid) {
  return `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
ms bind msgr2 = false
osd class update on start = false
osd crush update on start = false
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
keyring = ${dir}/keyring
osd objectstore = bluestore
bluestore block path = ${dir}/osd/$cluster-$id.img
bluestore block create = true
bluestore block size = 4294967296
bluestore fsck on mount = false
osd max object name len = 256
osd max object namespace len = 64

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw enable usage log = false
`;
}

/** Runs a Ceph tool to completion; throws with its output when it fails. */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** Starts one daemon in the foreground as a detached child; records its pid. */
function daemon(dir, name, cmd, args) {
  const out = fs.openSync(path.join(dir, 'log', `${name}.out`), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  fs.closeSync(out);
  const pidsFile = path.join(dir, 'pids.json');
  const pids = fs.existsSync(pidsFile) ? JSON.parse(fs.readFileSync(pidsFile, 'utf8')) : {};
  pids[name] = child.pid;
  fs.writeFileSync(pidsFile, JSON.stringify(pids));
  return child.pid;
}

/** Polls `probe` until it returns a truthy value or `ms` pass. */
async function waitFor(what, ms, probe) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`ceph harness: timed out waiting for ${what}`);
    await sleep(250);
  }
}

function ceph(confFile, args) {
  return run('ceph', ['-c', confFile, '--connect-timeout', '10', ...args]);
}

/** Whether anything answers HTTP at `url`. */
async function answers(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return true;
}

/**
 * Starts the gateway (again, e.g. after a test killed it) from the config in `dir`, and
 * waits until it answers HTTP.
 */
export async function startRgw(dir) {
  const info = JSON.parse(fs.readFileSync(path.join(dir, 'endpoint.json'), 'utf8'));
  daemon(dir, 'rgw', 'radosgw', ['-f', '-c', info.conf, '-n', 'client.rgw.a']);
  await waitFor('the RADOS gateway to answer HTTP', 60_000, () => answers(info.endpoint));
  return info;
}

/** Kills the gateway (SIGKILL, no grace): the "server vanished mid-request" case. */
export function killRgw(dir) {
  const pids = JSON.parse(fs.readFileSync(path.join(dir, 'pids.json'), 'utf8'));
  if (pids.rgw) {
    try {
      process.kill(pids.rgw, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Creates and starts the cluster in `dir` (created; must be empty or absent). Resolves to
 * `{ endpoint, accessKey, secretKey, region, conf }` once the gateway answers and the
 * test user exists.
 */
export async function startCeph(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const d of ['run', 'log', 'mon', 'osd', 'rgw']) fs.mkdirSync(path.join(dir, d));
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  const confFile = path.join(dir, 'ceph.conf');
  fs.writeFileSync(confFile, conf(dir, monPort, rgwPort, fsid));
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const info = {
    endpoint,
    accessKey: TEST_ACCESS_KEY,
    secretKey: TEST_SECRET_KEY,
    region: 'us-east-1',
    conf: confFile,
  };
  fs.writeFileSync(path.join(dir, 'endpoint.json'), JSON.stringify(info));

  const monmap = path.join(dir, 'monmap');
  const monKeyring = path.join(dir, 'mon.keyring');
  run('monmaptool', ['--create', '--fsid', fsid, '--add', 'a', `v1:127.0.0.1:${monPort}`, monmap]);
  run('ceph-authtool', [
    '--create-keyring',
    monKeyring,
    '--gen-key',
    '-n',
    'mon.',
    '--cap',
    'mon',
    'allow *',
  ]);
  run('ceph-mon', [
    '-c',
    confFile,
    '--mkfs',
    '-i',
    'a',
    '--monmap',
    monmap,
    '--keyring',
    monKeyring,
  ]);
  daemon(dir, 'mon', 'ceph-mon', ['-f', '-c', confFile, '-i', 'a']);
  await waitFor('the monitor', 30_000, async () => ceph(confFile, ['-s']));

  const osdUuid = randomUUID();
  const id = ceph(confFile, ['osd', 'create', osdUuid]).trim();
  fs.mkdirSync(path.join(dir, 'osd', `ceph-${id}`));
  run('ceph-osd', ['-c', confFile, '-i', id, '--mkfs', '--osd-uuid', osdUuid]);
  ceph(confFile, ['osd', 'crush', 'add-bucket', 'node', 'host']);
  ceph(confFile, ['osd', 'crush', 'move', 'node', 'root=default']);
  ceph(confFile, ['osd', 'crush', 'add', `osd.${id}`, '1.0', 'host=node']);
  daemon(dir, 'osd', 'ceph-osd', ['-f', '-c', confFile, '-i', id]);
  await waitFor('the OSD to be up', 45_000, async () =>
    /"num_up_osds":1\b/.test(ceph(confFile, ['osd', 'stat', '-f', 'json'])),
  );

  await startRgw(dir);
  run('radosgw-admin', [
    '-c',
    confFile,
    'user',
    'create',
    '--uid=test',
    '--display-name=test',
    `--access-key=${TEST_ACCESS_KEY}`,
    `--secret=${TEST_SECRET_KEY}`,
  ]);
  return info;
}

/** Stops every recorded daemon by pid (SIGTERM, SIGKILL after 5 s) and removes `dir`. */
export async function stopCeph(dir) {
  const pidsFile = path.join(dir, 'pids.json');
  const pids = fs.existsSync(pidsFile)
    ? Object.values(JSON.parse(fs.readFileSync(pidsFile, 'utf8')))
    : [];
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const end = Date.now() + STOP_GRACE_MS;
  while (pids.some(alive) && Date.now() < end) await sleep(100);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (pids.some(alive)) await sleep(50);
  fs.rmSync(dir, { recursive: true, force: true });
}

const isMain =
  process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const [cmd, dir] = process.argv.slice(2);
  if (!dir || (cmd !== 'start' && cmd !== 'stop')) {
    console.error('usage: node test/s3/ceph.mjs start|stop DIR');
    process.exit(2);
  }
  if (cmd === 'start') {
    const t0 = Date.now();
    const info = await startCeph(path.resolve(dir));
    console.log(JSON.stringify({ ...info, startedInMs: Date.now() - t0 }));
  } else {
    await stopCeph(path.resolve(dir));
  }
}
