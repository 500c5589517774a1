import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalisation as F, type NormalisationParams } from '../../src/families/normalisation.js';
import { parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as NormalisationParams;
const answers = (raw: Record<string, unknown>) => Object.fromEntries(F.solve(params(raw)).parts.map((p) => [p.id, formatAnswer(p.answer)]));
const wrong = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));
const checked = async (raw: Record<string, unknown>) => {
  const inst = await runInstance(F, params(raw), await loadTf());
  assert.ok(inst.check.ok, JSON.stringify(inst.check.parts));
};

// Seed 004 (§1.21 C) states x̂ = (x − μ_B)/√(σ_B² + ε), y = γx̂ + β — the formulas used here — but
// gives no numeric example, so there is no seed answer to recompute for this topic.

const SQUARE = { mode: 'batch-train', x: [[0], [0], [4], [4]], gamma: [3], beta: [-1] };

test('batch norm, training mode, perfect-square variance (difficulty-1 style)', async () => {
  // μ = 8/4 = 2, σ² = (4 + 4 + 4 + 4)/4 = 4, σ = 2, x̂ = (−1, −1, 1, 1), y = 3x̂ − 1 = (−4, −4, 2, 2)
  const a = answers(SQUARE);
  assert.deepEqual(a, { mean: '[2]', var: '[4]', xhat: '[[-1], [-1], [1], [1]]', y: '[[-4], [-4], [2], [2]]' });
  const m = wrong(SQUARE);
  // ÷(m − 1): σ² = 16/3, x̂ = ∓2/(4/√3) = ∓√3/2
  assert.equal(m['unbiased']!['var'], '[16/3]');
  assert.equal(m['unbiased']!['xhat'], '[[-√3/2], [-√3/2], [√3/2], [√3/2]]');
  // no square root: x̂ = ∓2/4 = ∓1/2, y = 3·(∓1/2) − 1
  assert.equal(m['no-sqrt']!['xhat'], '[[-1/2], [-1/2], [1/2], [1/2]]');
  assert.equal(m['no-sqrt']!['y'], '[[-5/2], [-5/2], [1/2], [1/2]]');
  assert.equal(m['no-affine']!['y'], '[[-1], [-1], [1], [1]]');
  // One feature: layer norm over it would divide by 0 — no "wrong axis" answer.
  assert.equal(m['wrong-axis'], undefined);
  await checked(SQUARE);
});

const TRAIN = { mode: 'batch-train', x: [[1, 2], [3, 6], [5, 4], [7, 0]], gamma: [2, 1], beta: [1, 0] };

test('batch norm, training mode, irrational σ: exact surds with decimals', async () => {
  // Column 1: μ = 16/4 = 4, σ² = (9 + 1 + 1 + 9)/4 = 5 → x̂ = (−3, −1, 1, 3)/√5 = (−3√5/5, −√5/5, √5/5, 3√5/5)
  //   y = 2x̂ + 1 ≈ (−1.683, 0.106, 1.894, 3.683)
  // Column 2: μ = 12/4 = 3, σ² = (1 + 9 + 1 + 9)/4 = 5 → x̂ = (−1, 3, 1, −3)/√5; γ = 1, β = 0 → y = x̂
  const a = answers(TRAIN);
  assert.equal(a['mean'], '[4, 3]');
  assert.equal(a['var'], '[5, 5]');
  assert.equal(a['xhat'], '[[-3√5/5, -√5/5], [-√5/5, 3√5/5], [√5/5, √5/5], [3√5/5, -3√5/5]]');
  assert.equal(a['y'], '[[1 - 6√5/5, -√5/5], [1 - 2√5/5, 3√5/5], [1 + 2√5/5, √5/5], [1 + 6√5/5, -3√5/5]]');
  const parts = F.solve(params(TRAIN)).parts;
  assert.deepEqual(parts.find((p) => p.id === 'xhat')!.tolerance, { abs: 0.005 });
  assert.equal(parts.find((p) => p.id === 'mean')!.tolerance, undefined);
  // Unbiased: σ² = 20/3 in both columns.
  assert.equal(wrong(TRAIN)['unbiased']!['var'], '[20/3, 20/3]');
  await checked(TRAIN);
});

test('training mode with running statistics given as a distractor', async () => {
  const raw = { ...SQUARE, runningMean: [1], runningVar: [9] };
  assert.deepEqual(answers(raw), answers(SQUARE));
  // Using the running statistics: x̂ = (x − 1)/3 = (−1/3, −1/3, 1, 1), y = 3x̂ − 1 = (−2, −2, 2, 2)
  const m = wrong(raw)['running-in-train']!;
  assert.equal(m['mean'], '[1]');
  assert.equal(m['var'], '[9]');
  assert.equal(m['y'], '[[-2], [-2], [2], [2]]');
  await checked(raw);
});

