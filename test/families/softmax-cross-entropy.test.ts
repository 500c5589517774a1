import { test } from 'node:test';
import assert from 'node:assert/strict';
import { softmaxCrossEntropy as F, type SoftmaxCrossEntropyParams } from '../../src/families/softmax-cross-entropy.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as SoftmaxCrossEntropyParams;
const answers = (raw: Record<string, unknown>) => Object.fromEntries(F.solve(params(raw)).parts.map((p) => [p.id, formatPartAnswer(p)]));
const mistakes = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

const base125 = { task: 'softmax', weights: ['1', '2', '5'], target: 3 };

test('softmax + cross-entropy: hand-computed', () => {
  // z = (ln 1, ln 2, ln 5): e^z = (1, 2, 5), Σ = 8, p = (1/8, 1/4, 5/8); true class 3:
  // L = −ln(5/8) = ln(8/5) = 0.470004 → 0.470; ∂L/∂z = p − y = (1/8, 1/4, −3/8)
  const expected = { softmax: '[1/8, 1/4, 5/8]', loss: 'ln(8/5) ≈ 0.470', grad: '[1/8, 1/4, -3/8]' };
  assert.deepEqual(answers(base125), expected);
  // Shift invariance: z = 2 + ln w gives the same answers (e² cancels).
  assert.deepEqual(answers({ ...base125, shift: 2 }), expected);
  // 4 decimals: 0.4700
  assert.equal(answers({ ...base125, decimals: 4 })['loss'], 'ln(8/5) ≈ 0.4700');
  // Label smoothing ε = 1/10, K = 3: y = 0.9·(0,0,1) + 1/30 = (1/30, 1/30, 14/15)
  // L = (1/30)(ln 8 + ln 4) + (14/15)·ln(8/5) = 0.554195 → 0.554; ∂L/∂z = (1/8 − 1/30, 1/4 − 1/30, 5/8 − 14/15) = (11/120, 13/60, −37/120)
  assert.deepEqual(answers({ ...base125, smoothing: '1/10' }), { softmax: '[1/8, 1/4, 5/8]', loss: '−(1/30)·ln(1/8) − (1/30)·ln(1/4) − (14/15)·ln(5/8) ≈ 0.554', grad: '[11/120, 13/60, -37/120]' });
  // Seed 004 (2.2) illustrates softmax outputs "0.7, 0.2, 0.1": e^z = (7, 2, 1) gives exactly (7/10, 1/5, 1/10) ✓;
  // with true class 1, L = ln(10/7) = 0.356675 → 0.357, ∂L/∂z = (−3/10, 1/5, 1/10).
  assert.deepEqual(answers({ task: 'softmax', weights: ['7', '2', '1'], show: 'exps', target: 1 }), { softmax: '[7/10, 1/5, 1/10]', loss: 'ln(10/7) ≈ 0.357', grad: '[-3/10, 1/5, 1/10]' });
});

test('sigmoid output: binary cross-entropy and ½(p − y)²', () => {
  // z = ln 3: p = 3/4; y = 1: L = −ln(3/4) = ln(4/3) = 0.287682 → 0.288; ∂L/∂z = p − y = −1/4
  assert.deepEqual(answers({ task: 'sigmoid', lnOf: '3', y: '1', loss: 'bce' }), { p: '3/4', loss: 'ln(4/3) ≈ 0.288', grad: '-1/4' });
  // soft label y = 1/4 at p = 2/3: L = −(1/4·ln(2/3) + 3/4·ln(1/3)) = 0.925325 → 0.925; ∂L/∂z = 2/3 − 1/4 = 5/12
  assert.deepEqual(answers({ task: 'sigmoid', lnOf: '2', y: '1/4', loss: 'bce' }), { p: '2/3', loss: '−(1/4)·ln(2/3) − (3/4)·ln(1/3) ≈ 0.925', grad: '5/12' });
  // Seed 004 (2.6 backprop): ŷ = σ(z₂), L = ½(y − ŷ)², ∂L/∂z₂ = (ŷ − y)·ŷ(1 − ŷ) — its formulas are right.
  // With z = ln 3, y = 1: L = ½(1/4)² = 1/32, ∂L/∂z = (−1/4)·(3/16) = −3/64.
  assert.deepEqual(answers({ task: 'sigmoid', lnOf: '3', y: '1', loss: 'half-squared' }), { p: '3/4', loss: '1/32', grad: '-3/64' });
});

test('MSE: mean / sum, with and without ½', () => {
  // ŷ = (2, 4), y = (1, 2): errors (1, 2), Σe² = 5
  const mse = { task: 'mse', predictions: ['2', '4'], targets: ['1', '2'] };
  assert.deepEqual(answers(mse), { loss: '5/2', grad: '[1, 2]' }); // (1/2)·5; (2/2)·e
  assert.deepEqual(answers({ ...mse, reduction: 'sum' }), { loss: '5', grad: '[2, 4]' });
  assert.deepEqual(answers({ ...mse, half: true }), { loss: '5/4', grad: '[1/2, 1]' });
  assert.deepEqual(answers({ ...mse, half: true, reduction: 'sum' }), { loss: '5/2', grad: '[1, 2]' });
  // Seed 004 (2.6): L = ½(y − ŷ)², ∂L/∂ŷ = ŷ − y ✓ — ŷ = 3/4, y = 1: 1/32, −1/4
  assert.deepEqual(answers({ task: 'mse', predictions: ['3/4'], targets: ['1'], half: true, reduction: 'sum' }), { loss: '1/32', grad: '-1/4' });
});

