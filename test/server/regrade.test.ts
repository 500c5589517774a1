import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateExam } from '../../src/exam/generate.js';
import type { ExamDoc } from '../../src/exam/types.js';
import { gradeAnswers } from '../../src/server/grading.js';
import { planRegrade } from '../../src/server/regrade.js';
import { openStorage } from '../../src/server/storage/index.js';
import { tempDir } from '../tmp.js';

test('regrade replays stored answers against a changed key, and applies only when asked', async () => {
  const dir = tempDir('regrade');
  const { exam } = await generateExam({ spec: 'question-banks/ml-stats-quiz.yaml', variants: 2, out: dir, secret: 'regrade-secret-1', banksDir: 'question-banks/mc', pdf: false });
  const storage = await openStorage(join(dir, 'db.sqlite'));
  await storage.upsertExam({ id: exam.spec.id, title: exam.exam.title, mode: exam.exam.mode, sha256: 'a'.repeat(64) });
  const v = exam.variants[0]!;
  const q3 = v.questions[2]!;
  const meanPart = q3.parts.find((p) => p.id === 'mean')!;
  // The student answered 1 for the mean: wrong under the real key.
  const answers = { [`3.mean`]: '1' };
  const g = gradeAnswers(exam, v, answers);
  await storage.addSubmission({ exam: exam.spec.id, code: v.code, student: 'zoe', answers, result: { total: g.total, max: g.max, detail: g }, ip: null });
  assert.equal(g.total, 0);

  // Unchanged exam: nothing to do.
  assert.equal((await planRegrade(storage, exam)).changes.length, 0);

  // A "fixed" key in which the mean is 1: the stored submission now earns that part's points.
  const fixed = structuredClone(exam) as ExamDoc;
  const part = fixed.variants[0]!.questions[2]!.parts.find((p) => p.id === 'mean')!;
  part.answer = { kind: 'scalar', exact: '1', value: 1 };
  part.text = '1';
  const plan = await planRegrade(storage, fixed);
  assert.equal(plan.changes.length, 1);
  assert.deepEqual([plan.changes[0]!.student, plan.changes[0]!.old, plan.changes[0]!.new], ['zoe', 0, meanPart.points]);
  // Planning wrote nothing.
  assert.equal((await storage.listSubmissions(exam.spec.id))[0]!.result!.total, 0);
  const r = await storage.updateScores(exam.spec.id, plan.updates, { reason: 'test' });
  assert.equal(r.changed, 1);
  assert.equal((await storage.listSubmissions(exam.spec.id))[0]!.result!.total, meanPart.points);
  assert.equal((await storage.gradeHistory(plan.changes[0]!.id)).length, 1);
  await storage.close();
});
