/**
 * `hbs2 git …` and the helper's own errors: exit codes and one `hbs2: error:` line, the
 * log's verdicts after delete and checkpoint, fsck on a corrupt block. Build first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOneError, runCli, useTempDir } from '../helpers/cli.js';
import { commit, HELPER, makeRepo, makeTeam, type Team } from './helpers.js';

const tmp = useTempDir();
let t: Team;

beforeAll(() => {
  t = makeTeam(tmp());
  makeRepo(t, 'w', ['one', 'two']);
  t.ok('w', ['remote', 'add', 'origin', t.url]);
  t.ok('w', ['push', '-q', 'origin', 'main']);
  commit(t, 'w', 'three');
  t.ok('w', ['push', '-q', 'origin', 'main']);
});

const cli = (args: readonly string[]) => runCli(t.dir, args, { env: { HOME: t.dir } });

function helper(args: string[], input: string) {
  return spawnSync(process.execPath, [HELPER, ...args], {
    cwd: t.dir,
    env: t.env,
    input,
    encoding: 'utf8',
  });
}

describe('hbs2 git commands', () => {
  it('log: every push with its verdict; delete and checkpoint change them', () => {
    const log = cli(['git', 'log', t.url]);
    expect(log.status, log.stderr).toBe(0);
    const lines = log.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^\S+ [01] \d{4}-\d\d-\d\dT\S+Z \S+ canonical$/);
    const second = lines[1]!.split(' ')[0]!;
    expect(cli(['git', 'delete', '-k', t.keys.owner, t.url, second]).status).toBe(0);
    const after = cli(['git', 'log', '--json', t.url]);
    const entries = JSON.parse(after.stdout) as {
      hash: string;
      verdict: { kind: string; reason?: string };
    }[];
    expect(entries.find((e) => e.hash === second)!.verdict).toEqual({
      kind: 'invalid',
      reason: 'deleted by the owner',
    });
    // The clone now ends at the first push.
    t.ok('.', ['clone', '-q', t.url, 'after-delete']);
    expect(t.ok('after-delete', ['log', '--format=%s'])).toBe('two\none');
    const cp = cli(['git', 'checkpoint', '-k', t.keys.owner, t.url]);
    expect(cp.status, cp.stderr).toBe(0);
    expect(cp.stdout.trim()).toBe(lines[0]!.split(' ')[0]);
    expectOneError(cli(['git', 'checkpoint', '-k', t.keys.owner, t.url, second]), 2, {
      text: 'not on the canonical chain',
    });
  });

  it('owner commands need the owner key (exit 5); bad arguments are usage errors', () => {
    expectOneError(cli(['git', 'writers', 'add', '-k', t.keys.writer, t.url, t.sign.reader]), 5, {
      text: 'owner key',
    });
    expectOneError(cli(['git', 'writers', 'end', '-k', t.keys.owner, t.url, t.sign.outsider]), 2, {
      text: 'is not a writer',
    });
    expectOneError(
      cli(['git', 'readers', 'remove', '-k', t.keys.owner, t.url, t.enc.outsider]),
      2,
      {
        text: 'is not a reader',
      },
    );
    expectOneError(
      cli([
        'git',
        'init',
        '-k',
        t.keys.owner,
        '--group-key',
        path.join(t.dir, 'team.gk'),
        '--acb',
        path.join(t.dir, 'team.acb'),
      ]),
      2,
      { text: 'already heads a repository' },
    );
    expectOneError(cli(['git', 'log', `hbs2tk://${t.sign.outsider}`]), 6, {
      text: 'is not in this store',
    });
    expectOneError(cli(['git', 'log', 'hbs2tk://not-base58!']), 3);
  });

  it('fsck reads the chain; a corrupt pack block is exit 4 naming it', () => {
    const ok = cli(['git', 'fsck', '-k', t.keys.reader, t.url]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^2 transactions, 1 canonical, 1 packs, \d+ pack bytes: ok\n$/);
    // Flip a byte of the largest block (the pack's data; any block the chain needs would do).
    const blocks = path.join(t.dir, 'store', 'blocks');
    const files = fs
      .readdirSync(blocks, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name))
      .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
    const biggest = files[0]!;
    const bytes = fs.readFileSync(biggest);
    bytes[10] = bytes[10]! ^ 0xff;
    fs.writeFileSync(biggest, bytes);
    const name = path.basename(path.dirname(biggest)) + path.basename(biggest);
    expectOneError(cli(['git', 'fsck', '-k', t.keys.reader, t.url]), 4, { text: name });
  });
});

describe('git-remote-hbs2tk errors', () => {
  it('a bad URL, an unknown command: one error line, nothing on stdout', () => {
    const bad = helper(['origin', 'https://example.com/x'], 'capabilities\n\n');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^hbs2: error: not an hbs2tk:\/\/ URL/);
    const unknown = helper(['origin', t.url], 'capabilities\nconnect git-upload-pack\n');
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe('fetch\npush\noption\n\n');
    expect(unknown.stderr).toContain('unsupported remote helper command');
  });

  it('answers options as the protocol says', () => {
    const r = helper(
      ['origin', t.url],
      'option dry-run true\noption atomic true\noption cas "refs/heads/main:abc"\noption depth 1\n\n',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('ok\nok\nok\nunsupported\n');
  });
});
