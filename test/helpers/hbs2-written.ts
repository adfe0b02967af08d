/**
 * Readers of the hbs2-written vectors (test/vectors/hbs2-written, see its NOTE.md): the
 * expected values come from the oracle's own files (roots.txt, hashes.txt, keyrings/*.list,
 * groupkeys/*.dump and *.file-order, sigils/*.sigil-check, the open matrix of RESULTS.txt),
 * so a test can only pass by reading what hbs2 wrote as hbs2 reads it. Shared by the
 * library-level and CLI-level suites of test/compat.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import { diffSnapshots, snapshotDir } from './hostile.js';

/** The vector directory (never written to: copy a store before using it). */
export const VECTORS = path.resolve(__dirname, '../vectors/hbs2-written');

/** Keyrings of README.txt ("keyrings/*.key"). */
export const KEYRING_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
/** Group keys of README.txt ("groupkeys/gk{1,3,5}.gk"). */
export const GROUPKEY_NAMES = ['gk1', 'gk3', 'gk5'] as const;
/** Sigils of README.txt ("sigils/*.sigil"). */
export const SIGIL_NAMES = ['alice', 'bob'] as const;
/** The three stores of README.txt. */
export const STORE_NAMES = ['store-plain', 'store-enc', 'store-enc2'] as const;

export type KeyringName = (typeof KEYRING_NAMES)[number];
export type GroupKeyName = (typeof GROUPKEY_NAMES)[number];

/** A path inside the vector directory. */
export const vectorPath = (...parts: string[]): string => path.join(VECTORS, ...parts);

const lines = (rel: string): string[] =>
  fs
    .readFileSync(vectorPath(rel), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

/** Parses `key value` lines into fields; throws on a line that does not match. */
function match(re: RegExp, line: string, file: string): RegExpMatchArray {
  const m = re.exec(line);
  if (!m) throw new Error(`${file}: unexpected line ${JSON.stringify(line)}`);
  return m;
}

/** Haskell's `Maybe Text` as printed by `show`: `Just "x"` or `Nothing`. */
function maybeText(shown: string): string | null {
  return shown === 'Nothing' ? null : (JSON.parse(shown.replace(/^Just /, '')) as string);
}

/** One line of hashes.txt whose data file is kept (f70MiB.bin is not). */
export interface HashLine {
  file: string;
  size: number;
  treeRoot: string;
  wholeFileHash: string;
}

/** hashes.txt, for the data files present in data/. */
export function hashLines(): HashLine[] {
  return lines('hashes.txt')
    .map((l) => {
      const m = match(/^(\S+) size=(\d+) tree-root=(\S+) whole-file-hash=(\S+)$/, l, 'hashes.txt');
      return { file: m[1]!, size: Number(m[2]), treeRoot: m[3]!, wholeFileHash: m[4]! };
    })
    .filter((h) => fs.existsSync(vectorPath('data', h.file)));
}

/** How a tree of roots.txt was written. */
export type TreeMethod = 'none' | 'group-symm-1' | 'group-symm-2';

/** One tree of roots.txt, with what README.txt says about it. */
export interface VectorTree {
  /** The roots.txt label, e.g. `store-enc/small.txt,gk3,method1,NoMetaData`. */
  label: string;
  store: (typeof STORE_NAMES)[number];
  /** The data file (under data/) whose bytes the tree holds. */
  dataFile: string;
  root: string;
  method: TreeMethod;
  /** The group key file it is encrypted under (README: all encrypted trees use gk3). */
  groupKey: GroupKeyName | null;
  /** The metadata text README.txt gives for it, and whether it is encrypted. */
  metadata: { kind: 'none' | 'short' | 'ref'; text: string | null; encrypted: boolean };
}

/**
 * Metadata texts README.txt lists (store-plain: ShortMetadata 'file-name: "small.txt"';
 * store-enc: the two encrypted texts), keyed by data file.
 */
const METADATA_TEXT: Readonly<Record<string, string>> = {
  'small.txt': 'file-name: "small.txt"',
  'f3MiB17.bin': 'file-name: "f3MiB17.bin"\nmime-type: "application/octet-stream"',
};

/** roots.txt's short file names (`f3MiB17`) → the data file (`f3MiB17.bin`). */
const dataFileOf = (short: string): string => (short.includes('.') ? short : `${short}.bin`);

function treeOf(label: string, root: string): VectorTree {
  const m = match(
    /^(store-plain|store-enc2?)\/([^,+]+)(?:\+(\w+)|,(gk\d),method(\d),(\w+))?$/,
    label,
    'roots.txt',
  );
  const store = m[1] as VectorTree['store'];
  const dataFile = dataFileOf(m[2]!);
  const plainMeta = m[3];
  const encMeta = m[6];
  const text = METADATA_TEXT[dataFile] ?? null;
  const metadata: VectorTree['metadata'] =
    plainMeta === 'ShortMetadata'
      ? { kind: 'short', text, encrypted: false }
      : encMeta === 'EncryptedShortMetadata'
        ? { kind: 'ref', text, encrypted: true }
        : { kind: 'none', text: null, encrypted: false };
  if ((plainMeta ?? 'ShortMetadata') !== 'ShortMetadata')
    throw new Error(`roots.txt: unknown annotation ${label}`);
  if (encMeta !== undefined && !['NoMetaData', 'EncryptedShortMetadata'].includes(encMeta))
    throw new Error(`roots.txt: unknown metadata ${label}`);
  return {
    label,
    store,
    dataFile,
    root,
    method: m[5] === undefined ? 'none' : (`group-symm-${m[5]}` as TreeMethod),
    groupKey: (m[4] as GroupKeyName | undefined) ?? null,
    metadata,
  };
}

/** Every tree of roots.txt. */
export function vectorTrees(): VectorTree[] {
  return lines('roots.txt').map((l) => {
    const [label, root] = l.split(' ');
    return treeOf(label!, root!);
  });
}

/** One keyring as keyrings/<name>.list (the oracle's `keyring-list`) shows it. */
export interface KeyringList {
  signPk: string;
  signSk: string;
  entries: { encPk: string; encSk: string; desc: string | null }[];
}

/** keyrings/<name>.list. */
export function keyringList(name: KeyringName): KeyringList {
  const file = `keyrings/${name}.list`;
  const out: KeyringList = { signPk: '', signSk: '', entries: [] };
  for (const l of lines(file)) {
    const [field, value] = [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)];
    if (field === 'sign-pk') out.signPk = value;
    else if (field === 'sign-sk') out.signSk = value;
    else {
      const m = match(/^enc-pk (\S+) enc-sk (\S+) desc (.+)$/, l, file);
      out.entries.push({ encPk: m[1]!, encSk: m[2]!, desc: maybeText(m[3]!) });
    }
  }
  return out;
}

