/**
 * Grading: a question's answers (part id → what the student typed) → points, per-part credit,
 * components, feedback; and a whole submission (variant code + "<question>.<part>" answers).
 *
 * Reads only exam.json (ExamDoc/QuestionDoc); never recomputes an answer, except the model-summary
 * recurrence used for error carried forward (ecf-model-summary.ts).
 */
import { answerFromJson, formatAnswer, type Answer, type PartJson } from '../core/answer.js';
import { isRational, rationalPart } from '../core/exact.js';
import { normaliseCode } from '../exam/codes.js';
import type { ExamDoc, QuestionDoc, VariantDoc } from '../exam/types.js';
import { modelSummary, type ModelSummaryParams } from '../families/model-summary.js';
import { compareParsed, type ComponentResult, type NumberPolicy } from './compare.js';
import { ecfExpectations, summaryChain, type EcfExpectation, type StudentSummary, type SummaryRow } from './ecf-model-summary.js';
import { genericHints, matchWrongAnswers, shapeNotes, wrongAnswers, type MistakeMatch, type WrongAnswer } from './feedback.js';
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

/** f(), computed on first use; a throw is not remembered (the next call throws again). */
function lazy<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

// ---------- plans: everything about a question that does not depend on the answers ----------

interface Read {
  result: ParseResult;
  /** The text and context it was read with (for a second, size-free reading). */
  text?: string;
  ctx?: ParseContext;
}

/** A typed text read and graded ahead of time (without error carried forward). Frozen. */
interface Seeded {
  read: Read;
  grade: PartGrade;
  /** The reading is a value (not blank, not an error) and the grade is not full credit: ECF could change it. */
  ecfRelevant: boolean;
}

function seeded(read: Read, grade: PartGrade): Seeded {
  const r = read.result;
  // Always the same three properties in the same order: one object shape for every entry.
  return { read: deepFreeze(read), grade: deepFreeze(grade), ecfRelevant: r.ok && !r.blank && grade.credit !== 1 };
}

interface PartPlan {
  part: PartJson & { points: number };
  pol: NumberPolicy;
  ctx: ParseContext;
  /** The key's answer, read from exam.json on first use (a malformed one throws then, as always). */
  expected: () => Answer;
  /** The mistakes' wrong answers for this part, read on first use. */
  wrongs: () => WrongAnswer[];
  /** Seeded texts (the key's own forms, the mistakes' answers): text → reading and grade. */
  seeded?: Map<string, Seeded>;
  /** The seeded blank. */
  blank?: Seeded;
}

interface QuestionPlan {
  /** Unique per plan: the prefix of its memo keys. */
  id: number;
  q: QuestionDoc;
  opts: GradeOptions;
  parts: PartPlan[];
  /** For part i, the index of the reading it is graded on: the last part with the same id. */
  readIndex: number[];
  /** No two parts share an id (readIndex[i] = i). */
  uniqueIds: boolean;
  /** model-summary questions: the stack and its right table, for error carried forward. */
  summary: () => { params: ModelSummaryParams; truth: SummaryRow[] } | undefined;
}

let planIds = 0;

function planQuestion(q: QuestionDoc, opts: GradeOptions): QuestionPlan {
  const percent = opts.percent ?? defaultPercent;
  return {
    id: ++planIds,
    q,
    opts,
    parts: q.parts.map((part) => ({
      part,
      pol: policyFor(part, opts.decimals),
      ctx: contextForPart(part, {
        ...(q.format === 'choice' && q.options ? { optionTexts: q.options } : {}),
        percent: percent(q, part),
      }),
      expected: lazy(() => expectedOf(q, part)),
      wrongs: lazy(() => wrongAnswers(q.mistakes, part.id)),
    })),
    readIndex: q.parts.map((p) => q.parts.map((x) => x.id).lastIndexOf(p.id)),
    uniqueIds: new Set(q.parts.map((p) => p.id)).size === q.parts.length,
    summary: lazy(() => {
      if (q.source.kind !== 'family' || q.source.family !== 'model-summary') return undefined;
      const params = modelSummary.params.safeParse(q.source.params);
      return params.success ? { params: params.data, truth: summaryChain(params.data) } : undefined;
    }),
  };
}

