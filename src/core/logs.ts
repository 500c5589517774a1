/**
 * Logarithms of rationals, decided exactly enough: answers like a cross-entropy ln(8/5) are
 * irrational, so the key stores the *correctly rounded* decimal (40-digit arithmetic decides the
 * rounding: a logarithm of a rational ≠ 1 is irrational, never exactly on a rounding boundary).
 */
import { Decimal } from 'decimal.js';
import { fmtQ, ONE, q, type Fraction } from './exact.js';
import { Memo } from './memo.js';

export type LogBase = 'e' | '10' | '2';

const BigNum = Decimal.clone({ precision: 40, modulo: Decimal.EUCLID }); // what mathjs' BigNumber at precision 40 is
const lnMemo = new Memo<bigint, Decimal>(5000);

/** ln n for a positive integer n, memoised: exam numbers repeat (ln 2, ln 3, ln 8, …). */
const lnBig = (n: bigint): Decimal => lnMemo.get(n) ?? lnMemo.set(n, new BigNum(n.toString()).ln()); // mathjs' log() of a positive BigNumber

/** Σ c_k·log(x_k) (x_k > 0 rational) rounded half away from zero to `decimals` places, as an exact decimal fraction. */
export function roundedLn(terms: readonly { c: Fraction; x: Fraction }[], decimals: number, base: LogBase = 'e'): Fraction {
  let total = new BigNum('0');
  for (const { c, x } of terms) {
    if (c.n === 0n) continue;
    const ln = lnBig(x.n).minus(lnBig(x.d));
    total = total.plus(ln.times(new BigNum((c.s * c.n).toString())).div(new BigNum(c.d.toString())));
  }
  if (base !== 'e') total = total.div(lnBig(base === '10' ? 10n : 2n));
  return q(total.toFixed(decimals, 4 /* ROUND_HALF_UP = half away from zero */));
}

/** An exact decimal fraction (x·10^d integral) printed with exactly d places: "0.470", "−1.386". */
export function fmtFixed(x: Fraction, d: number): string {
  const scaled = x.abs().mul(q(10n ** BigInt(d), 1n));
  const k = scaled.n / scaled.d;
  const digits = k.toString().padStart(d + 1, '0');
  const body = d === 0 ? digits : `${digits.slice(0, -d)}.${digits.slice(-d)}`;
  return (x.s < 0n && k !== 0n ? '−' : '') + body;
}

/** "ln 3", "−ln 4", "ln(3/2)", "0": how ln u of a positive rational is printed. */
export function lnText(u: Fraction): string {
  if (u.equals(ONE)) return '0';
  if (u.d === 1n) return `ln ${u.n}`;
  if (u.n === 1n) return `−ln ${u.d}`;
  return `ln(${fmtQ(u)})`;
}

/**
 * Σ c_k·log(x_k) as text: with integer c_k the terms combine into one logarithm
 * (−ln(5/8) → "ln(8/5)"), otherwise "−(9/10)·ln(5/8) − (1/20)·ln(1/8)".
 */
export function lnSumText(terms: readonly { c: Fraction; x: Fraction }[], base: LogBase = 'e'): string {
  const live = terms.filter((t) => t.c.n !== 0n && !t.x.equals(ONE));
  if (live.length === 0) return '0';
  const name = base === 'e' ? 'ln' : base === '10' ? 'log₁₀' : 'log₂';
  const withBase = (s: string) => (base === 'e' ? s : s.replace(/^(−?)ln/, `$1${name}`));
  if (live.every((t) => t.c.d === 1n)) {
    let prod = ONE;
    for (const t of live) prod = prod.mul(t.x.pow(t.c));
    return withBase(lnText(prod));
  }
  return live
    .map((t, i) => {
      const neg = t.c.s < 0n;
      const mag = t.c.abs();
      const coef = mag.equals(ONE) ? '' : `(${fmtQ(mag)})·`;
      const term = `${coef}${name}(${fmtQ(t.x)})`;
      return i === 0 ? `${neg ? '−' : ''}${term}` : ` ${neg ? '−' : '+'} ${term}`;
    })
    .join('');
}
