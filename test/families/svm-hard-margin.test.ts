import { test } from 'node:test';
import assert from 'node:assert/strict';
import { svmHardMargin as F, type SvmHardMarginParams } from '../../src/families/svm-hard-margin.js';
import { generateParams, parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer, type Solution } from '../../src/core/answer.js';

type Raw = { points: [string, number, number, 1 | -1][]; query: [number, number] };
const params = (r: Raw) =>
  parseParams(F, { points: r.points.map(([label, a, c, y]) => ({ label, x: [a, c], y })), query: r.query }) as SvmHardMarginParams;

const answers = (p: SvmHardMarginParams) => Object.fromEntries(F.solve(p).parts.map((x) => [x.id, formatPartAnswer(x)]));
const mistakeAnswers = (p: SvmHardMarginParams) =>
  Object.fromEntries(F.mistakes(p).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

// Seed 002, question 7: positives (1,7), (3,7), (3,9), (5,5); negatives (6,2), (7,3), (8,2), (9,4).
// The seed answered w = (5, 3), b = −36 with support vectors (3,7), (3,9), (6,2), (7,3) — WRONG:
// that line passes through (3,7) and (6,2) themselves (5·3 + 3·7 − 36 = 0, 5·6 + 3·2 − 36 = 0).
// Right: the pair D(5,5), F(7,3) alone is a KKT point: d = (−2, 2), ‖d‖² = 8, w = 2d/8 = (−1/2, 1/2),
// b = 1 − w·D = 1 − 0 = 1, i.e. the line x₂ = x₁ − 2. y(w·x + b): A 4, B 3, C 4, D 1, E 1, F 1, G 2, H 3/2,
// so E(6,2) also lies on the margin (with α = 0: a degenerate but well-defined instance).
// Margin 2/‖w‖ = 2/(√2/2) = 2√2 ≈ 2.828. New point (4,3): −2 + 3/2 + 1 = 1/2 > 0 → +1.
const SEED: Raw = {
  points: [['A', 1, 7, 1], ['B', 3, 7, 1], ['C', 3, 9, 1], ['D', 5, 5, 1], ['E', 6, 2, -1], ['F', 7, 3, -1], ['G', 8, 2, -1], ['H', 9, 4, -1]],
  query: [4, 3],
};

// Axis-aligned, two support vectors: A(4,1)+ and C(2,1)−, d = (2, 0): w = 2(2,0)/4 = (1, 0), b = 1 − 4 = −3
// (boundary x₁ = 3). Others: B 5 − 3 = 2, D −(1 − 3) = 2. Margin 2/1 = 2. New point (4,5): 1 > 0 → +1.
const AXIS: Raw = { points: [['A', 4, 1, 1], ['B', 5, 3, 1], ['C', 2, 1, -1], ['D', 1, 3, -1]], query: [4, 5] };

// Three support vectors: A(1,3)+, B(4,3)+ on x₂ = 3, C(2,1)− on x₂ = 1 (its foot x₁ = 2 lies between 1 and 4).
// w·x + b = y at A, B, C: w = (0, 1), b = −2. α: w = α_A A + α_B B − α_C C, α_A + α_B = α_C →
// 2α_C = 1, α_A + 4α_B = 2α_C → α_C = 1/2, α_B = 1/6, α_A = 1/3. D(3,5)+: 3, E(5,0)−: 2.
// Margin 2. New point (6,1): 1 − 2 = −1 → −1.
const TRIPLE: Raw = { points: [['A', 1, 3, 1], ['B', 4, 3, 1], ['C', 2, 1, -1], ['D', 3, 5, 1], ['E', 5, 0, -1]], query: [6, 1] };

// Fractions: margin lines x₁ + x₂ = 6 (A(2,4), B(5,1), class +1) and x₁ + x₂ = 3 (C(1,2), class −1), Δ = 3:
// w = 2(1,1)/3 = (2/3, 2/3), b = −(6 + 3)/3 = −3. D(4,4)+: 16/3 − 3 = 7/3; E(0,1)−: −(2/3 − 3) = 7/3.
// α: along t = (−1, 1): t·A = 2, t·B = −4, t·C = 1 → α_A = 5α_B; normal: 6(α_A + α_B) − 3α_C = 4/3, α_A + α_B = α_C
// → α_C = 4/9, α_B = 2/27, α_A = 10/27. ‖w‖ = 2√2/3, margin = 3/√2 = 3√2/2 ≈ 2.121.
// New point (2,2): 8/3 − 3 = −1/3 < 0 → −1 (inside the margin band).
const FRACTION: Raw = { points: [['A', 2, 4, 1], ['B', 5, 1, 1], ['C', 1, 2, -1], ['D', 4, 4, 1], ['E', 0, 1, -1]], query: [2, 2] };

test('seed 002 q7 (recomputed; the seed answer w = (5,3), b = −36 is wrong)', () => {
  const a = answers(params(SEED));
  assert.equal(a['w'], '[-1/2, 1/2]');
  assert.equal(a['b'], '1');
  assert.equal(a['margin'], '2√2 ≈ 2.828');
  assert.equal(a['sv'], '{D, E, F}');
  assert.equal(a['side'], '+1');
  const steps = F.solve(params(SEED)).steps.join('\n');
  assert.match(steps, /E lies on the margin with α = 0/);
});

test('hand-computed fixtures', () => {
  assert.deepEqual(answers(params(AXIS)), { w: '[1, 0]', b: '-3', margin: '2', sv: '{A, C}', side: '+1' });
  assert.deepEqual(answers(params(TRIPLE)), { w: '[0, 1]', b: '-2', margin: '2', sv: '{A, B, C}', side: '−1' });
  assert.match(F.solve(params(TRIPLE)).steps.join('\n'), /α_A = 1\/3, α_B = 1\/6, α_C = 1\/2/);
  assert.deepEqual(answers(params(FRACTION)), { w: '[2/3, 2/3]', b: '-3', margin: '3√2/2 ≈ 2.121', sv: '{A, B, C}', side: '−1' });
  assert.match(F.solve(params(FRACTION)).steps.join('\n'), /α_A = 10\/27, α_B = 2\/27, α_C = 4\/9/);
  const margin = F.solve(params(FRACTION)).parts.find((x) => x.id === 'margin')!;
  assert.equal(margin.decimals, 3);
  assert.deepEqual(margin.tolerance, { abs: 0.0005 });
});

test('invalid params name the field', () => {
  // (5,3) on the seed's boundary: −5/2 + 3/2 + 1 = 0
  assert.throws(() => params({ ...SEED, query: [5, 3] }), /query: the new point \(5, 3\) lies exactly on the decision boundary/);
  // C sits between A and B on the diagonal: not separable
  assert.throws(() => params({ points: [['A', 0, 0, 1], ['B', 2, 2, 1], ['C', 1, 1, -1], ['D', 3, 0, -1]], query: [0, 3] }), /points: the two classes are not linearly separable/);
  assert.throws(() => params({ points: [['A', 0, 0, 1], ['A', 2, 2, -1]], query: [0, 3] }), /points: label A is used twice/);
  assert.throws(() => params({ points: [['A', 0, 0, 1], ['B', 0, 0, -1], ['C', 3, 3, -1]], query: [0, 3] }), /points: points A and B coincide/);
  assert.throws(() => params({ points: [['A', 0, 0, 1], ['B', 2, 2, 1]], query: [0, 3] }), /points: both classes/);
  assert.throws(() => params({ points: [['a1', 0, 0, 1], ['B', 2, 2, -1]], query: [0, 3] }), /points\.0\.label: a point label is one capital letter/);
});

test('mistakes give the named wrong answers', () => {
  const seed = mistakeAnswers(params(SEED));
  assert.deepEqual(seed['margin-one-over-norm'], { margin: '√2' });
  assert.deepEqual(seed['margin-over-norm-squared'], { margin: '4' });
  assert.deepEqual(seed['b-sign'], { b: '-1', side: '−1' }); // (4,3): −2 + 3/2 − 1 = −3/2
  assert.deepEqual(seed['nearest-points'], { sv: '{D, F}' }); // D–F is the nearest pair and fixes w, but misses E
  assert.deepEqual(seed['unscaled-w'], { w: '[-2, 2]', b: '4', margin: '√2/2' }); // x_D − x_F, boundary through the midpoint (6, 4)

  const axis = mistakeAnswers(params(AXIS));
  assert.equal(axis['margin-over-norm-squared'], undefined); // ‖w‖ = 1: 2/‖w‖² = 2/‖w‖, not a distinct mistake
  assert.deepEqual(axis['unscaled-w'], { w: '[2, 0]', b: '-6', margin: '1' });

  const frac = mistakeAnswers(params(FRACTION));
  assert.deepEqual(frac['margin-one-over-norm'], { margin: '3√2/4' });
  assert.deepEqual(frac['margin-over-norm-squared'], { margin: '9/4' });
  // nearest pair A–C: d = (1, 2), w = 2d/5, b = 1 − (4/5 + 16/5) = −3
  assert.deepEqual(frac['nearest-points'], { w: '[2/5, 4/5]', margin: '√5', sv: '{A, C}' });
  assert.deepEqual(frac['unscaled-w'], { w: '[1, 1]', b: '-9/2', margin: '√2' });
});

test('verify accepts the right answers and rejects every mistake', async () => {
  const tf = await loadTf();
  for (const raw of [SEED, AXIS, TRIPLE, FRACTION]) {
    const p = params(raw);
    const right = F.solve(p);
    const ok = await F.verify(p, right, tf);
    assert.ok(ok.ok, JSON.stringify(ok.parts));
    for (const m of F.mistakes(p)) {
      const wrong: Solution = { ...right, parts: right.parts.map((x) => (m.answers[x.id] ? { ...x, answer: m.answers[x.id]! } : x)) };
      const check = await F.verify(p, wrong, tf);
      assert.equal(check.ok, false, `mistake ${m.id} passed verification`);
    }
  }
});

test('generation is deterministic and meets the difficulty profile', () => {
  for (const d of [1, 2, 3] as const) {
    for (let seed = 0; seed < 60; seed++) {
      const p = generateParams(F, seed, d) as SvmHardMarginParams;
      assert.deepEqual(generateParams(F, seed, d), p);
      const s = F.solve(p);
      const sv = s.parts.find((x) => x.id === 'sv')!.answer;
      const nsv = sv.kind === 'labels' ? sv.value.length : -1;
      if (d === 1) assert.equal(nsv, 2);
      if (d === 2) assert.equal(nsv, 3);
      if (d === 3) assert.ok(p.points.length >= 6 && (nsv === 2 || nsv === 3));
    }
  }
});

test('property: solver agrees with the SMO dual + KKT certificate on 1,000 seeds; tensors do not leak', async () => {
  const tf = await loadTf();
  await fuzzFamily(F, tf, { seeds: 5 });
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 600, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before);
});
