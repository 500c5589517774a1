/**
 * Exact arithmetic on what students type, in the Real form of core/exact.ts (rat + coef·√rad).
 *
 * Every operation returns `undefined` when the result leaves that form (√2 + √3, ln 2): the caller
 * then keeps only a float. Sizes are bounded so hostile input ("9^9^9", "√(10^200)") can never make
 * the grader spin: big results are refused with a GradeInputError, and square roots are only taken
 * exactly of numbers small enough to factor instantly.
 */
import { q, sqrtQ, type Fraction, type Real } from '../core/exact.js';

/** A student's input that cannot be read (shown to the student as is). */
export class GradeInputError extends Error {}

/** Largest numerator/denominator kept exactly (digits); beyond this a value is "too large". */
const MAX_DIGITS = 300;
const LIMIT = 10n ** BigInt(MAX_DIGITS);
/** Square roots are taken exactly only of numerators/denominators below this (trial division ≤ 10⁶ steps). */
const SQRT_LIMIT = 10n ** 12n;
/** Largest integer exponent evaluated exactly. */
export const MAX_EXPONENT = 64;

const ZERO = q(0);
const ONE = q(1);

export function checkSize(x: Fraction): Fraction {
  if (x.n >= LIMIT || x.d >= LIMIT) throw new GradeInputError(`a number in this answer is too large (more than ${MAX_DIGITS} digits)`);
  return x;
}

interface Canon {
  rat: Fraction;
  coef: Fraction;
  rad: bigint;
}

function canon(x: Real): Canon {
  const rat = x.rat ?? ZERO;
  if (x.rad === 1n || x.coef.n === 0n) return { rat: rat.add(x.rad === 1n ? x.coef : ZERO), coef: ZERO, rad: 1n };
  return { rat, coef: x.coef, rad: x.rad };
}

function make(rat: Fraction, coef: Fraction, rad: bigint): Real {
  checkSize(rat);
  checkSize(coef);
  if (rad >= LIMIT) throw new GradeInputError(`a number in this answer is too large (more than ${MAX_DIGITS} digits)`);
  if (rad === 1n || coef.n === 0n) return { coef: rat.add(rad === 1n ? coef : ZERO), rad: 1n };
  return rat.n === 0n ? { coef, rad } : { coef, rad, rat };
}

export const rational = (x: Fraction): Real => ({ coef: checkSize(x), rad: 1n });

export function isRat(x: Real): boolean {
  return canon(x).coef.n === 0n;
}

export function ratOf(x: Real): Fraction {
  return canon(x).rat;
}

export function neg(a: Real): Real {
  const x = canon(a);
  return make(x.rat.neg(), x.coef.neg(), x.rad);
}

export function add(a: Real, b: Real): Real | undefined {
  const x = canon(a);
  const y = canon(b);
  if (x.coef.n === 0n) return make(x.rat.add(y.rat), y.coef, y.rad);
  if (y.coef.n === 0n || x.rad === y.rad) return make(x.rat.add(y.rat), x.coef.add(y.coef), x.rad);
  return undefined;
}

export function sub(a: Real, b: Real): Real | undefined {
  return add(a, neg(b));
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

export function mul(a: Real, b: Real): Real | undefined {
  const x = canon(a);
  const y = canon(b);
  if (x.coef.n === 0n) return make(y.rat.mul(x.rat), y.coef.mul(x.rat), y.rad);
  if (y.coef.n === 0n) return make(x.rat.mul(y.rat), x.coef.mul(y.rat), x.rad);
  if (x.rad === y.rad) {
    // (p + c√r)(s + d√r) = ps + cd·r + (pd + cs)√r
    const r = q(x.rad, 1n);
    return make(x.rat.mul(y.rat).add(x.coef.mul(y.coef).mul(r)), x.rat.mul(y.coef).add(x.coef.mul(y.rat)), x.rad);
  }
  if (x.rat.n !== 0n || y.rat.n !== 0n) return undefined;
  // c√r · d√s with r, s square-free: √(rs) = g·√((r/g)(s/g)), g = gcd(r, s), and (r/g)(s/g) is square-free.
  const g = gcd(x.rad, y.rad);
  const rad = (x.rad / g) * (y.rad / g);
  return make(ZERO, x.coef.mul(y.coef).mul(q(g, 1n)), rad);
}

export function div(a: Real, b: Real): Real | undefined {
  const y = canon(b);
  if (y.coef.n === 0n) {
    if (y.rat.n === 0n) throw new GradeInputError('division by zero');
    return mul(a, rational(ONE.div(y.rat)));
  }
  // 1/(p + c√r) = (p − c√r)/(p² − c²r); the denominator is a non-zero rational because √r is irrational.
  const den = y.rat.mul(y.rat).sub(y.coef.mul(y.coef).mul(q(y.rad, 1n)));
  const conj = make(y.rat.div(den), y.coef.neg().div(den), y.rad);
  return mul(a, conj);
}

/** √a exactly when a is a small enough non-negative rational; undefined otherwise (caller uses a float). */
export function sqrt(a: Real): Real | undefined {
  const x = canon(a);
  if (x.coef.n !== 0n) return undefined;
  if (x.rat.s < 0n && x.rat.n !== 0n) throw new GradeInputError('square root of a negative number');
  if (x.rat.n >= SQRT_LIMIT || x.rat.d >= SQRT_LIMIT) return undefined;
  return sqrtQ(x.rat);
}

/** aᵏ for an integer k with |k| ≤ MAX_EXPONENT (repeated squaring; undefined if an intermediate leaves the form). */
export function powInt(a: Real, k: number): Real | undefined {
  if (!Number.isInteger(k) || Math.abs(k) > MAX_EXPONENT) return undefined;
  const x = canon(a);
  if (k < 0) {
    if (x.rat.n === 0n && x.coef.n === 0n) throw new GradeInputError('division by zero');
    const p = powInt(a, -k);
    return p && div(rational(ONE), p);
  }
  if (x.coef.n === 0n) {
    // Refuse before computing: digits of the result ≈ k · digits of the base.
    const digits = Math.max(x.rat.n.toString().length, x.rat.d.toString().length);
    if (digits * k > MAX_DIGITS + 2) throw new GradeInputError(`a number in this answer is too large (more than ${MAX_DIGITS} digits)`);
  }
  let result: Real | undefined = rational(ONE);
  let base: Real | undefined = a;
  let e = k;
  while (e > 0 && result && base) {
    if (e & 1) result = mul(result, base);
    e >>= 1;
    if (e > 0) base = mul(base, base);
  }
  return result && base ? result : undefined;
}
