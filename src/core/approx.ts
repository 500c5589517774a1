/**
 * Numbers that stay exact while they can: rational (a Fraction) until a transcendental function
 * (tanh, σ, exp) makes them irrational, then a 32-digit decimal approximation. Answers built from
 * the latter are stored as their correctly rounded decimals (see roundNum).
 */
import { Decimal } from 'decimal.js';
import { q, ONE, ZERO, type Fraction } from './exact.js';
import { Memo } from './memo.js';

/**
 * 32 significant digits: far more than any rounding decision here needs (answers are rounded to
 * ≤ 4 places, the chains are at most a few tanh/σ deep with small weights, so the accumulated error
 * stays below 1e-28), and cheap enough to evaluate a few hundred times per instance.
 */
const BigNum = Decimal.clone({ precision: 32, modulo: Decimal.EUCLID }); // what mathjs' BigNumber at precision 32 is
type Big = Decimal;

/** A discontinuous decision (step at 0, a rounding boundary) closer than this to its edge is refused as ambiguous. */
const EDGE = 1e-20;

/**
 * e^x, memoised: an instance is solved a dozen times (schema, generator, mutants) with the same
 * arguments. tanh and σ are computed from it (decimal.js' own tanh is ≈ 3× slower).
 */
const expMemo = new Memo<string, Big>(10000);
const expBig = (x: Big): Big => {
  const key = x.toString();
  return expMemo.get(key) ?? expMemo.set(key, x.exp());
};

/** Thrown when a non-rational value lies (numerically) on a decision boundary: the instance is degenerate. */
export class AmbiguousValueError extends Error {}

/**
 * A value: exactly rational (`q`) or not (`b`, a 32-digit approximation). The decimal form of a
 * rational is only computed when it meets a non-rational (most instances never need it).
 */
export type Num = { q: Fraction; b?: undefined } | { q?: undefined; b: Big };

/** Decimal forms of rationals, memoised (the same few weights meet non-rational values over and over). */
const bigMemo = new Memo<string, Big>(10000);
const toBig = (x: Fraction): Big => {
  const key = `${x.s * x.n}/${x.d}`;
  return bigMemo.get(key) ?? bigMemo.set(key, x.d === 1n ? new BigNum((x.s * x.n).toString()) : new BigNum((x.s * x.n).toString()).div(x.d.toString()));
};
export const numQ = (x: Fraction): Num => ({ q: x });
const bigOf = (a: Num): Big => (a.q ? toBig(a.q) : a.b!);
const isZeroQ = (a: Num) => a.q !== undefined && a.q.n === 0n;

export function nAdd(a: Num, b: Num): Num {
  if (a.q && b.q) return numQ(a.q.add(b.q));
  return { b: bigOf(a).plus(bigOf(b)) };
}

export function nMul(a: Num, b: Num): Num {
  if (isZeroQ(a) || isZeroQ(b)) return numQ(ZERO);
  if (a.q && b.q) return numQ(a.q.mul(b.q));
  return { b: bigOf(a).times(bigOf(b)) };
}

export const nSum = (xs: readonly Num[]): Num => xs.reduce(nAdd, numQ(ZERO));

function assertClear(x: Big, edge: Fraction, what: string): void {
  if (x.minus(toBig(edge)).abs().lt(EDGE)) throw new AmbiguousValueError(`${what}: a non-rational value lies on the boundary ${edge.valueOf()}`);
}

export type Fn = 'identity' | 'relu' | 'tanh' | 'sigmoid' | 'hardSigmoid' | 'step' | 'stepStrict';

const HALF = q(1, 2);
const FIFTH = q(1, 5);

/** φ(a), exact whenever the result is rational (every piecewise-linear φ, and σ(0) = 1/2, tanh(0) = 0). */
export function nApply(fn: Fn, a: Num): Num {
  switch (fn) {
    case 'identity':
      return a;
    case 'relu':
      // Continuous: a non-rational value within rounding noise of 0 gives ≈ 0 either way, no decision to refuse.
      if (a.q) return numQ(a.q.s < 0n && a.q.n !== 0n ? ZERO : a.q);
      return a.b!.isNeg() ? numQ(ZERO) : a;
    case 'step':
    case 'stepStrict': {
      const strict = fn === 'stepStrict';
      if (a.q) return numQ(a.q.n === 0n ? (strict ? ZERO : ONE) : a.q.s < 0n ? ZERO : ONE);
      assertClear(a.b!, ZERO, 'step');
      return numQ(a.b!.isNeg() ? ZERO : ONE);
    }
    case 'hardSigmoid': {
      // Keras 2 / TensorFlow.js: clip(0.2·z + 0.5, 0, 1) — rational at rational z.
      if (a.q) {
        const y = a.q.mul(FIFTH).add(HALF);
        return numQ(y.compare(ZERO) < 0 ? ZERO : y.compare(ONE) > 0 ? ONE : y);
      }
      const x = a.b!;
      if (x.lt(-2.5)) return numQ(ZERO);
      if (x.gt(2.5)) return numQ(ONE);
      return { b: x.times(0.2).plus(0.5) };
    }
    case 'tanh':
      if (isZeroQ(a)) return numQ(ZERO);
      {
        // tanh x = (e^{2x} − 1)/(e^{2x} + 1)
        const e2 = expBig(bigOf(a).times(2));
        return { b: e2.minus(1).div(e2.plus(1)) };
      }
    case 'sigmoid':
      if (isZeroQ(a)) return numQ(HALF);
      return { b: new BigNum('1').div(expBig(bigOf(a).neg()).plus(1)) };
  }
}

