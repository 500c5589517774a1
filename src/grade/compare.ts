/**
 * Judging one parsed answer against one expected answer: which numbers count as equal, and how much
 * credit a partly right vector, matrix, shape or set earns.
 *
 * Numbers (judgeNumber), in this order:
 *  1. Exactly equal (after evaluating "2√5/5", "0.25", "1/4", "2.5e-1") → right, on every part.
 *  2. The family declared a tolerance {abs, rel} → right when |x − v| ≤ abs or |x − v| ≤ rel·|v|.
 *  3. The part asks for `decimals` d (no tolerance) → right when |x − v| ≤ ½·10⁻ᵈ.
 *  4. An exact part (neither): a typed decimal counts only when the exact value needs more than P
 *     decimal places (1/3, 95/113, √2, 1/1024), the student wrote at least P places, and
 *     |x − v| ≤ ½·10⁻ᴾ, with P = max(3, exam decimals). So 1/3: "0.333" ✓, "0.3333" ✓, "0.33" ✗
 *     (too few places: the feedback says so), "0.334" ✗; 5/4: only "1.25" (it terminates).
 *     A value that had to be computed in floating point (ln, exp, unlike roots), or a decimal with
 *     12 or more places (a computer's printout such as 0.30000000000000004), counts when it agrees
 *     to 1e-9 relative.
 * Comparisons are exact when both sides are rational; floats get a 1e-12 relative slack.
 *
 * Credit per kind: scalar and choice 0/1; vector and matrix the fraction of right entries; shape the
 * fraction of right dimensions, batch (None) dimensions not counted; set and labels the Jaccard index
 * |S∩E| / |S∪E| (each extra and each missing element costs; both empty = 1).
 */
import type { Answer, Tolerance } from '../core/answer.js';
import { isRational, rationalPart, realEquals, realValue, type Fraction, type Real } from '../core/exact.js';
import { decimalLiteral, formatNum, type Num } from './expr.js';
import type { Parsed } from './parse.js';

export interface NumberPolicy {
  /** Family-declared tolerance. */
  tolerance?: Tolerance;
  /** The part asks for this many decimals. */
  decimals?: number;
  /** P: decimal places a decimal must carry to stand in for a non-terminating exact value. */
  minPlaces: number;
}

/** A decimal with at least this many places is read as a float printout (Python, a spreadsheet). */
const FLOAT_PRINTOUT_PLACES = 12;

export interface NumberVerdict {
  ok: boolean;
  /** Wrong, but near enough to suggest rounding too early (a typed decimal or float only). */
  close: boolean;
  /** A correctly rounded decimal with fewer than P places for an exact part. */
  tooFewPlaces: boolean;
  /** The half-width of the accepted interval (0 = exact only). */
  allowed: number;
}

/** Exact Fraction of a float tolerance such as 0.0005 (via its shortest decimal text). */
function fractionOf(t: number): Fraction {
  return decimalLiteral(String(t)).value;
}

/** Decimal places the exact value needs (Infinity for non-terminating or irrational values). */
export function placesNeeded(v: Real): number {
  if (!isRational(v)) return Infinity;
  let d = rationalPart(v).d;
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
  return d === 1n ? Math.max(twos, fives) : Infinity;
}

export function judgeNumber(x: Num, v: Real, pol: NumberPolicy): NumberVerdict {
  if (x.exact && realEquals(x.exact, v)) return { ok: true, close: false, tooFewPlaces: false, allowed: 0 };
  const vf = realValue(v);
  const diff = Math.abs(x.approx - vf);
  const exactDiff = x.exact && isRational(x.exact) && isRational(v) ? rationalPart(x.exact).sub(rationalPart(v)).abs() : undefined;
  const within = (t: number): boolean => (exactDiff ? exactDiff.compare(fractionOf(t)) <= 0 : diff <= t + 1e-12 * Math.max(1, Math.abs(vf)));
  let ok = false;
  let tooFewPlaces = false;
  let allowed = 0;
  if (pol.tolerance && (pol.tolerance.abs !== undefined || pol.tolerance.rel !== undefined)) {
    const abs = pol.tolerance.abs ?? 0;
    const rel = (pol.tolerance.rel ?? 0) * Math.abs(vf);
    allowed = Math.max(abs, rel);
    ok = within(abs) || (rel > 0 && within(rel));
  } else if (pol.decimals !== undefined) {
    allowed = 0.5 * 10 ** -pol.decimals;
    ok = within(allowed);
  } else if (!x.exact || (x.places !== null && x.places >= FLOAT_PRINTOUT_PLACES)) {
    // Computed in floating point (ln, exp, unlike roots), or a computer's printout of the value
    // ("-0.3999999999999999", "0.30000000000000004"): counts when it agrees to 1e-9.
    allowed = 1e-9 * Math.max(1, Math.abs(vf));
    ok = diff <= allowed;
  } else if (x.places !== null && placesNeeded(v) > pol.minPlaces) {
    allowed = 0.5 * 10 ** -pol.minPlaces;
    if (x.places >= pol.minPlaces) ok = within(allowed);
    else tooFewPlaces = within(0.5 * 10 ** -x.places);
  }
  // "Close" only means something for a typed decimal or float, and not for whole-number answers
  // (counts, sizes) that must be exact anyway.
  const typedApprox = x.places !== null || !x.exact;
  const wholeTarget = allowed === 0 && isRational(v) && rationalPart(v).d === 1n;
  const close = !ok && !tooFewPlaces && typedApprox && !wholeTarget && diff > 0 && diff <= Math.max(10 * allowed, 0.01 * Math.abs(vf));
  return { ok, close, tooFewPlaces, allowed };
}