/** Freezes plain objects and arrays (not class instances such as Fractions), all the way down. */
function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return v;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
  return v;
}

/** At most this many seeded texts per part. */
const MAX_SEEDS = 16;

/**
 * Reads and grades, once, the texts students are most likely to type for a part: the key's own
 * text and both sides of its "exact ≈ decimal", and every mistake's wrong answer as the key prints
 * it. Grading one of those later is a lookup — the very same result, computed by the same code.
 */
function seedPart(pp: PartPlan): void {
  const texts = new Set<string>();
  const add = (t: string) => {
    if (texts.size < MAX_SEEDS && t.trim() !== '') texts.add(t);
  };
  add(pp.part.text);
  const i = pp.part.text.indexOf(' ≈ ');
  if (i >= 0) {
    add(pp.part.text.slice(0, i).trim());
    add(pp.part.text.slice(i + 3).trim());
  }
  try {
    add(formatAnswer(pp.expected()));
    for (const w of pp.wrongs()) add(formatAnswer(w.wrong));
  } catch {
    return; // a malformed key: graded (and failing) as it always was
  }
  if (pp.part.answer.kind === 'choice') for (const o of pp.part.answer.options) add(o);
  const table = new Map<string, Seeded>();
  for (const text of texts) {
    try {
      const read = readPart(pp, text);
      table.set(text, Object.freeze(seeded(read, gradePart(pp, read, undefined))));
    } catch {
      /* not seeded: graded on demand */
    }
  }
  pp.seeded = table;
  pp.blank = Object.freeze(seeded(BLANK, gradePart(pp, BLANK, undefined)));
}

const BLANK: Read = deepFreeze({ result: { ok: true, blank: true } });

function readPart(pp: PartPlan, raw: unknown): Read {
  if (raw === undefined || raw === null) return { result: { ok: true, blank: true } };
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof text !== 'string') return { result: { ok: false, error: 'the answer must be text' } };
  return { result: parseAnswer(text, pp.part.answer.kind, pp.ctx), text, ctx: pp.ctx };
}

/**
 * An answer of the wrong size is a reading error ("expected a 3×2 matrix; got 3×4"), unless it is
 * the wrong answer of a known mistake (a mistake may well produce another size): then it is graded
 * as that wrong answer, so the feedback can name the mistake.
 */
function sizeFreeMistake(pp: PartPlan, read: Read): { parsed: Parsed; mistakes: MistakeMatch[] } | undefined {
  if (read.result.ok || read.text === undefined || !read.ctx) return undefined;
  const { rank: _rank, batch: _batch, length: _length, rows: _rows, cols: _cols, ...rest } = read.ctx;
  const again = parseAnswer(read.text, pp.part.answer.kind, rest);
  if (!again.ok || again.blank) return undefined;
  const mistakes = matchWrongAnswers(pp.wrongs(), again.value, pp.pol);
  return mistakes.length > 0 ? { parsed: again.value, mistakes } : undefined;
}

// ---------- error carried forward ----------

const ROW = /^L(\d+)\.(shape|params)$/;

function integerOf(p: Parsed): number | undefined {
  if (p.kind !== 'scalar' || !p.value.exact || !isRational(p.value.exact)) return undefined;
  const r = rationalPart(p.value.exact);
  return r.d === 1n && r.n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r.s * r.n) : undefined;
}

const NO_ECF: ReadonlyMap<string, EcfExpectation> = new Map();

