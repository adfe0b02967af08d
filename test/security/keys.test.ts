/**
 * Issue 13 §2 "Keys: refuse weak and forged key material": each test replays an attack
 * of the review and checks that it now fails safely (documented exit code, one error
 * line, nothing written) or gives the right answer.
 */
import { withCrypto } from '../helpers/crypto.js';
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { encodeAcb, emptyAcb } from '../../src/acb/index.js';
import { decodeBase58, encodeBase58 } from '../../src/codec/base58.js';
import { jsCrypto, loadNativeCrypto, type CryptoProvider } from '../../src/crypto/select.js';
import { FormatError } from '../../src/errors.js';
import {
  encodeGroupKey,
  formatGroupKeyFile,
  generateGroupKey,
  type GroupKey,
} from '../../src/groupkey/index.js';
import { formatKeyringFile, generateKeyring, type Keyring } from '../../src/keyring/index.js';
import { createSigil, encodeSigilData, formatSigilFile } from '../../src/sigil/index.js';
import { expectOneError, runCli, useTempDir, type CliRun } from '../helpers/cli.js';
import { diffSnapshots, putBlock, snapshotDir } from '../helpers/hostile.js';
import { MemoryBlockStore } from '../../src/store/memory.js';
import { writeTree } from '../../src/tree/writer.js';
import { parseGroupKeyFile } from '../../src/groupkey/index.js';
import { decodeMTreeAnn, encodeMTreeAnn } from '../../src/tree/annotation.js';

const dir = useTempDir();
const file = (name: string): string => path.join(dir(), name);
const hbs2 = (args: string[], env: Record<string, string> = {}): CliRun =>
  runCli(dir(), args, { env });

const BACKENDS: Array<[string, CryptoProvider]> = [['js', jsCrypto]];
const native = loadNativeCrypto();
if (native) BACKENDS.push(['native', native]);
const BACKEND_NAMES = BACKENDS.map(([n]) => n);

/** An all-zero key (the repro's `11111111111111111111111111111111`) and an order-8 point. */
const ZERO_KEY = new Uint8Array(32);
const ORDER8_KEY = Uint8Array.from(
  Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'),
);

function writeKeyring(name: string, k: Keyring): void {
  fs.writeFileSync(file(name), formatKeyringFile(k), { mode: 0o600 });
}

/** Runs `args` and checks the clean failure: `code`, one error line, the directory unchanged. */
function expectRefused(args: string[], code: number, text: string, env = {}): CliRun {
  const before = snapshotDir(dir());
  const r = hbs2(args, env);
  expectOneError(r, code, { text });
  expect(diffSnapshots(before, snapshotDir(dir()))).toEqual({
    changed: [],
    removed: [],
    added: [],
  });
  return r;
}

let alice: Keyring;

beforeAll(() => {
  // The simple layout (blocks/ decides; new stores are NCQ3): a test reads block files.
  fs.mkdirSync(path.join(file('store'), 'blocks'), { recursive: true });
  alice = generateKeyring(1);
  writeKeyring('alice.key', alice);
  fs.writeFileSync(file('team'), encodeBase58(alice.entries[0]!.publicKey) + '\n');
});