/** The correctly rounded (half away from zero) decimal of a value, as an exact fraction. */
export function roundNum(a: Num, decimals: number): Fraction {
  if (a.q) return q(toBig(a.q).toFixed(decimals, 4 /* ROUND_HALF_UP: half away from zero */));
  // A non-rational value exactly on a rounding boundary (…5 in the next place) would make the key ambiguous.
  const scaled = a.b!.abs().times(new BigNum('10').pow(decimals));
  const frac = scaled.minus(scaled.floor());
  if (frac.minus(0.5).abs().lt(EDGE * 10 ** decimals)) throw new AmbiguousValueError('a value lies on a rounding boundary');
  return q(a.b!.toFixed(decimals, 4));
}

/** "0.7", "−3", "1/3": terminating decimals with ≤ 4 places as decimals, else a fraction; Unicode minus. */
export function fmtExact(x: Fraction): string {
  const neg = x.s < 0n && x.n !== 0n;
  let d = x.d;
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    twos++;
  }
  while (d % 5n === 0n) {
    d /= 5n;
    fives++;
  }
  const places = Math.max(twos, fives);
  let body: string;
  if (d === 1n && places <= 4) {
    const scaled = (x.n * 10n ** BigInt(places)) / x.d;
    const digits = scaled.toString().padStart(places + 1, '0');
    body = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  } else {
    body = `${x.n}/${x.d}`;
  }
  return `${neg ? '−' : ''}${body}`;
}

/** A value in a worked step: exact text, or "0.76159" (approximate, `places` decimals). */
export function fmtNum(a: Num, places = 5): string {
  if (a.q) return fmtExact(a.q);
  const s = a.b!.toFixed(places, 4);
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

/** Parenthesise negative numbers and fractions inside products: 2·(−1), (1/2)·3. */
export function par(s: string): string {
  return s.startsWith('−') || s.includes('/') ? `(${s})` : s;
}

export const fmtVec = (xs: readonly Num[], places = 5) => `(${xs.map((x) => fmtNum(x, places)).join(', ')})`;


/** x^e for a rational x > 0 and a rational exponent e: exact when e is an integer, else a 32-digit approximation. */
export function nPowQ(x: Fraction, e: Fraction): Num {
  if (x.compare(ZERO) <= 0) throw new Error('nPowQ: the base must be positive');
  if (e.d === 1n) {
    const k = Number(e.s * e.n);
    let r = ONE;
    for (let i = 0; i < Math.abs(k); i++) r = r.mul(x);
    return numQ(k < 0 ? ONE.div(r) : r);
  }
  const key = `${x.n}/${x.d}^${e.s * e.n}/${e.d}`;
  return { b: powMemo.get(key) ?? powMemo.set(key, powBig(toBig(x), e)) };
}

/**
 * x^e for x > 0 and a non-integer rational e, memoised: an instance is solved a dozen times
 * (generation's checks, the key, every mistake) with the same bases.
 */
const powMemo = new Memo<string, Big>(10000);

/**
 * x^e. An exponent p / 2^m (β = 1/2, 3/4, …) is m square roots and an integer power, each correctly
 * rounded to 32 digits — about 20× faster than decimal.js' general x^e = exp(e·ln x), and as good
 * for answers rounded to a few places; any other exponent goes through exp and ln.
 */
function powBig(x: Big, e: Fraction): Big {
  let d = e.d;
  let roots = 0;
  while (d % 2n === 0n && roots < 8) {
    d /= 2n;
    roots++;
  }
  if (d !== 1n) return x.pow(toBig(e));
  let r = x;
  for (let i = 0; i < roots; i++) r = r.sqrt();
  return r.pow(Number(e.s * e.n));
}
