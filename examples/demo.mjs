// A walkthrough of the hbs2 toolkit CLI. Runs the built CLI (`node bin/hbs2.js`) in a
// fresh temporary directory, printing each command before its output. Exits non-zero as
// soon as a step fails. `npm run demo` builds first.
//
// To extend the walkthrough, append entries to STEPS: each step has a title and a list of
// commands; a command is an argv array for hbs2 (optionally with `expect` — the exit code
// it must end with, default 0 — and `check`, a function of its stdout that returns an
// error message or nothing). Steps share the temp dir, so later steps can use files that
// earlier ones created.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'hbs2.js');

const REPORT = 'Q3 revenue: 42\nQ3 costs: 17\n';

/** The walkthrough; append steps here (group keys, store, cat, rotation …). */
const STEPS = [
  {
    title: 'Create two keyrings (a signing key and one encryption key each, mode 0600)',
    commands: [
      { argv: ['keyring', 'new', '-o', 'alice.key'] },
      { argv: ['keyring', 'new', '-o', 'bob.key'] },
    ],
  },
  {
    title: 'Give Alice a second encryption key, labelled "laptop"',
    commands: [{ argv: ['keyring', 'add-new', '-n', 'laptop', 'alice.key'], check: isOneKey }],
  },
  {
    title: 'List the keyrings (public keys only)',
    commands: [
      {
        argv: ['keyring', 'list', 'alice.key'],
        check: (out) => (out.includes('  laptop\n') ? null : 'laptop entry missing'),
      },
      {
        argv: ['keyring', 'list', '--json', 'bob.key'],
        check: (out) => (JSON.parse(out).entries.length === 1 ? null : 'expected one entry'),
      },
      { argv: ['show-peer-key', 'bob.key'], check: isOneKey },
    ],
  },
  {
    title: 'Collect the encryption public keys into a recipients file',
    commands: [
      {
        argv: ['keyring', 'pubs', 'alice.key', 'bob.key'],
        saveAs: 'team.txt',
        check: (out) => (out.trim().split('\n').length === 3 ? null : 'expected 3 keys'),
      },
    ],
  },
  {
    title: 'Find the keyring that holds a signing key',
    commands: [
      {
        argv: (ctx) => ['keyring', 'find', '-s', ctx.stdoutOf('show-peer-key bob.key'), '.'],
        check: (out) => (out.trim() === 'bob.key' ? null : 'expected bob.key'),
      },
    ],
  },
  {
    title: 'The effective configuration',
    commands: [{ argv: ['config', 'show'] }],
  },
  {
    title: 'A group key for the whole team (the recipients file made above)',
    commands: [
      { argv: ['groupkey-new', 'team.txt', '-o', 'team.gk'] },
      { argv: ['groupkey', 'dump', 'team.gk'] },
      { argv: ['groupkey', 'check', '-k', 'bob.key', 'team.gk'] },
    ],
  },
  {
    title: 'Store a file as a merkle tree of 256 KiB blocks and read it back',
    commands: [
      { writeFile: 'report.txt', content: REPORT },
      { argv: ['store', 'report.txt'], check: isOneKey },
      { argv: ['hash', '--tree', 'report.txt'], check: isOneKey },
      {
        argv: (ctx) => ['cat', ctx.stdoutOf('store report.txt')],
        check: (out) => (out === REPORT ? null : 'content differs'),
      },
    ],
  },
  {
    title: 'Encrypt the file for a group holding only Alice, with encrypted metadata',
    commands: [
      { argv: ['keyring', 'new', '-o', 'carol.key'] },
      { argv: ['keyring', 'pubs', 'alice.key'], saveAs: 'alice.pubs' },
      { argv: ['keyring', 'pubs', 'carol.key'], saveAs: 'carol.pubs' },
      { argv: ['groupkey-new', 'alice.pubs', '-o', 'g0.gk'] },
      {
        argv: [
          'store',
          '-g',
          'g0.gk',
          '-k',
          'alice.key',
          '--meta',
          'quarterly report',
          'report.txt',
        ],
        check: isOneKey,
      },
    ],
  },
  {
    title: 'Inspect it without a key, then with Alice’s keyring; read it back',
    commands: [
      { argv: (ctx) => ['cat', '--metadata', t0(ctx)] },
      { argv: (ctx) => ['cat', '--metadata', '-k', 'alice.key', t0(ctx)] },
      {
        argv: (ctx) => ['cat', '-k', 'alice.key', t0(ctx)],
        check: (out) => (out === REPORT ? null : 'content differs'),
      },
      { argv: (ctx) => ['cat', '-k', 'carol.key', t0(ctx)], expect: 5 },
    ],
  },
  {
    title: 'Add Carol as a reader: same secret, only a new annotation is written',
    commands: [
      {
        argv: [
          'groupkey',
          'update',
          '-k',
          'alice.key',
          '--add',
          'carol.pubs',
          'g0.gk',
          '-o',
          'g1.gk',
        ],
      },
      {
        argv: (ctx) => ['rotate', t0(ctx), '-g', 'g1.gk', '-k', 'alice.key', '--json'],
        check: (out) => (JSON.parse(out).mode === 'reannotated' ? null : 'expected reannotated'),
      },
      {
        argv: (ctx) => ['cat', '-k', 'carol.key', rotated(ctx, 'g1.gk')],
        check: (out) => (out === REPORT ? null : 'content differs'),
      },
      {
        argv: (ctx) => ['cat', '-k', 'carol.key', t0(ctx)],
        check: (out) => (out === REPORT ? null : 'old root should open through the key index'),
      },
    ],
  },
  {
    title: 'Remove Carol: a new secret, the content is encrypted again',
    commands: [
      {
        argv: [
          'groupkey',
          'update',
          '-k',
          'alice.key',
          '--remove',
          'carol.pubs',
          'g1.gk',
          '-o',
          'g2.gk',
        ],
      },
      {
        argv: (ctx) => [
          'rotate',
          rotated(ctx, 'g1.gk'),
          '-g',
          'g2.gk',
          '-k',
          'alice.key',
          '--json',
        ],
        check: (out) => (JSON.parse(out).mode === 'reencrypted' ? null : 'expected reencrypted'),
      },
      { argv: (ctx) => ['cat', '-k', 'carol.key', rotated(ctx, 'g2.gk')], expect: 5 },
      {
        argv: (ctx) => ['cat', '-k', 'alice.key', rotated(ctx, 'g2.gk')],
        check: (out) => (out === REPORT ? null : 'content differs'),
      },
    ],
  },
  {
    title: 'Check the whole store',
    commands: [{ argv: ['fsck'] }],
  },
];

