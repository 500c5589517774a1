/**
 * The exams the service knows: every out/<exam>/exam.json under a folder, indexed by exam id and by
 * variant code. The service only ever reads answers from these documents.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import { normaliseCode } from '../exam/codes.js';
import { EXAM_SCHEMA_VERSION, type ExamDoc, type VariantDoc } from '../exam/types.js';
import type { ExamGrader } from '../grade/judge.js';
import { examGrader } from './grading.js';

export interface LoadedExam {
  id: string;
  doc: ExamDoc;
  sha256: string;
  file: string;
  byCode: Map<string, VariantDoc>;
  /** Grades this exam's submissions; its per-variant work is done when the exam is loaded. */
  grader: ExamGrader;
}

export class ExamRegistry {
  private readonly exams = new Map<string, LoadedExam>();

  static load(dir: string): ExamRegistry {
    const reg = new ExamRegistry();
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      throw new UserError(`--exams ${dir}: no such folder (generate an exam first: dlexam generate SPEC --out ${dir})`);
    }
    for (const name of names.sort()) {
      const file = join(dir, name, 'exam.json');
      try {
        if (!statSync(file).isFile()) continue;
      } catch {
        continue;
      }
      reg.add(file);
    }
    return reg;
  }

  add(file: string): LoadedExam {
    const text = readFileSync(file, 'utf8');
    let doc: ExamDoc;
    try {
      doc = JSON.parse(text) as ExamDoc;
    } catch (e) {
      throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (doc.schemaVersion !== EXAM_SCHEMA_VERSION) throw new UserError(`${file}: exam schema version ${doc.schemaVersion}, this dlexam reads version ${EXAM_SCHEMA_VERSION}; regenerate the exam`);
    const byCode = new Map(doc.variants.map((v) => [normaliseCode(v.code), v]));
    const loaded: LoadedExam = { id: doc.spec.id, doc, sha256: createHash('sha256').update(text).digest('hex'), file, byCode, grader: examGrader(doc) };
    this.exams.set(loaded.id, loaded);
    return loaded;
  }

  get(id: string): LoadedExam | undefined {
    return this.exams.get(id);
  }

  variant(examId: string, code: string): { exam: LoadedExam; variant: VariantDoc } | undefined {
    const exam = this.exams.get(examId);
    // A code as printed is its own normal form (normaliseCode is idempotent).
    const variant = exam && (exam.byCode.get(code) ?? exam.byCode.get(normaliseCode(code)));
    return exam && variant ? { exam, variant } : undefined;
  }

  list(): LoadedExam[] {
    return [...this.exams.values()];
  }
}
