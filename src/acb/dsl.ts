/**
 * hbs2's ACB text DSL (docs/notes/hbs2-create-acb.txt), extended with writer time ranges:
 *
 * ```
 * define-acb a1                ; local id
 * acb-root   a1 "<b58 sign pk>"
 * acb-owner  a1 "<b58 sign pk>"
 * acb-reader a1 "<b58 enc pk>"
 * acb-writer a1 "<b58 sign pk>" :from 1700000000 :to -1
 * acb-prev   a1 "<b58 hash>"
 * ```
 *
 * Errors name the file and line, never the text of the line: a user may point the parser
 * at a keyring by mistake, and its lines are secret.
 */
import { encodeBase58, decodeBase58 } from '../codec/base58.js';
import { checkRecipientKey } from '../crypto/index.js';
import { FormatError } from '../errors.js';
import {
  emptyAcb,
  isEmptyRange,
  keyOf,
  UNBOUNDED,
  writersByKey,
  type Acb,
  type TimeRange,
} from './model.js';

/** The local id `dump` prints. */
export const DUMP_LOCAL_ID = 'a1';

interface Token {
  kind: 'open' | 'close' | 'string' | 'atom' | 'newline';
  text: string;
  line: number;
}

interface Form {
  head: string;
  args: Token[];
  line: number;
}

const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]+$/;
const INTEGER_RE = /^-?[0-9]+$/;

function fail(file: string, line: number, message: string): FormatError {
  return new FormatError(`${file}:${line}: ${message}`);
}

/** Splits the text into tokens; `;` comments run to the end of the line. */
function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      out.push({ kind: 'newline', text: '', line });
      line++;
      i++;
    } else if (/\s/.test(c)) {
      // Any whitespace, Unicode included: the atom branch below stops at \s, so a
      // whitespace character it does not skip here would never be consumed.
      i++;
    } else if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'open' : 'close', text: c, line });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined || d === '\n') throw fail(file, line, 'unterminated string');
        i++;
        if (d === '"') break;
        if (d === '\\') {
          const e = text[i];
          if (e === undefined || e === '\n') throw fail(file, line, 'unterminated string');
          value += e;
          i++;
        } else value += d;
      }
      out.push({ kind: 'string', text: value, line });
    } else {
      const start = i;
      while (i < text.length && !/[\s();"]/.test(text[i]!)) i++;
      out.push({ kind: 'atom', text: text.slice(start, i), line });
    }
  }
  return out;
}

/**
 * Groups tokens into forms: a parenthesised list (which may span lines) or the tokens of
 * one line.
 */
function readForms(tokens: Token[], file: string): Form[] {
  const forms: Form[] = [];
  let i = 0;
  const toForm = (items: Token[], line: number): Form => {
    const head = items[0];
    if (!head || head.kind !== 'atom') throw fail(file, line, 'a form must start with a name');
    return { head: head.text, args: items.slice(1), line };
  };
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'newline') {
      i++;
    } else if (t.kind === 'open') {
      const items: Token[] = [];
      i++;
      for (;;) {
        const u = tokens[i];
        if (u === undefined) throw fail(file, t.line, 'unbalanced parenthesis');
        i++;
        if (u.kind === 'close') break;
        if (u.kind === 'open') throw fail(file, u.line, 'nested parentheses are not allowed');
        if (u.kind !== 'newline') items.push(u);
      }
      if (items.length === 0) throw fail(file, t.line, 'empty form');
      forms.push(toForm(items, t.line));
      const next = tokens[i];
      if (next && next.kind !== 'newline' && next.line === t.line)
        throw fail(file, next.line, 'unexpected text after a form');
    } else if (t.kind === 'close') {
      throw fail(file, t.line, 'unbalanced parenthesis');
    } else {
      const items: Token[] = [];
      while (i < tokens.length && tokens[i]!.kind !== 'newline') {
        const u = tokens[i]!;
        if (u.kind === 'open' || u.kind === 'close')
          throw fail(file, u.line, 'parenthesis inside an unparenthesised form');
        items.push(u);
        i++;
      }
      forms.push(toForm(items, t.line));
    }
  }
  return forms;
}

/** A base58 key of exactly 32 bytes; the message names the role, not the text. */
function parseKey(tok: Token, file: string, role: string): Uint8Array {
  if (tok.kind !== 'string' && tok.kind !== 'atom')
    throw fail(file, tok.line, `${role}: expected a quoted base58 key`);
  if (!BASE58_RE.test(tok.text)) throw fail(file, tok.line, `${role}: key is not base58`);
  const bytes = decodeBase58(tok.text);
  if (bytes.length !== 32)
    throw fail(file, tok.line, `${role}: key must be 32 bytes, got ${bytes.length}`);
  return bytes;
}

function parseBound(tok: Token | undefined, file: string, line: number, name: string): number {
  if (!tok || tok.kind !== 'atom' || !INTEGER_RE.test(tok.text))
    throw fail(file, line, `acb-writer: ${name} needs an integer (Unix seconds or -1)`);
  const v = Number(tok.text);
  if (!Number.isSafeInteger(v) || v < UNBOUNDED)
    throw fail(file, line, `acb-writer: ${name} must be -1 or a Unix time in seconds`);
  return v;
}

