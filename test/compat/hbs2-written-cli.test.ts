/**
 * Compatibility, CLI level (issue 13): the built `hbs2` reads the files hbs2's own code
 * wrote (test/vectors/hbs2-written, see its NOTE.md) exactly as RESULTS.txt says, and
 * writes the same roots and blocks where hbs2 0.24's writers are deterministic. Expected
 * values come from the oracle's files (test/helpers/hbs2-written.ts). Stores are copied
 * into the temp dir first, keyrings too (mode 0600, so no permission warning); the last
 * test proves the vector directory was not touched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectDescription } from '../../src/inspect/inspect.js';
import { expectOneError, useTempDir } from '../helpers/cli.js';
import {
  GROUPKEY_NAMES,
  KEYRING_NAMES,
  SIGIL_NAMES,
  STORE_NAMES,
  blockFile,
  expectVectorsUnchanged,
  groupKeyDump,
  hashLines,
  keyringList,
  membersInFileOrder,
  opensAccordingToOracle,
  sigilCheck,
  snapshotVectors,
  vectorPath,
  vectorTrees,
  type KeyringName,
  type VectorTree,
} from '../helpers/hbs2-written.js';
import { hbs2Env, runHbs2, type Run } from '../helpers/hostile.js';

const dir = useTempDir();
let vectorsBefore: Map<string, string>;

beforeAll(() => {
  vectorsBefore = snapshotVectors();
  for (const s of STORE_NAMES) fs.cpSync(vectorPath(s), path.join(dir(), s), { recursive: true });
  for (const k of KEYRING_NAMES) {
    const to = keyFile(k);
    fs.copyFileSync(vectorPath('keyrings', `${k}.key`), to);
    fs.chmodSync(to, 0o600);
  }
});

const keyFile = (k: KeyringName): string => path.join(dir(), `${k}.key`);
const gkFile = (g: string): string => vectorPath('groupkeys', `${g}.gk`);
const dataFile = (f: string): string => vectorPath('data', f);

/**
 * Runs the CLI in the temp dir with HBS2_STORE = `store` (relative to it). Async, so the
 * tests of a `describe.concurrent` overlap their process starts (~0.2 s of CPU each).
 */
const hbs2 = (args: string[], store = 'store'): Promise<Run> => {
  // Stores made here are compared file by file with hbs2 0.24's simple stores: a fresh one
  // is made simple too (`blocks/` decides; new stores are NCQ3 otherwise).
  const prefix = path.join(dir(), store);
  if (!fs.existsSync(prefix)) fs.mkdirSync(path.join(prefix, 'blocks'), { recursive: true });
  return runHbs2(args, { cwd: dir(), env: hbs2Env(dir(), prefix), timeoutMs: 50_000 });
};

/** Runs and expects exit 0 with an empty stderr; returns stdout as text. */
async function ok(args: string[], store?: string): Promise<string> {
  const r = await hbs2(args, store);
  expect(r.status, `hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout.toString('utf8');
}

/** Every dependency of `root` in `store` (`deps`), each of which must be present. */
async function depsOf(store: string, root: string): Promise<string[]> {
  const deps = JSON.parse(await ok(['deps', '--json', root], store)) as {
    hash: string;
    present: boolean;
  }[];
  expect(deps.filter((d) => !d.present)).toEqual([]);
  return deps.map((d) => d.hash);
}

/**
 * `args` (a `store` command) run into a fresh store prints `t.root`, and the blocks it
 * wrote for that root are the vector store's, byte for byte.
 */
async function expectSameTreeWritten(t: VectorTree, args: string[]): Promise<void> {
  const fresh = `fresh-${t.label.replace(/[^\w.]+/g, '_')}`;
  const r = await hbs2(args, fresh);
  // Warnings are allowed (a writer may say what it leaks); errors are not.
  expect(r.status, `hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
  expect(r.stdout.toString('utf8').trim()).toBe(t.root);
  const [ours, theirs] = await Promise.all([depsOf(fresh, t.root), depsOf(t.store, t.root)]);
  expect(ours).toEqual(theirs);
  for (const h of ours) {
    const mine = fs.readFileSync(blockFile(path.join(dir(), fresh), h));
    expect(mine.equals(fs.readFileSync(blockFile(path.join(dir(), t.store), h))), h).toBe(true);
  }
}

/** `cat -k <k>.key t.root` writes exactly t's data file. */
async function expectCatGivesData(t: VectorTree, k: KeyringName): Promise<void> {
  const r = await hbs2(['cat', '-k', keyFile(k), t.root], t.store);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr, 'a valid hbs2 tree reads without a warning').toBe('');
  expect(r.stdout.equals(fs.readFileSync(dataFile(t.dataFile)))).toBe(true);
}

