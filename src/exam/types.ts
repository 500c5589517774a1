/**
 * The exam document (out/<exam>/exam.json): the single source of truth that papers, keys, LMS
 * exports and the grader read. Exact values are strings ("7/4", "2√5/5") beside float values.
 * Bump EXAM_SCHEMA_VERSION on any incompatible change.
 */
import type { AnswerJson, PartJson } from '../core/answer.js';
import type { Difficulty } from '../families/types.js';

export const EXAM_SCHEMA_VERSION = 1;

export type BlockJson =
  | { kind: 'matrix'; name: string; value: string[][] }
  | { kind: 'vector'; name: string; value: string[] }
  | { kind: 'table'; header: string[]; rows: string[][] };

export interface MistakeJson {
  id: string;
  label: string;
  feedback: string;
  answers: Record<string, AnswerJson>;
}

export type QuestionSource =
  | { kind: 'family'; family: string; difficulty: Difficulty; params: unknown }
  | { kind: 'bank'; bank: string; question: string };

export interface QuestionDoc {
  /** 1-based number printed on the paper. */
  number: number;
  /** Index into ExamDoc.sections. */
  section: number;
  /** Stable key of the spec entry that produced it (RNG fork label, grader column prefix). */
  key: string;
  source: QuestionSource;
  title: string;
  topic: string;
  text: string;
  blocks: BlockJson[];
  convention?: string;
  format: 'open' | 'choice';
  /** Multiple choice: option texts in printed order; letters A, B, C… by position. */
  options?: string[];
  points: number;
  parts: (PartJson & { points: number })[];
  steps: string[];
  explanation?: string;
  mistakes: MistakeJson[];
  verification?: { ok: boolean; method: string };
}

export interface VariantDoc {
  number: number;
  code: string;
  questions: QuestionDoc[];
}

export interface ExamDoc {
  schemaVersion: typeof EXAM_SCHEMA_VERSION;
  generator: string;
  spec: { id: string; file: string; sha256: string };
  exam: {
    title: string;
    course: string;
    date?: string;
    duration?: string;
    instructions?: string;
    paper: 'A4' | 'Letter';
    mode: 'exam' | 'practice';
    /** Resubmission policy for the grading service. */
    attempts: number;
    counts: 'last' | 'best';
    decimals: number;
    tolerancePolicy: string;
  };
  sections: { title: string }[];
  totalPoints: number;
  variants: VariantDoc[];
}