describe('low-order recipient keys', () => {
  it.each(BACKEND_NAMES)(
    'the repro: groupkey-new with an all-zero recipient exits 3 naming file and line (%s)',
    (backend) => {
      fs.writeFileSync(
        file('team-zero'),
        fs.readFileSync(file('team'), 'utf8') + '11111111111111111111111111111111\n',
      );
      expectRefused(
        ['groupkey-new', 'team-zero', '-o', 'zero.gk'],
        3,
        'team-zero:2: public key is a small-order',
        {
          HBS2_CRYPTO: backend,
        },
      );
      expect(fs.existsSync(file('zero.gk'))).toBe(false);
    },
  );

  it.each(BACKEND_NAMES)('an order-8 point in a member line is refused too (%s)', (backend) => {
    fs.writeFileSync(file('team-o8'), `# team\nmember "${encodeBase58(ORDER8_KEY)}"\n`);
    expectRefused(['groupkey-new', 'team-o8'], 3, 'team-o8:2: public key is a small-order', {
      HBS2_CRYPTO: backend,
    });
  });

  it('a keyring entry with a small-order public key is refused as a recipient source', () => {
    const forged = generateKeyring(2);
    forged.entries[1]!.publicKey = new Uint8Array(ZERO_KEY);
    writeKeyring('forged.key', forged);
    expectRefused(
      ['groupkey-new', 'forged.key'],
      3,
      'forged.key: keyring entry 2: public key is a small-order',
    );
  });

  it('a signed sigil publishing a small-order key is refused', () => {
    // Signed by hand: createSigil itself refuses such a key.
    const signer = generateKeyring(0);
    const payload = encodeSigilData({ encryptionKey: ORDER8_KEY, info: null, ext: null });
    const signature = jsCrypto.sign(payload, signer.signSecretKey);
    const signKey = signer.signPublicKey;
    fs.writeFileSync(
      file('o8.sigil'),
      formatSigilFile({ signKey, box: { signKey, payload, signature } }),
    );
    const owner = {
      ...signer,
      entries: [{ ...generateKeyring(1).entries[0]!, publicKey: ORDER8_KEY }],
    };
    expect(() => createSigil(owner, ORDER8_KEY)).toThrow(FormatError);
    expectRefused(
      ['groupkey-new', 'o8.sigil'],
      3,
      'o8.sigil data: encryption key: public key is a small-order',
    );
    expectRefused(['sigil', 'check', 'o8.sigil'], 3, 'small-order');
  });

  it('an ACB reader of small order is refused, binary (reader index) and config (line)', () => {
    const acb = { ...emptyAcb(), readers: [alice.entries[0]!.publicKey, ZERO_KEY] };
    fs.writeFileSync(file('zero.acb'), encodeAcb(acb));
    expectRefused(
      ['groupkey-new', '--acb', 'zero.acb'],
      3,
      'zero.acb: reader 2: public key is a small-order',
    );
    fs.writeFileSync(
      file('zero.cfg'),
      `define-acb a1\nacb-reader a1 "${encodeBase58(alice.entries[0]!.publicKey)}"\nacb-reader a1 "${encodeBase58(ZERO_KEY)}"\n`,
    );
    expectRefused(
      ['acb', 'gen', 'zero.cfg', '-o', 'zero2.acb'],
      3,
      'zero.cfg:3: acb-reader: public key is a small-order',
    );
  });

  it('groupkey update --add with a small-order key exits 3 and leaves the key file alone', () => {
    expect(hbs2(['groupkey-new', 'team', '-o', 'team.gk']).status).toBe(0);
    fs.writeFileSync(file('add-zero'), `${encodeBase58(ORDER8_KEY)}\n`);
    expectRefused(
      ['groupkey', 'update', '-k', 'alice.key', '--add', 'add-zero', 'team.gk', '-o', 'team.gk'],
      3,
      'add-zero:1: public key is a small-order',
    );
  });

  it('a group key file with a small-order or 5-byte member is refused by every reader (dump, update)', () => {
    const good = generateGroupKey([alice.entries[0]!.publicKey]).groupKey;
    const withMember = (publicKey: Uint8Array): GroupKey => ({
      ...good,
      cbor: undefined,
      recipients: [...good.recipients, { publicKey, sealed: new Uint8Array(84) }],
    });
    fs.writeFileSync(file('o8.gk'), formatGroupKeyFile(withMember(ORDER8_KEY)));
    fs.writeFileSync(file('short.gk'), formatGroupKeyFile(withMember(new Uint8Array(5).fill(7))));
    expectRefused(
      ['groupkey', 'dump', 'short.gk'],
      3,
      'short.gk: member 2: public key must be 32 bytes, got 5',
    );
    expectRefused(
      ['groupkey', 'dump', '--json', 'o8.gk'],
      3,
      'o8.gk: member 2: public key is a small-order',
    );
    fs.writeFileSync(
      file('bob.txt'),
      encodeBase58(generateKeyring(1).entries[0]!.publicKey) + '\n',
    );
    expectRefused(
      ['groupkey', 'update', '-k', 'alice.key', '--add', 'bob.txt', 'o8.gk', '-o', 'o8-2.gk'],
      3,
      'small-order',
    );
    expect(encodeGroupKey(good)).toEqual(good.cbor); // the honest key still re-encodes exactly
  });

  it.each(BACKENDS)(
    'library: generateGroupKey and sealedBox refuse every small-order encoding (%s)',
    (_n, c) => {
      for (const point of [ZERO_KEY, ORDER8_KEY]) {
        for (const top of [0, 0x80]) {
          const pk = new Uint8Array(point);
          pk[31]! |= top;
          expect(() => c.sealedBox(new Uint8Array(36), pk)).toThrow(FormatError);
          expect(() => withCrypto(c, () => generateGroupKey([pk]))).toThrow(
            /recipient 1: .*small-order/,
          );
        }
      }
    },
  );

  it.each(BACKENDS)(
    'a sealed box whose ephemeral key is of small order (opens for anyone) is refused on opening (%s)',
    (_n, c) => {
      // The forgery tweetnacl alone accepts: epk = 0 makes the box key HSalsa20(0), public.
      const nacl = createRequire(import.meta.url)('tweetnacl') as typeof import('tweetnacl');
      const low = (
        nacl as unknown as { lowlevel: { crypto_core_hsalsa20: (...a: Uint8Array[]) => void } }
      ).lowlevel;
      const k = new Uint8Array(32);
      low.crypto_core_hsalsa20(
        k,
        new Uint8Array(16),
        new Uint8Array(32),
        new TextEncoder().encode('expand 32-byte k'),
      );
      const me = c.boxKeyPair();
      const nonce = c.blake2b(new Uint8Array([...ZERO_KEY, ...me.publicKey]), 24);
      const box = nacl.secretbox(new Uint8Array(36).fill(1), nonce, k);
      const sealed = new Uint8Array([...ZERO_KEY, ...box]);
      expect(nacl.box.open(box, nonce, ZERO_KEY, me.secretKey)).not.toBeNull(); // the attack works on raw tweetnacl
      expect(c.sealedBoxOpen(sealed, me.publicKey, me.secretKey)).toBeNull();
    },
  );
});

