import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeBase58 } from '../../src/codec/base58.js';
import { formatKeyringFile, generateKeyring, type Keyring } from '../../src/keyring/keyring.js';
import { formatGroupKeyFile, generateGroupKey } from '../../src/groupkey/index.js';
import { decodeSigilFile, encodeSigil } from '../../src/sigil/index.js';
import { cliConfig, resolveKeyringPaths } from '../../src/cli/settings.js';
import { runCli, useTempDir, type CliRun } from '../helpers/cli.js';

const dir = useTempDir();

/** Runs the built CLI in the test's temp dir with its own store and config home. */
const hbs2 = (args: string[], input?: string, extraEnv: Record<string, string> = {}): CliRun =>
  runCli(dir(), args, { input, env: extraEnv });

/** Writes a keyring as a user would keep it: readable by its owner only. */
function writeKeyring(name: string, k: Keyring): string {
  fs.writeFileSync(path.join(dir(), name), formatKeyringFile(k), { mode: 0o600 });
  fs.chmodSync(path.join(dir(), name), 0o600);
  return name;
}

const pub = (k: Keyring): string => encodeBase58(k.entries[0]!.publicKey);

let alice: Keyring, bob: Keyring, carol: Keyring, dave: Keyring;

beforeAll(() => {
  [alice, bob, carol, dave] = [1, 1, 1, 1].map((n) => generateKeyring(n)) as [
    Keyring,
    Keyring,
    Keyring,
    Keyring,
  ];
  writeKeyring('alice.key', alice);
  writeKeyring('bob.key', bob);
  writeKeyring('carol.key', carol);
  writeKeyring('dave.key', dave);
});

describe('groupkey-new', () => {
  it('reads a mixed recipients file and each member can open the key; others get exit 5', () => {
    const text = [
      '# my team',
      '',
      pub(alice),
      '   ; indented comment',
      `member "${pub(bob)}"`,
      `${pub(carol)}   # carol`,
      pub(alice),
      '',
    ].join('\r\n');
    fs.writeFileSync(path.join(dir(), 'team.txt'), text);
    const r = hbs2(['groupkey-new', 'team.txt', '-o', 'team.gk']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('hbs2: warning: team.txt:7: duplicate recipient');
    const file = fs.readFileSync(path.join(dir(), 'team.gk'), 'utf8');
    expect(file.split('\n')[0]).toBe('# hbs2 symmetric group key file v2');
    expect(file.split('\n')[1]).toHaveLength(60);
    expect(file).not.toMatch(/private/);

    const dump = hbs2(['groupkey', 'dump', 'team.gk', '--json']);
    expect(dump.status).toBe(0);
    const j = JSON.parse(dump.stdout) as {
      version: number;
      members: string[];
      id: string;
      scheme: string;
    };
    expect(j.version).toBe(2);
    expect(j.scheme).toBe('basic1');
    expect([...j.members].sort()).toEqual([pub(alice), pub(bob), pub(carol)].sort());

    for (const k of ['alice.key', 'bob.key', 'carol.key']) {
      const c = hbs2(['groupkey', 'check', '-k', k, 'team.gk']);
      expect(c.status).toBe(0);
      expect(c.stdout).toContain(`keyring:      ${k}`);
      expect(c.stdout).toContain(`group-key-id: ${j.id} (matches the secret)`);
    }
    const none = hbs2(['groupkey', 'check', '-k', 'dave.key', 'team.gk']);
    expect(none.status).toBe(5);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(
      `hbs2: error: no keyring entry opens the group key\nhbs2: hint: keys tried: ${pub(dave)}\n`,
    );
  });

  it('two keyring files as PUBS make a two-member key, printed to stdout', () => {
    const r = hbs2(['groupkey-new', 'alice.key', 'bob.key']);
    expect(r.status).toBe(0);
    fs.writeFileSync(path.join(dir(), 'ab.gk'), r.stdout);
    const d = hbs2(['groupkey', 'dump', 'ab.gk']);
    expect(d.status).toBe(0);
    const lines = d.stdout.split('\n');
    expect(lines[0]).toBe('; fancy group key');
    expect(lines[2]).toBe('group-key-id-scheme basic1');
    expect(lines[4]).toBe('');
    expect(lines.slice(5, 7).sort()).toEqual(
      [`member "${pub(alice)}"`, `member "${pub(bob)}"`].sort(),
    );
    expect(d.stdout.endsWith('"\n')).toBe(true);
  });

  it('reads a key from stdin with `-`, and with no PUBS; aliases work', () => {
    for (const args of [
      ['groupkey-new', '-'],
      ['groupkey-new'],
      ['groupkey', 'gen', '-'],
      ['groupkey', 'from-keys'],
      ['groupkey', 'new'],
    ]) {
      const r = hbs2(args, pub(alice));
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout.startsWith('# hbs2 symmetric group key file v2\n')).toBe(true);
      fs.writeFileSync(path.join(dir(), 'stdin.gk'), r.stdout);
      expect(hbs2(['groupkey', 'check', '-k', 'alice.key', 'stdin.gk']).status).toBe(0);
    }
  });

  it('a bad third line exits 3 naming the line without echoing it', () => {
    // A 64-byte signing secret pasted by mistake: refused, and never echoed.
    const secretish = encodeBase58(alice.signSecretKey);
    fs.writeFileSync(
      path.join(dir(), 'bad.txt'),
      `${pub(alice)}\n# ok\n${secretish}\n${pub(bob)}\n`,
    );
    const r = hbs2(['groupkey-new', 'bad.txt', '-o', 'bad.gk']);
    expect(r.status).toBe(3);
    expect(r.stderr).toBe('hbs2: error: bad.txt:3: not a curve25519 public key\n');
    expect(r.stderr).not.toContain(secretish);
    expect(fs.existsSync(path.join(dir(), 'bad.gk'))).toBe(false);
  });

  it('an all-comment file exits 3', () => {
    fs.writeFileSync(path.join(dir(), 'empty.txt'), '# nobody\n; here\n\n');
    const r = hbs2(['groupkey-new', 'empty.txt']);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^hbs2: error: no recipients found in empty\.txt\n/);
  });

  it('a missing file exits 6', () => {
    expect(hbs2(['groupkey-new', 'nope.txt']).status).toBe(6);
  });
});