export interface ComponentResult {
  /** "[2]" (vector entry), "[1,3]" (matrix row 1, column 3), "dim 2" (shape), or the student's set element. */
  at: string;
  correct: boolean;
}

export interface Comparison {
  /** 0…1 */
  credit: number;
  components?: ComponentResult[];
  /** Some wrong number was close (see NumberVerdict.close). */
  close: boolean;
  /** Some number was a correctly rounded decimal with too few places. */
  tooFewPlaces: boolean;
  /** Widest accepted interval used (for feedback). */
  allowed: number;
}

const none = (credit: number): Comparison => ({ credit, close: false, tooFewPlaces: false, allowed: 0 });

function numbers(xs: Num[], vs: Real[], pol: NumberPolicy, at: (i: number) => string): Comparison {
  if (xs.length !== vs.length || vs.length === 0) return none(xs.length === vs.length ? 1 : 0);
  const verdicts = xs.map((x, i) => judgeNumber(x, vs[i]!, pol));
  return {
    credit: verdicts.filter((v) => v.ok).length / verdicts.length,
    components: verdicts.map((v, i) => ({ at: at(i), correct: v.ok })),
    close: verdicts.some((v) => v.close),
    tooFewPlaces: verdicts.some((v) => v.tooFewPlaces),
    allowed: Math.max(...verdicts.map((v) => v.allowed)),
  };
}

/** Jaccard credit of an unordered answer; `same` decides element equality. */
function jaccard<S, E>(given: S[], expected: E[], same: (s: S, e: E) => boolean, show: (s: S) => string): { credit: number; components: ComponentResult[]; matched: boolean[] } {
  const used = new Array<boolean>(given.length).fill(false);
  let hits = 0;
  for (const e of expected) {
    const i = given.findIndex((s, k) => !used[k] && same(s, e));
    if (i >= 0) {
      used[i] = true;
      hits++;
    }
  }
  const union = given.length + expected.length - hits;
  return { credit: union === 0 ? 1 : hits / union, components: given.map((s, k) => ({ at: show(s), correct: used[k]! })), matched: used };
}

export function compareParsed(p: Parsed, a: Answer, pol: NumberPolicy): Comparison {
  switch (p.kind) {
    case 'scalar': {
      if (a.kind !== 'scalar') return none(0);
      const v = judgeNumber(p.value, a.value, pol);
      return { credit: v.ok ? 1 : 0, close: v.close, tooFewPlaces: v.tooFewPlaces, allowed: v.allowed };
    }
    case 'vector':
      if (a.kind !== 'vector') return none(0);
      return numbers(p.value, a.value, pol, (i) => `[${i + 1}]`);
    case 'matrix': {
      if (a.kind !== 'matrix') return none(0);
      const cols = a.value[0]?.length ?? 0;
      if (p.value.length !== a.value.length || p.value.some((r) => r.length !== cols)) return none(0);
      return numbers(p.value.flat(), a.value.flat(), pol, (i) => `[${Math.floor(i / cols) + 1},${(i % cols) + 1}]`);
    }
    case 'shape': {
      if (a.kind !== 'shape' || p.value.length !== a.value.length) return none(0);
      const comps: ComponentResult[] = [];
      a.value.forEach((d, i) => {
        if (d !== null) comps.push({ at: `dim ${i + 1}`, correct: p.value[i] === d });
      });
      return { ...none(comps.length === 0 ? 1 : comps.filter((c) => c.correct).length / comps.length), components: comps };
    }
    case 'set': {
      if (a.kind !== 'set') return none(0);
      const verdicts: NumberVerdict[] = [];
      const j = jaccard(
        p.value,
        a.value,
        (x, v) => {
          const r = judgeNumber(x, v, pol);
          verdicts.push(r);
          return r.ok;
        },
        formatNum,
      );
      return { credit: j.credit, components: j.components, close: false, tooFewPlaces: false, allowed: Math.max(0, ...verdicts.map((v) => v.allowed)) };
    }
    case 'choice':
      return none(a.kind === 'choice' && a.value === p.value ? 1 : 0);
    case 'labels': {
      if (a.kind !== 'labels') return none(0);
      const j = jaccard(p.value, a.value, (x, e) => x === e, (x) => x);
      return { credit: j.credit, components: j.components, close: false, tooFewPlaces: false, allowed: 0 };
    }
  }
}

/** Full match (used for "your answer equals the wrong answer of mistake X"). */
export function matches(p: Parsed, a: Answer, pol: NumberPolicy): boolean {
  return compareParsed(p, a, pol).credit === 1;
}

/** Text of a tolerance for feedback ("±0.0005"). */
export function toleranceText(pol: NumberPolicy, allowed: number): string {
  if (pol.tolerance?.rel !== undefined && pol.tolerance.abs === undefined) return `±${pol.tolerance.rel * 100}%`;
  return `±${Number(allowed.toPrecision(3))}`;
}
