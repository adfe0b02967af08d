/** Bounded concurrency over a stream of work items. */

/**
 * Runs `work` on each item with at most `limit` running; the first failure stops taking
 * new items and is rethrown once the running ones settle.
 */
export async function runBounded<T>(
  items: AsyncIterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for await (const item of items) {
      if (failure) break;
      const p: Promise<void> = work(item).then(
        () => void running.delete(p),
        (error: unknown) => {
          running.delete(p);
          failure ??= { error };
        },
      );
      running.add(p);
      if (running.size >= limit) await Promise.race(running);
    }
  } catch (error) {
    failure ??= { error };
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