/** Members of a group key file, via `groupkey dump --json`. */
function members(file: string): string[] {
  const d = hbs2(['groupkey', 'dump', '--json', file]);
  expect(d.status).toBe(0);
  return (JSON.parse(d.stdout) as { members: string[] }).members;
}

describe('groupkey-new --acb and sigils', () => {
  let owner: Keyring, reader1: Keyring, reader2: Keyring;

  beforeAll(() => {
    [owner, reader1, reader2] = [1, 1, 1].map((n) => generateKeyring(n)) as [
      Keyring,
      Keyring,
      Keyring,
    ];
    writeKeyring('owner.key', owner);
    writeKeyring('reader1.key', reader1);
    writeKeyring('reader2.key', reader2);
    const sk = encodeBase58(owner.signPublicKey);
    fs.writeFileSync(
      path.join(dir(), 'team.cfg'),
      [
        'define-acb a1',
        `acb-root a1 "${sk}"`,
        `acb-owner a1 "${sk}"`,
        `acb-reader a1 "${pub(reader1)}"`,
        `acb-reader a1 "${pub(reader2)}"`,
        '',
      ].join('\n'),
    );
    const gen = hbs2(['acb', 'gen', 'team.cfg', '-o', 'team.acb']);
    expect(gen.status, gen.stderr).toBe(0);
  });

  it("--acb seals to the ACB's readers; the owner (not a reader) gets exit 5; stdin is not read", () => {
    // Garbage on stdin would be exit 3 if it were read: with --acb alone it must not be.
    const r = hbs2(['groupkey-new', '--acb', 'team.acb', '-o', 'acb.gk'], 'not a key\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect([...members('acb.gk')].sort()).toEqual([pub(reader1), pub(reader2)].sort());
    for (const k of ['reader1.key', 'reader2.key']) {
      const c = hbs2(['groupkey', 'check', '-k', k, 'acb.gk']);
      expect(c.status, k).toBe(0);
      expect(c.stdout).toContain(`keyring:      ${k}`);
    }
    const o = hbs2(['groupkey', 'check', '-k', 'owner.key', 'acb.gk']);
    expect(o.status).toBe(5);
    expect(o.stdout).toBe('');
  });

  it('--acb with PUBS: the union, a reader given twice counted once with a warning', () => {
    const r = hbs2(['groupkey-new', 'reader1.key', 'alice.key', '--acb', 'team.acb']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('hbs2: warning: team.acb: acb reader 1: duplicate recipient\n');
    fs.writeFileSync(path.join(dir(), 'union.gk'), r.stdout);
    expect(members('union.gk')).toHaveLength(3);
    expect([...members('union.gk')].sort()).toEqual(
      [pub(reader1), pub(reader2), pub(alice)].sort(),
    );
  });

  it('a missing or malformed ACB fails without output', () => {
    expect(hbs2(['groupkey-new', '--acb', 'nope.acb', '-o', 'n.gk']).status).toBe(6);
    fs.writeFileSync(path.join(dir(), 'junk.acb'), '# hbs2 acb file\nabc\n');
    const j = hbs2(['groupkey-new', '--acb', 'junk.acb', '-o', 'n.gk']);
    expect(j.status).toBe(3);
    expect(fs.existsSync(path.join(dir(), 'n.gk'))).toBe(false);
  });

  it('a sigil file (text or raw) contributes its verified encryption key', () => {
    const c = hbs2(['sigil', 'create', '-k', 'carol.key', pub(carol), '-o', 'carol.sigil']);
    expect(c.status, c.stderr).toBe(0);
    const text = fs.readFileSync(path.join(dir(), 'carol.sigil'));
    expect(text.toString('utf8').startsWith('# sigil file')).toBe(true);
    const raw = encodeSigil(decodeSigilFile(text, 'carol.sigil'));
    expect(raw[0]).toBe(0x83);
    fs.writeFileSync(path.join(dir(), 'carol.raw-sigil'), raw);

    for (const input of ['carol.sigil', 'carol.raw-sigil']) {
      const r = hbs2(['groupkey-new', input, '-o', 'sigil.gk']);
      expect(r.status, `${input}: ${r.stderr}`).toBe(0);
      expect(members('sigil.gk')).toEqual([pub(carol)]);
      expect(hbs2(['groupkey', 'check', '-k', 'carol.key', 'sigil.gk']).status).toBe(0);
      expect(hbs2(['groupkey', 'check', '-k', 'alice.key', 'sigil.gk']).status).toBe(5);
    }

    // The sigil's key and carol's keyring name the same recipient: counted once.
    const d = hbs2(['groupkey-new', 'carol.sigil', 'carol.key']);
    expect(d.status).toBe(0);
    expect(d.stderr).toContain('hbs2: warning: carol.key: keyring entry 1: duplicate recipient');
  });

  it('a tampered sigil is refused (exit 3 or 4) with no output', () => {
    const text = fs.readFileSync(path.join(dir(), 'carol.sigil'));
    const raw = encodeSigil(decodeSigilFile(text, 'carol.sigil'));
    // The last byte is in the signature: the structure parses, the signature does not verify.
    const badSig = Uint8Array.from(raw);
    badSig[badSig.length - 1]! ^= 1;
    fs.writeFileSync(path.join(dir(), 'bad-sig.sigil'), badSig);
    const r = hbs2(['groupkey-new', 'bad-sig.sigil', 'alice.key', '-o', 'tampered.gk']);
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('hbs2: error: bad-sig.sigil: bad signature\n');
    expect(fs.existsSync(path.join(dir(), 'tampered.gk'))).toBe(false);

    // A changed character in the text form: either it no longer decodes or no longer verifies.
    const lines = text.toString('utf8').split('\n');
    const l = lines[2]!;
    const c = l[10] === '2' ? '3' : '2';
    lines[2] = l.slice(0, 10) + c + l.slice(11);
    fs.writeFileSync(path.join(dir(), 'edited.sigil'), lines.join('\n'));
    const e = hbs2(['groupkey-new', 'edited.sigil']);
    expect([3, 4]).toContain(e.status);
    expect(e.stdout).toBe('');
    expect(e.stderr).toMatch(/^hbs2: error: edited\.sigil/);
  });
});

describe('groupkey check keyrings', () => {
  it("uses the config's keyrings (a glob, ~ is the CLI's HOME) when no -k is given", () => {
    const home = path.join(dir(), 'home');
    fs.mkdirSync(path.join(home, 'keys'), { recursive: true });
    fs.copyFileSync(path.join(dir(), 'bob.key'), path.join(home, 'keys', 'bob.key'));
    fs.chmodSync(path.join(home, 'keys', 'bob.key'), 0o600);
    const cfgDir = path.join(dir(), 'cfg-home');
    fs.mkdirSync(path.join(cfgDir, 'hbs2'), { recursive: true });
    fs.writeFileSync(path.join(cfgDir, 'hbs2', 'toolkit.yaml'), 'keyrings:\n  - ~/keys/*.key\n');
    fs.writeFileSync(
      path.join(dir(), 'cfg.gk'),
      formatGroupKeyFile(generateGroupKey([bob.entries[0]!.publicKey]).groupKey),
    );
    const env = { HOME: home, XDG_CONFIG_HOME: cfgDir };
    const r = hbs2(['groupkey', 'check', '--json', 'cfg.gk'], '', env);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      publicKey: pub(bob),
      keyring: path.join(home, 'keys', 'bob.key'),
    });
    // A glob that matches nothing is a usage error, not "no entry opens it".
    fs.writeFileSync(path.join(cfgDir, 'hbs2', 'toolkit.yaml'), 'keyrings:\n  - ~/none/*.key\n');
    const none = hbs2(['groupkey', 'check', 'cfg.gk'], '', env);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^hbs2: error: no keyring found in /);
  });

  it("the config is read once per context and its ~ is the context's HOME", async () => {
    const cfgDir = path.join(dir(), 'cfg-ctx');
    fs.mkdirSync(path.join(cfgDir, 'hbs2'), { recursive: true });
    fs.writeFileSync(path.join(cfgDir, 'hbs2', 'toolkit.yaml'), 'keyrings:\n  - ~/k/*.key\n');
    const home = path.join(dir(), 'not-the-real-home');
    const ctx = { env: { HOME: home, XDG_CONFIG_HOME: cfgDir } };
    const first = await cliConfig(ctx);
    expect(first.keyrings).toEqual([path.join(home, 'k', '*.key')]);
    expect(await resolveKeyringPaths(ctx, undefined)).toEqual([path.join(home, 'k', '*.key')]);
    // Cached: a changed file is not re-read for the same context, but is for a new one.
    fs.writeFileSync(path.join(cfgDir, 'hbs2', 'toolkit.yaml'), 'keyrings:\n  - other.key\n');
    expect(await cliConfig(ctx)).toBe(first);
    expect((await cliConfig({ env: ctx.env })).keyrings).toEqual([
      path.join(cfgDir, 'hbs2', 'other.key'),
    ]);
  });

  it('warns about a keyring readable by others', () => {
    fs.copyFileSync(path.join(dir(), 'bob.key'), path.join(dir(), 'open.key'));
    fs.chmodSync(path.join(dir(), 'open.key'), 0o644);
    fs.writeFileSync(
      path.join(dir(), 'open.gk'),
      formatGroupKeyFile(generateGroupKey([bob.entries[0]!.publicKey]).groupKey),
    );
    const r = hbs2(['groupkey', 'check', '-k', 'open.key', 'open.gk']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('hbs2: warning: open.key: keyring is accessible by group or others');
  });
});

