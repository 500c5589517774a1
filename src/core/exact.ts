/**
 * Exact arithmetic: rationals (fraction.js Fraction, bigint-backed) and single surds q·√r.
 *
 * Every printed exact answer is one of these. Floats never flow into them: a float can only be
 * produced *from* an exact value (for display or tolerance checks), never the other way round.
 *
 * fraction.js is used directly (it is what mathjs' `fraction()` wraps): loading all of mathjs for its
 * Fraction cost ~100 MB and ~1 s per process and per worker thread. `q()` keeps what mathjs' typed
 * `fraction()` did with each argument type, and the prototype gets the same type tags and toJSON.
 */
import Fraction from 'fraction.js';

export type { Fraction };

// What mathjs' createFractionClass attaches (kept so that nothing that inspects a Fraction changes).
Object.defineProperty(Fraction, 'name', { value: 'Fraction' });
Object.assign(Fraction.prototype, {
  type: 'Fraction',
  isFraction: true,
  toJSON(this: Fraction) {
    return { mathjs: 'Fraction', n: String(this.s * this.n), d: String(this.d) };
  },
});

/** mathjs' implicit conversion of one argument of `fraction(a, b)` to a number (mixed argument types). */
function asNumber(x: number | bigint | string): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') {
    if (x > Number.MAX_SAFE_INTEGER) throw new TypeError(`Cannot implicitly convert bigint to number: value exceeds the max safe integer value (value: ${x})`);
    return Number(x);
  }
  const n = Number(x);
  if (isNaN(n)) throw new Error(`Cannot convert "${x}" to a number`);
  return n;
}

