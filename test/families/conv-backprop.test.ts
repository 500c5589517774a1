import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convBackprop as F, type ConvBackpropParams } from '../../src/families/conv-backprop.js';
import { parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as ConvBackpropParams;
const answers = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.solve(params(raw)).parts.map((p) => [p.id, formatAnswer(p.answer)]));
const wrong = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

// Seed 001 (Q2): the exercise prints only the worked answer, not X itself. X is reconstructed from
// its forward-pass lines (X_11..X_33 except X_13, which multiplies F_12 = 0 in O_12) and from its
// ∂L/∂F_12 = (X_12 + X_13 + X_22 + X_23)/4 = 7/4 → X_13 = 5.
const SEED = { x: [[3, 4, 5], [2, 1, -3], [4, -2, 0]], f: [[2, 0], [-3, 1]], loss: 'gap' };

test('seed 001 Q2: GAP after a 2×2 filter, recomputed', () => {
  // O_11 = 3·2 + 4·0 + 2·(−3) + 1·1 = 1;  O_12 = 4·2 + 5·0 + 1·(−3) + (−3)·1 = 2
  // O_21 = 2·2 + 1·0 + 4·(−3) + (−2)·1 = −10;  O_22 = 1·2 + (−3)·0 + (−2)·(−3) + 0·1 = 8;  G = 1/4
  // ∂L/∂X = (1/4)·(full convolution of a 2×2 block of ones with F):
  //   X_11: F_11/4 = 1/2   X_12: (F_11+F_12)/4 = 1/2   X_13: F_12/4 = 0
  //   X_21: (F_11+F_21)/4 = −1/4   X_22: ΣF/4 = 0   X_23: (F_12+F_22)/4 = 1/4
  //   X_31: F_21/4 = −3/4   X_32: (F_21+F_22)/4 = −1/2   X_33: F_22/4 = 1/4
  // ∂L/∂F_uv = mean of the 2×2 window of X at offset (u, v): 10/4, 7/4, 5/4, −4/4.
  // The seed's O, G = 0.25, ∂L/∂X and ∂L/∂F all agree with this: no numeric error in this exercise
  // (its only defect is that X is never stated; X_13 is recoverable only from its ∂L/∂F_12).
  const a = answers(SEED);
  assert.equal(a['O'], '[[1, 2], [-10, 8]]');
  assert.equal(a['dLdO'], '[[1/4, 1/4], [1/4, 1/4]]');
  assert.equal(a['dLdX'], '[[1/2, 1/2, 0], [-1/4, 0, 1/4], [-3/4, -1/2, 1/4]]');
  assert.equal(a['dLdF'], '[[5/2, 7/4], [5/4, -1]]');
  assert.equal(a['dLdb'], undefined, 'no bias → no ∂L/∂b part');
  const steps = F.solve(params(SEED)).steps.join('\n');
  assert.match(steps, /∂L\/∂X_11 = \(1\/4\)·F_11 = \(1\/4\)·2 = 1\/2/);
  assert.match(steps, /G = .* = 1\/4/);
});

test('seed 001 Q2 with true convolution (flip: true)', () => {
  // Rotated kernel K = [[1, −3], [0, 2]]: O_11 = 3 − 12 + 0 + 2 = −7, O_12 = 4 − 15 + 0 − 6 = −17,
  // O_21 = 2 − 3 + 0 − 4 = −5, O_22 = 1 + 9 + 0 + 0 = 10.
  // Uniform δ: ∂L/∂X and ∂L/∂F are the correlation answers rotated by 180°.
  const a = answers({ ...SEED, flip: true });
  assert.equal(a['O'], '[[-7, -17], [-5, 10]]');
  assert.equal(a['dLdX'], '[[1/4, -1/2, -3/4], [1/4, 0, -1/4], [0, 1/2, 1/2]]');
  assert.equal(a['dLdF'], '[[-1, 5/4], [7/4, 5/2]]');
  assert.match(F.statement(params({ ...SEED, flip: true })).convention, /True convolution/);
});

