/**
 * Grading: a question's answers (part id → what the student typed) → points, per-part credit,
 * components, feedback; and a whole submission (variant code + "<question>.<part>" answers).
 *
 * Reads only exam.json (ExamDoc/QuestionDoc); never recomputes an answer, except the model-summary
 * recurrence used for error carried forward (ecf-model-summary.ts).
 */
import { answerFromJson, type Answer, type PartJson } from '../core/answer.js';
import { isRational, rationalPart } from '../core/exact.js';
import { normaliseCode } from '../exam/codes.js';
import type { ExamDoc, QuestionDoc } from '../exam/types.js';
import { modelSummary } from '../families/model-summary.js';
import { compareParsed, type ComponentResult, type NumberPolicy } from './compare.js';
import { ecfExpectations, type EcfExpectation, type StudentSummary } from './ecf-model-summary.js';
import { genericHints, matchMistakes, shapeNotes, type MistakeMatch } from './feedback.js';
import { contextForPart, formatParsed, parseAnswer, type ParseContext, type ParseResult, type Parsed } from './parse.js';

export interface GradeOptions {
  /** The exam's decimals (exam.exam.decimals): P = max(3, decimals) for decimals typed on exact parts. */
  decimals?: number;
  /** Whether "25%" is read as 1/4 on a scalar part. Default: classification-metrics parts only. */
  percent?: (q: QuestionDoc, part: PartJson) => boolean;
  /** Error carried forward on model-summary tables (default true). */
  ecf?: boolean;
}

export interface PartGrade {
  id: string;
  label: string;
  points: number;
  max: number;
  /** 0…1 */
  credit: number;
  /** true = full credit (ECF credit included, see `ecf`), 'partial' = some components right. */
  correct: boolean | 'partial';
  blank: boolean;
  /** What the grader read, canonical ("(None, 50, 50, 8)", "7/4", "0.25"). */
  parsed?: string;
  /** Why the answer could not be read (no credit). */
  error?: string;
  /** Named mistakes (from the family's mistakes()) and generic hints. */
  feedback: string[];
  /** Mistakes whose wrong answer this answer equals. */
  mistakes: MistakeMatch[];
  /** How ambiguous input was read, and ungraded remarks (a batch size instead of None). */
  notes: string[];
  /** Per entry / dimension / element: which are right. */
  components?: ComponentResult[];
  /** Credit earned by being consistent with the student's own earlier answers (these part ids). */
  ecf?: { from: string[] };
}

export interface QuestionGrade {
  number: number;
  key: string;
  points: number;
  max: number;
  parts: PartGrade[];
  /** Mistakes matched anywhere in the question, each once, with the parts it explains. */
  mistakes: (MistakeMatch & { parts: string[] })[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export const defaultPercent = (q: QuestionDoc, part: PartJson): boolean => q.source.kind === 'family' && q.source.family === 'classification-metrics' && part.answer.kind === 'scalar';

function policyFor(part: PartJson, decimals: number | undefined): NumberPolicy {
  return {
    ...(part.tolerance ? { tolerance: part.tolerance } : {}),
    ...(part.decimals !== undefined && !part.tolerance ? { decimals: part.decimals } : {}),
    minPlaces: Math.max(3, decimals ?? 0),
  };
}

function expectedOf(q: QuestionDoc, part: PartJson): Answer {
  try {
    return answerFromJson(part.answer);
  } catch (e) {
    throw new Error(`exam.json: question ${q.number}, part ${part.id}: ${(e as Error).message}`);
  }
}

/** The typed text for a part: own properties only ("__proto__" and friends are just unknown keys). */
function typed(answers: Readonly<Record<string, unknown>>, id: string): unknown {
  return Object.hasOwn(answers, id) ? answers[id] : undefined;
}

interface Read {
  result: ParseResult;
  /** The text and context it was read with (for a second, size-free reading). */
  text?: string;
  ctx?: ParseContext;
}

function readPart(q: QuestionDoc, part: PartJson, raw: unknown, opts: GradeOptions): Read {
  if (raw === undefined || raw === null) return { result: { ok: true, blank: true } };
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof text !== 'string') return { result: { ok: false, error: 'the answer must be text' } };
  const ctx = contextForPart(part, {
    ...(q.format === 'choice' && q.options ? { optionTexts: q.options } : {}),
    percent: (opts.percent ?? defaultPercent)(q, part),
  });
  return { result: parseAnswer(text, part.answer.kind, ctx), text, ctx };
}

/**
 * An answer of the wrong size is a reading error ("expected a 3×2 matrix; got 3×4"), unless it is
 * the wrong answer of a known mistake (a mistake may well produce another size): then it is graded
 * as that wrong answer, so the feedback can name the mistake.
 */
function sizeFreeMistake(q: QuestionDoc, part: PartJson, read: Read, pol: NumberPolicy): { parsed: Parsed; mistakes: MistakeMatch[] } | undefined {
  if (read.result.ok || read.text === undefined || !read.ctx) return undefined;
  const { rank: _rank, batch: _batch, length: _length, rows: _rows, cols: _cols, ...rest } = read.ctx;
  const again = parseAnswer(read.text, part.answer.kind, rest);
  if (!again.ok || again.blank) return undefined;
  const mistakes = matchMistakes(q.mistakes, part.id, again.value, pol);
  return mistakes.length > 0 ? { parsed: again.value, mistakes } : undefined;
}

// ---------- error carried forward ----------

const ROW = /^L(\d+)\.(shape|params)$/;

function integerOf(p: Parsed): number | undefined {
  if (p.kind !== 'scalar' || !p.value.exact || !isRational(p.value.exact)) return undefined;
  const r = rationalPart(p.value.exact);
  return r.d === 1n && r.n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r.s * r.n) : undefined;
}