/** A rational from an integer, a pair, or a string such as "-7/4" or "0.25" (parsed exactly). */
export function q(n: number | bigint | string | Fraction, d?: number | bigint): Fraction {
  if (typeof n === 'number' && !Number.isInteger(n)) throw new Error(`q(): non-integer number ${n}; pass a string for exact decimals`);
  if (d === undefined) {
    if (typeof n === 'object') return n;
    return new Fraction(typeof n === 'bigint' ? n.toString() : n);
  }
  if (typeof n === 'bigint' && typeof d === 'bigint') return new Fraction(n, d);
  if (typeof n === 'object') throw new TypeError('q(): a Fraction with a denominator');
  return new Fraction(asNumber(n), asNumber(d));
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
 * A real number of the form rat + coef·√rad with rad a square-free integer ≥ 1 (rat defaults to 0).
 * rad = 1 means the value is rational. Standard deviations, z-scores, cut-offs μ ± tσ and SVM
 * margins all live here, so they stay exact until the moment they are rounded for printing.
 */
export interface Real {
  coef: Fraction;
  rad: bigint;
  /** Rational offset (μ in μ ± tσ); absent = 0. */
  rat?: Fraction;
}

export function real(x: Fraction | number | string): Real {
  return { coef: typeof x === 'object' ? x : q(x), rad: 1n };
}

/** Canonical form: rational part folded into `rat`, irrational part coef·√rad with rad > 1 (or coef 0). */
function norm(x: Real): { rat: Fraction; coef: Fraction; rad: bigint } {
  const rat = x.rat ?? ZERO;
  if (x.rad === 1n || x.coef.n === 0n) return { rat: rat.add(x.rad === 1n ? x.coef : ZERO), coef: ZERO, rad: 1n };
  return { rat, coef: x.coef, rad: x.rad };
}

export function isRational(x: Real): boolean {
  return x.rad === 1n || x.coef.n === 0n;
}

/** The rational value of a rational Real (throws on an irrational one). */
export function rationalPart(x: Real): Fraction {
  const n = norm(x);
  if (n.coef.n !== 0n) throw new Error(`expected a rational value, got ${fmtReal(x)}`);
  return n.rat;
}

function squareFreeSplit(n: bigint): { outside: bigint; inside: bigint } {
  // n = outside² · inside with inside square-free; trial division is fine for exam-sized numbers,
  // and plain doubles are much faster than bigints while n is a safe integer.
  if (n <= BigInt(Number.MAX_SAFE_INTEGER)) {
    let m = Number(n);
    let outside = 1;
    let inside = 1;
    for (let f = 2; f * f <= m; f++) {
      let count = 0;
      while (m % f === 0) {
        m /= f;
        count++;
      }
      for (let i = 0; i < count >> 1; i++) outside *= f;
      if (count & 1) inside *= f;
    }
    return { outside: BigInt(outside), inside: BigInt(inside) * BigInt(m) };
  }
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
  // n and d are coprime, so factor them separately (much faster than factoring n·d).
  const a = squareFreeSplit(x.n);
  const b = squareFreeSplit(x.d);
  return { coef: q(a.outside * b.outside, x.d), rad: a.inside * b.inside };
}

export function mulQ(a: Real, k: Fraction): Real {
  return { coef: a.coef.mul(k), rad: a.rad, ...(a.rat ? { rat: a.rat.mul(k) } : {}) };
}

/** a + k for a rational k. */
export function addQ(a: Real, k: Fraction): Real {
  return { coef: a.coef, rad: a.rad, rat: (a.rat ?? ZERO).add(k) };
}

/** a / b for single surds (no rational offset) whose quotient is a single surd; b ≠ 0. */
export function divReal(a: Real, b: Real): Real {
  if (b.coef.n === 0n) throw new Error('division by zero');
  if ((a.rat && a.rat.n !== 0n) || (b.rat && b.rat.n !== 0n)) throw new Error('divReal: only single surds (no rational offset)');
  // (p√r)/(s√t) = (p/s)·√(r/t) = (p/(s·t))·√(r·t)
  const inner = sqrtQ(q(a.rad * b.rad, 1n));
  return { coef: a.coef.div(b.coef).div(q(b.rad, 1n)).mul(inner.coef), rad: inner.rad };
}

export function realValue(x: Real): number {
  return (x.rat?.valueOf() ?? 0) + x.coef.valueOf() * Math.sqrt(Number(x.rad));
}

/** a = b for normalised fractions (fraction.js keeps n ≥ 0, d > 0 coprime and the sign in s), without allocating. */
function fractionEquals(a: Fraction, b: Fraction): boolean {
  return a.n === b.n && a.d === b.d && (a.s === b.s || a.n === 0n);
}

export function realEquals(a: Real, b: Real): boolean {
  // Rationals without an offset (almost every answer): compare the fractions directly.
  if (a.rad === 1n && b.rad === 1n && (a.rat === undefined || a.rat.n === 0n) && (b.rat === undefined || b.rat.n === 0n)) return fractionEquals(a.coef, b.coef);
  const x = norm(a);
  const y = norm(b);
  return fractionEquals(x.rat, y.rat) && fractionEquals(x.coef, y.coef) && (x.coef.n === 0n || x.rad === y.rad);
}

/** Sign of p + c·√r, exactly. */
function signOf(p: Fraction, c: Fraction, r: bigint): number {
  const sp = p.n === 0n ? 0 : Number(p.s);
  const sc = c.n === 0n || r === 1n ? 0 : Number(c.s);
  if (r === 1n) {
    const v = p.add(c);
    return v.n === 0n ? 0 : Number(v.s);
  }
  if (sc === 0) return sp;
  if (sp === 0 || sp === sc) return sc;
  // opposite signs: compare p² with c²·r
  const cmp = p.mul(p).compare(c.mul(c).mul(q(r, 1n)));
  return cmp === 0 ? 0 : cmp > 0 ? sp : sc;
}

/** Compare two reals exactly when they share a radicand (or are rational); else by float. */
export function compareReal(a: Real, b: Real): number {
  const x = norm(a);
  const y = norm(b);
  if (x.coef.n === 0n || y.coef.n === 0n || x.rad === y.rad) {
    const rad = x.coef.n !== 0n ? x.rad : y.rad;
    return signOf(x.rat.sub(y.rat), x.coef.sub(y.coef), rad);
  }
  if (x.rat.equals(y.rat)) {
    // c1√r1 vs c2√r2: signs, then squares
    const s1 = Number(x.coef.s);
    const s2 = Number(y.coef.s);
    if (s1 !== s2) return Math.sign(s1 - s2);
    return s1 * x.coef.mul(x.coef).mul(q(x.rad, 1n)).compare(y.coef.mul(y.coef).mul(q(y.rad, 1n)));
  }
  return Math.sign(realValue(a) - realValue(b));
}

/** "2√5/5", "-√3", "7/4", "3√2", "667/5 - 686√35/375". */
export function fmtReal(x: Real): string {
  const n = norm(x);
  if (n.coef.n === 0n) return fmtQ(n.rat);
  const abs = n.coef.abs();
  const surd = `${abs.n === 1n ? '' : abs.n}√${n.rad}${abs.d === 1n ? '' : `/${abs.d}`}`;
  if (n.rat.n === 0n) return `${n.coef.s < 0n ? '-' : ''}${surd}`;
  return `${fmtQ(n.rat)} ${n.coef.s < 0n ? '-' : '+'} ${surd}`;
}

/** Round half away from zero to `decimals` places, formatted with exactly that many decimals. */
export function fmtDecimal(value: number, decimals: number): string {
  const f = 10 ** decimals;
  const r = Math.sign(value) * Math.round(Math.abs(value) * f + 1e-9) / f;
  const s = (Object.is(r, -0) ? 0 : r).toFixed(decimals);
  return s;
}

/** Inverse of fmtReal: "7/4", "-3", "2√5/5", "√5/5", "-√3", "667/5 - 686√35/375" → Real (undefined if not of that form). */
export function parseRealExact(text: string): Real | undefined {
  const t = text.trim();
  const sum = /^(.+?) ([+-]) (.+)$/.exec(t);
  if (sum) {
    const rat = parseRealExact(sum[1]!);
    const surd = parseRealExact(sum[3]!);
    if (!rat || !surd || !isRational(rat) || isRational(surd) || surd.rat) return undefined;
    return { coef: sum[2] === '-' ? surd.coef.neg() : surd.coef, rad: surd.rad, rat: rationalPart(rat) };
  }
  const m = /^(-)?(\d+)?(?:√(\d+))?(?:\/(\d+))?$/.exec(t);
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
