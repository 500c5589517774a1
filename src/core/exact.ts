/**
 * Exact arithmetic: rationals (mathjs Fraction, bigint-backed) and single surds q·√r.
 *
 * Every printed exact answer is one of these. Floats never flow into them: a float can only be
 * produced *from* an exact value (for display or tolerance checks), never the other way round.
 */
import { fraction, type Fraction } from 'mathjs';

export type { Fraction };

/** A rational from an integer, a pair, or a string such as "-7/4" or "0.25" (parsed exactly). */
export function q(n: number | bigint | string | Fraction, d?: number | bigint): Fraction {
  if (typeof n === 'number' && !Number.isInteger(n)) throw new Error(`q(): non-integer number ${n}; pass a string for exact decimals`);
  if (d === undefined) return typeof n === 'object' ? n : fraction(n as never);
  return fraction(n as never, d as never);
}

export const ZERO = q(0);
export const ONE = q(1);

export function sum(xs: readonly Fraction[]): Fraction {
  return xs.reduce((a, b) => a.add(b), ZERO);
}

export function isInteger(x: Fraction): boolean {
  return x.d === 1n;
}

/** Exact integer value of an integral fraction (throws otherwise). */
export function toInt(x: Fraction): number {
  if (x.d !== 1n) throw new Error(`expected an integer, got ${fmtQ(x)}`);
  return Number(x.s * x.n);
}

/** "7/4", "-3", "0" — never "2/1". */
export function fmtQ(x: Fraction): string {
  const sign = x.s < 0n && x.n !== 0n ? '-' : '';
  return x.d === 1n ? `${sign}${x.n}` : `${sign}${x.n}/${x.d}`;
}

/**
 * A real number of the form coef·√rad with rad a square-free integer ≥ 1.
 * rad = 1 means the value is the rational `coef`. Standard deviations, z-scores and SVM margins
 * all live here, so they stay exact until the moment they are rounded for printing.
 */
export interface Real {
  coef: Fraction;
  rad: bigint;
}

export function real(x: Fraction | number | string): Real {
  return { coef: typeof x === 'object' ? x : q(x), rad: 1n };
}

export function isRational(x: Real): boolean {
  return x.rad === 1n || x.coef.n === 0n;
}

function squareFreeSplit(n: bigint): { outside: bigint; inside: bigint } {
  // n = outside² · inside with inside square-free; trial division is fine for exam-sized numbers.
  let outside = 1n;
  let inside = 1n;
  let m = n;
  for (let p = 2n; p * p <= m; p += 1n) {
    let count = 0;
    while (m % p === 0n) {
      m /= p;
      count++;
    }
    for (let i = 0; i < Math.floor(count / 2); i++) outside *= p;
    if (count % 2 === 1) inside *= p;
  }
  inside *= m;
  return { outside, inside };
}

/** Exact √x of a non-negative rational: √(n/d) = √(n·d)/d, then pull squares out. */
export function sqrtQ(x: Fraction): Real {
  if (x.s < 0n && x.n !== 0n) throw new Error(`sqrt of negative ${fmtQ(x)}`);
  if (x.n === 0n) return real(0);
  const { outside, inside } = squareFreeSplit(x.n * x.d);
  return { coef: q(outside, x.d), rad: inside };
}

export function mulQ(a: Real, k: Fraction): Real {
  return { coef: a.coef.mul(k), rad: a.rad };
}

/** a / b for reals whose quotient needs at most one surd (b must be non-zero). */
export function divReal(a: Real, b: Real): Real {
  if (b.coef.n === 0n) throw new Error('division by zero');
  // (p√r)/(s√t) = (p/s)·√(r/t) = (p/(s·t))·√(r·t)
  const inner = sqrtQ(q(a.rad * b.rad, 1n));
  return { coef: a.coef.div(b.coef).div(q(b.rad, 1n)).mul(inner.coef), rad: inner.rad };
}

export function realValue(x: Real): number {
  return x.coef.valueOf() * Math.sqrt(Number(x.rad));
}

export function realEquals(a: Real, b: Real): boolean {
  if (a.coef.n === 0n && b.coef.n === 0n) return true;
  return a.rad === b.rad && a.coef.equals(b.coef);
}

/** Compare two reals exactly (signs first, then squares). */
export function compareReal(a: Real, b: Real): number {
  const sa = a.coef.n === 0n ? 0 : Number(a.coef.s);
  const sb = b.coef.n === 0n ? 0 : Number(b.coef.s);
  if (sa !== sb) return Math.sign(sa - sb);
  if (sa === 0) return 0;
  const a2 = a.coef.mul(a.coef).mul(q(a.rad, 1n));
  const b2 = b.coef.mul(b.coef).mul(q(b.rad, 1n));
  return sa * a2.compare(b2);
}

/** "2√5/5", "-√3", "7/4", "3√2". */
export function fmtReal(x: Real): string {
  if (isRational(x)) return fmtQ(x.coef);
  const sign = x.coef.s < 0n ? '-' : '';
  const n = x.coef.n;
  const d = x.coef.d;
  const num = `${n === 1n ? '' : n}√${x.rad}`;
  return d === 1n ? `${sign}${num}` : `${sign}${num}/${d}`;
}

/** Round half away from zero to `decimals` places, formatted with exactly that many decimals. */
export function fmtDecimal(value: number, decimals: number): string {
  const f = 10 ** decimals;
  const r = Math.sign(value) * Math.round(Math.abs(value) * f + 1e-9) / f;
  const s = (Object.is(r, -0) ? 0 : r).toFixed(decimals);
  return s;
}

/** Inverse of fmtReal: "7/4", "-3", "2√5/5", "√5/5", "-√3" → Real. Returns undefined if not of that form. */
export function parseRealExact(text: string): Real | undefined {
  const m = /^(-)?(\d+)?(?:√(\d+))?(?:\/(\d+))?$/.exec(text.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) return undefined;
  const sign = m[1] ? -1n : 1n;
  const num = BigInt(m[2] ?? '1');
  const den = BigInt(m[4] ?? '1');
  if (den === 0n) return undefined;
  const coef = q(sign * num, den);
  if (m[3] === undefined) return real(coef);
  const root = sqrtQ(q(BigInt(m[3]), 1n));
  return { coef: coef.mul(root.coef), rad: root.rad };
}
