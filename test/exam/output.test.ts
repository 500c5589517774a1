import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBanks } from '../../src/bank/mc.js';
import { loadSpec } from '../../src/bank/spec.js';
import { assembleVariant, examHeader, specTotalPoints } from '../../src/exam/assemble.js';
import { variantCodes } from '../../src/exam/codes.js';
import { fairness } from '../../src/exam/fairness.js';
import { generateExam } from '../../src/exam/generate.js';
import { ExamOutput, examJsonHead, examJsonVariant, EXAM_JSON_TAIL, prepareVariant, variantKeyJson, type OverviewVariant } from '../../src/exam/output.js';
import { fileStem } from '../../src/exam/produce.js';
import type { ExamDoc, VariantDoc } from '../../src/exam/types.js';
import { keyCsv } from '../../src/render/export/csv.js';
import { moodleQuestions, moodleXml, MoodleWriter } from '../../src/render/export/moodle.js';
import { loadTf } from '../../src/verify/tensor.js';
import { tempDir } from '../tmp.js';

const SECRET = 'output-test-secret-42';
const BANKS = 'question-banks/mc';

/** The whole exam in memory, the way generateExam built it before it streamed. */
async function oneShot(specFile: string, n: number): Promise<ExamDoc> {
  const banks = loadBanks(BANKS);
  const spec = loadSpec(specFile, { banks: [...banks.keys()] });
  const { createHash } = await import('node:crypto');
  const shell = { ...examHeader(spec, specFile, createHash('sha256').update(readFileSync(specFile)).digest('hex')), totalPoints: specTotalPoints(spec) };
  const tf = await loadTf();
  const variants: VariantDoc[] = [];
  for (const [i, code] of variantCodes(SECRET, spec.id, n).entries()) variants.push(await assembleVariant(spec, SECRET, i + 1, code, banks, tf));
  return { ...shell, variants };
}

test('streamed exam.json, key.csv, key JSONs, moodle.xml and fairness equal the one-shot documents byte for byte', async () => {
  for (const specFile of ['question-banks/cnn-midterm.yaml', 'question-banks/ml-stats-quiz.yaml']) {
    const out = tempDir('stream');
    const n = 6;
    const r = await generateExam({ spec: specFile, variants: n, out, secret: SECRET, banksDir: BANKS, pdf: false, moodle: true });
    const exam = await oneShot(specFile, n);
    assert.equal(readFileSync(join(r.dir, 'exam.json'), 'utf8'), `${JSON.stringify(exam, null, 2)}\n`, specFile);
    assert.equal(readFileSync(join(r.dir, 'keys', 'key.csv'), 'utf8'), keyCsv(exam), specFile);
    assert.equal(readFileSync(join(r.dir, 'moodle.xml'), 'utf8'), moodleXml(exam), specFile);
    assert.equal(readFileSync(join(r.dir, 'fairness.json'), 'utf8'), `${JSON.stringify(fairness(exam), null, 2)}\n`, specFile);
    for (const v of exam.variants) assert.equal(readFileSync(join(r.dir, 'keys', `${fileStem(v)}-key.json`), 'utf8'), variantKeyJson(exam.exam.title, v));
    // The summary and the lazily read document agree with the one-shot exam.
    assert.deepEqual(r.summary.codes, exam.variants.map((v) => v.code));
    assert.equal(r.summary.questions, exam.variants[0]!.questions.length);
    assert.equal(r.summary.totalPoints, exam.totalPoints);
    assert.deepEqual(r.summary.warnings, fairness(exam).warnings);
    assert.equal(r.exam, r.exam, 'the parsed document is read once');
    assert.deepEqual(r.exam, JSON.parse(JSON.stringify(exam)));
    // No temporary files are left behind.
    assert.deepEqual(readdirSync(r.dir).filter((f) => f.startsWith('.')), []);
    assert.deepEqual(readdirSync(join(r.dir, 'keys')).filter((f) => f.startsWith('.')), []);
  }
});

