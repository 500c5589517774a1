/**
 * The grader's fast paths give exactly what the general code gives:
 *  - normaliseText on plain ASCII, evaluateSimple on plain numbers, parseAnswer's scalar shortcut
 *    (fast paths switched off = the reference);
 *  - ExamGrader with `precompute` (seeded texts, resolved keys, shared frozen grades) against the
 *    one-off gradeSubmission, on the key's answers, the mistakes' answers, spellings of them, hostile
 *    strings and odd keys.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { answerFromJson, formatAnswer } from '../../src/core/answer.js';
import { generateExam } from '../../src/exam/generate.js';
import type { ExamDoc } from '../../src/exam/types.js';
import { evaluate, evaluateSimple } from '../../src/grade/expr.js';
import { ExamGrader, gradeSubmission } from '../../src/grade/judge.js';
import { normaliseCode } from '../../src/exam/codes.js';
import { normaliseText, parseAnswer, setParseFastPaths, type AnswerKind, type ParseContext } from '../../src/grade/parse.js';
import { tempDir } from '../tmp.js';

/** f() with the fast paths off (the reference result). */
function reference<T>(f: () => T): T {
  setParseFastPaths(false);
  try {
    return f();
  } finally {
    setParseFastPaths(true);
  }
}

/** The value or the error message, so that two evaluations compare with deepEqual. */
function outcome<T>(f: () => T): { value: T } | { error: string } {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const TOKENS = [
  ...'0123456789',
  '.', ',', ' ', '  ', '-', '−', '–', '+', '*', '×', '·', '/', '÷', '^', '√', '(', ')', '[', ']', '{', '}', '%', '\n', '\r', '\t', ';', '≈', '~', 'e', 'E', 'x', '_', '?', '⁻', '¹', '²', '½', '١',
  'None', 'sqrt', 'ln', 'pi', 'π', 'A', 'b', 'option', 'and', 'none', '∅', '1e999', '0/0', '1/0', '00', '.5', '3.', '0.', '1e5', 'NaN', '__proto__', '\u200B', '\uFEFF', '\uD800', '🙂', 'ﬁ', '\u0000', '\u00A0',
];
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((xs) => xs.join(''));
const digits = (max: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: 1, maxLength: max }).map((d) => d.join(''));
/** Plain numbers, around and past the fast path's limits (30 digits per part, 64 characters). */
const plainNumber = fc
  .tuple(fc.constantFrom('', '-', '+', '--', ' '), digits(34), fc.option(fc.tuple(fc.constantFrom('.', '.', ','), fc.option(digits(34)))), fc.option(fc.tuple(fc.constantFrom('/', '/-', '/ ', '//'), digits(34), fc.option(digits(3)))))
  .map(([sign, int, frac, den]) => `${sign}${int}${frac ? `${frac[0]}${frac[1] ?? ''}` : ''}${den ? `${den[0]}${den[1]}${den[2] ? `.${den[2]}` : ''}` : ''}`);
