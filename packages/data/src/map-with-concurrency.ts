/**
 * Maps `items` through `task` with at most `concurrency` tasks in flight, keeping the order of the
 * results. Rejects with the first failure (tasks already started run to their end).
 *
 * @example
 * const images = await mapWithConcurrency(paths, 4, (path) => decodeFile(path, 3));
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
