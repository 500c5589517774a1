import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateExam } from '../../src/exam/generate.js';
import { answerColumns, gradeCsv, templateCsv } from '../../src/grade/batch.js';
import { tempDir } from '../tmp.js';

test('batch grading: key rows score full marks, bad rows are reported by row number, outputs written', async () => {
  const dir = tempDir('batch');
  const { exam } = await generateExam({ spec: 'question-banks/ml-stats-quiz.yaml', variants: 3, out: dir, secret: 'batch-secret-123', banksDir: 'question-banks/mc', pdf: false });
  const cols = answerColumns(exam);
  assert.equal(templateCsv(exam).trim(), ['student', 'code', ...cols].join(','));
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const keyRow = (student: string, vi: number) => {
    const v = exam.variants[vi]!;
    const key = new Map(v.questions.flatMap((x) => x.parts.map((p) => [`${x.number}.${p.id}` as string, p.text] as const)));
    return [student, v.code, ...cols.map((c) => key.get(c) ?? '')].map(q).join(',');
  };
  const blankRow = (student: string) => [student, exam.variants[1]!.code.toLowerCase(), ...cols.map(() => '')].map(q).join(',');
  const csv = [['student', 'code', ...cols].join(','), keyRow('ann', 0), keyRow('ben', 2), blankRow('cat'), 'dan,NOPE99', ',' + exam.variants[0]!.code, keyRow('ann', 1), ''].join('\n');
  const out = join(dir, 'graded');
  const r = gradeCsv(exam, csv, out);
  assert.deepEqual(r.graded.map((g) => [g.student, g.grade.total]), [['ann', 38], ['ben', 38], ['cat', 0]]);
  assert.deepEqual(r.skipped.map((s) => [s.row, s.message.slice(0, 30)]), [
    [5, 'unknown variant code "NOPE99":'],
    [6, 'no student id'],
    [7, 'student "ann" already graded o'],
  ]);
  const scores = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n');
  assert.equal(scores[0], 'student,code,total,max,Q1,Q2,Q3,Q4');
  assert.equal(scores.length, 4);
  const items = readFileSync(join(out, 'items.csv'), 'utf8').trim().split('\n');
  assert.equal(items.length, 5);
  // two full marks and one zero: facility 2/3, discrimination defined (rest-score varies)
  assert.match(items[1]!, /^1,10,3,6\.667,0\.667,1$/);
  assert.deepEqual(readdirSync(join(out, 'feedback')).sort(), ['ann.txt', 'ben.txt', 'cat.txt']);
  assert.match(readFileSync(join(out, 'feedback', 'cat.txt'), 'utf8'), /score 0 \/ 38[\s\S]*blank/);
  assert.match(readFileSync(join(out, 'problems.csv'), 'utf8'), /5,dan,skipped,"unknown variant code ""NOPE99""/);
});

test('batch grading: a CSV without student/code columns is a clear error', async () => {
  const dir = tempDir('batch2');
  const { exam } = await generateExam({ spec: 'question-banks/ml-stats-quiz.yaml', variants: 1, out: dir, secret: 'batch-secret-123', banksDir: 'question-banks/mc', pdf: false });
  assert.throws(() => gradeCsv(exam, 'name,answer\nx,1\n', dir), /needs a "student" and a "code" column/);
  assert.throws(() => gradeCsv(exam, '', dir), /empty/);
});