test('invalid params name the field', () => {
  assert.throws(() => params({ ...base125, weights: ['1', '0', '5'] }), /weights\.1: weights must be positive/);
  assert.throws(() => params({ ...base125, target: 4 }), /target: the target class must be between 1 and 3/);
  assert.throws(() => params({ ...base125, show: 'exps', shift: 1 }), /shift: with show 'exps'/);
  assert.throws(() => params({ ...base125, smoothing: '1' }), /smoothing: label smoothing must satisfy/);
  assert.throws(() => params({ ...base125, weights: ['1', 'x'] }), /weights\.1: must be an exact rational/);
  assert.throws(() => params({ task: 'sigmoid', lnOf: '3', y: '3/2', loss: 'bce' }), /y: the target y must lie in \[0, 1\]/);
  assert.throws(() => params({ task: 'sigmoid', lnOf: '-3', y: '1', loss: 'bce' }), /lnOf: lnOf must be positive/);
  assert.throws(() => params({ task: 'mse', predictions: ['1', '2'], targets: ['1'] }), /targets: give one target per prediction/);
  assert.throws(() => params({ task: 'mse', predictions: ['1', '2'], targets: ['1', '2'] }), /predictions: every prediction equals its target/);
  assert.throws(() => params({ task: 'hinge' }), /task/);
});

test('mistakes give the named wrong answers', () => {
  const m = mistakes(base125);
  // softmax = e^z unnormalised: (1, 2, 5); L = −ln 5 = −1.609
  assert.deepEqual(m['no-normalise'], { softmax: '[1, 2, 5]', loss: '-1609/1000', grad: '[1, 2, 4]' });
  assert.deepEqual(m['log10'], { loss: '51/250' }); // log₁₀(8/5) = 0.20412
  assert.deepEqual(m['log2'], { loss: '339/500' }); // log₂(8/5) = 0.67807
  assert.deepEqual(m['grad-sign'], { grad: '[-1/8, -1/4, 3/8]' });
  assert.deepEqual(m['grad-target-only'], { grad: '[0, 0, -3/8]' });
  assert.equal(m['used-predicted-class'], undefined); // the predicted class IS the true class here
  // true class 1: the predicted class 3 would give L = ln(8/5)
  assert.deepEqual(mistakes({ ...base125, target: 1 })['used-predicted-class'], { loss: '47/100', grad: '[1/8, 1/4, -3/8]' });
  // smoothing ignored → one-hot answers; ε spread over K − 1 = 2: y = (1/20, 1/20, 9/10)
  const sm = mistakes({ ...base125, smoothing: '1/10' });
  assert.deepEqual(sm['smoothing-ignored'], { loss: '47/100', grad: '[1/8, 1/4, -3/8]' });
  assert.deepEqual(sm['smoothing-k-minus-1']!['grad'], '[3/40, 1/5, -11/40]');
  // sigmoid: e^{+z}: p = 1/4; BCE with an extra σ′: (−1/4)(3/16) = −3/64
  const sg = mistakes({ task: 'sigmoid', lnOf: '3', y: '1', loss: 'bce' });
  assert.deepEqual(sg['exp-sign']!['p'], '1/4');
  assert.deepEqual(sg['bce-extra-sigma-prime'], { grad: '-3/64' });
  assert.deepEqual(mistakes({ task: 'sigmoid', lnOf: '3', y: '1', loss: 'half-squared' })['missing-sigma-prime'], { grad: '-1/4' });
  // MSE (mean, no ½): ½ added → 5/4, (1/2, 1); sum instead of mean → 5, (2, 4)
  const ms = mistakes({ task: 'mse', predictions: ['2', '4'], targets: ['1', '2'] });
  assert.deepEqual(ms['half-confusion'], { loss: '5/4', grad: '[1/2, 1]' });
  assert.deepEqual(ms['sum-vs-mean'], { loss: '5', grad: '[2, 4]' });
  assert.deepEqual(ms['grad-sign'], { grad: '[-1, -2]' });
});

test('verify agrees with tf on hand-made instances and catches a wrong key', async () => {
  const tf = await loadTf();
  for (const raw of [
    { ...base125, smoothing: '1/10', shift: -2 },
    { task: 'softmax', weights: ['1/2', '3/2', '1', '1'], target: 2, decimals: 4 },
    { task: 'sigmoid', lnOf: '1/9', y: '9/10', loss: 'bce', decimals: 2 },
    { task: 'sigmoid', lnOf: '7', y: '0', loss: 'half-squared' },
    { task: 'mse', predictions: ['1/2', '-1', '3'], targets: ['0', '2', '3/2'], half: true, reduction: 'sum' },
  ]) {
    const p = params(raw);
    const check = await F.verify(p, F.solve(p), tf);
    assert.ok(check.ok, JSON.stringify(check.parts));
  }
  const p = params(base125);
  const s = F.solve(p);
  const log2 = F.mistakes(p).find((m) => m.id === 'log2')!;
  const wrong = { ...s, parts: s.parts.map((x) => ({ ...x, answer: log2.answers[x.id] ?? x.answer })) };
  assert.equal((await F.verify(p, wrong, tf)).ok, false);
});

test('property: solver agrees with tf on 1,000 seeds', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 500, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before);
});
