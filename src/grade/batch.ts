/**
 * Batch grading of a CSV of submissions: one row per student (student id, variant code, one
 * column per answer "<question>.<part>"). Writes scores, per-student feedback and item statistics;
 * bad rows are reported with their row number and skipped, never silently dropped.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UserError } from '../core/errors.js';
import type { ExamDoc } from '../exam/types.js';
import { gradeSubmission, type SubmissionGrade } from './judge.js';
import { itemStats, type ItemStats } from './stats.js';

const STUDENT_COLUMNS = ['student', 'student_id', 'studentid', 'id', 'matriculation'];
const CODE_COLUMNS = ['code', 'variant', 'variant_code'];

export interface RowProblem {
  /** 1-based line in the CSV (the header is line 1). */
  row: number;
  student?: string;
  message: string;
}

export interface BatchResult {
  graded: { row: number; student: string; grade: SubmissionGrade }[];
  skipped: RowProblem[];
  warnings: RowProblem[];
  items: ItemStats[];
  files: string[];
}

/** Every answer column an exam can have ("<question>.<part>", over all variants), in paper order. */
export function answerColumns(exam: ExamDoc): string[] {
  const seen = new Set<string>();
  const cols: string[] = [];
  for (const v of exam.variants)
    for (const q of v.questions)
      for (const p of q.parts) {
        const k = `${q.number}.${p.id}`;
        if (seen.has(k)) continue;
        seen.add(k);
        cols.push(k);
      }
  return cols.sort((a, b) => Number(a.split('.')[0]) - Number(b.split('.')[0]) || cols.indexOf(a) - cols.indexOf(b));
}

export function templateCsv(exam: ExamDoc): string {
  return stringify([['student', 'code', ...answerColumns(exam)]]);
}

export function gradeCsv(exam: ExamDoc, csvText: string, outDir: string): BatchResult {
  let records: string[][];
  try {
    records = parse(csvText, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (e) {
    throw new UserError(`submissions CSV: ${(e as Error).message}`);
  }
  if (records.length === 0) throw new UserError('submissions CSV is empty (expected a header: student,code,1.shape,…)');
  const header = records[0]!.map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  const si = lower.findIndex((h) => STUDENT_COLUMNS.includes(h));
  const ci = lower.findIndex((h) => CODE_COLUMNS.includes(h));
  if (si < 0 || ci < 0)
    throw new UserError(`submissions CSV header needs a "student" and a "code" column (got: ${header.join(', ')})`, 'write a template with `dlexam grade --exam EXAM --template`');
  const known = new Set(answerColumns(exam));
  const answerCols = header.map((h, i) => ({ h, i })).filter(({ i }) => i !== si && i !== ci);
  const warnings: RowProblem[] = [];
  const unknown = answerCols.filter(({ h }) => !known.has(h));
  if (unknown.length) warnings.push({ row: 1, message: `column(s) ${unknown.map((u) => `"${u.h}"`).join(', ')} name no question part of this exam: ignored` });

  const skipped: RowProblem[] = [];
  const graded: BatchResult['graded'] = [];
  const seen = new Map<string, number>();
  records.slice(1).forEach((rec, k) => {
    const row = k + 2;
    if (rec.every((c) => c.trim() === '')) return; // blank line
    const student = (rec[si] ?? '').trim();
    const code = (rec[ci] ?? '').trim();
    if (!student) return void skipped.push({ row, message: 'no student id' });
    if (!code) return void skipped.push({ row, student, message: 'no variant code' });
    if (seen.has(student)) return void skipped.push({ row, student, message: `student "${student}" already graded on row ${seen.get(student)}` });
    const answers: Record<string, string> = {};
    for (const { h, i } of answerCols) if (known.has(h) && (rec[i] ?? '').trim() !== '') answers[h] = rec[i]!;
    const grade = gradeSubmission(exam, code, answers, { decimals: exam.exam.decimals });
    if (grade.errors.some((e) => e.kind === 'unknown-variant')) return void skipped.push({ row, student, message: grade.errors[0]!.message });
    for (const e of grade.errors) warnings.push({ row, student, message: e.message });
    seen.set(student, row);
    graded.push({ row, student, grade });
  });

  const questions = [...new Set(exam.variants.flatMap((v) => v.questions.map((q) => q.number)))].sort((a, b) => a - b);
  const maxBy = new Map((exam.variants[0]?.questions ?? []).map((q) => [q.number, q.points]));
  const items = itemStats(
    graded.map((g) => ({ scores: new Map(g.grade.questions.map((q) => [q.number, q.points])) })),
    maxBy,
  );
  mkdirSync(join(outDir, 'feedback'), { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(outDir, name), text);
    files.push(join(outDir, name));
  };
  write(
    'scores.csv',
    stringify([
      ['student', 'code', 'total', 'max', ...questions.map((n) => `Q${n}`)],
      ...graded.map((g) => [g.student, g.grade.code, g.grade.total, g.grade.max, ...questions.map((n) => g.grade.questions.find((q) => q.number === n)?.points ?? 0)]),
    ]),
  );
  write('items.csv', stringify([['question', 'max', 'n', 'mean', 'facility', 'discrimination'], ...items.map((it) => [it.question, it.max, it.n, it.mean, it.facility, it.discrimination ?? ''])]));
  write('problems.csv', stringify([['row', 'student', 'severity', 'message'], ...skipped.map((s) => [s.row, s.student ?? '', 'skipped', s.message]), ...warnings.map((w) => [w.row, w.student ?? '', 'warning', w.message])]));
  for (const g of graded) write(join('feedback', `${g.student.replace(/[^\p{L}\p{N}._@+-]/gu, '_')}.txt`), feedbackText(exam, g.student, g.grade));
  return { graded, skipped, warnings, items, files };
}

export function feedbackText(exam: ExamDoc, student: string, g: SubmissionGrade): string {
  const lines = [`${exam.exam.course} — ${exam.exam.title}`, `Student ${student} · variant ${g.code} · score ${g.total} / ${g.max}`, ''];
  for (const q of g.questions) {
    lines.push(`Question ${q.number}: ${q.points} / ${q.max}`);
    for (const p of q.parts) {
      const status = p.blank ? 'blank' : p.error ? `not read: ${p.error}` : p.correct === true ? (p.ecf ? 'right (consistent with your earlier answers)' : 'right') : p.correct === 'partial' ? 'partly right' : 'wrong';
      lines.push(`  ${p.label}: ${p.points} / ${p.max} — ${status}${p.parsed ? ` (read as ${p.parsed})` : ''}`);
      for (const f of p.feedback) lines.push(`      ${f}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function readExam(file: string): ExamDoc {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ExamDoc;
  } catch (e) {
    throw new UserError(`cannot read exam ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (run dlexam generate first)' : (e as Error).message}`);
  }
}