function modelSummaryEcf(q: QuestionDoc, reads: Map<string, Read>): Map<string, EcfExpectation> {
  if (q.source.kind !== 'family' || q.source.family !== 'model-summary') return new Map();
  const params = modelSummary.params.safeParse(q.source.params);
  if (!params.success) return new Map();
  const shapes = new Map<number, number[]>();
  const counts = new Map<number, number>();
  const student: StudentSummary & { total?: number; nonTrainable?: number } = { shapes, params: counts };
  for (const part of q.parts) {
    const r = reads.get(part.id)?.result;
    if (!r?.ok || r.blank) continue;
    const m = ROW.exec(part.id);
    if (m && m[2] === 'shape' && r.value.kind === 'shape' && part.answer.kind === 'shape') {
      const template = part.answer.value;
      const dims = r.value.value.filter((_, i) => template[i] !== null);
      // A None where a size belongs cannot feed the next layer: no ECF from it.
      if (r.value.value.length === template.length && dims.every((d): d is number => d !== null)) shapes.set(Number(m[1]), dims);
    } else if (m && m[2] === 'params') {
      const n = integerOf(r.value);
      if (n !== undefined) counts.set(Number(m[1]), n);
    } else if (part.id === 'total' || part.id === 'nonTrainable') {
      const n = integerOf(r.value);
      if (n !== undefined) student[part.id] = n;
    }
  }
  return ecfExpectations(params.data, student);
}

// ---------- grading ----------

function gradePart(q: QuestionDoc, part: PartJson & { points: number }, r: Read, ecf: EcfExpectation | undefined, opts: GradeOptions): PartGrade {
  const base = { id: part.id, label: part.label, max: part.points, feedback: [] as string[], mistakes: [] as MistakeMatch[], notes: [] as string[] };
  const read = r.result;
  const pol = policyFor(part, opts.decimals);
  if (read.ok && read.blank) return { ...base, points: 0, credit: 0, correct: false, blank: true };
  if (!read.ok) {
    const known = sizeFreeMistake(q, part, r, pol);
    if (!known) return { ...base, points: 0, credit: 0, correct: false, blank: false, error: read.error };
    return {
      ...base,
      points: 0,
      credit: 0,
      correct: false,
      blank: false,
      parsed: formatParsed(known.parsed),
      mistakes: known.mistakes,
      feedback: [...known.mistakes.map((m) => `Looks like: ${m.label}. ${m.feedback}`), `(${read.error})`],
    };
  }
  const expected = expectedOf(q, part);
  const parsed = read.value;
  let cmp = compareParsed(parsed, expected, pol);
  let carried: { from: string[] } | undefined;
  if (cmp.credit < 1 && ecf) {
    const alt = compareParsed(parsed, ecf.answer, pol);
    if (alt.credit > cmp.credit) {
      cmp = alt;
      carried = { from: ecf.from };
    }
  }
  const credit = cmp.credit;
  const grade: PartGrade = {
    ...base,
    points: credit === 1 ? part.points : round6(part.points * credit),
    credit,
    correct: credit === 1 ? true : credit > 0 ? 'partial' : false,
    blank: false,
    parsed: formatParsed(parsed),
    notes: [...read.notes, ...shapeNotes(parsed, expected)],
    ...(cmp.components ? { components: cmp.components } : {}),
    ...(carried ? { ecf: carried } : {}),
  };
  if (carried) grade.feedback.push(`Judged against your own answer${carried.from.length > 1 ? 's' : ''} to ${carried.from.join(', ')} (error carried forward).`);
  if (credit < 1) {
    grade.mistakes = matchMistakes(q.mistakes, part.id, parsed, pol);
    grade.feedback.push(...grade.mistakes.map((m) => `Looks like: ${m.label}. ${m.feedback}`));
    if (grade.mistakes.length === 0) grade.feedback.push(...genericHints(parsed, expected, pol, compareParsed(parsed, expected, pol)));
  }
  return grade;
}