/** The encrypted root stored for Alice above. */
function t0(ctx) {
  return ctx.stdoutOf('store -g g0.gk -k alice.key --meta quarterly report report.txt');
}

/** The root printed by the rotation to `gk`. */
function rotated(ctx, gk) {
  const from = gk === 'g1.gk' ? t0(ctx) : rotated(ctx, 'g1.gk');
  return JSON.parse(ctx.stdoutOf(`rotate ${from} -g ${gk} -k alice.key --json`)).root;
}

function isOneKey(out) {
  return /^[1-9A-HJ-NP-Za-km-z]{43,44}\n$/.test(out) ? null : 'expected one base58 key';
}

function quote(a) {
  return /^[\w./=:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist'))) {
    console.error('demo: dist/ is missing; run `npm run demo` (it builds first)');
    return 1;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-demo-'));
  const env = {
    ...process.env,
    HBS2_STORE: path.join(dir, 'store'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
  };
  const outputs = new Map();
  const ctx = {
    dir,
    stdoutOf(cmdline) {
      const out = outputs.get(cmdline);
      if (out === undefined) throw new Error(`no earlier output of '${cmdline}'`);
      return out.trim();
    },
  };
  console.log(`# working in ${dir}\n`);
  try {
    let n = 0;
    for (const step of STEPS) {
      console.log(`## ${++n}. ${step.title}\n`);
      for (const cmd of step.commands) {
        if (cmd.writeFile) {
          console.log(`$ cat > ${cmd.writeFile}   # ${JSON.stringify(cmd.content)}\n`);
          fs.writeFileSync(path.join(dir, cmd.writeFile), cmd.content);
          continue;
        }
        const argv = typeof cmd.argv === 'function' ? cmd.argv(ctx) : cmd.argv;
        const line = `hbs2 ${argv.map(quote).join(' ')}${cmd.saveAs ? ` > ${cmd.saveAs}` : ''}`;
        console.log(`$ ${line}`);
        const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: dir, env, encoding: 'utf8' });
        if (cmd.saveAs) fs.writeFileSync(path.join(dir, cmd.saveAs), r.stdout);
        process.stdout.write(r.stdout);
        process.stdout.write(r.stderr);
        outputs.set(argv.join(' '), r.stdout);
        const expected = cmd.expect ?? 0;
        const problem =
          r.status !== expected
            ? `exit code ${r.status}, expected ${expected}`
            : cmd.check
              ? cmd.check(r.stdout)
              : null;
        if (problem) {
          console.error(`\ndemo: step ${n} failed at '${line}': ${problem}`);
          return 1;
        }
        console.log('');
      }
    }
    console.log('demo: all steps passed');
    return 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
