/**
 * The grader on generated exams: the key's own answers score full marks on every part of every
 * variant, blanks score nothing, known mistakes are named, partial credit and error carried forward.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerFromJson, answersEqual, formatAnswer, type AnswerJson } from '../../src/core/answer.js';
import { generateExam } from '../../src/exam/generate.js';
import type { ExamDoc, QuestionDoc } from '../../src/exam/types.js';
import { families } from '../../src/families/index.js';
import { modelSummary, type ModelSummaryParams } from '../../src/families/model-summary.js';
import { gradeQuestion, gradeSubmission, type QuestionGrade } from '../../src/grade/judge.js';
import { tempDir } from '../tmp.js';

const SECRET = 'grade-test-secret-0123456789';
const exams: ExamDoc[] = [];

before(async () => {
  const out = tempDir('grade');
  // Every family at every difficulty, plus a bank draw, so every answer kind is exercised.
  const all = [
    'title: Every family',
    'course: Grading tests',
    'decimals: 2',
    'sections:',
    '  - title: All',
    '    questions:',
    ...families.flatMap((f) => [1, 2, 3].map((d) => `      - { family: ${f.id}, points: 5, difficulty: ${d} }`)),
    '      - { family: layer-param-count, points: 2, difficulty: 2, format: choice }',
    '      - { bank: cnn, draw: 3, points: 2 }',
  ].join('\n');
  const spec = join(out, 'every-family.yaml');
  writeFileSync(spec, `${all}\n`);
  for (const [file, variants] of [
    ['question-banks/cnn-midterm.yaml', 3],
    ['question-banks/ml-stats-quiz.yaml', 3],
    [spec, 3],
  ] as const) {
    const r = await generateExam({ spec: file, variants, out, secret: SECRET, banksDir: 'question-banks/mc', pdf: false });
    exams.push(r.exam);
  }
});

function* questions(): Generator<{ exam: ExamDoc; code: string; q: QuestionDoc }> {
  for (const exam of exams) for (const v of exam.variants) for (const q of v.questions) yield { exam, code: v.code, q };
}

const opts = (exam: ExamDoc) => ({ decimals: exam.exam.decimals });

function assertFull(g: QuestionGrade, what: string, typed: Record<string, string>): void {
  for (const p of g.parts) assert.equal(p.points, p.max, `${what}: part ${p.id} typed ${JSON.stringify(typed[p.id])} read ${p.parsed ?? p.error} → ${p.credit}`);
  assert.equal(g.points, g.max, what);
}

/** The float values of a part as a student with a calculator would type them ("0.8944271909999159"). */
function floatText(a: AnswerJson, text: string): string {
  if (a.kind === 'scalar') return String(a.value);
  if (a.kind === 'vector') return `[${a.value.join(', ')}]`;
  if (a.kind === 'set') return a.value.length ? `{${a.value.join(', ')}}` : 'none';
  if (a.kind === 'matrix') return a.value.map((r) => r.join(' ')).join('\n');
  return text;
}

test('the key scores full marks: part.text, the exact answer, and its float value, on every part of every variant', () => {
  let parts = 0;
  const kinds = new Set<string>();
  for (const { exam, code, q } of questions()) {
    const forms: Record<string, (p: QuestionDoc['parts'][number]) => string> = {
      text: (p) => p.text,
      exact: (p) => formatAnswer(answerFromJson(p.answer)),
      float: (p) => floatText(p.answer, p.text),
    };
    for (const [name, form] of Object.entries(forms)) {
      const typed = Object.fromEntries(q.parts.map((p) => [p.id, form(p)]));
      assertFull(gradeQuestion(q, typed, opts(exam)), `${exam.spec.id} ${code} Q${q.number} (${q.source.kind === 'family' ? q.source.family : 'bank'}) as ${name}`, typed);
    }
    parts += q.parts.length;
    for (const p of q.parts) kinds.add(p.answer.kind);
  }
  assert.deepEqual([...kinds].sort(), ['choice', 'labels', 'matrix', 'scalar', 'set', 'shape', 'vector']);
  assert.ok(parts > 500, `${parts} parts`);
});