/** reads[i] belongs to plan.parts[i]. */
function modelSummaryEcf(plan: QuestionPlan, reads: readonly Read[]): ReadonlyMap<string, EcfExpectation> {
  const summary = plan.summary();
  if (!summary) return NO_ECF;
  const shapes = new Map<number, number[]>();
  const counts = new Map<number, number>();
  const student: StudentSummary & { total?: number; nonTrainable?: number } = { shapes, params: counts };
  for (let i = 0; i < plan.q.parts.length; i++) {
    const part = plan.q.parts[i]!;
    const r = reads[plan.readIndex[i]!]?.result;
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
  return ecfExpectations(summary.params, student, summary.truth);
}

// ---------- grading ----------

function gradePart(pp: PartPlan, r: Read, ecf: EcfExpectation | undefined): PartGrade {
  const part = pp.part;
  const base = { id: part.id, label: part.label, max: part.points, feedback: [] as string[], mistakes: [] as MistakeMatch[], notes: [] as string[] };
  const read = r.result;
  const pol = pp.pol;
  if (read.ok && read.blank) return { ...base, points: 0, credit: 0, correct: false, blank: true };
  if (!read.ok) {
    const known = sizeFreeMistake(pp, r);
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
  const expected = pp.expected();
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
    grade.mistakes = matchWrongAnswers(pp.wrongs(), parsed, pol);
    grade.feedback.push(...grade.mistakes.map((m) => `Looks like: ${m.label}. ${m.feedback}`));
    if (grade.mistakes.length === 0) grade.feedback.push(...genericHints(parsed, expected, pol, compareParsed(parsed, expected, pol)));
  }
  return grade;
}

function gradePlanned(plan: QuestionPlan, answers: Readonly<Record<string, unknown>>): QuestionGrade {
  const n = plan.parts.length;
  const reads: Read[] = new Array<Read>(n);
  const hits: (Seeded | undefined)[] = new Array<Seeded | undefined>(n);
  // Error carried forward only ever changes a part that was read and is not fully right.
  let needEcf = false;
  for (let i = 0; i < n; i++) {
    const pp = plan.parts[i]!;
    const raw = typed(answers, pp.part.id);
    const hit = raw === undefined || raw === null ? pp.blank : typeof raw === 'string' ? pp.seeded?.get(raw) : undefined;
    hits[i] = hit;
    if (hit) {
      reads[i] = hit.read;
      if (hit.ecfRelevant) needEcf = true;
    } else {
      const read = readPart(pp, raw);
      reads[i] = read;
      if (read.result.ok && !read.result.blank) needEcf = true;
    }
  }
  const ecf = needEcf && plan.opts.ecf !== false ? modelSummaryEcf(plan, reads) : NO_ECF;
  const parts = new Array<PartGrade>(n);
  for (let i = 0; i < n; i++) {
    const pp = plan.parts[i]!;
    // Parts sharing an id (never in generated exams) all see the last one's reading, as always.
    const read = plan.uniqueIds ? reads[i]! : reads[plan.readIndex[i]!]!;
    const carried = ecf === NO_ECF ? undefined : ecf.get(pp.part.id);
    const hit = hits[i];
    // A seeded grade is what gradePart gives without ECF — and ECF never changes a full-credit part.
    parts[i] = hit && hit.read === read && (!carried || !hit.ecfRelevant) ? hit.grade : gradePart(pp, read, carried);
  }
  const mistakes = new Map<string, MistakeMatch & { parts: string[] }>();
  let points = 0;
  let max = 0;
  for (const p of parts) {
    points += p.points;
    max += p.max;
    for (const m of p.mistakes) {
      const seen = mistakes.get(m.id);
      if (seen) seen.parts.push(p.id);
      else mistakes.set(m.id, { ...m, parts: [p.id] });
    }
  }
  const q = plan.q;
  return {
    number: q.number,
    key: q.key,
    points: round6(points),
    max: round6(max),
    parts,
    mistakes: [...mistakes.values()],
  };
}

/** Grades one question. `answers` maps part id → typed text (missing = blank). */
export function gradeQuestion(q: QuestionDoc, answers: Readonly<Record<string, unknown>>, opts: GradeOptions = {}): QuestionGrade {
  return gradePlanned(planQuestion(q, opts), answers);
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

/** Lists e, or counts it as dropped past MAX_ERRORS (returns 1 then). */
function noteError(errors: SubmissionError[], e: SubmissionError): number {
  if (errors.length < MAX_ERRORS) {
    errors.push(e);
    return 0;
  }
  return 1;
}
const MAX_KEY_LENGTH = 200;

const KEY = /^\s*(?:q(?:uestion)?\s*)?(\d{1,4})\s*[.:/]\s*(\S(?:.*\S)?)\s*$/i;

type Resolved = { number: number; q: QuestionDoc; part: PartJson & { points: number } } | { error: SubmissionError };
/** A resolved canonical key, with the positions of its question in the variant and of its part in the question. */
type Located = Exclude<Resolved, { error: SubmissionError }> & { qi: number; pi: number };

/** Which part an answer key names ("3.L2.shape", "Q3.L2.shape", "3:l2.SHAPE"), or why none. */
function resolveKey(variant: VariantDoc, rawKey: string): Resolved {
  const key = rawKey.length > MAX_KEY_LENGTH ? `${rawKey.slice(0, MAX_KEY_LENGTH)}…` : rawKey;
  const m = rawKey.length > MAX_KEY_LENGTH ? null : KEY.exec(rawKey);
  if (!m) return { error: { kind: 'bad-key', key, message: `"${key}" is not an answer key like "3.L2.shape" (question number, a dot, the part id)` } };
  const number = Number(m[1]);
  const q = variant.questions.find((x) => x.number === number);
  if (!q) return { error: { kind: 'unknown-question', key, message: `there is no question ${number} (questions 1–${variant.questions.length})` } };
  const part = q.parts.find((p) => p.id === m[2]) ?? q.parts.find((p) => p.id.toLowerCase() === m[2]!.toLowerCase());
  if (!part) return { error: { kind: 'unknown-part', key, message: `question ${number} has no part "${m[2]!.slice(0, 40)}" (its parts: ${q.parts.map((p) => p.id).join(', ')})` } };
  return { number, q, part };
}

interface VariantPlan {
  variant: VariantDoc;
  questions: QuestionPlan[];
  /** The canonical keys ("3.L2.shape") resolved ahead of time, with their question and part positions (precomputed graders only). */
  keys?: Map<string, Located>;
  /**
   * Precomputed graders, when question numbers and each question's part ids are unique (always, in
   * generated exams): answers are collected by (question, part) position instead of per-question
   * records keyed by part id — the same grouping, without a dictionary object per question.
   */
  slotted?: boolean;
}

export interface GraderOptions {
  /**
   * Work done once per variant instead of once per submission: the canonical answer keys are
   * resolved, and the key's own answer texts and every mistake's wrong answer are read and graded
   * (frozen results, shared by every submission that types them). For a long-lived grader (the
   * service); a one-off grading needs none of it.
   */
  precompute?: boolean;
}

/**
 * A question's grade is a function of what was typed for its parts (the plan and options are
 * fixed): the same texts get the same, frozen, QuestionGrade — computed once. Keyed by the plan's id
 * and each part's text, length-prefixed (so no two answer sets share a key): one string, one hash
 * lookup per question (cheaper under load than a lookup per part in a trie: fewer cache misses).
 * Answers that are not text, and answer sets longer than MEMO_TEXT_MAX characters, are not
 * remembered. Two generations of at most MEMO_GENERATION entries.
 */
const MEMO_TEXT_MAX = 2048;
const MEMO_GENERATION = 4096;

/** No answer given for a part (slot arrays of a precomputed grader). */
const UNSET: unique symbol = Symbol('unset');

/** The per-question record (part id → value) of answers collected by position. */
function slotRecord(qp: QuestionPlan, values: readonly unknown[]): Record<string, unknown> {
  const r = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < values.length; i++) if (values[i] !== UNSET) r[qp.parts[i]!.part.id] = values[i];
  return r;
}

/** The memo key of a question's answers (value(i): part i's raw answer), or undefined when they cannot be remembered. */
function memoKey(qp: QuestionPlan, value: (i: number) => unknown): string | undefined {
  const n = qp.parts.length;
  if (n === 0) return undefined;
  let key = `${qp.id}`;
  let length = 0;
  for (let i = 0; i < n; i++) {
    const raw = value(i);
    if (raw === UNSET || raw === undefined || raw === null) key += '|';
    else if (typeof raw === 'string') {
      if ((length += raw.length) > MEMO_TEXT_MAX) return undefined;
      key += `|${raw.length}:${raw}`;
    } else return undefined;
  }
  return key;
}

class QuestionMemo {
  private young = new Map<string, QuestionGrade>();
  private old = new Map<string, QuestionGrade>();

  get(key: string): QuestionGrade | undefined {
    const g = this.young.get(key);
    if (g) return g;
    const aged = this.old.get(key);
    if (aged) this.set(key, aged);
    return aged;
  }

  set(key: string, g: QuestionGrade): void {
    if (this.young.size >= MEMO_GENERATION) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, g);
  }
}

