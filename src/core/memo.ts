/**
 * A memo for a pure function of small keys (decimal constants, powers, logarithms), emptied when it
 * would grow past `limit` entries: memory stays bounded however many instances a run solves, and a
 * dropped entry is simply computed again to the same value.
 */
export function boundedMemo<K, V>(limit: number): (key: K, compute: () => V) => V {
  const cache = new Map<K, V>();
  return (key, compute) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = compute();
      if (cache.size > limit) cache.clear();
      cache.set(key, v);
    }
    return v;
  };
}