test('the key scores full marks through gradeSubmission too ("<question>.<part>" keys)', () => {
  for (const exam of exams)
    for (const v of exam.variants) {
      const answers = Object.fromEntries(v.questions.flatMap((q) => q.parts.map((p) => [`${q.number}.${p.id}`, p.text])));
      const g = gradeSubmission(exam, v.code, answers);
      assert.deepEqual(g.errors, []);
      assert.equal(g.variant, v.number);
      assert.equal(g.total, g.max);
      assert.ok(Math.abs(g.max - exam.totalPoints) < 1e-6, `${g.max} vs ${exam.totalPoints}`);
    }
});

test('blanks score zero, are marked blank, and are not errors', () => {
  for (const { exam, q } of questions()) {
    for (const typed of [{}, Object.fromEntries(q.parts.map((p) => [p.id, '  ']))]) {
      const g = gradeQuestion(q, typed, opts(exam));
      assert.equal(g.points, 0);
      for (const p of g.parts) {
        assert.equal(p.blank, true);
        assert.equal(p.error, undefined);
        assert.equal(p.correct, false);
      }
    }
  }
  const g = gradeSubmission(exams[0]!, exams[0]!.variants[0]!.code, {});
  assert.equal(g.total, 0);
  assert.deepEqual(g.errors, []);
});

test("answering with a mistake's wrong answer names the mistake (label + feedback)", () => {
  let named = 0;
  for (const { exam, q } of questions()) {
    for (const m of q.mistakes) {
      for (const [partId, wrong] of Object.entries(m.answers)) {
        const part = q.parts.find((p) => p.id === partId)!;
        const g = gradeQuestion(q, { [partId]: formatAnswer(answerFromJson(wrong)) }, opts(exam));
        const pg = g.parts.find((p) => p.id === partId)!;
        if (pg.credit === 1) {
          // Only possible when the wrong answer lies within the part's tolerance of the right one.
          assert.ok(part.tolerance || part.decimals !== undefined, `${q.key} ${m.id} ${partId}: a mistake graded as right`);
          continue;
        }
        assert.ok(
          pg.mistakes.some((x) => x.id === m.id),
          `${exam.spec.id} Q${q.number} ${m.id} on ${partId}: got ${JSON.stringify(pg.mistakes)}`,
        );
        assert.ok(pg.feedback.some((f) => f.includes(m.label) && f.includes(m.feedback)));
        assert.ok(g.mistakes.some((x) => x.id === m.id && x.parts.includes(partId)));
        named++;
      }
    }
  }
  assert.ok(named > 200, `${named} mistakes named`);
});

test('a wrong answer that matches no mistake gets no mistake label; a negated scalar gets "sign error"', () => {
  const { exam, q } = [...questions()].find(({ q }) => q.source.kind === 'family' && q.source.family === 'svm-hard-margin')!;
  const b = answerFromJson(q.parts.find((p) => p.id === 'b')!.answer);
  assert.equal(b.kind, 'scalar');
  const negated = formatAnswer({ kind: 'scalar', value: { coef: b.value.coef.neg(), rad: b.value.rad } });
  const pg = gradeQuestion(q, { b: negated }, opts(exam)).parts.find((p) => p.id === 'b')!;
  assert.equal(pg.credit, 0);
  // b-sign is a named mistake of this family; otherwise the generic hint applies
  assert.ok(pg.mistakes.some((m) => m.id === 'b-sign') || pg.feedback.some((f) => /Sign error/.test(f)), JSON.stringify(pg.feedback));
  const other = gradeQuestion(q, { b: '12345' }, opts(exam)).parts.find((p) => p.id === 'b')!;
  assert.deepEqual(other.mistakes, []);
});

