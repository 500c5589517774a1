/** The service's view of grading: one call per submission, shaped for storage, pages and JSON. */
import type { ExamDoc, VariantDoc } from '../exam/types.js';
import { ExamGrader } from '../grade/judge.js';

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

/**
 * Grades one submission (what gradeSubmission gives, with the exam's decimals). Pass the exam's
 * long-lived `grader` (examGrader) when there is one; the result is the same, only faster.
 */
export function gradeAnswers(exam: ExamDoc, variant: VariantDoc, answers: Record<string, string>, grader?: ExamGrader): GradeOutcome {
  if (grader && grader.exam !== exam) throw new Error('gradeAnswers: the grader belongs to another exam document');
  const g = (grader ?? new ExamGrader(exam)).grade(variant.code, answers);
  return {
    total: g.total,
    max: g.max,
    questions: g.questions.map((q) => ({
      number: q.number,
      points: q.points,
      max: q.max,
      parts: q.parts.map((p) =>
        p.error
          ? { id: p.id, label: p.label, points: p.points, max: p.max, error: p.error, typed: !p.blank, feedback: p.feedback }
          : { id: p.id, label: p.label, points: p.points, max: p.max, typed: !p.blank, feedback: p.feedback },
      ),
    })),
    unknownFields: g.errors.filter((e) => e.kind !== 'duplicate').map((e) => e.key ?? e.message),
  };
}