/** Grades one question. `answers` maps part id → typed text (missing = blank). */
export function gradeQuestion(q: QuestionDoc, answers: Readonly<Record<string, unknown>>, opts: GradeOptions = {}): QuestionGrade {
  const reads = new Map<string, Read>();
  for (const part of q.parts) reads.set(part.id, readPart(q, part, typed(answers, part.id), opts));
  const ecf = opts.ecf === false ? new Map<string, EcfExpectation>() : modelSummaryEcf(q, reads);
  const parts = q.parts.map((part) => gradePart(q, part, reads.get(part.id)!, ecf.get(part.id), opts));
  const mistakes = new Map<string, MistakeMatch & { parts: string[] }>();
  for (const p of parts)
    for (const m of p.mistakes) {
      const seen = mistakes.get(m.id);
      if (seen) seen.parts.push(p.id);
      else mistakes.set(m.id, { ...m, parts: [p.id] });
    }
  return {
    number: q.number,
    key: q.key,
    points: round6(parts.reduce((a, p) => a + p.points, 0)),
    max: round6(parts.reduce((a, p) => a + p.max, 0)),
    parts,
    mistakes: [...mistakes.values()],
  };
}

// ---------- submissions ----------

export interface SubmissionError {
  kind: 'unknown-variant' | 'unknown-question' | 'unknown-part' | 'bad-key' | 'bad-value' | 'duplicate' | 'bad-answers';
  key?: string;
  message: string;
}

export interface SubmissionGrade {
  /** The normalised code. */
  code: string;
  /** Variant number (absent when the code is unknown). */
  variant?: number;
  total: number;
  max: number;
  questions: QuestionGrade[];
  errors: SubmissionError[];
}

/** Errors listed per submission at most; the rest are summarised. */
const MAX_ERRORS = 50;
const MAX_KEY_LENGTH = 200;

const KEY = /^\s*(?:q(?:uestion)?\s*)?(\d{1,4})\s*[.:/]\s*(\S(?:.*\S)?)\s*$/i;

/** Grades one paper: the variant's code and answers keyed "<question number>.<part id>" ("3.L2.shape"). */
export function gradeSubmission(exam: ExamDoc, variantCode: string, answers: Readonly<Record<string, unknown>>, opts: GradeOptions = {}): SubmissionGrade {
  const code = typeof variantCode === 'string' ? normaliseCode(variantCode.slice(0, 64)) : '';
  const errors: SubmissionError[] = [];
  let dropped = 0;
  const fail = (e: SubmissionError) => {
    if (errors.length < MAX_ERRORS) errors.push(e);
    else dropped++;
  };
  const variant = exam.variants.find((v) => normaliseCode(v.code) === code);
  if (!variant) {
    return { code, total: 0, max: round6(exam.totalPoints), questions: [], errors: [{ kind: 'unknown-variant', message: `unknown variant code "${String(variantCode).trim().slice(0, 20)}": check the code printed on the paper` }] };
  }
  const byQuestion = new Map<number, Record<string, unknown>>();
  if (answers === null || typeof answers !== 'object' || Array.isArray(answers)) {
    fail({ kind: 'bad-answers', message: 'answers must be an object mapping "<question>.<part>" to text' });
  } else {
    for (const [rawKey, value] of Object.entries(answers)) {
      const key = rawKey.length > MAX_KEY_LENGTH ? `${rawKey.slice(0, MAX_KEY_LENGTH)}…` : rawKey;
      const m = rawKey.length > MAX_KEY_LENGTH ? null : KEY.exec(rawKey);
      if (!m) {
        fail({ kind: 'bad-key', key, message: `"${key}" is not an answer key like "3.L2.shape" (question number, a dot, the part id)` });
        continue;
      }
      const number = Number(m[1]);
      const q = variant.questions.find((x) => x.number === number);
      if (!q) {
        fail({ kind: 'unknown-question', key, message: `there is no question ${number} (questions 1–${variant.questions.length})` });
        continue;
      }
      const part = q.parts.find((p) => p.id === m[2]) ?? q.parts.find((p) => p.id.toLowerCase() === m[2]!.toLowerCase());
      if (!part) {
        fail({ kind: 'unknown-part', key, message: `question ${number} has no part "${m[2]!.slice(0, 40)}" (its parts: ${q.parts.map((p) => p.id).join(', ')})` });
        continue;
      }
      if (value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
        fail({ kind: 'bad-value', key, message: `the answer to ${number}.${part.id} must be text` });
        continue;
      }
      let mine = byQuestion.get(number);
      if (!mine) byQuestion.set(number, (mine = Object.create(null) as Record<string, unknown>));
      if (Object.hasOwn(mine, part.id)) {
        fail({ kind: 'duplicate', key, message: `${number}.${part.id} is answered twice; the first answer is graded` });
        continue;
      }
      mine[part.id] = value;
    }
  }
  if (dropped > 0) errors.push({ kind: 'bad-key', message: `… and ${dropped} more problems with the answer keys` });
  const questions = variant.questions.map((q) => gradeQuestion(q, byQuestion.get(q.number) ?? {}, { decimals: exam.exam.decimals, ...opts }));
  return {
    code,
    variant: variant.number,
    total: round6(questions.reduce((a, q) => a + q.points, 0)),
    max: round6(questions.reduce((a, q) => a + q.max, 0)),
    questions,
    errors,
  };
}