test('partial credit on shapes, matrices, vectors and labels of generated questions', () => {
  let shapes = 0;
  let matrices = 0;
  for (const { exam, q } of questions()) {
    for (const part of q.parts) {
      const a = part.answer;
      if (a.kind === 'shape') {
        const dims = a.value.filter((d) => d !== null).length;
        if (dims < 2) continue;
        const i = a.value.findIndex((d) => d !== null);
        const typed = `(${a.value.map((d, k) => (d === null ? 'None' : k === i ? d + 7 : d)).join(', ')})`;
        const pg = gradeQuestion(q, { [part.id]: typed }, opts(exam)).parts.find((p) => p.id === part.id)!;
        if (pg.ecf) continue;
        assert.equal(pg.credit, (dims - 1) / dims, `${q.key} ${part.id} ${typed}`);
        assert.equal(pg.correct, 'partial');
        assert.equal(pg.points, Math.round(part.points * ((dims - 1) / dims) * 1e6) / 1e6);
        assert.deepEqual(
          pg.components?.filter((c) => !c.correct).map((c) => c.at),
          [`dim ${i + 1}`],
        );
        shapes++;
      }
      if (a.kind === 'matrix' && !part.tolerance) {
        const n = a.exact.flat().length;
        const typed = `[${a.exact.map((r, i) => `[${r.map((x, j) => (i === 0 && j === 0 ? `(${x}) + 1` : x)).join(', ')}]`).join(', ')}]`;
        const pg = gradeQuestion(q, { [part.id]: typed }, opts(exam)).parts.find((p) => p.id === part.id)!;
        assert.equal(pg.credit, (n - 1) / n, `${q.key} ${part.id} ${typed}`);
        assert.deepEqual(
          pg.components?.filter((c) => !c.correct).map((c) => c.at),
          ['[1,1]'],
        );
        matrices++;
      }
      if (a.kind === 'vector' && a.exact.length >= 2 && !part.tolerance) {
        const typed = `[${a.exact.map((x, j) => (j === 1 ? `(${x}) - 2` : x)).join(', ')}]`;
        const pg = gradeQuestion(q, { [part.id]: typed }, opts(exam)).parts.find((p) => p.id === part.id)!;
        assert.equal(pg.credit, (a.exact.length - 1) / a.exact.length);
      }
      if (a.kind === 'labels' && a.value.length >= 1) {
        const extra = a.options.find((o) => !a.value.includes(o))!;
        const pg = gradeQuestion(q, { [part.id]: [...a.value, extra].join(', ') }, opts(exam)).parts.find((p) => p.id === part.id)!;
        assert.equal(pg.credit, a.value.length / (a.value.length + 1));
      }
    }
  }
  assert.ok(shapes > 20 && matrices > 10, `${shapes} shapes, ${matrices} matrices`);
});

test('choice questions: letters in any case and spelling; the wrong letter is 0', () => {
  for (const { exam, q } of questions()) {
    if (q.format !== 'choice') continue;
    const a = q.parts[0]!.answer;
    assert.equal(a.kind, 'choice');
    if (a.kind !== 'choice') continue;
    for (const typed of [a.value.toLowerCase(), `(${a.value})`, `${a.value})`, `option ${a.value.toLowerCase()}`]) assert.equal(gradeQuestion(q, { choice: typed }, opts(exam)).points, q.points, typed);
    // the option's text works too
    const text = q.options?.[a.options.indexOf(a.value)];
    if (text) assert.equal(gradeQuestion(q, { choice: text }, opts(exam)).points, q.points, text);
    const wrong = a.options.find((o) => o !== a.value)!;
    assert.equal(gradeQuestion(q, { choice: wrong }, opts(exam)).points, 0);
  }
});