const leadingPoint = digits(40).map((d) => `.${d}`);
const input = fc.oneof(
  { arbitrary: plainNumber, weight: 5 },
  { arbitrary: leadingPoint, weight: 1 },
  { arbitrary: soup, weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
);

const KINDS: [AnswerKind, ParseContext][] = [
  ['scalar', {}],
  ['scalar', { percent: true, decimalComma: true }],
  ['vector', {}],
  ['vector', { length: 3 }],
  ['matrix', { rows: 2, cols: 2 }],
  ['shape', { rank: 4, batch: true }],
  ['set', {}],
  ['choice', { options: ['A', 'B', 'C', 'D'], optionTexts: ['100', '2880', '970', '2890'] }],
  ['labels', { options: ['A', 'B', 'C', 'D', 'E'] }],
];

test('normaliseText: the plain-ASCII shortcut equals the general normalisation', () => {
  fc.assert(
    fc.property(fc.oneof(input, fc.string({ unit: fc.constantFrom(...' \t~\r\n\u007f09aZ.,-'), maxLength: 30 })), (s) => {
      assert.equal(normaliseText(s), reference(() => normaliseText(s)), JSON.stringify(s));
    }),
    { numRuns: 20_000, seed: 42 },
  );
});

test('evaluateSimple: equals evaluate() on every input it accepts, and accepts the plain numbers', () => {
  let accepted = 0;
  fc.assert(
    fc.property(input, (s) => {
      const fast = evaluateSimple(s);
      if (fast === undefined) return;
      accepted++;
      assert.deepEqual(outcome(() => fast), outcome(() => evaluate(s)), s);
    }),
    { numRuns: 20_000, seed: 7 },
  );
  assert.ok(accepted > 2000, `only ${accepted} inputs took the fast path`);
  for (const s of ['0', '-0', '+5', '007', '3.', '.5', '-.5', '1/3', '-7/4', '2.5/10', '0.000/1', `${'9'.repeat(30)}.${'9'.repeat(30)}`]) {
    const fast = evaluateSimple(s);
    assert.ok(fast, s);
    assert.deepEqual(fast, evaluate(s), s);
  }
  for (const s of ['', '-', '.', '1/0', '1/0.0', '1 /2', ' 1', '1e5', '1/-2', '--1', '1.2.3', `${'1'.repeat(31)}`, '١']) assert.equal(evaluateSimple(s), undefined, s);
});

test('parseAnswer: fast paths on and off read every input identically (20,000 inputs × 9 kinds)', () => {
  fc.assert(
    fc.property(input, (s) => {
      for (const [kind, ctx] of KINDS) assert.deepEqual(parseAnswer(s, kind, ctx), reference(() => parseAnswer(s, kind, ctx)), `${kind} ${JSON.stringify(s)}`);
    }),
    { numRuns: 20_000, seed: 20261210 },
  );
});

// ---------- the precomputed grader ----------

let dir: string;
const exams: ExamDoc[] = [];

before(async () => {
  dir = tempDir('fast');
  const spec = join(dir, 'fast.yaml');
  writeFileSync(
    spec,
    `title: Fast path
course: Tests
decimals: 3
sections:
  - title: All
    questions:
      - { family: conv-output-shape, points: 3, difficulty: 2, params: { framework: keras } }
      - { family: model-summary, points: 10, difficulty: 2 }
      - { family: layer-param-count, points: 2, difficulty: 1, format: choice }
      - { family: conv-mac-cost, points: 6, difficulty: 2 }
      - { family: conv-backprop, points: 12, difficulty: 1 }
      - { family: pooling, points: 6, difficulty: 2 }
      - { family: softmax-cross-entropy, points: 6, difficulty: 2 }
      - { family: rnn-steps, points: 8, difficulty: 2 }
      - { family: svm-hard-margin, points: 10, difficulty: 2 }
      - { family: zscore-outliers, points: 6, difficulty: 2 }
      - { family: classification-metrics, points: 4, difficulty: 2 }
`,
  );
  exams.push((await generateExam({ spec, variants: 4, out: join(dir, 'out'), secret: 'fast-path-secret', banksDir: 'question-banks/mc', pdf: false })).exam);
  exams.push((await generateExam({ spec: 'question-banks/ml-stats-quiz.yaml', variants: 2, out: join(dir, 'out2'), secret: 'fast-path-secret', banksDir: 'question-banks/mc', pdf: false })).exam);
});

after(() => undefined);

/** What students of a variant may type for a part: the key's forms, mistakes' answers, respellings, junk. */
function candidates(exam: ExamDoc, vi: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const q of exam.variants[vi]!.questions)
    for (const p of q.parts) {
      const texts = [p.text];
      const i = p.text.indexOf(' ≈ ');
      if (i >= 0) texts.push(p.text.slice(0, i), p.text.slice(i + 3));
      for (const m of q.mistakes) if (m.answers[p.id]) texts.push(formatAnswer(answerFromJson(m.answers[p.id]!)));
      texts.push(...texts.map((t) => ` ${t} `), ...texts.map((t) => t.replace(/, /g, ',')), '', '  ', 'x', '1/0', '[[[', '\uD800', '0', '-1', '12', '0.5');
      out.set(`${q.number}.${p.id}`, texts);
    }
  return out;
}

test('ExamGrader (precomputed) grades exactly like gradeSubmission: 2,000 random papers', () => {
  for (const exam of exams) {
    const grader = new ExamGrader(exam, {}, { precompute: true }).warm();
    const pools = exam.variants.map((_, vi) => candidates(exam, vi));
    fc.assert(
      fc.property(fc.nat({ max: exam.variants.length - 1 }), fc.array(fc.nat(), { minLength: 80, maxLength: 80 }), fc.array(fc.tuple(fc.string({ maxLength: 12 }), input), { maxLength: 3 }), (vi, picks, extra) => {
        const pool = pools[vi]!;
        const answers: Record<string, unknown> = {};
        [...pool.entries()].forEach(([key, texts], k) => {
          const r = picks[k % picks.length]!;
          if (r % 7 === 0) return; // blank
          answers[key] = r % 13 === 1 ? Number(texts[0]) || 3 : texts[r % texts.length];
        });
        for (const [k, v] of extra) answers[k] = v;
        const code = exam.variants[vi]!.code;
        const fast = grader.grade(code, answers);
        // A second time: shared results are never changed by a grading.
        assert.deepEqual(grader.grade(code, answers), fast);
        assert.deepEqual(fast, gradeSubmission(exam, code, answers));
      }),
      { numRuns: 1000, seed: 99 },
    );
  }
});