/**
 * Grades submissions of one exam. Everything that does not depend on the answers (expected values,
 * policies, reading contexts, mistakes' wrong answers, and with `precompute` the likely texts) is
 * worked out once per variant; results are the same as gradeSubmission's.
 * The exam document must not be changed while the grader is in use.
 */
export class ExamGrader {
  private readonly codes = new Map<string, VariantDoc>();
  private readonly plans = new Map<VariantDoc, VariantPlan>();
  private readonly qopts: GradeOptions;
  private readonly precompute: boolean;
  /** Precomputed graders: question grades of answer sets seen before (two generations, bounded). */
  private readonly memo = new QuestionMemo();
  /** Question grades taken from the memo / computed (tests, logs). */
  readonly memoStats = { hits: 0, misses: 0 };

  constructor(
    readonly exam: ExamDoc,
    opts: GradeOptions = {},
    o: GraderOptions = {},
  ) {
    for (const v of exam.variants) {
      const c = normaliseCode(v.code);
      if (!this.codes.has(c)) this.codes.set(c, v);
    }
    this.qopts = { decimals: exam.exam.decimals, ...opts };
    this.precompute = o.precompute ?? false;
  }

  /** Plans every variant now (a server does this at start-up, not on the first submissions). */
  warm(): this {
    for (const v of this.codes.values()) this.plan(v);
    return this;
  }