test('percentages count on classification metrics only; a wrong-size answer is a reading error unless it is a known mistake', () => {
  const metrics = [...questions()].find(({ q }) => q.source.kind === 'family' && q.source.family === 'classification-metrics' && q.parts.some((p) => p.id === 'accuracy' && !p.tolerance))!;
  const acc = metrics.q.parts.find((p) => p.id === 'accuracy')!;
  const value = answerFromJson(acc.answer);
  assert.equal(value.kind, 'scalar');
  const exact = (acc.answer as { exact: string }).exact;
  for (const pct of [`${exact}*100%`, `(${exact}) * 100 %`]) {
    const g = gradeQuestion(metrics.q, { accuracy: pct }, opts(metrics.exam)).parts.find((p) => p.id === 'accuracy')!;
    assert.equal(g.credit, 1, `${pct} for ${acc.text}`);
  }
  const other = [...questions()].find(({ q }) => q.source.kind === 'family' && q.source.family === 'layer-param-count' && q.format === 'open')!;
  assert.match(gradeQuestion(other.q, { params: '50%' }, opts(other.exam)).parts[0]!.error!, /percentages are not accepted here/);
  const shapeQ = [...questions()].find(({ q }) => q.source.kind === 'family' && q.source.family === 'conv-output-shape')!;
  const sp = gradeQuestion(shapeQ.q, { shape: '25%' }, opts(shapeQ.exam)).parts[0]!;
  assert.match(sp.error!, /not a dimension/);
  // a 2×2 answer to a 3×2 matrix part: the reading error, no credit
  const is3x2 = (p: QuestionDoc['parts'][number]) => p.answer.kind === 'matrix' && p.answer.exact.length === 3 && p.answer.exact[0]!.length === 2;
  const mat = [...questions()].find(({ q }) => q.parts.some(is3x2))!;
  const mp = mat.q.parts.find(is3x2)!;
  const mg = gradeQuestion(mat.q, { [mp.id]: '[[1, 2], [3, 4]]' }, opts(mat.exam)).parts.find((p) => p.id === mp.id)!;
  assert.equal(mg.credit, 0);
  assert.equal(mg.error, 'expected a 3×2 matrix (3 rows of 2); got 2×2');
});

// ---------- error carried forward (model-summary tables) ----------

interface SummaryCase {
  exam: ExamDoc;
  q: QuestionDoc;
  params: ModelSummaryParams;
}

function summaries(): SummaryCase[] {
  return [...questions()]
    .filter(({ q }) => q.source.kind === 'family' && q.source.family === 'model-summary')
    .map(({ exam, q }) => ({ exam, q, params: modelSummary.params.parse((q.source as { params: unknown }).params) }));
}

/**
 * A student who got row `row`'s spatial size wrong by `delta` and then computed every later row
 * correctly from their own shape. The later rows come from the family's own solve() run on the rest
 * of the stack with the student's shape as its input, so the grader's ECF recurrence is checked
 * against an independent computation.
 */
function consistentStudent(c: SummaryCase, row: number, delta: number): Record<string, string> | undefined {
  const key = (id: string) => c.q.parts.find((p) => p.id === id)!;
  const rightShape = (key(`L${row}.shape`).answer as { value: (number | null)[] }).value;
  const spatial = rightShape.slice(1, -1) as number[];
  if (spatial.length === 0) return undefined; // flat rows: no spatial size to get wrong
  const mine = [spatial[0]! + delta, ...spatial.slice(1)];
  const channels = rightShape[rightShape.length - 1] as number;
  const rest = modelSummary.params.safeParse({ input: mine, channels, layers: c.params.layers.slice(row), askTrainable: false });
  if (!rest.success) return undefined;
  const tail = Object.fromEntries(modelSummary.solve(rest.data).parts.map((p) => [p.id, formatAnswer(p.answer)]));
  const answers: Record<string, string> = Object.fromEntries(c.q.parts.map((p) => [p.id, p.text]));
  answers[`L${row}.shape`] = `(None, ${[...mine, channels].join(', ')})`;
  const n = c.params.layers.length;
  let total = 0;
  for (let i = 1; i <= n; i++) {
    if (i > row) {
      answers[`L${i}.shape`] = tail[`L${i - row}.shape`]!;
      answers[`L${i}.params`] = tail[`L${i - row}.params`]!;
    }
    total += Number(answers[`L${i}.params`]);
  }
  answers['total'] = String(total);
  delete answers['trainable'];
  delete answers['nonTrainable'];
  return answers;
}

