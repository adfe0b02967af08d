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
];

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