  private plan(variant: VariantDoc): VariantPlan {
    let vp = this.plans.get(variant);
    if (vp) return vp;
    vp = { variant, questions: variant.questions.map((q) => planQuestion(q, this.qopts)) };
    if (this.precompute) {
      vp.keys = new Map();
      variant.questions.forEach((q, qi) =>
        q.parts.forEach((p, pi) => {
          const key = `${q.number}.${p.id}`;
          const r = resolveKey(variant, key);
          // Only keys that the general reading resolves to this very part (it always does, unless
          // two questions share a number or two parts share an id).
          if (!('error' in r) && r.q === q && r.part === p && !vp.keys!.has(key)) vp.keys!.set(key, { number: r.number, q: r.q, part: r.part, qi, pi });
        }),
      );
      for (const qp of vp.questions) for (const pp of qp.parts) seedPart(pp);
      vp.slotted = vp.questions.every((qp) => qp.uniqueIds) && new Set(variant.questions.map((q) => q.number)).size === variant.questions.length;
    }
    this.plans.set(variant, vp);
    return vp;
  }

  /** Grades one paper: the variant's code and answers keyed "<question number>.<part id>" ("3.L2.shape"). */
  grade(variantCode: string, answers: Readonly<Record<string, unknown>>): SubmissionGrade {
    const exam = this.exam;
    // A code as printed is its own normal form (normaliseCode is idempotent): looked up as it is.
    const code = typeof variantCode !== 'string' ? '' : this.codes.has(variantCode) ? variantCode : normaliseCode(variantCode.slice(0, 64));
    const errors: SubmissionError[] = [];
    let dropped = 0;
    const variant = this.codes.get(code);
    if (!variant) {
      return { code, total: 0, max: round6(exam.totalPoints), questions: [], errors: [{ kind: 'unknown-variant', message: `unknown variant code "${String(variantCode).trim().slice(0, 20)}": check the code printed on the paper` }] };
    }
    const vp = this.plan(variant);
    // Answers grouped by question: per-question records keyed by part id, or (slotted) by position.
    const byQuestion = new Map<number, Record<string, unknown>>();
    const slots = vp.slotted ? vp.questions.map((qp) => new Array<unknown>(qp.parts.length).fill(UNSET)) : undefined;
    if (answers === null || typeof answers !== 'object' || Array.isArray(answers)) {
      dropped += noteError(errors, { kind: 'bad-answers', message: 'answers must be an object mapping "<question>.<part>" to text' });
    } else {
      const record = answers as Readonly<Record<string, unknown>>;
      for (const rawKey of Object.keys(record)) {
        const value = record[rawKey];
        const known = vp.keys?.get(rawKey);
        const r = known ?? resolveKey(variant, rawKey);
        if ('error' in r) {
          dropped += noteError(errors, r.error);
          continue;
        }
        const { number, part } = r;
        const key = rawKey.length > MAX_KEY_LENGTH ? `${rawKey.slice(0, MAX_KEY_LENGTH)}…` : rawKey;
        if (value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
          dropped += noteError(errors, { kind: 'bad-value', key, message: `the answer to ${number}.${part.id} must be text` });
          continue;
        }
        let taken: boolean;
        if (slots) {
          const mine = slots[known ? known.qi : variant.questions.indexOf(r.q)]!;
          const pi = known ? known.pi : r.q.parts.indexOf(part);
          taken = mine[pi] !== UNSET;
          if (!taken) mine[pi] = value;
        } else {
          let mine = byQuestion.get(number);
          if (!mine) byQuestion.set(number, (mine = Object.create(null) as Record<string, unknown>));
          taken = Object.hasOwn(mine, part.id);
          if (!taken) mine[part.id] = value;
        }
        if (taken) dropped += noteError(errors, { kind: 'duplicate', key, message: `${number}.${part.id} is answered twice; the first answer is graded` });
      }
    }
    if (dropped > 0) errors.push({ kind: 'bad-key', message: `… and ${dropped} more problems with the answer keys` });
    const questions = vp.questions.map((qp, qi) => {
      if (slots) return this.gradeSlots(qp, slots[qi]!);
      const mine = byQuestion.get(qp.q.number);
      return this.precompute ? this.gradeRemembered(qp, mine) : gradePlanned(qp, mine ?? {});
    });
    return {
      code,
      variant: variant.number,
      total: round6(questions.reduce((a, q) => a + q.points, 0)),
      max: round6(questions.reduce((a, q) => a + q.max, 0)),
      questions,
      errors,
    };
  }