test('ECF: later rows consistent with a wrong earlier shape are credited; the wrong row itself is not', () => {
  let checked = 0;
  for (const c of summaries()) {
    for (let row = 1; row < c.params.layers.length; row++) {
      const answers = consistentStudent(c, row, -2);
      if (!answers) continue;
      const g = gradeQuestion(c.q, answers, opts(c.exam));
      const byId = new Map(g.parts.map((p) => [p.id, p]));
      const wrongRow = byId.get(`L${row}.shape`)!;
      assert.ok(wrongRow.credit < 1, 'the wrong row keeps its deduction');
      assert.equal(wrongRow.ecf, undefined);
      for (const p of g.parts) {
        if (p.id === `L${row}.shape` || p.id === 'trainable' || p.id === 'nonTrainable') continue;
        assert.equal(p.credit, 1, `${c.q.key} row ${row}: ${p.id} typed ${answers[p.id]} → ${p.credit} ${p.feedback.join(' ')}`);
      }
      // at least the next row differs from the key and is credited by ECF
      const next = byId.get(`L${row + 1}.shape`)!;
      const truthNext = c.q.parts.find((p) => p.id === `L${row + 1}.shape`)!.text;
      if (answers[`L${row + 1}.shape`] !== truthNext) assert.deepEqual(next.ecf, { from: [`L${row}.shape`] });
      // Without ECF the same answers score less.
      const strict = gradeQuestion(c.q, answers, { ...opts(c.exam), ecf: false });
      assert.ok(strict.points < g.points || answers[`L${row + 1}.shape`] === truthNext);
      checked++;
    }
  }
  assert.ok(checked >= 5, `${checked} ECF cases`);
});

test('ECF is not gameable: a blank or unreadable earlier row makes no later row "consistent"', () => {
  let checked = 0;
  for (const c of summaries()) {
    for (let row = 1; row < c.params.layers.length; row++) {
      const answers = consistentStudent(c, row, -2);
      if (!answers) continue;
      // the parts credited because of the student's L{row}.shape (later rows may carry from later
      // wrong rows of their own: that is legitimate ECF and stays)
      const carried = gradeQuestion(c.q, answers, opts(c.exam)).parts.filter((p) => p.ecf?.from.includes(`L${row}.shape`));
      if (carried.length === 0) continue;
      for (const earlier of ['', '   ', '(None, abc)', '(None, 12)', '(None, None, None, None)']) {
        const g = gradeQuestion(c.q, { ...answers, [`L${row}.shape`]: earlier }, opts(c.exam));
        for (const p of carried) {
          const pg = g.parts.find((x) => x.id === p.id)!;
          assert.equal(pg.ecf, undefined, `${c.q.key}: L${row}.shape = ${JSON.stringify(earlier)} must not carry to ${p.id}`);
          assert.ok(pg.credit < 1, `${p.id} judged against the true chain`);
        }
      }
      checked++;
    }
  }
  assert.ok(checked >= 5, `${checked} cases`);
});

test('ECF on the seed-style table: a wrong Flatten size carries to the Dense parameters and the total', () => {
  const c = summaries().find((s) => s.params.layers.some((l, i) => l.type === 'flatten' && s.params.layers[i + 1]?.type === 'dense'));
  assert.ok(c, 'a model-summary question with Flatten → Dense');
  const f = c.params.layers.findIndex((l) => l.type === 'flatten') + 1;
  const answers: Record<string, string> = Object.fromEntries(c.q.parts.map((p) => [p.id, p.text]));
  const dense = c.params.layers[f]! as { units: number };
  // forgot the channels in Flatten: a wrong feature count (one that no true answer has)
  const wrongFeatures = 7;
  answers[`L${f}.shape`] = `(None, ${wrongFeatures})`;
  answers[`L${f + 1}.params`] = String((wrongFeatures + 1) * dense.units);
  let total = 0;
  for (let i = 1; i <= c.params.layers.length; i++) total += Number(answers[`L${i}.params`]);
  answers['total'] = String(total);
  const g = gradeQuestion(c.q, answers, opts(c.exam));
  const part = (id: string) => g.parts.find((p) => p.id === id)!;
  assert.equal(part(`L${f}.shape`).credit, 0);
  assert.equal(part(`L${f + 1}.params`).credit, 1);
  assert.deepEqual(part(`L${f + 1}.params`).ecf, { from: [`L${f}.shape`] });
  assert.equal(part('total').credit, 1);
  assert.deepEqual(part('total').ecf, { from: [`L${f + 1}.params`] });
  // a total that matches neither the key nor the student's own rows earns nothing
  assert.equal(gradeQuestion(c.q, { ...answers, total: String(total + 1) }, opts(c.exam)).parts.find((p) => p.id === 'total')!.credit, 0);
  // and a blank row breaks the sum: the total is then judged against the key only
  assert.equal(gradeQuestion(c.q, { ...answers, 'L1.params': '' }, opts(c.exam)).parts.find((p) => p.id === 'total')!.credit, 0);
});

