/** The service's view of grading: one call per submission, shaped for storage, pages and JSON. */
import type { ExamDoc, VariantDoc } from '../exam/types.js';
import { gradeSubmission } from '../grade/index.js';

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

export function gradeAnswers(exam: ExamDoc, variant: VariantDoc, answers: Record<string, string>): GradeOutcome {
  const g = gradeSubmission(exam, variant.code, answers, { decimals: exam.exam.decimals });
  return {
    total: g.total,
    max: g.max,
    questions: g.questions.map((q) => ({
      number: q.number,
      points: q.points,
      max: q.max,
      parts: q.parts.map((p) => ({ id: p.id, label: p.label, points: p.points, max: p.max, ...(p.error ? { error: p.error } : {}), typed: !p.blank, feedback: p.feedback })),
    })),
    unknownFields: g.errors.filter((e) => e.kind !== 'duplicate').map((e) => e.key ?? e.message),
  };
}