/** Writes the tree of a group key's exact bytes straight into the CLI's store; its hash. */
async function plantGroupKey(gk: GroupKey): Promise<string> {
  const mem = new MemoryBlockStore();
  const { root } = await writeTree(mem, [encodeGroupKey(gk)]);
  for await (const h of mem.hashes()) putBlock(file('store'), (await mem.get(h))!);
  return encodeBase58(root);
}

/** A group key sealed to `pub` with a fresh secret, declaring `id` (not the secret's). */
function forgedGroupKey(pub: Uint8Array, id: Uint8Array, timestamp: number): GroupKey {
  const { groupKey } = generateGroupKey([pub], { timestamp });
  return { ...groupKey, cbor: undefined, id: new Uint8Array(id) };
}

describe('the key index trusts no declared id', () => {
  let bob: Keyring;
  let tree: string;
  let teamId: Uint8Array;
  const data = Buffer.from('salaries: alice 1, bob 2\n'.repeat(100));

  beforeAll(() => {
    bob = generateKeyring(1);
    writeKeyring('bob.key', bob);
    fs.writeFileSync(file('bob.txt'), encodeBase58(bob.entries[0]!.publicKey) + '\n');
    fs.writeFileSync(file('salaries.txt'), data);
    expect(hbs2(['groupkey-new', 'team', '-o', 'idx-team.gk']).status).toBe(0);
    teamId = parseGroupKeyFile(fs.readFileSync(file('idx-team.gk'))).id!;
    const r = hbs2(['store', '-g', 'idx-team.gk', '-k', 'alice.key', 'salaries.txt']);
    expect(r.status, r.stderr).toBe(0);
    tree = r.stdout.trim();
  });

  it('a planted key with a forged id, then fsck --repair, no longer locks out a reader added later', async () => {
    // Bob is added later, under the same secret, and the new key is stored (indexed).
    const upd = hbs2([
      'groupkey',
      'update',
      '-k',
      'alice.key',
      '--add',
      'bob.txt',
      'idx-team.gk',
      '-o',
      'idx-team2.gk',
    ]);
    expect(upd.status, upd.stderr).toBe(0);
    const stored = hbs2(['groupkey', 'store', 'idx-team2.gk']);
    expect(stored.status, stored.stderr).toBe(0);
    const genuine = stored.stdout.trim();
    // The attacker plants a key sealed to Bob, declaring the team's id, whose tree hash
    // sorts first in the index (so it is tried before the genuine one).
    let forged = '';
    for (let t = 1; forged === '' || forged > genuine; t++)
      forged = await plantGroupKey(forgedGroupKey(bob.entries[0]!.publicKey, teamId, t));
    for (let t = 1; ; t++) {
      const name = await plantGroupKey(forgedGroupKey(bob.entries[0]!.publicKey, teamId, 1000 + t));
      if (name > genuine) break; // one after the genuine key as well
    }
    expect(hbs2(['fsck', '--repair']).status).toBe(0);
    const idDir = path.join(file('store'), 'keyindex', encodeBase58(teamId));
    expect(fs.readdirSync(idDir)).toContain(forged);

    const r = runCli(dir(), ['cat', '-k', 'bob.key', tree], { bytes: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
    expect(r.stderr).toContain(
      `hbs2: warning: key index: skipped group key ${forged}: group key id`,
    );
    expect(r.stderr).toContain('does not match its secret');
  });

  it('a 300-byte id does not crash fsck --repair (was ENAMETOOLONG, exit 1) and is not indexed', async () => {
    const name = await plantGroupKey(
      forgedGroupKey(alice.entries[0]!.publicKey, new Uint8Array(300).fill(9), 5),
    );
    const r = hbs2(['fsck', '--repair']);
    expect(r.status, r.stderr).toBe(0);
    expect(hbs2(['fsck']).status).toBe(0);
    const indexed = fs
      .readdirSync(path.join(file('store'), 'keyindex'))
      .flatMap((d) => fs.readdirSync(path.join(file('store'), 'keyindex', d)));
    expect(indexed).not.toContain(name);
  });

  it('a 0-byte id no longer makes every fsck fail and every --repair recreate the corruption', async () => {
    const name = await plantGroupKey(
      forgedGroupKey(alice.entries[0]!.publicKey, new Uint8Array(0), 6),
    );
    // What the old --repair wrote for it: the tree hash directly under keyindex/.
    fs.writeFileSync(path.join(file('store'), 'keyindex', name), '');
    expect(hbs2(['fsck']).status).toBe(4);
    expect(hbs2(['fsck', '--repair']).status).toBe(0);
    const after = hbs2(['fsck']);
    expect(after.status, after.stdout + after.stderr).toBe(0);
    expect(fs.existsSync(path.join(file('store'), 'keyindex', name))).toBe(false);
  });

  it('groupkey store indexes no id that is not 32 bytes', async () => {
    const gk = forgedGroupKey(alice.entries[0]!.publicKey, new Uint8Array(300).fill(3), 7);
    fs.writeFileSync(file('long.gk'), formatGroupKeyFile(gk));
    const r = hbs2(['groupkey', 'store', 'long.gk']);
    expect(r.status, r.stderr).toBe(0);
    expect(hbs2(['fsck']).status).toBe(0);
  });
});

describe('cat --metadata tells the truth', () => {
  let teamId: string;
  let honest: string;

  /** Reads a block of the CLI's store. */
  const readBlock = (name: string): Uint8Array =>
    fs.readFileSync(path.join(file('store'), 'blocks', name[0]!, name.slice(1)));

  /**
   * The outsider's forgery: a tree encrypted under the outsider's own secret whose
   * annotation names a group key declaring the team's id (sealed to the outsider only).
   */
  async function forgeTree(args: string[]): Promise<string> {
    const mallory = generateKeyring(1);
    writeKeyring('mallory.key', mallory);
    fs.writeFileSync(file('mallory.txt'), encodeBase58(mallory.entries[0]!.publicKey) + '\n');
    expect(hbs2(['groupkey-new', 'mallory.txt', '-o', 'mallory.gk']).status).toBe(0);
    const own = hbs2(['store', '-g', 'mallory.gk', '-k', 'mallory.key', ...args]);
    expect(own.status, own.stderr).toBe(0);
    const gk = parseGroupKeyFile(fs.readFileSync(file('mallory.gk')));
    const forgedKey = await plantGroupKey({ ...gk, cbor: undefined, id: decodeBase58(teamId) });
    const ann = decodeMTreeAnn(readBlock(own.stdout.trim()));
    if (ann.crypt.kind !== 'symm1' && ann.crypt.kind !== 'symm2') throw new Error('not encrypted');
    return putBlock(
      file('store'),
      encodeMTreeAnn({ ...ann, crypt: { ...ann.crypt, groupKey: decodeBase58(forgedKey) } }),
    );
  }

  const describe_ = (
    root: string,
  ): {
    encryption: Record<string, unknown>;
    sizeIsCiphertext?: boolean;
    metadata: { text: string | null };
  } => {
    const r = hbs2(['cat', '--metadata', '--json', '-k', 'alice.key', root]);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as ReturnType<typeof describe_>;
  };

  beforeAll(() => {
    expect(hbs2(['groupkey-new', 'team', '-o', 'meta-team.gk']).status).toBe(0);
    teamId = encodeBase58(parseGroupKeyFile(fs.readFileSync(file('meta-team.gk'))).id!);
    fs.writeFileSync(file('plan.txt'), 'the plan\n'.repeat(50));
    const r = hbs2(['store', '-g', 'meta-team.gk', '-k', 'alice.key', 'plan.txt']);
    expect(r.status, r.stderr).toBe(0);
    honest = r.stdout.trim();
  });

  it('an honest tree: canDecrypt and a verified id', () => {
    expect(describe_(honest).encryption).toMatchObject({
      canDecrypt: true,
      groupKeyId: teamId,
      groupKeyIdVerified: true,
    });
  });

  it('the repro: a tree whose group key an outsider forged is not reported decryptable', async () => {
    fs.writeFileSync(file('fake.txt'), 'not the plan\n'.repeat(50));
    const root = await forgeTree(['fake.txt']);
    const d = describe_(root);
    expect(d.encryption).toMatchObject({
      canDecrypt: false,
      groupKeyId: teamId,
      groupKeyIdVerified: false,
    });
    expect(d.sizeIsCiphertext).toBe(true);
    expectOneError(hbs2(['cat', '-k', 'alice.key', root]), 4, { text: 'MAC does not verify' });
  });

  it('with an encrypted metadata block, the trial is on the metadata (was exit 4)', async () => {
    fs.writeFileSync(file('fake2.txt'), 'still not the plan\n');
    const root = await forgeTree(['--meta', 'forged: yes', 'fake2.txt']);
    const d = describe_(root);
    expect(d.encryption).toMatchObject({ canDecrypt: false, groupKeyIdVerified: false });
    expect(d.metadata.text).toBeNull();
  });
});

describe('key descriptions from a keyring', () => {
  let mallory: string;
  let evil: Keyring;

  beforeAll(() => {
    mallory = encodeBase58(generateKeyring(1).entries[0]!.publicKey);
    evil = generateKeyring(2);
    evil.entries[0]!.description = `laptop\n${mallory}`;
    evil.entries[1]!.description = 'phone\u2028x\u0085y';
    writeKeyring('evil.key', evil);
  });

  it('the repro: keyring pubs | groupkey-new no longer adds a key hidden in a description', () => {
    const pubs = hbs2(['keyring', 'pubs', 'evil.key']);
    expect(pubs.status, pubs.stderr).toBe(0);
    const lines = pubs.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toEqual([
      `${encodeBase58(evil.entries[0]!.publicKey)}  # laptop\\n${mallory}`,
      `${encodeBase58(evil.entries[1]!.publicKey)}  # phone\\u{2028}x\\u{85}y`,
    ]);
    const gk = runCli(dir(), ['groupkey-new', '-'], { input: pubs.stdout });
    expect(gk.status, gk.stderr).toBe(0);
    fs.writeFileSync(file('evil.gk'), gk.stdout);
    const members = (
      JSON.parse(hbs2(['groupkey', 'dump', '--json', 'evil.gk']).stdout) as { members: string[] }
    ).members;
    expect(members).toEqual(evil.entries.map((e) => encodeBase58(e.publicKey)));
  });

  it('keyring list escapes them too: one line per entry', () => {
    const r = hbs2(['keyring', 'list', 'evil.key']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(r.stdout).toContain(`laptop\\n${mallory}`);
  });

  it('a keyring with such a description is not written again; deleting the entries works', () => {
    expectRefused(
      ['keyring', 'add-new', '-n', 'desk', 'evil.key'],
      3,
      'evil.key: keyring entry 1: key id contains control characters',
    );
    // Deleting entry 1 leaves entry 2, whose id is bad as well: still refused, file untouched.
    expectRefused(
      ['keyring', 'del', encodeBase58(evil.entries[0]!.publicKey), 'evil.key'],
      3,
      'evil.key: keyring entry 1: key id contains control characters',
    );
    const one = generateKeyring(1);
    one.entries[0]!.description = 'bad\rname';
    writeKeyring('evil3.key', one);
    const del = hbs2(['keyring', 'del', encodeBase58(one.entries[0]!.publicKey), 'evil3.key']);
    expect(del.status, del.stderr).toBe(0);
  });

  it('key ids given on the command line with a line separator are refused (exit 2)', () => {
    expectRefused(['keyring', 'add-new', '-n', 'a\u2028b', 'alice.key'], 2, 'control characters');
  });
});

describe('groupkey merge and store check declared ids where a secret is available', () => {
  beforeAll(() => {
    expect(hbs2(['groupkey-new', 'team', '-o', 'merge-team.gk']).status).toBe(0);
    const team = parseGroupKeyFile(fs.readFileSync(file('merge-team.gk')));
    // Sealed to Alice and a newcomer with another secret, declaring the team's id.
    const newcomer = generateKeyring(1).entries[0]!.publicKey;
    const forged = generateGroupKey([alice.entries[0]!.publicKey, newcomer]).groupKey;
    fs.writeFileSync(
      file('forged-id.gk'),
      formatGroupKeyFile({ ...forged, cbor: undefined, id: team.id }),
    );
  });

  it('merge: a key whose secret does not match its declared id is refused (exit 4)', () => {
    expectRefused(
      ['groupkey', 'merge', '-k', 'alice.key', 'merge-team.gk', 'forged-id.gk', '-o', 'merged.gk'],
      4,
      'forged-id.gk: group key id',
    );
  });

  it('store: the same key is not stored or indexed (exit 4)', () => {
    expectRefused(
      ['groupkey', 'store', '-k', 'alice.key', 'forged-id.gk'],
      4,
      'forged-id.gk: group key id',
    );
  });

  it('honest keys still merge and store with the check', () => {
    const r = hbs2(['groupkey', 'merge', '-k', 'alice.key', 'merge-team.gk', 'merge-team.gk']);
    expect(r.status, r.stderr).toBe(0);
    expect(hbs2(['groupkey', 'store', '-k', 'alice.key', 'merge-team.gk']).status).toBe(0);
  });
});