const MSE = { x: [[1, 2, 0], [-1, 3, 1], [2, 0, -2]], f: [[1, -1], [2, 0]], bias: 1, loss: 'mse', target: [[0, 1], [2, 0]] };

test('½Σ(O − T)² with a bias, by hand', () => {
  // O_11 = 1 − 2 − 2 + 0 + 1 = −2, O_12 = 2 − 0 + 6 + 0 + 1 = 9, O_21 = −1 − 3 + 4 + 0 + 1 = 1, O_22 = 3 − 1 + 0 + 0 + 1 = 3
  // δ = O − T = [[−2, 8], [−1, 3]]
  // ∂L/∂X_pq = Σ δ_ij F_(p−i+1)(q−j+1):
  //   X_11 = −2; X_12 = (−2)(−1) + 8·1 = 10; X_13 = 8·(−1) = −8
  //   X_21 = (−2)·2 + (−1)·1 = −5; X_22 = 0 + 8·2 + (−1)(−1) + 3·1 = 20; X_23 = 0 + 3·(−1) = −3
  //   X_31 = (−1)·2 = −2; X_32 = 0 + 3·2 = 6; X_33 = 0
  // ∂L/∂F_uv = Σ δ_ij X_(i+u−1)(j+v−1):
  //   F_11 = −2 + 16 + 1 + 9 = 24; F_12 = −4 + 0 − 3 + 3 = −4; F_21 = 2 + 24 − 2 + 0 = 24; F_22 = −6 + 8 + 0 − 6 = −4
  // ∂L/∂b = −2 + 8 − 1 + 3 = 8
  const a = answers(MSE);
  assert.equal(a['O'], '[[-2, 9], [1, 3]]');
  assert.equal(a['dLdO'], '[[-2, 8], [-1, 3]]');
  assert.equal(a['dLdX'], '[[-2, 10, -8], [-5, 20, -3], [-2, 6, 0]]');
  assert.equal(a['dLdF'], '[[24, -4], [24, -4]]');
  assert.equal(a['dLdb'], '8');
});

test('stride 2 and uncovered inputs, by hand', () => {
  // 4×4 input, F = [[1, 0], [0, −1]], stride 2: non-overlapping windows, so ∂L/∂X tiles F (L = ΣO).
  // O = [[1 − 6, 3 − 8], [−1 − 2, 1 − 0]]; ∂L/∂F_uv = sum of the X entries at offset (u, v): 4, 8, 14, 16.
  const a = answers({ x: [[1, 2, 3, 4], [5, 6, 7, 8], [-1, 0, 1, 2], [2, 2, 0, 0]], f: [[1, 0], [0, -1]], bias: 0, stride: 2, loss: 'sum' });
  assert.equal(a['O'], '[[-5, -5], [-3, 1]]');
  assert.equal(a['dLdX'], '[[1, 0, 1, 0], [0, -1, 0, -1], [1, 0, 1, 0], [0, -1, 0, -1]]');
  assert.equal(a['dLdF'], '[[4, 8], [14, 16]]');
  assert.equal(a['dLdb'], '4');
  // Seed X with stride 2: one window; row 3 / column 3 receive no gradient.
  const b = answers({ ...SEED, stride: 2, loss: 'sum' });
  assert.equal(b['O'], '[[1]]');
  assert.equal(b['dLdX'], '[[2, 0, 0], [-3, 1, 0], [0, 0, 0]]');
  assert.equal(b['dLdF'], '[[3, 4], [2, 1]]');
});

test('weighted loss: ∂L/∂O = W', () => {
  // O = [[1, 2], [−10, 8]] (seed), L = Σ W⊙O with W = [[1, 0], [0, −1]] → δ = W
  // ∂L/∂X = F placed at (1,1) minus F placed at (2,2): [[2, 0, 0], [−3, 1 − 2, 0], [0, 3, −1]]
  // ∂L/∂F = window(1,1) − window(2,2) = [[3 − 1, 4 + 3], [2 + 2, 1 − 0]]
  const a = answers({ ...SEED, loss: 'weighted', weights: [[1, 0], [0, -1]] });
  assert.equal(a['dLdO'], '[[1, 0], [0, -1]]');
  assert.equal(a['dLdX'], '[[2, 0, 0], [-3, -1, 0], [0, 3, -1]]');
  assert.equal(a['dLdF'], '[[2, 7], [4, 1]]');
});

