/**
 * The hbs2-written NCQ3 stores of test/vectors/hbs2-written-ncq3 (see its NOTE.md) and
 * what their manifests say. Stores whose big data files were left out (crashed/) are
 * rebuilt in a temp dir from DERIVED.json, and every rebuilt file must hash to the value
 * recorded from hbs2's original.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blake2b } from '@noble/hashes/blake2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** The vector directory (never written to). */
export const NCQ3_VECTORS = path.resolve(__dirname, '../vectors/hbs2-written-ncq3');

/** Stores kept whole: read in place. */
export const WHOLE_STORES = [
  'small',
  'small-reopened',
  'spec69',
  'spec69-reopened',
  'multi',
  'many-reopened',
] as const;

/** The torn-tail stores: `<name>.before` is what hbs2 opened, `<name>` what it left. */
export const CRASHED = [
  'A-torn-below-fact',
  'B-torn-after-fact',
  'C-midfile-tails',
  'D-zero-length',
] as const;

interface Derived {
  path: string;
  size: number;
  blake2b256: string;
  parts: ({ file: string; start: number; end: number } | { zeros: number })[];
}

const hash = (bytes: Uint8Array) => bytesToHex(blake2b(bytes, { dkLen: 32 }));

/**
 * Copies the store `name` (e.g. `crashed/A-torn-below-fact.before`) into `dest` with its
 * left-out files rebuilt and checked; returns its hbs2 prefix (`<dest>/<name>/prefix`).
 */
export function materializeStore(name: string, dest: string): string {
  const target = path.join(dest, name);
  fs.cpSync(path.join(NCQ3_VECTORS, name), target, { recursive: true });
  const derived = JSON.parse(
    fs.readFileSync(path.join(NCQ3_VECTORS, 'crashed/DERIVED.json'), 'utf8'),
  ) as Derived[];
  for (const d of derived.filter((x) => x.path.startsWith(`${name}/`))) {
    const bytes = Buffer.concat(
      d.parts.map((p) =>
        'zeros' in p
          ? Buffer.alloc(p.zeros)
          : fs.readFileSync(path.join(NCQ3_VECTORS, p.file)).subarray(p.start, p.end),
      ),
    );
    if (bytes.length !== d.size || hash(bytes) !== d.blake2b256)
      throw new Error(`${d.path}: rebuilt file differs from hbs2's original`);
    const file = path.join(dest, d.path);
    fs.writeFileSync(file, bytes);
    fs.chmodSync(file, 0o444);
  }
  return path.join(target, 'prefix');
}

/** The prefix of a store kept whole. */
export const wholeStore = (name: (typeof WHOLE_STORES)[number]): string =>
  path.join(NCQ3_VECTORS, name, 'prefix');

/** One detailed section line of manifest-sections.txt. */
export interface ManifestSection {
  file: string;
  offset: number;
  length: number;
  kind: 'B' | 'R' | 'T' | 'M';
  keyHex: string;
  payload: number;
}

/** The detailed section lines of one store in manifest-sections.txt, in file order. */
export function manifestSections(store: string): ManifestSection[] {
  const text = fs.readFileSync(path.join(NCQ3_VECTORS, 'manifest-sections.txt'), 'utf8');
  const start = text.indexOf(`==== store ${store}/ `);
  if (start < 0) throw new Error(`manifest-sections.txt: no store ${store}`);
  const end = text.indexOf('\n====', start + 1);
  const out: ManifestSection[] = [];
  let file = '';
  for (const line of text.slice(start, end < 0 ? undefined : end).split('\n')) {
    const f = /^ {2}sections of (\S+):$/.exec(line);
    if (f) file = f[1]!;
    const m = /^ {4}@(\d+) len (\d+) ([BRTM]) key ([0-9a-f]{64}) \S+ payload (\d+)/.exec(line);
    if (m)
      out.push({
        file,
        offset: Number(m[1]),
        length: Number(m[2]),
        kind: m[3] as ManifestSection['kind'],
        keyHex: m[4]!,
        payload: Number(m[5]),
      });
  }
  return out;
}

/** `patternK(off)` of MANIFEST.txt: `len` bytes, byte i = ((off + i) * 7) mod 251. */
export function pattern(off: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = ((off + i) * 7) % 251;
  return out;
}

/** The 24 blocks of multi/ (MANIFEST.txt): pattern(1000000 + k*262144), k = 0..23. */
export const multiBlocks = (): Uint8Array[] =>
  Array.from({ length: 24 }, (_, k) => pattern(1_000_000 + k * 262_144, 262_144));

/** The 4000 blocks of many/: ASCII "many-block-<i>". */
export const manyBlocks = (): Uint8Array[] =>
  Array.from({ length: 4000 }, (_, i) => new TextEncoder().encode(`many-block-${i}`));

/** f3MiB17.bin of MANIFEST.txt, the content of the tree Fs6cWiXv…: byte i = (i*7) mod 251. */
export const f3MiB17 = (): Uint8Array => pattern(0, 3 * 1048576 + 17);

/** Tree root of f3MiB17.bin. */
export const F3MIB17_ROOT = 'Fs6cWiXvTYan5uyqscJsEmYTw5giLzztbGfNpaTERv4h';

/** Ref key hashes and values of MANIFEST.txt (small/, spec69/). */
export const REFS = {
  /** k = hashObject(LWWRefKey pk), pk of the seed-05 key. */
  k: 'c0c6b110178c641636d70c7bdbda802aa92a379d5b5aeb96c5e257f2dca90ad9',
  seq1Box: 'f3e93c06f14642f232263dd9827dcea1280322941c825f4076776f0219a62a19',
  seq2Box: '49c67222d4ea3bbd33abb4cbafc8a71bf3af76eee76309a99f66c7ba0733aa90',
  /** k2 = H("oracle-ref-2"), set then deleted. */
  k2: '7a8ea792e76dd413303bf3370e831ac19a1aae35864c2a0f7e220d10c4e0d336',
} as const;

/** Blocks MANIFEST.txt says are deleted or invisible. */
export const GONE = {
  toBeDeleted: '9fc45b16c72d67bac2236067530a6f19fc4e10ce9cf022ec18a277f6306c15bb',
  empty: '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8',
  multiHello: 'f8cbec437cbf89b3bbe44b167c632cb325b9ef95a4e1ca05d3fdf1542a685586',
} as const;
