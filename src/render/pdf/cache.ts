/**
 * A bounded memo for values that are pure functions of their key (shaped words, wrapped lines, font
 * files): two generations, so what every document uses stays while what one variant used ages out.
 * A miss in the young generation that hits the old one moves the entry to the young one; when the
 * young one is full it becomes the old one (the previous old one is dropped). Memory stays flat for
 * any number of documents, and a dropped entry is simply recomputed to the same value.
 */
export class Memo<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  /** At most 2 × `size` entries are kept. */
  constructor(private readonly size: number) {}

  get(key: K): V | undefined {
    let v = this.young.get(key);
    if (v === undefined) {
      v = this.old.get(key);
      if (v !== undefined) this.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): V {
    if (this.young.size >= this.size) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
    return value;
  }
}