describe('groupkey merge', () => {
  it('merges keys with the same secret into the union', () => {
    const secret = new Uint8Array(32).fill(42);
    const a = generateGroupKey([alice.entries[0]!.publicKey, bob.entries[0]!.publicKey], {
      secret,
    });
    const b = generateGroupKey([carol.entries[0]!.publicKey], { secret });
    fs.writeFileSync(path.join(dir(), 'm1.gk'), formatGroupKeyFile(a.groupKey));
    fs.writeFileSync(path.join(dir(), 'm2.gk'), formatGroupKeyFile(b.groupKey));
    const r = hbs2(['groupkey', 'merge', 'm1.gk', 'm2.gk', '-o', 'merged.gk']);
    expect(r.status).toBe(0);
    const j = JSON.parse(hbs2(['groupkey', 'dump', '--json', 'merged.gk']).stdout) as {
      members: string[];
      id: string;
    };
    expect(j.members).toEqual([pub(alice), pub(bob), pub(carol)]);
    expect(j.id).toBe(encodeBase58(a.groupKey.id!));
    for (const k of ['alice.key', 'carol.key'])
      expect(hbs2(['groupkey', 'check', '-k', k, 'merged.gk']).status).toBe(0);
  });

  it('refuses keys with different secrets (exit 3) and leaves no output', () => {
    fs.writeFileSync(
      path.join(dir(), 'x1.gk'),
      formatGroupKeyFile(generateGroupKey([alice.entries[0]!.publicKey]).groupKey),
    );
    fs.writeFileSync(
      path.join(dir(), 'x2.gk'),
      formatGroupKeyFile(generateGroupKey([bob.entries[0]!.publicKey]).groupKey),
    );
    const r = hbs2(['groupkey', 'merge', 'x1.gk', 'x2.gk', '-o', 'x.gk']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^hbs2: error: x2\.gk holds a different secret than x1\.gk/);
    expect(fs.existsSync(path.join(dir(), 'x.gk'))).toBe(false);
  });
});