test('ExamOutput: variants arriving out of order give the same bytes; line separators in strings stay inside them', async () => {
  const exam = await oneShot('question-banks/cnn-midterm.yaml', 5);
  // A text with characters that are line terminators to a regular expression but not to JSON.
  exam.variants[1]!.questions[0]!.text += ' \u2028 \u2029 \r tab\t "quoted"';
  const expected = `${JSON.stringify(exam, null, 2)}\n`;
  assert.equal(examJsonHead(exam) + exam.variants.map(examJsonVariant).join(',\n') + EXAM_JSON_TAIL, expected);
  const { variants, ...shell } = exam;
  for (const order of [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [2, 1, 4, 5, 3]]) {
    const dir = tempDir('order');
    mkdirSync(join(dir, 'keys'));
    const moodle = new MoodleWriter(join(dir, 'moodle.xml'), exam.spec.id);
    const rows: OverviewVariant[] = [];
    const out = new ExamOutput(dir, shell, moodle, (v) => rows.push(v));
    for (const k of order) out.add(prepareVariant(variants[k - 1]!, { title: exam.exam.title, overview: true, moodle: moodleQuestions }));
    const report = await out.finish(variants.length);
    assert.equal(readFileSync(join(dir, 'exam.json'), 'utf8'), expected, `order ${order.join(',')}`);
    assert.equal(readFileSync(join(dir, 'keys', 'key.csv'), 'utf8'), keyCsv(exam));
    assert.equal(readFileSync(join(dir, 'moodle.xml'), 'utf8'), moodleXml(exam));
    assert.deepEqual(report, fairness(exam));
    assert.deepEqual(rows.map((v) => v.code), variants.map((v) => v.code), 'overview rows in order');
    assert.deepEqual(readdirSync(dir).sort(), ['exam.json', 'fairness.json', 'fairness.txt', 'keys', 'moodle.xml']);
  }
  // finish() refuses while a variant is missing.
  const dir = tempDir('gap');
  mkdirSync(join(dir, 'keys'));
  const out = new ExamOutput(dir, shell);
  out.add(prepareVariant(variants[1]!, { title: exam.exam.title, overview: false }));
  await assert.rejects(out.finish(2), /0 of 2 variants written \(1 waiting\)/);
  out.abort();
  assert.deepEqual(readdirSync(dir), ['keys']);
  assert.deepEqual(readdirSync(join(dir, 'keys')).filter((f) => f.startsWith('.')), []);
});

test('variants produced by worker threads only (two workers pulling from the queue) give the bytes of one thread, moodle.xml included', async () => {
  const one = tempDir('j1');
  const two = tempDir('w2');
  const o = { spec: 'question-banks/ml-stats-quiz.yaml', variants: 9, secret: SECRET, banksDir: BANKS, pdf: false, moodle: true };
  const a = await generateExam({ ...o, out: one, jobs: 1 });
  // workersOnly: this thread produces nothing, so the two workers share all 9 variants, finishing out of order.
  const b = await generateExam({ ...o, out: two, jobs: 2, workersOnly: true });
  const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  assert.deepEqual(files(b.dir), files(a.dir));
  for (const f of files(a.dir)) if (f.includes('.')) assert.ok(readFileSync(join(b.dir, f)).equals(readFileSync(join(a.dir, f))), f);
  assert.deepEqual(b.summary, a.summary);
  assert.deepEqual(b.files.map((f) => f.slice(two.length)), a.files.map((f) => f.slice(one.length)));
});

test('a failed generation leaves no exam.json and no partial files, in one thread and with workers', async () => {
  const dir = tempDir('fail');
  const spec = join(dir, 'impossible.yaml');
  writeFileSync(
    spec,
    ['title: Impossible', 'course: Tests', 'sections:', '  - title: S', '    questions:', '      - family: conv-output-shape', '        points: 2', '        constraints: { stride: { min: 100 } }', ''].join('\n'),
  );
  for (const [jobs, workersOnly] of [[1, false], [2, true]] as const) {
    const out = join(dir, `out${jobs}`);
    // With workersOnly the error comes from a worker thread, still as a UserError with its message.
    await assert.rejects(generateExam({ spec, variants: 3, out, secret: SECRET, banksDir: BANKS, pdf: false, moodle: true, jobs, workersOnly }), (e: Error) => e.name === 'UserError' && /cannot generate an instance/.test(e.message));
    const examDir = join(out, 'impossible');
    assert.ok(existsSync(examDir));
    assert.deepEqual(readdirSync(examDir, { recursive: true, encoding: 'utf8' }).sort(), ['keys', 'papers'], `jobs ${jobs}`);
  }
});
