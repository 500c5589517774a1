/**
 * Feedback for a wrong answer: the named misconception when the answer equals a known wrong answer
 * (the family's mistakes(), stored in exam.json), and generic hints otherwise — a sign error, a
 * reciprocal, a factor of ten, a transpose, dimensions in the wrong order, rounding too early.
 * Hints describe the student's answer; they never state the right one.
 */
import type { Answer } from '../core/answer.js';
import { answerFromJson } from '../core/answer.js';
import { isRational, rationalPart, type Real } from '../core/exact.js';
import type { MistakeJson } from '../exam/types.js';
import { div, neg, rational } from './arith.js';
import { compareParsed, judgeNumber, matches, toleranceText, type Comparison, type NumberPolicy } from './compare.js';
import { decimalLiteral, type Num } from './expr.js';
import type { Parsed } from './parse.js';

export interface MistakeMatch {
  id: string;
  label: string;
  feedback: string;
}

/** The mistakes whose wrong answer for this part equals the student's answer (same tolerance rules). */
export function matchMistakes(mistakes: readonly MistakeJson[], partId: string, parsed: Parsed, pol: NumberPolicy): MistakeMatch[] {
  return matchWrongAnswers(wrongAnswers(mistakes, partId), parsed, pol);
}

/** A mistake with its wrong answer for one part, read from exam.json once. */
export interface WrongAnswer {
  mistake: MistakeMatch;
  wrong: Answer;
}

/** The mistakes that give a wrong answer for this part, in exam.json order (unreadable ones left out). */
export function wrongAnswers(mistakes: readonly MistakeJson[], partId: string): WrongAnswer[] {
  const out: WrongAnswer[] = [];
  for (const m of mistakes) {
    if (!Object.hasOwn(m.answers, partId)) continue;
    let wrong: Answer;
    try {
      wrong = answerFromJson(m.answers[partId]!);
    } catch {
      continue;
    }
    out.push({ mistake: { id: m.id, label: m.label, feedback: m.feedback }, wrong });
  }
  return out;
}

/** matchMistakes on wrong answers already read (wrongAnswers). */
export function matchWrongAnswers(list: readonly WrongAnswer[], parsed: Parsed, pol: NumberPolicy): MistakeMatch[] {
  const out: MistakeMatch[] = [];
  for (const w of list) if (matches(parsed, w.wrong, pol)) out.push({ id: w.mistake.id, label: w.mistake.label, feedback: w.mistake.feedback });
  return out;
}

const negNum = (x: Num): Num => ({ ...(x.exact ? { exact: neg(x.exact) } : {}), approx: -x.approx, places: x.places });

const isZero = (v: Real) => isRational(v) && rationalPart(v).n === 0n;

function signFlipped(x: Num, v: Real, pol: NumberPolicy): boolean {
  return !isZero(v) && judgeNumber(negNum(x), v, pol).ok;
}

function reciprocal(x: Num, v: Real, pol: NumberPolicy): boolean {
  if (!x.exact || x.approx === 0 || Math.abs(Math.abs(x.approx) - 1) < 1e-12) return false;
  try {
    const r = div(rational(decimalLiteral('1').value), x.exact);
    if (!r) return false;
    return judgeNumber({ exact: r, approx: 1 / x.approx, places: x.places }, v, pol).ok;
  } catch {
    return false;
  }
}

/** k when x = v·10ᵏ exactly (1 ≤ |k| ≤ 6). */
function powerOfTen(x: Num, v: Real): number | undefined {
  if (!x.exact || !isRational(x.exact) || !isRational(v) || isZero(v)) return undefined;
  const ratio = rationalPart(x.exact).div(rationalPart(v));
  for (let k = 1; k <= 6; k++) {
    const p = decimalLiteral(`1e${k}`).value;
    if (ratio.equals(p)) return k;
    if (ratio.mul(p).equals(decimalLiteral('1').value)) return -k;
  }
  return undefined;
}

function roundingHints(cmp: Comparison, pol: NumberPolicy, several: boolean): string[] {
  const out: string[] = [];
  const subject = several ? 'Some entries are' : 'Your answer is';
  if (cmp.tooFewPlaces)
    out.push(`${several ? 'Some entries are decimals' : 'Your decimal is'} rounded to too few places: give the exact value (a fraction or a root such as 2√5/5) or at least ${pol.minPlaces} decimal places.`);
  if (cmp.close && cmp.allowed === 0)
    out.push(`${subject} close but not exact: this part needs the exact value (a fraction, or a decimal equal to it) — round only at the end, if at all.`);
  else if (cmp.close)
    out.push(
      `${subject} close but outside the accepted range (${toleranceText(pol, cmp.allowed)}): this usually comes from rounding too early — keep full precision until the last step${pol.decimals !== undefined ? `, then round to ${pol.decimals} decimal places` : ''}.`,
    );
  return out;
}