/** Parses the optional `:from N :to N` tail of an `acb-writer` form. */
function parseRange(args: Token[], file: string, line: number): TimeRange | null {
  if (args.length === 0) return null;
  const range: TimeRange = { from: UNBOUNDED, to: UNBOUNDED };
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]!;
    const key = name.kind === 'atom' ? name.text : '';
    if (key !== ':from' && key !== ':to')
      throw fail(file, line, 'acb-writer: expected :from or :to after the key');
    if (seen.has(key)) throw fail(file, line, `acb-writer: ${key} given twice`);
    seen.add(key);
    const v = parseBound(args[i + 1], file, line, key);
    if (key === ':from') range.from = v;
    else range.to = v;
  }
  if (isEmptyRange(range)) throw fail(file, line, 'acb-writer: empty time range (:from ≥ :to)');
  return range;
}

function localId(tok: Token | undefined, file: string, line: number, head: string): string {
  if (!tok || (tok.kind !== 'atom' && tok.kind !== 'string'))
    throw fail(file, line, `${head}: expected a local id`);
  return tok.text;
}

const KEY_FORMS: Record<string, string> = {
  'acb-root': 'root',
  'acb-owner': 'owner',
  'acb-reader': 'reader',
  'acb-writer': 'writer',
  'acb-prev': 'prev',
};

/**
 * Parses the DSL into an ACB. Only forms whose local id equals that of the first
 * `define-acb` count; every form is still checked. Lists keep first occurrences only; a
 * writer listed once without a range is authorised always, whatever other lines say.
 * @param text - the DSL text
 * @param file - names the file in error messages
 * @returns the access control block
 * @throws {@link FormatError} for malformed text
 */
export function parseAcbDsl(text: string, file: string): Acb {
  const forms = readForms(tokenize(text, file), file);
  let defined: string | null = null;
  interface Entry {
    form: Form;
    id: string;
    key: Uint8Array;
    range: TimeRange | null;
  }
  const entries: Entry[] = [];
  for (const form of forms) {
    if (form.head === 'define-acb') {
      if (form.args.length !== 1) throw fail(file, form.line, 'define-acb: expected one local id');
      defined ??= localId(form.args[0], file, form.line, form.head);
      continue;
    }
    const role = KEY_FORMS[form.head];
    if (role === undefined)
      throw fail(
        file,
        form.line,
        'unknown form (expected define-acb, acb-root, acb-owner, acb-reader, acb-writer or acb-prev)',
      );
    const id = localId(form.args[0], file, form.line, form.head);
    const keyTok = form.args[1];
    if (!keyTok) throw fail(file, form.line, `${form.head}: expected a key after the local id`);
    const key = parseKey(keyTok, file, form.head);
    if (form.head === 'acb-reader') checkRecipientKey(key, `${file}:${form.line}: acb-reader`);
    const rest = form.args.slice(2);
    let range: TimeRange | null = null;
    if (form.head === 'acb-writer') range = parseRange(rest, file, form.line);
    else if (rest.length > 0)
      throw fail(file, form.line, `${form.head}: unexpected extra arguments`);
    entries.push({ form, id, key, range });
  }
  if (defined === null) throw new FormatError(`${file}: no define-acb form`);

  const acb = emptyAcb();
  const seen: Record<'owners' | 'readers', Set<string>> = { owners: new Set(), readers: new Set() };
  const writers = new Map<string, { key: Uint8Array; always: boolean; ranges: TimeRange[] }>();
  for (const { form, id, key, range } of entries) {
    if (id !== defined) continue;
    switch (form.head) {
      case 'acb-root':
        if (acb.root) throw fail(file, form.line, 'acb-root: an ACB has at most one root');
        acb.root = key;
        break;
      case 'acb-prev':
        if (acb.prev) throw fail(file, form.line, 'acb-prev: an ACB has at most one prev');
        acb.prev = key;
        break;
      case 'acb-owner':
      case 'acb-reader': {
        const list = form.head === 'acb-owner' ? 'owners' : 'readers';
        if (seen[list].has(keyOf(key))) break;
        seen[list].add(keyOf(key));
        acb[list].push(key);
        break;
      }
      default: {
        let w = writers.get(keyOf(key));
        if (!w) {
          w = { key, always: false, ranges: [] };
          writers.set(keyOf(key), w);
        }
        if (range === null) w.always = true;
        else if (!w.ranges.some((r) => r.from === range.from && r.to === range.to))
          w.ranges.push(range);
      }
    }
  }
  acb.writers = [...writers.values()].map((w) => ({
    key: w.key,
    ranges: w.always ? [] : w.ranges,
  }));
  return acb;
}

/**
 * Prints an ACB as the DSL with local id `a1`, fields in the order root, owners, readers,
 * writers (one line per range), prev. `parseAcbDsl` of the result gives back the same ACB.
 * @param acb - the access control block
 * @returns its DSL text
 */
export function formatAcbDsl(acb: Acb): string {
  const id = DUMP_LOCAL_ID;
  const q = (k: Uint8Array) => `"${encodeBase58(k)}"`;
  const lines = [`define-acb ${id}`];
  if (acb.root) lines.push(`acb-root ${id} ${q(acb.root)}`);
  for (const k of acb.owners) lines.push(`acb-owner ${id} ${q(k)}`);
  for (const k of acb.readers) lines.push(`acb-reader ${id} ${q(k)}`);
  for (const w of writersByKey(acb.writers)) {
    if (w.ranges.length === 0) lines.push(`acb-writer ${id} ${q(w.key)}`);
    for (const r of w.ranges)
      lines.push(`acb-writer ${id} ${q(w.key)} :from ${r.from} :to ${r.to}`);
  }
  if (acb.prev) lines.push(`acb-prev ${id} ${q(acb.prev)}`);
  return lines.join('\n') + '\n';
}
