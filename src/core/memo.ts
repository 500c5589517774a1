/**
 * A bounded memo for values that are pure functions of their key (shaped words, wrapped lines and
 * font files in the PDF renderer; decimal constants, powers and logarithms in exact arithmetic):
 * two generations, so what every document uses stays while what one variant used ages out.
 * A miss in the young generation that hits the old one moves the entry to the young one; when the
 * young one is full it becomes the old one (the previous old one is dropped). Memory stays flat for
 * any number of documents, and a dropped entry is simply recomputed to the same value.
 *
 * Memos in one `MemoGroup` share one budget and age together: many small memos (one per font, size
 * and width, say) are bounded by the group's size, not by the sum of their sizes — a memo that
 * fills slowly would otherwise keep growing for hundreds of documents before its first turnover.
 */
export class MemoGroup {
  private readonly members: { age(): void }[] = [];
  private youngEntries = 0;

  /** At most 2 × `size` entries are kept across the group's memos. */
  constructor(readonly size: number) {}

  join(m: { age(): void }): void {
    this.members.push(m);
  }

  /** Called before an entry is added to a member's young generation. */
  added(): void {
    if (this.youngEntries >= this.size) {
      for (const m of this.members) m.age();
      this.youngEntries = 0;
    }
    this.youngEntries++;
  }
}

export class Memo<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly group: MemoGroup;

  /** A number: this memo's own budget (at most 2 × `size` entries); a group: the group's. */
  constructor(sizeOrGroup: number | MemoGroup) {
    this.group = typeof sizeOrGroup === 'number' ? new MemoGroup(sizeOrGroup) : sizeOrGroup;
    this.group.join(this);
  }

  get(key: K): V | undefined {
    let v = this.young.get(key);
    if (v === undefined) {
      v = this.old.get(key);
      if (v !== undefined) this.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): V {
    this.group.added();
    this.young.set(key, value);
    return value;
  }

  /** The young generation becomes the old one. */
  age(): void {
    this.old = this.young;
    this.young = new Map();
  }
}