/** Hints about a wrong (or partly wrong) answer, compared with the right one. */
export function genericHints(p: Parsed, a: Answer, pol: NumberPolicy, cmp: Comparison): string[] {
  if (cmp.credit === 1) return [];
  const out: string[] = [];
  switch (p.kind) {
    case 'scalar': {
      if (a.kind !== 'scalar') break;
      if (signFlipped(p.value, a.value, pol)) return ['Sign error: the size is right but the sign is wrong.'];
      if (reciprocal(p.value, a.value, pol)) return ['This is the reciprocal (1/x) of the answer: check what is divided by what.'];
      const k = powerOfTen(p.value, a.value);
      if (k !== undefined) out.push(`Off by a factor of ${k > 0 ? '' : '1/'}${10 ** Math.abs(k)}: check the decimal point or the units${Math.abs(k) === 2 ? ' (a percentage?)' : ''}.`);
      out.push(...roundingHints(cmp, pol, false));
      break;
    }
    case 'vector':
    case 'matrix': {
      if (a.kind !== p.kind) break;
      const xs = p.kind === 'vector' ? p.value : p.value.flat();
      const vs = a.kind === 'vector' ? a.value : a.kind === 'matrix' ? a.value.flat() : [];
      if (xs.length !== vs.length) break;
      const at = (i: number) => cmp.components?.[i]?.at ?? `[${i + 1}]`;
      const flipped = xs.map((x, i) => !cmp.components?.[i]?.correct && signFlipped(x, vs[i]!, pol));
      const wrong = xs.filter((_, i) => !cmp.components?.[i]?.correct).length;
      if (wrong > 1 && flipped.filter(Boolean).length === wrong) out.push('Sign error: every wrong entry has the right size but the wrong sign.');
      else if (flipped.some(Boolean)) out.push(`Wrong sign in ${flipped.map((f, i) => (f ? at(i) : '')).filter(Boolean).join(', ')}.`);
      if (p.kind === 'matrix' && a.kind === 'matrix' && a.value.length > 1 && a.value.length === a.value[0]!.length) {
        const t: Parsed = { kind: 'matrix', value: p.value[0]!.map((_, j) => p.value.map((row) => row[j]!)) };
        if (compareParsed(t, a, pol).credit === 1) out.push('This is the transpose of the answer (rows and columns swapped).');
      }
      out.push(...roundingHints(cmp, pol, true));
      break;
    }
    case 'shape': {
      if (a.kind !== 'shape' || p.value.length !== a.value.length) break;
      const mine = p.value.filter((_, i) => a.value[i] !== null);
      const right = a.value.filter((d): d is number => d !== null);
      const sorted = (xs: (number | null)[]) => [...xs].map((d) => d ?? -1).sort((x, y) => x - y).join(',');
      if (sorted(mine) === sorted(right)) out.push('The dimensions are right but in the wrong order (channels-first vs channels-last?).');
      else {
        const offByOne = a.value.map((d, i) => (d !== null && p.value[i] !== null && Math.abs(p.value[i]! - d) === 1 ? `dim ${i + 1}` : '')).filter(Boolean);
        if (offByOne.length > 0) out.push(`Off by one in ${offByOne.join(', ')}: check the “+ 1” and the padding in the output-size formula.`);
      }
      break;
    }
    case 'set':
    case 'labels': {
      const extra = cmp.components?.filter((c) => !c.correct).length ?? 0;
      const right = cmp.components?.filter((c) => c.correct).length ?? 0;
      const expected = a.kind === 'set' || a.kind === 'labels' ? a.value.length : 0;
      const what = p.kind === 'set' ? 'value' : 'label';
      if (extra > 0) out.push(`${extra} ${what}${extra === 1 ? '' : 's'} in your answer ${extra === 1 ? 'does' : 'do'} not belong.`);
      if (expected > right) out.push(`${expected - right} ${what}${expected - right === 1 ? ' is' : 's are'} missing.`);
      break;
    }
    default:
      break;
  }
  return out;
}

/** Notes that are not errors (nothing deducted): the batch dimension given as a number. */
export function shapeNotes(p: Parsed, a: Answer): string[] {
  if (p.kind !== 'shape' || a.kind !== 'shape' || p.value.length !== a.value.length) return [];
  return a.value.some((d, i) => d === null && p.value[i] !== null)
    ? ['The batch dimension is unknown when the model is built: model.summary() prints it as None (not graded).']
    : [];
}
