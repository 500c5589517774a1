/**
 * Answers: what one blank of a question expects. Every value is exact (Real = q·√r) or discrete
 * (shape, choice, labels). Floats appear only in `toJson` (as a convenience value beside the exact
 * string) and in tolerance checks.
 */
import { fmtDecimal, fmtReal, isRational, parseRealExact, rationalPart, real, realEquals, realValue, type Fraction, type Real } from './exact.js';

export type Answer =
  | { kind: 'scalar'; value: Real }
  | { kind: 'vector'; value: Real[] }
  | { kind: 'matrix'; value: Real[][] }
  /** A tensor shape; `null` stands for the batch dimension ("None"). */
  | { kind: 'shape'; value: (number | null)[] }
  | { kind: 'choice'; value: string; options: string[] }
  /** An unordered set of numbers (e.g. the outliers of a data set). */
  | { kind: 'set'; value: Real[] }
  /** An unordered set of names (e.g. the support vectors "A", "D"). */
  | { kind: 'labels'; value: string[]; options: string[] };

export type AnswerKind = Answer['kind'];

/** How far a typed number may be from the exact value and still count. Absent = must be exact. */
export interface Tolerance {
  abs?: number;
  rel?: number;
}

export interface Part {
  /** Stable id used by keys, graders and mistakes ("shape", "dLdX", "params.total"). */
  id: string;
  /** What the blank asks for, as printed beside the answer box. */
  label: string;
  answer: Answer;
  tolerance?: Tolerance;
  /** Irrational answers are printed to this many decimals (and the paper says so). */
  decimals?: number;
  /**
   * Parts that belong in a table (a model summary: one row per layer, columns "Output shape" and
   * "Param #") carry their cell here; the renderer draws consecutive such parts as one table.
   */
  table?: { row: string; column: string };
  /**
   * The stored answer is the correctly rounded decimal (to `decimals` places) of an irrational value
   * that no exact type here holds (a logarithm, a tanh); `exactText` is its symbolic form for keys.
   */
  rounded?: { exactText?: string };
}

export interface Solution {
  parts: Part[];
  /** Worked steps a student could follow, one line each, with the exact numbers used. */
  steps: string[];
}

// ---------- constructors (keep family code short) ----------

export const scalar = (v: Real | Fraction | number): Answer => ({ kind: 'scalar', value: toReal(v) });
export const vector = (v: readonly (Real | Fraction | number)[]): Answer => ({ kind: 'vector', value: v.map(toReal) });
export const matrix = (v: readonly (readonly (Real | Fraction | number)[])[]): Answer => ({
  kind: 'matrix',
  value: v.map((row) => row.map(toReal)),
});
export const shape = (v: readonly (number | null)[]): Answer => ({ kind: 'shape', value: [...v] });
export const choice = (value: string, options: readonly string[]): Answer => ({ kind: 'choice', value, options: [...options] });
export const numberSet = (v: readonly (Real | Fraction | number)[]): Answer => ({ kind: 'set', value: v.map(toReal) });
export const labels = (value: readonly string[], options: readonly string[]): Answer => ({
  kind: 'labels',
  value: [...value].sort(),
  options: [...options],
});

function toReal(v: Real | Fraction | number): Real {
  if (typeof v === 'number') return real(v);
  return 'rad' in v ? v : real(v);
}

// ---------- formatting ----------