test('ExamGrader: odd keys, duplicates, codes and values resolve as in gradeSubmission', () => {
  const exam = exams[0]!;
  const grader = new ExamGrader(exam, {}, { precompute: true });
  const v = exam.variants[1]!;
  const q = v.questions[1]!;
  const p = q.parts[0]!;
  const papers: [string, Record<string, unknown>][] = [
    [v.code, { [`${q.number}.${p.id}`]: p.text, [`Q${q.number}.${p.id}`]: '1', [`${q.number}:${p.id.toLowerCase()}`]: p.text }],
    [v.code.toLowerCase(), { [` ${q.number} . ${p.id} `]: p.text, '99.x': '1', 'nonsense': '2', [`${q.number}.nope`]: '3', ['x'.repeat(300)]: '4' }],
    [v.code, JSON.parse(`{"__proto__": "1", "${q.number}.${p.id}": {"a": 1}}`) as Record<string, unknown>],
    [v.code, Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`bad${i}`, 'x']))],
    ['NOPE00', { [`${q.number}.${p.id}`]: p.text }],
    [v.code, [] as unknown as Record<string, unknown>],
  ];
  for (const [code, answers] of papers) assert.deepEqual(grader.grade(code, answers), gradeSubmission(exam, code, answers), JSON.stringify(answers).slice(0, 120));
});

test('normaliseCode is idempotent, so a code already in normal form (as printed) is looked up as it is', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9A-Za-z -]{0,12}$/)), (s) => normaliseCode(normaliseCode(s)) === normaliseCode(s)),
    { numRuns: 5000 },
  );
  const exam = exams[0]!;
  const grader = new ExamGrader(exam, {}, { precompute: true });
  const v = exam.variants[0]!;
  const spellings = [v.code, v.code.toLowerCase(), ` ${v.code.slice(0, 3)}-${v.code.slice(3)} `, v.code.replace(/1/g, 'l').replace(/0/g, 'o')];
  for (const code of spellings) assert.deepEqual(grader.grade(code, {}), gradeSubmission(exam, code, {}), code);
});

test('ExamGrader: results handed out are frozen (shared between submissions)', () => {
  const exam = exams[0]!;
  const v = exam.variants[0]!;
  const grader = new ExamGrader(exam, {}, { precompute: true });
  const answers = Object.fromEntries(v.questions.flatMap((q) => q.parts.map((p) => [`${q.number}.${p.id}`, p.text])));
  const g = grader.grade(v.code, answers);
  assert.equal(g.total, g.max);
  const part = g.questions[0]!.parts[0]!;
  assert.ok(Object.isFrozen(part) && Object.isFrozen(part.feedback));
  assert.throws(() => (part.feedback as string[]).push('x'));
});

test('ExamGrader (precomputed) remembers question grades: the same texts give the very same frozen grade', () => {
  const exam = exams[0]!;
  const v = exam.variants[0]!;
  const grader = new ExamGrader(exam, {}, { precompute: true }).warm();
  const answers = Object.fromEntries(v.questions.flatMap((q) => q.parts.map((p, i) => [`${q.number}.${p.id}`, i % 2 ? p.text : '12'])));
  const a = grader.grade(v.code, answers);
  const misses = grader.memoStats.misses;
  assert.equal(misses, v.questions.length);
  const b = grader.grade(v.code, { ...answers });
  assert.equal(grader.memoStats.misses, misses);
  assert.equal(grader.memoStats.hits, v.questions.length);
  b.questions.forEach((q, i) => {
    assert.equal(q, a.questions[i]);
    assert.ok(Object.isFrozen(q) && Object.isFrozen(q.parts) && Object.isFrozen(q.mistakes));
  });
  // One text differs: only that question is graded again, and it agrees with the one-off grading.
  const k = `${v.questions[0]!.number}.${v.questions[0]!.parts[0]!.id}`;
  const c = grader.grade(v.code, { ...answers, [k]: '13' });
  assert.equal(grader.memoStats.misses, misses + 1);
  assert.deepEqual(c, gradeSubmission(exam, v.code, { ...answers, [k]: '13' }));
  // Texts that would collide if joined naively ("1|2" + "" vs "1" + "2|") have different keys.
  const q = v.questions.find((x) => x.parts.length >= 2)!;
  const [p0, p1] = [q.parts[0]!, q.parts[1]!];
  const x = grader.grade(v.code, { [`${q.number}.${p0.id}`]: '1|2', [`${q.number}.${p1.id}`]: '' });
  const y = grader.grade(v.code, { [`${q.number}.${p0.id}`]: '1', [`${q.number}.${p1.id}`]: '2|' });
  assert.deepEqual(x, gradeSubmission(exam, v.code, { [`${q.number}.${p0.id}`]: '1|2', [`${q.number}.${p1.id}`]: '' }));
  assert.deepEqual(y, gradeSubmission(exam, v.code, { [`${q.number}.${p0.id}`]: '1', [`${q.number}.${p1.id}`]: '2|' }));
});
