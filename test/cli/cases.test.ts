/**
 * CLI tests as data (as rage does with trycmd): every `test/cli/cases/*.yaml` file is a
 * list of cases, each run against the built CLI in a fresh temp dir. Adding a case is
 * adding a few lines of YAML. The format is described in test/cli/cases/README.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCli, type CliRun } from '../helpers/cli.js';

const CASES_DIR = path.resolve(import.meta.dirname, 'cases');

/** One step of a case's setup: an hbs2 command that must succeed, or a file to write. */
interface SetupStep {
  /** The arguments after `hbs2`. */
  run?: string[];
  /** Writes `text` ({NAME} expanded) to this file instead of running a command. */
  file?: string;
  text?: string;
  /** Names the trimmed stdout, used later as `{NAME}`. */
  save?: string;
  stdin?: string;
}

/** Expectations on one output stream. */
interface StreamExpectation {
  /** Exact text. */
  is?: string;
  /** Substrings that must all appear. */
  has?: string[];
  /** Substrings that must not appear. */
  lacks?: string[];
  /** A regular expression the whole text must match (multiline). */
  matches?: string;
}

/** One case of a cases file. */
interface Case {
  name: string;
  /** Files written into the temp dir first: name → text. */
  files?: Record<string, string>;
  /** Directories created first (e.g. `store/blocks` for a simple-layout store). */
  dirs?: string[];
  setup?: (string[] | SetupStep)[];
  args: string[];
  stdin?: string;
  env?: Record<string, string | null>;
  exit: number;
  /**
   * With a non-zero exit: the one `hbs2: error:` line must contain this; `false` when the
   * failure prints help instead of an error line (a command group without its command).
   */
  error?: string | false;
  /** A `hbs2: hint:` line must contain this. */
  hint?: string;
  stdout?: string | StreamExpectation;
  stderr?: string | StreamExpectation;
  /** Files that must exist afterwards, with optional content expectations. */
  after?: Record<string, StreamExpectation | null>;
  /** Files that must not exist afterwards. */
  absent?: string[];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * Replaces `{NAME}` by the saved value; `{dir}` is the case's temp dir. YAML may have read
 * an argument as a number, so the text is taken as a string first.
 */
function expand(text: string | number, vars: Record<string, string>): string {
  return String(text).replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`case uses {${name}}, which no setup step saved`);
    return v;
  });
}

function checkStream(
  label: string,
  actual: string,
  want: string | StreamExpectation | undefined,
  vars: Record<string, string>,
): void {
  if (want === undefined) return;
  const w: StreamExpectation = typeof want === 'string' ? { is: want } : want;
  if (w.is !== undefined) expect(actual, label).toBe(expand(w.is, vars));
  for (const s of w.has ?? []) expect(actual, label).toContain(expand(s, vars));
  for (const s of w.lacks ?? []) expect(actual, label).not.toContain(expand(s, vars));
  if (w.matches !== undefined)
    expect(actual, label).toMatch(new RegExp(expand(w.matches, vars), 'm'));
}

/** Runs one case in a fresh temp dir: files, setup steps, the command, the checks. */
function runCase(c: Case): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-case-'));
  dirs.push(dir);
  const vars: Record<string, string> = { dir };
  for (const d of c.dirs ?? []) fs.mkdirSync(path.join(dir, d), { recursive: true });
  for (const [name, text] of Object.entries(c.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), expand(text, vars));
  }
  const env = (e: Case['env']): Record<string, string | undefined> =>
    Object.fromEntries(
      Object.entries(e ?? {}).map(([k, v]) => [k, v === null ? undefined : expand(v, vars)]),
    );
  for (const raw of c.setup ?? []) {
    const step: SetupStep = Array.isArray(raw) ? { run: raw } : raw;
    if (step.file !== undefined) {
      fs.writeFileSync(path.join(dir, step.file), expand(step.text ?? '', vars));
      continue;
    }
    const args = (step.run ?? []).map((a) => expand(a, vars));
    const r = runCli(dir, args, {
      input: step.stdin === undefined ? undefined : expand(step.stdin, vars),
      env: env(c.env),
    });
    expect(r.status, `setup: hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
    if (step.save) vars[step.save] = r.stdout.trim();
  }
  const args = c.args.map((a) => expand(a, vars));
  const r: CliRun = runCli(dir, args, {
    input: c.stdin === undefined ? undefined : expand(c.stdin, vars),
    env: env(c.env),
  });
  const ctx = `hbs2 ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect(r.status, ctx).toBe(c.exit);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('hbs2: error:'));
  expect(errors, ctx).toHaveLength(c.exit === 0 || c.error === false ? 0 : 1);
  if (typeof c.error === 'string') expect(errors[0], ctx).toContain(expand(c.error, vars));
  expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
  if (c.hint !== undefined)
    expect(
      r.stderr.split('\n').some((l) => l.startsWith('hbs2: hint:') && l.includes(c.hint!)),
      ctx,
    ).toBe(true);
  checkStream('stdout', r.stdout, c.stdout, vars);
  checkStream('stderr', r.stderr, c.stderr, vars);
  for (const [name, want] of Object.entries(c.after ?? {})) {
    const file = path.join(dir, expand(name, vars));
    expect(fs.existsSync(file), `${name} exists`).toBe(true);
    if (want) checkStream(name, fs.readFileSync(file, 'utf8'), want, vars);
  }
  for (const name of c.absent ?? [])
    expect(fs.existsSync(path.join(dir, expand(name, vars))), `${name} is absent`).toBe(false);
}

const files = fs
  .readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('there are case files', () => {
  expect(files.length).toBeGreaterThan(0);
});

for (const file of files) {
  const cases = parse(fs.readFileSync(path.join(CASES_DIR, file), 'utf8')) as Case[];
  describe(file, () => {
    for (const c of cases) test(c.name, () => runCase(c));
  });
}
