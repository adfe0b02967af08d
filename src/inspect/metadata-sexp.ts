/**
 * hbs2 0.25's printed form of tree metadata (`hbs2 cat --metadata`, `metadata dump`):
 * the metadata text's `key: value` lines as an s-expression list,
 * `((file-name: "a.txt") (mime-type: "text/plain"))`. A format of hbs2's, so it lives in
 * the library: any reader of metadata can print what hbs2 prints.
 */

/** Widest single-line form hbs2 prints before it breaks the list into lines. */
const WIDTH = 80;

/** A value as hbs2 prints it: quoted strings and bare words as they are, anything else quoted. */
function atom(value: string): string {
  if (/^"(?:[^"\\]|\\.)*"$/.test(value) || /^[^\s()"';]+$/.test(value)) return value;
  return JSON.stringify(value);
}

/** The `(key: value)` items of a metadata text (a line that is not `key: value` is quoted whole). */
function metadataItems(text: string): string[] {
  const items: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([^\s:"()]+):\s*(.*)$/.exec(line);
    items.push(m ? `(${m[1]}: ${m[2] === '' ? '""' : atom(m[2]!)})` : JSON.stringify(line));
  }
  return items;
}

/**
 * The s-expression of a metadata text: on one line when it fits in 80 columns, otherwise
 * one item per line, aligned inside the outer parentheses. No trailing newline, as hbs2.
 * @param text - the metadata text (`key: value` lines)
 * @returns hbs2 0.25's printed form of it
 */
export function formatMetadataSexp(text: string): string {
  const items = metadataItems(text);
  const flat = `(${items.join(' ')})`;
  if (flat.length <= WIDTH) return flat;
  return `(${items.join('\n ')})`;
}

/**
 * The `key: value` pairs of a metadata text, quoted values unquoted; lines of another
 * shape are left out.
 * @param text - the metadata text (`key: value` lines)
 * @returns the fields by key (a repeated key: its last value)
 */
export function metadataFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*([^\s:"()]+):\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const v = m[2]!;
    let value = v;
    if (/^"(?:[^"\\]|\\.)*"$/.test(v)) {
      try {
        value = JSON.parse(v) as string;
      } catch {
        value = v.slice(1, -1);
      }
    }
    fields[m[1]!] = value;
  }
  return fields;
}