/** Fields of `value` (at any depth) whose name says warning and that carry something. */
function warningFields(value: unknown, at = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/warn/i.test(k) && v !== null && v !== false && !(Array.isArray(v) && v.length === 0)
      ? [`${at}${k}`]
      : []),
    ...warningFields(v, `${at}${k}.`),
  ]);
}

const encrypted = vectorTrees().filter((t) => t.method !== 'none');
const plainTrees = vectorTrees().filter((t) => t.method === 'none');
/** The small encrypted trees, one per store and metadata kind: enough to try other keyrings. */
const smallEncrypted = encrypted.filter((t) => t.dataFile === 'small.txt');

describe.concurrent('hbs2-written vectors through the CLI', () => {
  it.each(KEYRING_NAMES)('keyring list --json %s.key equals %s.list', async (k) => {
    const list = keyringList(k);
    expect(JSON.parse(await ok(['keyring', 'list', '--json', keyFile(k)]))).toEqual({
      signKey: list.signPk,
      entries: list.entries.map((e) => ({ id: e.desc, type: 'curve25519', publicKey: e.encPk })),
    });
  });

  describe.each(GROUPKEY_NAMES)('group key %s.gk', (g) => {
    it('groupkey dump prints exactly what hbs2 printed', async () => {
      expect(await ok(['groupkey', 'dump', gkFile(g)])).toBe(groupKeyDump(g).text);
    });

    it('groupkey dump --json: id, scheme, timestamp, members in file order', async () => {
      const dump = groupKeyDump(g);
      expect(JSON.parse(await ok(['groupkey', 'dump', '--json', gkFile(g)]))).toEqual({
        version: 2,
        id: dump.id,
        scheme: dump.scheme,
        timestamp: dump.timestamp,
        members: membersInFileOrder(g),
      });
    });

    it.each(KEYRING_NAMES)('groupkey check -k %s.key opens it exactly when hbs2 did', async (k) => {
      const args = ['groupkey', 'check', '--json', '-k', keyFile(k), gkFile(g)];
      if (!opensAccordingToOracle().get(`${g}/${k}`)) {
        expectOneError(await hbs2(args), 5, { text: 'no keyring entry opens', emptyStdout: true });
        return;
      }
      const r = JSON.parse(await ok(args)) as {
        publicKey: string;
        groupKeyId: string;
        idChecked: boolean;
      };
      expect(r.groupKeyId).toBe(groupKeyDump(g).id);
      expect(r.idChecked).toBe(true);
      expect(keyringList(k).entries.map((e) => e.encPk)).toContain(r.publicKey);
      expect(membersInFileOrder(g)).toContain(r.publicKey);
    });
  });

  describe.each(hashLines())('hashes.txt: $file', (h) => {
    it('hash prints the whole-file hash', async () => {
      expect((await ok(['hash', dataFile(h.file)])).trim()).toBe(h.wholeFileHash);
    });

    it('hash --tree prints the tree root', async () => {
      expect((await ok(['hash', '--tree', dataFile(h.file)])).trim()).toBe(h.treeRoot);
    });
  });

  // Files with a plain tree in roots.txt are stored (and compared block for block) below.
  it.each(hashLines().filter((h) => !plainTrees.some((t) => t.dataFile === h.file)))(
    'store $file (plain, into a fresh store) prints its hashes.txt tree root',
    async (h) => {
      const fresh = `fresh-hash-${h.file}`;
      expect((await ok(['store', dataFile(h.file)], fresh)).trim()).toBe(h.treeRoot);
    },
  );

  describe.each(vectorTrees())('roots.txt: $label', (t) => {
    it('cat -k alice.key writes exactly the data file', () => expectCatGivesData(t, 'alice'));

    it('cat --metadata --json: metadata text and encryption method', async () => {
      const args = ['cat', '--metadata', '--json', '-k', keyFile('alice'), t.root];
      const d = JSON.parse(await ok(args, t.store)) as ObjectDescription;
      expect(d.hash).toBe(t.root);
      expect(d.size).toBe(fs.statSync(dataFile(t.dataFile)).size);
      // Fields may be added (the issue adds some); these must read as they do today.
      expect(d.metadata).toMatchObject(t.metadata);
      expect(warningFields(d)).toEqual([]);
      expect(d.encryption.method).toBe(t.method);
      expect(d.encryption.canDecrypt).toBe(true);
      if (t.groupKey) expect(d.encryption.groupKeyId).toBe(groupKeyDump(t.groupKey).id);
    });
  });

  describe.each(smallEncrypted)('roots.txt: $label with the other keyrings', (t) => {
    it.each(['bob', 'carol'] as const)('cat -k %s.key (a recipient) writes the data file', (k) =>
      expectCatGivesData(t, k),
    );

    it('cat -k dave.key (not a recipient) exits 5 with one error line and no output', async () => {
      expectOneError(await hbs2(['cat', '-k', keyFile('dave'), t.root], t.store), 5, {
        text: 'no keyring entry opens the group key',
        emptyStdout: true,
      });
    });
  });

  it.each(encrypted.filter((t) => t.metadata.kind !== 'none' || t.method === 'group-symm-2'))(
    'deps of $label: root first, every block present',
    async (t) => {
      expect((await depsOf(t.store, t.root))[0]).toBe(t.root);
    },
  );

  it.each(plainTrees)('plain store writes $label block for block', (t) => {
    const meta = t.metadata.text === null ? [] : ['--meta', t.metadata.text];
    return expectSameTreeWritten(t, ['store', ...meta, dataFile(t.dataFile)]);
  });

  /**
   * Needs `store --method 1`, which the lead adds in the same issue: this describe FAILS
   * until that is merged (verified before with today's default `store -g`, which is that
   * writer). hbs2 0.24's `store -g` (SipHash tree nonce, method 1, no metadata) is
   * deterministic, so the roots and every block must equal the vector store's.
   */
  describe('store -g gk3.gk -k alice.key --method 1 writes what hbs2 `store -g` wrote', () => {
    const method1 = encrypted.filter(
      (t) => t.method === 'group-symm-1' && t.metadata.kind === 'none',
    );

    it('roots.txt has the two method-1 trees without metadata', () => {
      expect(method1.map((t) => t.dataFile)).toEqual(['small.txt', 'f3MiB17.bin']);
    });

    it.each(method1)('$label', (t) =>
      expectSameTreeWritten(t, [
        'store',
        '-g',
        gkFile(t.groupKey!),
        '-k',
        keyFile('alice'),
        '--method',
        '1',
        dataFile(t.dataFile),
      ]),
    );
  });

  it.each(SIGIL_NAMES)('sigil check %s.sigil prints what the oracle read', async (s) => {
    const oracle = sigilCheck(s);
    const file = vectorPath('sigils', `${s}.sigil`);
    const info = oracle.info === null ? '' : `\n  (info ${JSON.stringify(oracle.info)})`;
    expect(await ok(['sigil', 'check', file])).toBe(
      `(sigil\n  (sign-pubkey "${oracle.signPk}")\n  (encrypt-pubkey "${oracle.encryptPk}")${info})\n`,
    );
    expect(JSON.parse(await ok(['sigil', 'check', '--json', file]))).toEqual({
      signKey: oracle.signPk,
      encryptionKey: oracle.encryptPk,
      info: oracle.info,
      ext: null,
    });
  });
});

it('no command above changed a byte of the vector directory', () =>
  expectVectorsUnchanged(vectorsBefore));
