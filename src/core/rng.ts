/**
 * Seeded randomness with labelled forks.
 *
 * Each question (and each sub-choice inside a generator) draws from its own fork, derived from the
 * parent seed and a label — so adding a question to a spec, or a draw to one generator, never shifts
 * the numbers of any other.
 */
import seedrandom from 'seedrandom';
import { createHash } from 'node:crypto';

export class Rng {
  private readonly prng: seedrandom.PRNG;

  constructor(readonly seed: string) {
    this.prng = seedrandom(seed);
  }

  /** A child stream that depends only on this seed and the label, not on draws made so far. */
  fork(label: string | number): Rng {
    const h = createHash('sha256').update(`${this.seed}\u0000${label}`).digest('hex').slice(0, 32);
    return new Rng(h);
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new Error(`Rng.int: bad range [${lo}, ${hi}]`);
    return lo + Math.floor(this.prng() * (hi - lo + 1));
  }

  /** Uniform non-zero integer in [lo, hi]. */
  nonZeroInt(lo: number, hi: number): number {
    for (;;) {
      const v = this.int(lo, hi);
      if (v !== 0) return v;
    }
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Weighted pick: weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((a, [, w]) => a + w, 0);
    let r = this.prng() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  bool(p = 0.5): boolean {
    return this.prng() < p;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  }

  /** k distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, k);
  }
}
