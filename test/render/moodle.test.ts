import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { generateExam } from '../../src/exam/generate.js';
import { tempDir } from '../tmp.js';

type Q = { '@_type': string; name?: { text: string }; questiontext?: { text: string }; answer?: unknown; category?: { text: string }; defaultgrade?: number; single?: boolean };

test('Moodle XML: well-formed, one category per question, every question gradable', async () => {
  const dir = tempDir('moodle');
  const r = await generateExam({ spec: 'question-banks/cnn-midterm.yaml', variants: 3, out: dir, secret: 'moodle-secret-123', banksDir: 'question-banks/mc', pdf: false, moodle: true });
  const xml = readFileSync(join(r.dir, 'moodle.xml'), 'utf8');
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, cdataPropName: false, isArray: (n) => n === 'question' || n === 'answer' }).parse(xml) as { quiz: { question: Q[] } };
  const qs = doc.quiz.question;
  const nq = r.exam.variants[0]!.questions.length;
  const categories = qs.filter((q) => q['@_type'] === 'category');
  assert.equal(categories.length, nq);
  assert.deepEqual(categories.map((c) => c.category!.text), Array.from({ length: nq }, (_, i) => `$course$/dlexam/cnn-midterm/Q${i + 1}`));
  const real = qs.filter((q) => q['@_type'] !== 'category');
  assert.equal(real.length, nq * 3);
  for (const q of real) {
    assert.ok(['numerical', 'cloze', 'multichoice'].includes(q['@_type']), q['@_type']);
    assert.ok(q.name?.text && q.questiontext?.text, 'name and question text');
    assert.ok(Number(q.defaultgrade) > 0);
    const text = String(q.questiontext!.text);
    if (q['@_type'] === 'numerical') {
      const answers = q.answer as { '@_fraction': string; text: number; tolerance: number }[];
      assert.equal(answers.filter((a) => a['@_fraction'] === '100').length, 1);
      assert.ok(answers.every((a) => Number.isFinite(Number(a.text)) && Number(a.tolerance) >= 0));
    }
    if (q['@_type'] === 'cloze') {
      const blanks = text.match(/\{\d+:(NUMERICAL|MULTICHOICE|MULTIRESPONSE|SHORTANSWER):[^}]*\}/g) ?? [];
      assert.ok(blanks.length >= 1, text);
      for (const b of blanks.filter((x) => x.includes('NUMERICAL'))) assert.match(b, /^\{\d+:NUMERICAL:=-?[\d.e-]+:[\d.e-]+\}$/);
    }
  }
  // The exact answers of variant 1, question 3 (a scalar parameter count) are the numerical answer.
  const v1 = r.exam.variants[0]!;
  const q3 = real.find((q) => q.name!.text.startsWith(`Q3 `) && q.name!.text.endsWith(v1.code))!;
  const expect = v1.questions[2]!.parts[0]!.answer;
  assert.equal(expect.kind, 'scalar');
  assert.equal(Number((q3.answer as { text: number }[])[0]!.text), (expect as { value: number }).value);
});
