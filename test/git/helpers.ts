/**
 * Helpers of the git suites: a team (owner, second writer, reader, outsider keyrings, a
 * group key, an ACB, a repository made with `hbs2 git init`), real `git` runs that find
 * `git-remote-hbs2tk` on PATH, and small local repositories.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hbs2Env } from '../helpers/hostile.js';

/** The built helper (`npx tsc -p tsconfig.build.json` first). */
export const HELPER = path.resolve(__dirname, '../../bin/git-remote-hbs2tk.js');

/** One git run. */
export interface GitRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A team and its repository inside one temp dir. */
export interface Team {
  dir: string;
  url: string;
  /** Keyring files by role. */
  keys: Record<'owner' | 'writer' | 'reader' | 'outsider', string>;
  /** Signing and encryption public keys by role. */
  sign: Record<'owner' | 'writer' | 'reader' | 'outsider', string>;
  enc: Record<'owner' | 'writer' | 'reader' | 'outsider', string>;
  env: NodeJS.ProcessEnv;
  /** Runs `hbs2 ...args` in the team's dir; expects success; returns trimmed stdout. */
  hbs2(args: readonly string[]): string;
  /** Runs git in `cwd` (relative to the team dir). */
  git(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): GitRun;
  /** Like {@link Team.git} but expects exit 0. */
  ok(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): string;
}

/** The environment of git runs: the helper on PATH, an isolated HOME and identity. */
export function gitEnv(dir: string): NodeJS.ProcessEnv {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const link = path.join(bin, 'git-remote-hbs2tk');
  if (!fs.existsSync(link)) fs.symlinkSync(HELPER, link);
  return {
    ...hbs2Env(dir),
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'A U Thor',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_COMMITTER_NAME: 'C O Mitter',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
    GIT_TERMINAL_PROMPT: '0',
  };
}

/** Runs git synchronously. */
export function runGit(
  dir: string,
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): GitRun {
  const r = spawnSync('git', args, {
    cwd: path.resolve(dir, cwd),
    env,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function keyLine(listing: string, label: string): string {
  const m = new RegExp(`^${label}:\\s+(\\S+)`, 'm').exec(listing);
  if (!m) throw new Error(`no ${label} in ${listing}`);
  return m[1]!;
}

/**
 * Makes keyrings, a group key for owner + writer + reader, an ACB with owner and writer as
 * writers, and the repository; the toolkit config lists the owner's keyring, so git runs
 * use it unless a remote says otherwise.
 */
export function makeTeam(dir: string): Team {
  const env = gitEnv(dir);
  fs.mkdirSync(path.join(dir, 'store', 'blocks'), { recursive: true });
  const hbs2 = (args: readonly string[]) => {
    const r = runCli(dir, args, { env: { HOME: dir } });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  const roles = ['owner', 'writer', 'reader', 'outsider'] as const;
  const keys = {} as Team['keys'];
  const sign = {} as Team['sign'];
  const enc = {} as Team['enc'];
  for (const role of roles) {
    keys[role] = path.join(dir, `${role}.key`);
    hbs2(['keyring', 'new', '-o', keys[role]]);
    const listing = hbs2(['keyring', 'list', keys[role]]);
    sign[role] = keyLine(listing, 'sign-key');
    enc[role] = keyLine(listing, 'pub-key');
  }
  const gk = path.join(dir, 'team.gk');
  fs.writeFileSync(path.join(dir, 'readers'), `${enc.owner}\n${enc.writer}\n${enc.reader}\n`);
  hbs2(['groupkey', 'new', path.join(dir, 'readers'), '-o', gk]);
  const acb = path.join(dir, 'team.acb');
  fs.writeFileSync(
    acb,
    `define-acb a1\nacb-writer a1 "${sign.owner}"\nacb-writer a1 "${sign.writer}"\n`,
  );
  const url = hbs2(['git', 'init', '-k', keys.owner, '--group-key', gk, '--acb', acb]);
  fs.mkdirSync(path.join(dir, 'config', 'hbs2'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'config', 'hbs2', 'toolkit.yaml'), `keyrings: [${keys.owner}]\n`);
  const git = (cwd: string, args: readonly string[], extra?: NodeJS.ProcessEnv) =>
    runGit(dir, cwd, args, { ...env, ...extra });
  const ok = (cwd: string, args: readonly string[], extra?: NodeJS.ProcessEnv) => {
    const r = git(cwd, args, extra);
    expect(r.status, `git ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout.trim();
  };
  return { dir, url, keys, sign, enc, env, hbs2, git, ok };
}

/** A new local repository at `name` with one commit per entry of `commits`. */
export function makeRepo(team: Team, name: string, commits: readonly string[] = []): string {
  team.ok('.', ['init', '-q', '-b', 'main', name]);
  for (const c of commits) commit(team, name, c);
  return path.join(team.dir, name);
}

/** Writes `<msg>.t` with `msg` as content and commits it with message `msg`. */
export function commit(team: Team, repo: string, msg: string): void {
  fs.writeFileSync(path.join(team.dir, repo, `${msg}.t`), `${msg}\n`);
  team.ok(repo, ['add', '.']);
  team.ok(repo, ['commit', '-q', '-m', msg]);
}

/** `git for-each-ref` of a repository: "oid name" lines. */
export function refsOf(team: Team, repo: string, pattern = 'refs/'): string {
  return team.ok(repo, ['for-each-ref', '--format=%(objectname) %(refname)', pattern]);
}
