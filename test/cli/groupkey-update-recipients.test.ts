/**
 * `groupkey update --add/--remove` reads recipients as `groupkey-new` does (one library
 * reader): sigils (verified), ACBs (their readers), keyrings and recipients files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, useTempDir, expectOneError, type CliRun } from '../helpers/cli.js';

const dir = useTempDir();
const hbs2 = (args: string[]): CliRun => runCli(dir(), args);
const file = (name: string) => path.join(dir(), name);

function ok(args: string[]): string {
  const r = hbs2(args);
  expect(r.status, `hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

const members = (gk: string): string[] =>
  (JSON.parse(ok(['groupkey', 'dump', '--json', gk])) as { members: string[] }).members;

const pubs: Record<string, string> = {};

beforeAll(() => {
  for (const who of ['a', 'b', 'c', 'r']) {
    ok(['keyring', 'new', '-o', `${who}.key`]);
    pubs[who] = ok(['keyring', 'pubs', `${who}.key`]);
  }
  ok(['sigil', 'create', '-k', 'b.key', pubs.b!, '-o', 'b.sigil']);
  fs.writeFileSync(file('a.pubs'), `${pubs.a}\n`);
  ok(['groupkey-new', 'a.pubs', '-o', 't.gk']);
  // An ACB whose one reader is r (root and owner: a's signing key).
  const signKey = (JSON.parse(ok(['keyring', 'list', '--json', 'a.key'])) as { signKey: string })
    .signKey;
  fs.writeFileSync(
    file('team.cfg'),
    `define-acb t\nacb-root t "${signKey}"\nacb-owner t "${signKey}"\nacb-reader t "${pubs.r}"\n`,
  );
  ok(['acb', 'gen', 'team.cfg', '-o', 'team.acb']);
}, 60_000);

describe('groupkey update --add takes what groupkey-new takes', () => {
  it('--add b.sigil adds the sigil’s verified key, keeps the id, and b can open it', () => {
    ok(['groupkey', 'update', '-k', 'a.key', '--add', 'b.sigil', 't.gk', '-o', 't2.gk']);
    expect(members('t2.gk').sort()).toEqual([pubs.a, pubs.b].sort());
    expect(hbs2(['groupkey', 'check', '-k', 'b.key', 't2.gk']).status).toBe(0);
    expect(hbs2(['groupkey', 'check', '-k', 'c.key', 't2.gk']).status).toBe(5);
    // Same secret: the group key id did not change.
    const id = (gk: string) =>
      (JSON.parse(ok(['groupkey', 'dump', '--json', gk])) as { id: string }).id;
    expect(id('t2.gk')).toBe(id('t.gk'));
  });

  it('--add team.acb adds the ACB’s readers', () => {
    ok(['groupkey', 'update', '-k', 'a.key', '--add', 'team.acb', 't.gk', '-o', 'acb.gk']);
    expect(members('acb.gk').sort()).toEqual([pubs.a, pubs.r].sort());
    expect(hbs2(['groupkey', 'check', '-k', 'r.key', 'acb.gk']).status).toBe(0);
  });

  it('--remove b.sigil removes it again', () => {
    ok(['groupkey', 'update', '-k', 'a.key', '--remove', 'b.sigil', 't2.gk', '-o', 't3.gk']);
    expect(members('t3.gk')).toEqual([pubs.a]);
  });

  it('a sigil whose signature does not verify is refused (exit 4), nothing written', () => {
    const raw = fs.readFileSync(file('b.sigil'), 'utf8').split('\n');
    // Flip one base58 character of the body: it no longer decodes (3) or verifies (4).
    const l = raw[2]!;
    raw[2] = l.slice(0, 10) + (l[10] === '2' ? '3' : '2') + l.slice(11);
    fs.writeFileSync(file('bad.sigil'), raw.join('\n'));
    const r = hbs2([
      'groupkey',
      'update',
      '-k',
      'a.key',
      '--add',
      'bad.sigil',
      't.gk',
      '-o',
      'x.gk',
    ]);
    expect([3, 4]).toContain(r.status);
    expectOneError(r, r.status!);
    expect(r.stderr).toMatch(/bad\.sigil/);
    expect(fs.existsSync(file('x.gk'))).toBe(false);
  });
});