  /** gradePlanned, remembered: the same texts for a question's parts get the same frozen grade. */
  private gradeRemembered(qp: QuestionPlan, answers: Readonly<Record<string, unknown>> | undefined): QuestionGrade {
    const key = memoKey(qp, (i) => (answers ? typed(answers, qp.parts[i]!.part.id) : undefined));
    return key === undefined ? gradePlanned(qp, answers ?? {}) : this.remembered(key, qp, () => answers ?? {});
  }

  /** gradeRemembered for answers collected by part position (UNSET: not answered). */
  private gradeSlots(qp: QuestionPlan, values: unknown[]): QuestionGrade {
    const key = memoKey(qp, (i) => values[i]);
    return key === undefined ? gradePlanned(qp, slotRecord(qp, values)) : this.remembered(key, qp, () => slotRecord(qp, values));
  }

  private remembered(key: string, qp: QuestionPlan, answers: () => Readonly<Record<string, unknown>>): QuestionGrade {
    const known = this.memo.get(key);
    if (known) {
      this.memoStats.hits++;
      return known;
    }
    this.memoStats.misses++;
    const g = deepFreeze(gradePlanned(qp, answers()));
    this.memo.set(key, g);
    return g;
  }

}

/** Grades one paper: the variant's code and answers keyed "<question number>.<part id>" ("3.L2.shape"). */
export function gradeSubmission(exam: ExamDoc, variantCode: string, answers: Readonly<Record<string, unknown>>, opts: GradeOptions = {}): SubmissionGrade {
  return new ExamGrader(exam, opts).grade(variantCode, answers);
}