const INFER = { mode: 'batch-inference', x: [[-1, 5], [8, 8]], gamma: [2, -2], beta: [-2, 2], runningMean: [4, 6], runningVar: [4, 9] };

test('batch norm, inference mode, by hand', async () => {
  // x̂_11 = (−1 − 4)/2 = −5/2, x̂_21 = (8 − 4)/2 = 2; x̂_12 = (5 − 6)/3 = −1/3, x̂_22 = (8 − 6)/3 = 2/3
  // y = (2x̂_·1 − 2, −2x̂_·2 + 2) = [[−7, 8/3], [2, 2/3]]
  const a = answers(INFER);
  assert.deepEqual(a, { xhat: '[[-5/2, -1/3], [2, 2/3]]', y: '[[-7, 8/3], [2, 2/3]]' });
  // Batch statistics instead: column 1 (−1, 8): μ = 7/2, σ = 9/2 → x̂ = (−1, 1); column 2 (5, 8): x̂ = (−1, 1)
  const m = wrong(INFER);
  assert.equal(m['batch-in-inference']!['xhat'], '[[-1, -1], [1, 1]]');
  assert.equal(m['batch-in-inference']!['y'], '[[-4, 4], [0, 0]]');
  assert.equal(m['no-sqrt']!['xhat'], '[[-5/4, -1/9], [1, 2/9]]');
  await checked(INFER);
});

const LAYER = { mode: 'layer', x: [[1, 2, 3], [3, 6, 0]], gamma: [1, 2, -1], beta: [0, 1, 1] };

test('layer norm: per-example statistics, by hand', async () => {
  // Row 1: μ = 2, σ² = (1 + 0 + 1)/3 = 2/3, √(2/3) = √6/3 → x̂ = (−1, 0, 1)·3/√6 = (−√6/2, 0, √6/2)
  // Row 2: μ = 3, σ² = (0 + 9 + 9)/3 = 6 → x̂ = (0, 3, −3)/√6 = (0, √6/2, −√6/2)
  // y = (x̂_1, 2x̂_2 + 1, −x̂_3 + 1)
  const a = answers(LAYER);
  assert.equal(a['mean'], '[2, 3]');
  assert.equal(a['var'], '[2/3, 6]');
  assert.equal(a['xhat'], '[[-√6/2, 0, √6/2], [0, √6/2, -√6/2]]');
  assert.equal(a['y'], '[[-√6/2, 1, 1 - √6/2], [0, 1 + √6, 1 + √6/2]]');
  // Batch-norm axis instead (per column over the 2 rows): μ = (2, 4, 3/2), σ² = (1, 4, 9/4), x̂ = ±1
  const m = wrong(LAYER);
  assert.equal(m['wrong-axis']!['mean'], '[2, 4, 3/2]');
  assert.equal(m['wrong-axis']!['var'], '[1, 4, 9/4]');
  assert.equal(m['wrong-axis']!['xhat'], '[[-1, -1, 1], [1, 1, -1]]');
  // ÷(d − 1) = ÷2: σ² = (1, 9)
  assert.equal(m['unbiased']!['var'], '[1, 9]');
  assert.match(F.statement(params(LAYER)).convention, /per example/);
  await checked(LAYER);
});

test('ε from a framework default stays exact', async () => {
  // σ² + ε = 4 + 1/1000 = 4001/1000 → √(4001/1000) = √40010/100 ≈ 2.00025, x̂ = ∓2·100/√40010 = ∓20√40010/4001 ≈ ∓0.99988
  const a = answers({ ...SQUARE, eps: '0.001' });
  assert.equal(a['xhat'], '[[-20√40010/4001], [-20√40010/4001], [20√40010/4001], [20√40010/4001]]');
  await checked({ ...SQUARE, eps: '0.001' });
});

test('invalid params name the field', () => {
  assert.throws(() => params({ ...TRAIN, x: [[1, 2], [1, 6]] }), /x: feature 1 is constant over the batch/);
  assert.throws(() => params({ ...TRAIN, gamma: [1] }), /gamma: one γ per feature: expected 2/);
  assert.throws(() => params({ ...TRAIN, gamma: [0, 1] }), /gamma: γ = 0/);
  assert.throws(() => params({ mode: 'layer', x: [[1], [2]], gamma: [1], beta: [0] }), /x: layer normalisation needs at least 2 features/);
  assert.throws(() => params({ ...LAYER, x: [[1, 1, 1], [3, 6, 0]] }), /x: example 1 is constant/);
  assert.throws(() => params({ ...INFER, runningVar: undefined }), /runningVar: inference mode needs the running variance/);
  assert.throws(() => params({ ...LAYER, runningMean: [0, 0, 0], runningVar: [1, 1, 1] }), /runningMean: layer normalisation keeps no running statistics/);
});

test('property: solver agrees with tf.moments / tf.batchNorm / tf.layers on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 900, `only ${r.distinctAnswers} distinct answers`);
});
