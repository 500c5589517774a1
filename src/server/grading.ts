/** The service's view of grading: one call per submission, shaped for storage, pages and JSON. */
import type { ExamDoc, VariantDoc } from '../exam/types.js';
import { ExamGrader, type QuestionGrade } from '../grade/judge.js';

export interface GradeOutcome {
  total: number;
  max: number;
  questions: {
    number: number;
    points: number;
    max: number;
    parts: { id: string; label: string; points: number; max: number; error?: string; typed: boolean; feedback: string[] }[];
  }[];
  /** Answer keys that name no part of this variant. */
  unknownFields: string[];
}

/** A long-lived grader for a loaded exam: per-variant work done once, at start-up. */
export function examGrader(exam: ExamDoc): ExamGrader {
  return new ExamGrader(exam, {}, { precompute: true }).warm();
}

type OutcomeQuestion = GradeOutcome['questions'][number];

/** A frozen grader result's outcome view, built once (the grader hands out shared frozen grades). */
const outcomes = new WeakMap<QuestionGrade, OutcomeQuestion>();

/**
 * `build(q)` for a shared (frozen) input made once, frozen and remembered in `views`; for any other
 * input a fresh view each time. Each view below is built from a shared, frozen question.
 */
function viewOf<I extends object, O>(views: WeakMap<I, O>, q: I, build: (q: I) => O): O {
  if (!Object.isFrozen(q)) return build(q);
  let v = views.get(q);
  if (v === undefined) views.set(q, (v = deepFreeze(build(q))));
  return v;
}

const outcomeQuestion = (q: QuestionGrade): OutcomeQuestion =>
  viewOf(outcomes, q, (q) => ({
    number: q.number,
    points: q.points,
    max: q.max,
    parts: q.parts.map((p) =>
      p.error
        ? { id: p.id, label: p.label, points: p.points, max: p.max, error: p.error, typed: !p.blank, feedback: p.feedback }
        : { id: p.id, label: p.label, points: p.points, max: p.max, typed: !p.blank, feedback: p.feedback },
    ),
  }));

function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
  return v;
}

/**
 * Grades one submission (what gradeSubmission gives, with the exam's decimals). Pass the exam's
 * long-lived `grader` (examGrader) when there is one; the result is the same, only faster — and
 * its question objects are shared and frozen (the same answers to a question give the very same
 * object), so that their JSON is made once.
 */
export function gradeAnswers(exam: ExamDoc, variant: VariantDoc, answers: Record<string, string>, grader?: ExamGrader): GradeOutcome {
  if (grader && grader.exam !== exam) throw new Error('gradeAnswers: the grader belongs to another exam document');
  const g = (grader ?? new ExamGrader(exam)).grade(variant.code, answers);
  return {
    total: g.total,
    max: g.max,
    questions: g.questions.map(outcomeQuestion),
    unknownFields: g.errors.filter((e) => e.kind !== 'duplicate').map((e) => e.key ?? e.message),
  };
}

/**
 * What is stored with a submission (the score's `detail`): the outcome without part labels and
 * feedback texts — those follow from exam.json (its sha256 is recorded) and the stored answers, and
 * `dlexam regrade` recomputes them — so a row is about a third of the size (less to write, fsync
 * and checkpoint). Instructor results read `questions[].number` / `points`, present in both this
 * and the full outcome stored by earlier versions.
 */
export interface StoredOutcome {
  total: number;
  max: number;
  questions: { number: number; points: number; max: number; parts: { id: string; points: number; max: number; error?: string; typed: boolean }[] }[];
  unknownFields: string[];
}

type StoredQuestion = StoredOutcome['questions'][number];
const storedQuestions = new WeakMap<OutcomeQuestion, StoredQuestion>();

const storedQuestion = (q: OutcomeQuestion): StoredQuestion =>
  viewOf(storedQuestions, q, (q) => ({
    number: q.number,
    points: q.points,
    max: q.max,
    parts: q.parts.map((p) => (p.error ? { id: p.id, points: p.points, max: p.max, error: p.error, typed: p.typed } : { id: p.id, points: p.points, max: p.max, typed: p.typed })),
  }));

export function storedOutcome(g: GradeOutcome): StoredOutcome {
  return { total: g.total, max: g.max, questions: g.questions.map(storedQuestion), unknownFields: g.unknownFields };
}

/** What a student sees of a graded question (practice mode): no labels, no internal flags. */
export type PublicQuestion = { number: number; points: number; max: number; parts: { id: string; points: number; max: number; error?: string; feedback: string[] }[] };

const publics = new WeakMap<OutcomeQuestion, PublicQuestion>();

export function publicQuestion(q: OutcomeQuestion): PublicQuestion {
  return viewOf(publics, q, (q) => ({ number: q.number, points: q.points, max: q.max, parts: q.parts.map((p) => ({ id: p.id, points: p.points, max: p.max, ...(p.error ? { error: p.error } : {}), feedback: p.feedback })) }));
}