describe('groupkey dump / check edge cases', () => {
  it('dump of a non-group-key file exits 3; --yaml works', () => {
    fs.writeFileSync(path.join(dir(), 'junk.gk'), '# hbs2 symmetric group key file v2\nabc\n');
    expect(hbs2(['groupkey', 'dump', 'junk.gk']).status).toBe(3);
    fs.writeFileSync(
      path.join(dir(), 'y.gk'),
      formatGroupKeyFile(
        generateGroupKey([alice.entries[0]!.publicKey], { timestamp: 7 }).groupKey,
      ),
    );
    const y = hbs2(['groupkey', 'dump', '--yaml', 'y.gk']);
    expect(y.status).toBe(0);
    expect(y.stdout).toContain('timestamp: 7\n');
    expect(y.stdout).toContain(`- ${pub(alice)}`);
  });

  it('check without a keyring is a usage error; check --json reports the entry', () => {
    fs.writeFileSync(
      path.join(dir(), 'c.gk'),
      formatGroupKeyFile(generateGroupKey([bob.entries[0]!.publicKey]).groupKey),
    );
    expect(hbs2(['groupkey', 'check', 'c.gk']).status).toBe(2);
    const r = hbs2(['groupkey', 'check', '--json', '-k', 'alice.key', '-k', 'bob.key', 'c.gk']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      publicKey: pub(bob),
      keyring: 'bob.key',
      idChecked: true,
    });
  });

  it('every command has --help with an example', () => {
    const help = hbs2(['groupkey-new', '--help']);
    expect(help.stdout).toContain('--acb <file>');
    expect(help.stdout).toContain('sigil');
    for (const args of [
      ['groupkey-new'],
      ['groupkey'],
      ['groupkey', 'new'],
      ['groupkey', 'dump'],
      ['groupkey', 'check'],
      ['groupkey', 'merge'],
    ]) {
      const r = hbs2([...args, '--help']);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('Example:\n  hbs2 ');
    }
  });
});
