#!/usr/bin/env node
// Push and clone of a 2,000-commit repository through git-remote-hbs2tk (hbs2tk://, a local
// simple store) and through git-remote-gcrypt (gcrypt:: to a local bare repository, gpg key
// without passphrase), on the same repository, in one run: median wall times of BENCH_RUNS
// runs (default 3), each into a fresh remote. Standalone (not part of bench/run.mjs: it needs
// git-remote-gcrypt and gpg). Build first: npx tsc -p tsconfig.build.json.
// Usage: node bench/git.mjs          BENCH_COMMITS=500 BENCH_RUNS=1 node bench/git.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const COMMITS = Number(process.env.BENCH_COMMITS ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-git-bench-'));
const bin = path.join(work, 'bin');
fs.mkdirSync(bin);
fs.symlinkSync(path.join(root, 'bin', 'hbs2.js'), path.join(bin, 'hbs2'));
fs.symlinkSync(path.join(root, 'bin', 'git-remote-hbs2tk.js'), path.join(bin, 'git-remote-hbs2tk'));
const gnupg = path.join(work, 'gnupg');
fs.mkdirSync(gnupg, { mode: 0o700 });
const env = {
  ...process.env,
  PATH: `${bin}:${process.env.PATH}`,
  HOME: work,
  GNUPGHOME: gnupg,
  XDG_CONFIG_HOME: path.join(work, 'config'),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { env, cwd: work, stdio: ['pipe', 'pipe', 'pipe'], ...opts })
    .toString()
    .trim();

/** A repository of COMMITS commits, each changing one of 50 small files (git fast-import). */
function makeRepo(dir) {
  sh('git', ['init', '-q', '-b', 'main', dir]);
  const lines = [];
  for (let i = 1; i <= COMMITS; i++) {
    const body = `line ${i}\n`.repeat(1 + (i % 40));
    lines.push(
      'commit refs/heads/main',
      `committer Bench <bench@example.com> ${1700000000 + i} +0000`,
      `data ${`commit ${i}`.length}`,
      `commit ${i}`,
      `M 644 inline dir${i % 7}/file${i % 50}.txt`,
      `data ${Buffer.byteLength(body)}`,
      body,
    );
  }
  sh('git', ['fast-import', '--quiet'], { cwd: dir, input: lines.join('\n') + '\n' });
  sh('git', ['reset', '-q', '--hard'], { cwd: dir });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timed(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function du(dir) {
  return Number(sh('du', ['-sk', dir]).split('\t')[0]) / 1024;
}

const repo = path.join(work, 'repo');
makeRepo(repo);
const results = [];

// hbs2tk: a fresh store and repository per run.
{
  sh('hbs2', ['keyring', 'new', '-o', 'owner.key']);
  const sign = sh('hbs2', ['keyring', 'list', 'owner.key']).match(/sign-key:\s+(\S+)/)[1];
  sh('hbs2', ['groupkey', 'new', 'owner.key', '-o', 'team.gk']);
  fs.writeFileSync(path.join(work, 'team.acb'), `define-acb a1\nacb-writer a1 "${sign}"\n`);
  fs.mkdirSync(path.join(work, 'config', 'hbs2'), { recursive: true });
  fs.writeFileSync(
    path.join(work, 'config', 'hbs2', 'toolkit.yaml'),
    `keyrings: [${path.join(work, 'owner.key')}]\n`,
  );
  const push = [];
  const clone = [];
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    const store = path.join(work, `store-${i}`);
    fs.mkdirSync(path.join(store, 'blocks'), { recursive: true });
    const url = sh(
      'hbs2',
      ['git', 'init', '-k', 'owner.key', '--group-key', 'team.gk', '--acb', 'team.acb'],
      {
        env: { ...env, HBS2_STORE: store },
      },
    );
    const e = { ...env, HBS2_STORE: store };
    push.push(timed(() => sh('git', ['push', '-q', url, 'main'], { cwd: repo, env: e })));
    clone.push(
      timed(() =>
        sh('git', ['clone', '-q', url, path.join(work, `hbs2tk-clone-${i}`)], { env: e }),
      ),
    );
    size = du(store);
  }
  results.push({
    tool: 'git-remote-hbs2tk',
    push: median(push),
    clone: median(clone),
    remoteMiB: size,
  });
}

if (!have('git-remote-gcrypt'))
  console.error('bench: git-remote-gcrypt is missing (apt-get install git-remote-gcrypt); skipped');
else {
  sh('gpg', [
    '--batch',
    '--passphrase',
    '',
    '--quick-gen-key',
    'Bench <bench@example.com>',
    'ed25519',
    'sign',
    'never',
  ]);
  const fpr = sh('gpg', ['--list-keys', '--with-colons']).match(/^fpr:+([0-9A-F]+):/m)[1];
  sh('gpg', ['--batch', '--passphrase', '', '--quick-add-key', fpr, 'cv25519', 'encr', 'never']);
  const push = [];
  const clone = [];
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    const bare = path.join(work, `gcrypt-${i}.git`);
    sh('git', ['init', '-q', '--bare', bare]);
    const url = `gcrypt::${bare}`;
    sh('git', ['config', 'gcrypt.participants', fpr], { cwd: repo });
    push.push(timed(() => sh('git', ['push', '-q', url, 'main'], { cwd: repo })));
    const dest = path.join(work, `gcrypt-clone-${i}`);
    clone.push(
      timed(() => sh('git', ['-c', `gcrypt.participants=${fpr}`, 'clone', '-q', url, dest])),
    );
    size = du(bare);
  }
  results.push({
    tool: 'git-remote-gcrypt',
    push: median(push),
    clone: median(clone),
    remoteMiB: size,
  });
}

const repoMiB = du(path.join(repo, '.git'));
console.log(
  `repository: ${COMMITS} commits, .git ${repoMiB.toFixed(1)} MiB; medians of ${RUNS} runs`,
);
console.log('| helper | push (s) | clone (s) | remote size (MiB) |');
console.log('|---|---|---|---|');
for (const r of results)
  console.log(
    `| ${r.tool} | ${r.push.toFixed(2)} | ${r.clone.toFixed(2)} | ${r.remoteMiB.toFixed(1)} |`,
  );
fs.rmSync(work, { recursive: true, force: true });