export function fmtShape(dims: readonly (number | null)[]): string {
  return `(${dims.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

/** Exact text of an answer: "7/4", "2√5/5", "(None, 32, 32, 8)", "[[1, -1/4], [0, 2]]". */
export function formatAnswer(a: Answer): string {
  switch (a.kind) {
    case 'scalar':
      return fmtReal(a.value);
    case 'vector':
      return `[${a.value.map(fmtReal).join(', ')}]`;
    case 'matrix':
      return `[${a.value.map((r) => `[${r.map(fmtReal).join(', ')}]`).join(', ')}]`;
    case 'shape':
      return fmtShape(a.value);
    case 'choice':
      return a.value;
    case 'set':
      return a.value.length === 0 ? '{} (none)' : `{${sortReals(a.value).map(fmtReal).join(', ')}}`;
    case 'labels':
      return a.value.length === 0 ? '{} (none)' : `{${a.value.join(', ')}}`;
  }
}

/** Exact text, plus "≈ 0.894" for irrational scalars printed to `decimals` places. */
export function formatPartAnswer(p: Part): string {
  const exact = formatAnswer(p.answer);
  if (p.decimals === undefined) return exact;
  if (p.rounded && p.answer.kind === 'matrix')
    return `${p.rounded.exactText ? `${p.rounded.exactText} ` : ''}≈ [${p.answer.value.map((r) => `[${r.map((v) => fmtDecimal(realValue(v), p.decimals!)).join(', ')}]`).join(', ')}]`;
  if (p.rounded && p.answer.kind === 'vector') return `${p.rounded.exactText ? `${p.rounded.exactText} ` : ''}≈ [${p.answer.value.map((v) => fmtDecimal(realValue(v), p.decimals!)).join(', ')}]`;
  if (p.rounded && p.answer.kind === 'scalar') return `${p.rounded.exactText ? `${p.rounded.exactText} ` : ''}≈ ${fmtDecimal(realValue(p.answer.value), p.decimals)}`;
  const approx = (r: Real) => fmtDecimal(realValue(r), p.decimals!);
  switch (p.answer.kind) {
    case 'scalar':
      return isRational(p.answer.value) && rationalPart(p.answer.value).d === 1n ? exact : `${exact} ≈ ${approx(p.answer.value)}`;
    case 'vector':
      return `${exact} ≈ [${p.answer.value.map(approx).join(', ')}]`;
    case 'set':
      return `${exact} ≈ {${sortReals(p.answer.value).map(approx).join(', ')}}`;
    case 'matrix':
      return p.answer.value.flat().every(isRational) ? exact : `${exact} ≈ [${p.answer.value.map((r) => `[${r.map(approx).join(', ')}]`).join(', ')}]`;
    default:
      return exact;
  }
}

function sortReals(xs: readonly Real[]): Real[] {
  return [...xs].sort((a, b) => realValue(a) - realValue(b));
}

// ---------- numeric views ----------

/** A float-or-discrete view of an answer, for tolerance checks against a tensor computation. */
export type Numeric = number | null | string | Numeric[];

export function toNumeric(a: Answer): Numeric {
  switch (a.kind) {
    case 'scalar':
      return realValue(a.value);
    case 'vector':
    case 'set':
      return a.value.map(realValue);
    case 'matrix':
      return a.value.map((r) => r.map(realValue));
    case 'shape':
      return [...a.value];
    case 'choice':
      return a.value;
    case 'labels':
      return [...a.value];
  }
}

/** Exact equality of two answers (sets compare unordered). */
export function answersEqual(a: Answer, b: Answer): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'scalar':
      return realEquals(a.value, (b as typeof a).value);
    case 'vector':
    case 'set': {
      const bv = (b as typeof a).value;
      if (a.value.length !== bv.length) return false;
      const av = a.kind === 'set' ? sortReals(a.value) : a.value;
      const bs = a.kind === 'set' ? sortReals(bv) : bv;
      return av.every((x, i) => realEquals(x, bs[i]!));
    }
    case 'matrix': {
      const bm = (b as typeof a).value;
      return a.value.length === bm.length && a.value.every((r, i) => r.length === bm[i]!.length && r.every((x, j) => realEquals(x, bm[i]![j]!)));
    }
    case 'shape': {
      const bs = (b as typeof a).value;
      return a.value.length === bs.length && a.value.every((x, i) => x === bs[i]);
    }
    case 'choice':
      return a.value === (b as typeof a).value;
    case 'labels': {
      const bl = (b as typeof a).value;
      return a.value.length === bl.length && [...a.value].sort().every((x, i) => x === [...bl].sort()[i]);
    }
  }
}

// ---------- JSON (exact values as strings such as "7/4" or "2√5/5", beside their float value) ----------

export type AnswerJson =
  | { kind: 'scalar'; exact: string; value: number }
  | { kind: 'vector' | 'set'; exact: string[]; value: number[] }
  | { kind: 'matrix'; exact: string[][]; value: number[][] }
  | { kind: 'shape'; value: (number | null)[] }
  | { kind: 'choice'; value: string; options: string[] }
  | { kind: 'labels'; value: string[]; options: string[] };

export function answerToJson(a: Answer): AnswerJson {
  switch (a.kind) {
    case 'scalar':
      return { kind: a.kind, exact: fmtReal(a.value), value: realValue(a.value) };
    case 'vector':
    case 'set':
      return { kind: a.kind, exact: a.value.map(fmtReal), value: a.value.map(realValue) };
    case 'matrix':
      return { kind: a.kind, exact: a.value.map((r) => r.map(fmtReal)), value: a.value.map((r) => r.map(realValue)) };
    case 'shape':
      return { kind: a.kind, value: [...a.value] };
    case 'choice':
      return { kind: a.kind, value: a.value, options: [...a.options] };
    case 'labels':
      return { kind: a.kind, value: [...a.value], options: [...a.options] };
  }
}

function parseExact(s: string): Real {
  const r = parseRealExact(s);
  if (!r) throw new Error(`not an exact value: "${s}"`);
  return r;
}

/** Inverse of answerToJson (the grader reads answers back from exam.json). */
export function answerFromJson(j: AnswerJson): Answer {
  switch (j.kind) {
    case 'scalar':
      return { kind: 'scalar', value: parseExact(j.exact) };
    case 'vector':
    case 'set':
      return { kind: j.kind, value: j.exact.map(parseExact) };
    case 'matrix':
      return { kind: 'matrix', value: j.exact.map((r) => r.map(parseExact)) };
    case 'shape':
      return { kind: 'shape', value: [...j.value] };
    case 'choice':
      return { kind: 'choice', value: j.value, options: [...j.options] };
    case 'labels':
      return { kind: 'labels', value: [...j.value], options: [...j.options] };
  }
}

export interface PartJson {
  id: string;
  label: string;
  answer: AnswerJson;
  /** The answer as printed in keys: exact, plus "≈ 0.894" where decimals apply. */
  text: string;
  tolerance?: Tolerance;
  decimals?: number;
  table?: { row: string; column: string };
  rounded?: { exactText?: string };
}

export function partToJson(p: Part): PartJson {
  return {
    id: p.id,
    label: p.label,
    answer: answerToJson(p.answer),
    text: formatPartAnswer(p),
    ...(p.tolerance ? { tolerance: p.tolerance } : {}),
    ...(p.decimals !== undefined ? { decimals: p.decimals } : {}),
    ...(p.table ? { table: p.table } : {}),
    ...(p.rounded ? { rounded: p.rounded } : {}),
  };
}