/** One group key as groupkeys/<name>.dump (hbs2's `groupkey dump`) shows it. */
export interface GroupKeyDump {
  /** The whole dump text. */
  text: string;
  id: string;
  scheme: string;
  timestamp: number;
  /** Members in the order the dump lists them. */
  members: string[];
}

/** groupkeys/<name>.dump. */
export function groupKeyDump(name: GroupKeyName): GroupKeyDump {
  const file = `groupkeys/${name}.dump`;
  const text = fs.readFileSync(vectorPath(file), 'utf8');
  const field = (key: string): string => match(new RegExp(`^${key} (\\S+)$`, 'm'), text, file)[1]!;
  return {
    text,
    id: field('group-key-id'),
    scheme: field('group-key-id-scheme'),
    timestamp: Number(field('group-key-timestamp')),
    members: [...text.matchAll(/^member "(\S+)"$/gm)].map((m) => m[1]!),
  };
}

/** groupkeys/<name>.file-order: the recipients sorted by their byte offset in the CBOR. */
export function membersInFileOrder(name: GroupKeyName): string[] {
  const file = `groupkeys/${name}.file-order`;
  return lines(file)
    .map((l) => match(/^(\d+) (\S+) input-index \d+$/, l, file))
    .map((m) => ({ offset: Number(m[1]), pk: m[2]! }))
    .sort((a, b) => a.offset - b.offset)
    .map((m) => m.pk);
}

/**
 * Whether `keyring` opens `gk`, as the oracle found (RESULTS.txt's summary line
 * `gk1/alice=rc0 gk1/bob=rc3 …`: rc 0 opened, rc 3 not a recipient).
 */
export function opensAccordingToOracle(): Map<string, boolean> {
  const summary = lines('RESULTS.txt').find((l) => l.startsWith('gk1/alice='));
  if (!summary) throw new Error('RESULTS.txt: no group key open summary line');
  const out = new Map<string, boolean>();
  for (const m of summary.matchAll(/(gk\d)\/(\w+)=rc(\d)/g))
    out.set(`${m[1]}/${m[2]}`, m[3] === '0');
  if (out.size !== GROUPKEY_NAMES.length * KEYRING_NAMES.length)
    throw new Error(`RESULTS.txt: ${out.size} group key/keyring pairs in the summary line`);
  return out;
}

/** What sigils/<name>.sigil-check (the oracle's `decodeSigil + unboxSignedBox0`) states. */
export interface SigilCheck {
  signPk: string;
  encryptPk: string;
  info: string | null;
}

/** sigils/<name>.sigil-check; the oracle's signature check must have said OK. */
export function sigilCheck(name: (typeof SIGIL_NAMES)[number]): SigilCheck {
  const file = `sigils/${name}.sigil-check`;
  const text = fs.readFileSync(vectorPath(file), 'utf8');
  const field = (key: string): string => match(new RegExp(`^${key} (.+)$`, 'm'), text, file)[1]!;
  if (field('signature-check') !== 'OK') throw new Error(`${file}: the oracle rejected it`);
  if (field('box-sign-pk') !== field('sign-pk')) throw new Error(`${file}: box signer differs`);
  return {
    signPk: field('sign-pk'),
    encryptPk: field('encrypt-pk'),
    info: maybeText(field('info')),
  };
}

/** `<store>/blocks/<c>/<rest>`: where hbs2-storage-simple keeps block `hash`. */
export const blockFile = (store: string, hash: string): string =>
  path.join(store, 'blocks', hash[0]!, hash.slice(1));

/**
 * Copies the vector stores into a new temp dir (so nothing a test runs can write into
 * the vectors) and returns it; the caller removes it.
 */
export function copyStoresToTemp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-compat-'));
  for (const s of STORE_NAMES) fs.cpSync(vectorPath(s), path.join(dir, s), { recursive: true });
  return dir;
}

/** A snapshot of every file of the vector directory (for {@link expectVectorsUnchanged}). */
export const snapshotVectors = (): Map<string, string> => snapshotDir(VECTORS);

/** Asserts that no file of the vector directory was changed, removed or added since `before`. */
export function expectVectorsUnchanged(before: Map<string, string>): void {
  expect(diffSnapshots(before, snapshotVectors())).toEqual({ changed: [], removed: [], added: [] });
}
