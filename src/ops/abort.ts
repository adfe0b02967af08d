/**
 * Cancelling long operations: a source wrapped with {@link abortable} stops at the next
 * chunk once the signal fires, throwing the signal's reason (an `AbortError` by default).
 */

/** Bytes in any of the shapes the tree writer accepts. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Throws the signal's reason when it has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

/**
 * `source`, checked against `signal` before every chunk. Without a signal, `source`
 * itself (no extra await per chunk).
 */
export function abortable<T>(
  source: AsyncIterable<T> | Iterable<T>,
  signal: AbortSignal | undefined,
): AsyncIterable<T> | Iterable<T> {
  if (!signal) return source;
  return (async function* () {
    signal.throwIfAborted();
    for await (const chunk of source) {
      signal.throwIfAborted();
      yield chunk;
    }
  })();
}