test('invalid params name the field', () => {
  assert.throws(() => params({ x: [[1, 2], [3]], f: [[1]], loss: 'sum' }), /x: the input X must be a square matrix/);
  assert.throws(() => params({ x: [[1, 2], [3, 4]], f: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], loss: 'sum' }), /f: the 3×3 filter does not fit/);
  assert.throws(() => params({ ...SEED, f: [[0, 0], [0, 0]] }), /f: the filter is all zeros/);
  assert.throws(() => params({ ...SEED, loss: 'mse' }), /target: loss 'mse' needs a target/);
  assert.throws(() => params({ ...SEED, loss: 'mse', target: [[1, 2, 3], [1, 2, 3], [1, 2, 3]] }), /target: must be 2×2/);
  assert.throws(() => params({ ...SEED, loss: 'mse', target: [[1, 2], [-10, 8]] }), /target: T equals the output O/);
  assert.throws(() => params({ ...SEED, loss: 'weighted', weights: [[0, 0], [0, 0]] }), /weights: W is all zeros/);
  assert.throws(() => params({ ...SEED, weights: [[1, 0], [0, 1]] }), /weights: weights W are only used by loss 'weighted'/);
  assert.throws(() => params({ ...SEED, loss: 'hinge' }), /loss/);
});

test('mistakes: named wrong answers', () => {
  const s = wrong(SEED);
  // forgot the 1/4 of the average: everything 4× too big
  assert.equal(s['no-mean']!['dLdO'], '[[1, 1], [1, 1]]');
  assert.equal(s['no-mean']!['dLdF'], '[[10, 7], [5, -4]]');
  // convolution instead of correlation in the forward pass
  assert.equal(s['flip-forward']!['O'], '[[-7, -17], [-5, 10]]');
  // full correlation with the unrotated filter: the 180°-rotated ∂L/∂X
  assert.equal(s['dx-unflipped']!['dLdX'], '[[1/4, -1/2, -3/4], [1/4, 0, -1/4], [0, 1/2, 1/2]]');
  // uniform δ: convolving δ for ∂L/∂F changes nothing, so that mutant is dropped
  assert.equal(s['df-convolved'], undefined);

  const m = wrong(MSE);
  assert.equal(m['mse-sign']!['dLdO'], '[[2, -8], [1, -3]]');
  assert.equal(m['mse-sign']!['dLdb'], '-8');
  assert.equal(m['db-one']!['dLdb'], '1');
  assert.equal(m['no-bias']!['O'], '[[-3, 8], [0, 2]]');
  // δ rotated: [[3, −1], [8, −2]] → ∂L/∂F_11 = 3·1 + (−1)·2 + 8·(−1) + (−2)·3 = −13
  assert.match(m['df-convolved']!['dLdF']!, /^\[\[-13, /);
  // X_11 gets δ_11·F_22 = 0, X_13 gets δ_12·F_21 = 16
  assert.match(m['dx-unflipped']!['dLdX']!, /^\[\[0, .*, 16\], /);
});

test('verify agrees on the fixtures and catches a wrong solution', async () => {
  const tf = await loadTf();
  for (const raw of [SEED, { ...SEED, flip: true }, MSE, { ...SEED, stride: 2, loss: 'sum', bias: -1 }]) {
    const inst = await runInstance(F, params(raw), tf);
    assert.ok(inst.check.ok, JSON.stringify(inst.check.parts.filter((x) => !x.ok)));
  }
  const p = params(MSE);
  const bad = F.solve(params({ ...MSE, flip: true }));
  assert.equal((await F.verify(p, bad, tf)).ok, false);
});

test('property: solver agrees with tf autograd on 1,000 seeds, no tensor leak', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 900, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before);
});
