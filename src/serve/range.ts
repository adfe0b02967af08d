/** HTTP byte ranges (RFC 9110 §14): one range per request, as `/cat/` serves them. */

/** An inclusive byte range within a body. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The range a `Range` header asks for within `size` bytes: null for the whole body (no
 * header, another unit, several ranges or a malformed one — all may be ignored), or
 * `unsatisfiable` when it starts past the end.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | null | 'unsatisfiable' {
  const m = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // A suffix: the last N bytes.
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return null;
  return { start, end };
}
