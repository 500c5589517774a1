import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pooling as F, type PoolingParams } from '../../src/families/pooling.js';
import { generateParams, instanceRng, parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as PoolingParams;
const answers = (raw: Record<string, unknown>) => {
  const s = F.solve(params(raw));
  return Object.fromEntries(s.parts.map((p) => [p.id, formatAnswer(p.answer)]));
};
const mistakes = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

// Seed 004 (question 3.6): 4×4 feature map, 2×2 window, stride 2. Its answers are right:
// max [[6, 4], [3, 4]], average [[3.75, 2.25], [2.00, 2.00]] = [[15/4, 9/4], [2, 2]].
const SEED_X = [
  [1, 3, 2, 4],
  [5, 6, 1, 2],
  [3, 2, 0, 1],
  [1, 2, 4, 3],
];

test('seed 004 example, max pooling (+ a backward pass we added)', () => {
  // windows: {1,3,5,6} → 6 at X[2,2]; {2,4,1,2} → 4 at X[1,4]; {3,2,1,2} → 3 at X[3,1]; {0,1,4,3} → 4 at X[4,3]
  // dy = [[1,2],[3,4]] routed to those cells
  const r = answers({ op: 'max', x: SEED_X, pool: 2, stride: 2, dy: [[1, 2], [3, 4]] });
  assert.equal(r['Y'], '[[6, 4], [3, 4]]');
  assert.equal(r['dLdX'], '[[0, 0, 0, 2], [0, 1, 0, 0], [3, 0, 0, 0], [0, 0, 4, 0]]');
});

test('seed 004 example, average pooling', () => {
  // (1+3+5+6)/4 = 15/4, (2+4+1+2)/4 = 9/4, (3+2+1+2)/4 = 2, (0+1+4+3)/4 = 2; each cell gets dy/4
  const r = answers({ op: 'avg', x: SEED_X, pool: 2, stride: 2, dy: [[1, 2], [3, 4]] });
  assert.equal(r['Y'], '[[15/4, 9/4], [2, 2]]');
  assert.equal(r['dLdX'], '[[1/4, 1/4, 1/2, 1/2], [1/4, 1/4, 1/2, 1/2], [3/4, 3/4, 1, 1], [3/4, 3/4, 1, 1]]');
});

test('seed 000: global average pooling of Z = [[1, 2], [-10, 8]]', () => {
  // Seed: Y = (1 + 2 − 10 + 8)/4 = 0.25 and ∂Y/∂Z_i = 0.25 with ∂L/∂Y = 1 — both right.
  const r = answers({ op: 'avg', x: [[1, 2], [-10, 8]], pool: 2, stride: 2, dy: [[1]] });
  assert.equal(r['Y'], '[[1/4]]');
  assert.equal(r['dLdX'], '[[1/4, 1/4], [1/4, 1/4]]');
});

// Overlapping max pooling, 2×2 window, stride 1 on
//   1 2 0 3
//   4 9 5 1
//   2 3 8 6
//   0 7 1 2
// maxima: Y[1,1], Y[1,2], Y[2,1], Y[2,2] → 9 at X[2,2]; Y[1,3] → 5 at X[2,3];
//         Y[2,3], Y[3,2], Y[3,3] → 8 at X[3,3]; Y[3,1] → 7 at X[4,2]
// dy = [[1,-2,3],[2,1,-1],[4,2,1]]: X[2,2] = 1 − 2 + 2 + 1 = 2, X[2,3] = 3, X[3,3] = −1 + 2 + 1 = 2, X[4,2] = 4
const OVERLAP_MAX = {
  op: 'max',
  x: [
    [1, 2, 0, 3],
    [4, 9, 5, 1],
    [2, 3, 8, 6],
    [0, 7, 1, 2],
  ],
  pool: 2,
  stride: 1,
  dy: [
    [1, -2, 3],
    [2, 1, -1],
    [4, 2, 1],
  ],
};

test('overlapping max pooling accumulates on shared maxima', () => {
  const r = answers(OVERLAP_MAX);
  assert.equal(r['Y'], '[[9, 9, 5], [9, 9, 8], [7, 8, 8]]');
  assert.equal(r['dLdX'], '[[0, 0, 0, 0], [0, 2, 3, 0], [0, 0, 2, 0], [0, 4, 0, 0]]');
});

// Overlapping average pooling, 2×2 window, stride 1 on [[1,2,3],[4,5,6],[7,8,0]]:
// Y = [(1+2+4+5)/4, (2+3+5+6)/4; (4+5+7+8)/4, (5+6+8+0)/4] = [[3, 4], [6, 19/4]]
// dy = [[1,2],[3,-4]]: X[2,2] is in all four windows: (1 + 2 + 3 − 4)/4 = 1/2; X[1,2] = (1+2)/4 = 3/4; …
const OVERLAP_AVG = { op: 'avg', x: [[1, 2, 3], [4, 5, 6], [7, 8, 0]], pool: 2, stride: 1, dy: [[1, 2], [3, -4]] };

test('overlapping average pooling: exact fractions, accumulated', () => {
  const r = answers(OVERLAP_AVG);
  assert.equal(r['Y'], '[[3, 4], [6, 19/4]]');
  assert.equal(r['dLdX'], '[[1/4, 3/4, 1/2], [1, 1/2, -1/2], [3/4, -1/4, -1]]');
});

test("'valid' drops the last row/column when the stride does not fit: they get gradient 0", () => {
  // 5×5, 2×2 window, stride 2: windows cover rows/columns 1–4 only
  const x = [
    [1, 2, 3, 4, 50],
    [5, 6, 7, 8, 50],
    [9, 10, 11, 12, 50],
    [13, 14, 15, 16, 50],
    [50, 50, 50, 50, 50],
  ];
  const r = answers({ op: 'max', x, pool: 2, stride: 2, dy: [[1, 1], [1, 1]] });
  assert.equal(r['Y'], '[[6, 8], [14, 16]]');
  assert.equal(r['dLdX'], '[[0, 0, 0, 0, 0], [0, 1, 0, 1, 0], [0, 0, 0, 0, 0], [0, 1, 0, 1, 0], [0, 0, 0, 0, 0]]');
});

test('invalid params name the field', () => {
  // a tie for the maximum: the window is named
  assert.throws(
    () => parseParams(F, { op: 'max', x: [[1, 5, 0, 0], [5, 2, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]], pool: 2, stride: 2, dy: [[1, 1], [1, 1]] }),
    (e: Error) => /x: max pooling needs a unique maximum/.test(e.message) && /window Y\[1,1\] \(rows 1–2, columns 1–2\).*X\[1,2\], X\[2,1\]/.test(e.message) && /window Y\[2,1\]/.test(e.message),
  );
  // the same matrix is fine for average pooling
  assert.doesNotThrow(() => parseParams(F, { op: 'avg', x: [[1, 5], [5, 2]], pool: 2, stride: 2, dy: [[1]] }));
  assert.throws(() => parseParams(F, { op: 'avg', x: SEED_X, pool: 2, stride: 2, dy: [[1, 2, 3], [1, 2, 3]] }), /dy: ∂L\/∂Y must have the output shape 2×2/);
  assert.throws(() => parseParams(F, { op: 'avg', x: [[1, 2], [3, 4]], pool: 3, stride: 1, dy: [[1]] }), /pool: a 3×3 window does not fit/);
  assert.throws(() => parseParams(F, { op: 'avg', x: [[1, 2], [3]], pool: 1, stride: 1, dy: [[1]] }), (e: Error) => /pool/.test(e.message) && /x: every row/.test(e.message));
  assert.throws(() => parseParams(F, { op: 'max', x: [], pool: 2, stride: 2, dy: [[1]] }), /x: Too small/);
  assert.throws(() => parseParams(F, { op: 'mean', x: SEED_X, pool: 2, stride: 2, dy: [[1, 2], [3, 4]] }), /op/);
  assert.throws(() => parseParams(F, { op: 'avg', x: [[1.5, 2], [3, 4]], pool: 2, stride: 2, dy: [[1]] }), /x\.0\.0/);
});

test('mistakes (max): named wrong answers by value', () => {
  const m = mistakes(OVERLAP_MAX);
  // last window in raster order overwrites: X[2,2] keeps Y[2,2]'s 1, X[3,3] keeps Y[3,3]'s 1
  assert.equal(m['overwrite-overlaps']?.['dLdX'], '[[0, 0, 0, 0], [0, 1, 3, 0], [0, 0, 1, 0], [0, 4, 0, 0]]');
  assert.equal(m['overwrite-overlaps']?.['Y'], undefined);
  // minima: {1,2,4,9}→1 {2,0,9,5}→0 {0,3,5,1}→0 / {4,9,2,3}→2 {9,5,3,8}→3 {5,1,8,6}→1 / {2,3,0,7}→0 {3,8,7,1}→1 {8,6,1,2}→1
  assert.equal(m['min-not-max']?.['Y'], '[[1, 0, 0], [2, 3, 1], [0, 1, 1]]');
  // every cell of each window gets dy: X[1,1] only in Y[1,1] → 1; X[2,2] in four windows → 1 − 2 + 2 + 1 = 2 (same as right!)
  assert.match(m['max-grad-to-all']?.['dLdX'] ?? '', /^\[\[1, -1, 1, 3\], \[3, 2, 1, 2\]/);
  // spread evenly: X[1,1] gets 1/4
  assert.match(m['max-grad-spread']?.['dLdX'] ?? '', /^\[\[1\/4, /);
  assert.equal(m['avg-forward-no-divide'], undefined);
});

test('mistakes (avg): named wrong answers by value', () => {
  const m = mistakes(OVERLAP_AVG);
  assert.equal(m['avg-forward-no-divide']?.['Y'], '[[12, 16], [24, 19]]');
  assert.equal(m['avg-backward-no-divide']?.['dLdX'], '[[1, 3, 2], [4, 2, -2], [3, -1, -4]]');
  // the last window covering each cell wins: Y[2,2]'s −4/4 = −1 in its four cells
  assert.equal(m['overwrite-overlaps']?.['dLdX'], '[[1/4, 1/2, 1/2], [3/4, -1, -1], [3/4, -1, -1]]');
  assert.equal(m['min-not-max'], undefined);
  // non-overlapping windows: overwriting changes nothing, so it is not listed
  assert.equal(mistakes({ op: 'avg', x: SEED_X, pool: 2, stride: 2, dy: [[1, 2], [3, 4]] })['overwrite-overlaps'], undefined);
});

test('generation: difficulty 1 is the textbook 4×4 / 2×2 / stride 2; 2–3 overlap; deterministic', () => {
  for (let seed = 0; seed < 60; seed++) {
    const p1 = generateParams(F, seed, 1) as PoolingParams;
    assert.deepEqual([p1.x.length, p1.pool, p1.stride], [4, 2, 2]);
    for (const d of [2, 3] as const) {
      const p = generateParams(F, seed, d) as PoolingParams;
      assert.ok(p.stride < p.pool, 'overlapping windows');
      assert.ok(p.pool === 2 || p.pool === 3);
    }
  }
  assert.deepEqual(F.generate(instanceRng('pooling', 7), { difficulty: 3 }), F.generate(instanceRng('pooling', 7), { difficulty: 3 }));
});

test('verify agrees on the fixtures and does not leak tensors', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  for (const raw of [OVERLAP_MAX, OVERLAP_AVG, { op: 'max', x: SEED_X, pool: 2, stride: 2, dy: [[1, 2], [3, 4]] }]) {
    const p = params(raw);
    const check = await F.verify(p, F.solve(p), tf);
    assert.ok(check.ok, JSON.stringify(check.parts));
  }
  assert.equal(tf.memory().numTensors, before);
});

test('property: solver agrees with tf.maxPool / tf.avgPool + tf.grad on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 950, `only ${r.distinctAnswers} distinct answers`);
});