// ---------- submissions ----------

test('gradeSubmission: codes are normalised (case, spaces, I/L → 1, O → 0); unknown codes are a clear error', () => {
  const exam = exams[0]!;
  const v = exam.variants[1]!;
  const messy = ` ${v.code.slice(0, 3).toLowerCase()} ${v.code.slice(3)} `.replace(/1/g, 'l').replace(/0/g, 'O');
  assert.equal(gradeSubmission(exam, messy, {}).variant, v.number);
  const bad = gradeSubmission(exam, 'ZZZZZZ', {});
  assert.equal(bad.variant, undefined);
  assert.equal(bad.total, 0);
  assert.deepEqual(bad.questions, []);
  assert.equal(bad.errors[0]!.kind, 'unknown-variant');
  assert.match(bad.errors[0]!.message, /unknown variant code "ZZZZZZ"/);
});

test('gradeSubmission: unknown questions, unknown parts, bad keys, bad values, duplicates, prototype keys', () => {
  const exam = exams[0]!;
  const v = exam.variants[0]!;
  const q1 = v.questions[0]!;
  const answers = JSON.parse(
    JSON.stringify({
      [`${q1.number}.${q1.parts[0]!.id}`]: q1.parts[0]!.text,
      [`Q${q1.number}.${q1.parts[0]!.id}`]: 'again',
      '99.shape': '1',
      [`${q1.number}.nope`]: '2',
      'no dot here': '3',
      '4.L1.params': 224,
      '3.params': { evil: true },
    }).replace('{', '{"__proto__": "x", "constructor": "y", "toString": "z", '),
  ) as Record<string, unknown>;
  const g = gradeSubmission(exam, v.code, answers);
  const kinds = g.errors.map((e) => e.kind).sort();
  assert.deepEqual(kinds, ['bad-key', 'bad-key', 'bad-key', 'bad-key', 'bad-value', 'duplicate', 'unknown-part', 'unknown-question']);
  assert.match(g.errors.find((e) => e.kind === 'unknown-part')!.message, new RegExp(`question ${q1.number} has no part "nope" \\(its parts: `));
  assert.match(g.errors.find((e) => e.kind === 'unknown-question')!.message, /there is no question 99/);
  // the first of the duplicates counts
  assert.equal(g.questions[0]!.parts[0]!.credit, 1);
  assert.ok(g.total >= g.questions[0]!.points);
  // answers that are not an object at all
  assert.equal(gradeSubmission(exam, v.code, null as unknown as Record<string, string>).errors[0]!.kind, 'bad-answers');
});

test('gradeQuestion ignores inherited keys: "__proto__" is never an answer', () => {
  const { exam, q } = [...questions()][0]!;
  const answers = Object.create({ [q.parts[0]!.id]: q.parts[0]!.text }) as Record<string, string>;
  assert.equal(gradeQuestion(q, answers, opts(exam)).points, 0);
});

test('the key JSON files and exam.json agree with what the grader accepts (answersEqual round trip)', () => {
  for (const { q } of questions()) for (const p of q.parts) assert.ok(answersEqual(answerFromJson(p.answer), answerFromJson(JSON.parse(JSON.stringify(p.answer)) as AnswerJson)));
});
