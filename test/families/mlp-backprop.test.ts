import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlpBackprop as F, type MlpBackpropParams } from '../../src/families/mlp-backprop.js';
import { parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as MlpBackpropParams;
const answers = (raw: Record<string, unknown>) => Object.fromEntries(F.solve(params(raw)).parts.map((p) => [p.id, formatAnswer(p.answer)]));
const wrong = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

// Seed 004 (§2.7 "backpropagation for a simple 2-layer network") gives the structure only — 3 inputs,
// 2 hidden units, 1 output, z1 = W1x + b1, h = f(z1), z2 = W2h + b2, ŷ = σ(z2), L = ½(y − ŷ)²,
// ∂L/∂z2 = (ŷ − y)·ŷ(1 − ŷ), ∂L/∂W2 = δ2·hᵀ, ∂L/∂W1 = δ1·xᵀ — with no numbers. Its formulas are right
// (and match the textbook layout used here). The numbers below instantiate that network with z2 = 0.
const SEED_NET = {
  x: [1, 2, -1],
  W1: [[2, 1, 1], [1, -2, 0]],
  b1: [0, 1],
  hidden: 'relu',
  W2: [[1, -2]],
  b2: [-3],
  output: 'sigmoid',
  loss: 'half-se',
  y: [1],
  weight: { layer: 2, row: 1, col: 1 },
  neuron: 1,
  bias: 'b1',
};

test('seed 004 §2.7 network (ReLU hidden, sigmoid output, ½ squared error), by hand', () => {
  // z1_1 = 2·1 + 1·2 + 1·(−1) + 0 = 3, z1_2 = 1·1 + (−2)·2 + 0·(−1) + 1 = −2 → h = (3, 0)
  // z2 = 1·3 + (−2)·0 − 3 = 0 → ŷ = σ(0) = 1/2; L = ½(1/2 − 1)² = 1/8; ∂L/∂ŷ = ŷ − y = −1/2
  // δ2 = −1/2 · ŷ(1 − ŷ) = −1/2 · 1/4 = −1/8; ∂L/∂W2_11 = δ2·h_1 = −3/8
  // ∂L/∂h = W2ᵀδ2 = (−1/8, 1/4); ReLU′ = (1, 0) → δ1 = (−1/8, 0)
  // unit 1 weights: δ1_1·x = (−1/8, −1/4, 1/8); ∂L/∂b1 = δ1 = (−1/8, 0)
  const a = answers(SEED_NET);
  assert.equal(a['z1'], '[3, -2]');
  assert.equal(a['h'], '[3, 0]');
  assert.equal(a['yhat'], '1/2');
  assert.equal(a['L'], '1/8');
  assert.equal(a['dLdyhat'], '-1/2');
  assert.equal(a['dLdw'], '-3/8');
  assert.equal(a['dLdneuron'], '[-1/8, -1/4, 1/8]');
  assert.equal(a['dLdb'], '[-1/8, 0]');
  const m = wrong(SEED_NET);
  // Passing the gradient through the inactive unit 2: δ1_2 = 1/4.
  assert.equal(m['relu-pass']!['dLdb'], '[-1/8, 1/4]');
  // Forgetting σ′ = 1/4: δ2 = −1/2, so ∂L/∂W2_11 = −3/2 and δ1_1 = −1/2.
  assert.equal(m['sigmoid-derivative']!['dLdw'], '-3/2');
  assert.equal(m['sigmoid-derivative']!['dLdb'], '[-1/2, 0]');
  assert.equal(m['sign']!['dLdw'], '3/8');
});

// Seed 004 (§2.6, gradient descent) worked example: ŷ = wx + b with x = 3, y = 6, w = 0.5, b = 0 and
// L = ½(y − ŷ)²: ŷ = 1.5, L = ½·4.5² = 10.125, ∂L/∂ŷ = −4.5, ∂L/∂w = −4.5·3 = −13.5, ∂L/∂b = −4.5.
// Recomputed: all correct. (A one-layer model with a fractional weight, so it is not an instance of
// this integer 2-layer family; the same chain rule is exercised by the fixtures here.)

const BASIC = {
  x: [2, -1],
  W1: [[1, 2], [-1, 3]],
  b1: [1, 2],
  hidden: 'relu',
  W2: [[3, 2]],
  b2: [1],
  loss: 'half-se',
  y: [1],
  weight: { layer: 1, row: 1, col: 2 },
  neuron: 1,
  bias: 'b1',
};

test('ReLU + linear output + ½(ŷ − y)², textbook layout, by hand', () => {
  // z1 = (1·2 + 2·(−1) + 1, −1·2 + 3·(−1) + 2) = (1, −3), h = (1, 0)
  // ŷ = 3·1 + 2·0 + 1 = 4, L = ½(4 − 1)² = 9/2, ∂L/∂ŷ = 3 = δ2
  // ∂L/∂h = (3·3, 2·3) = (9, 6), δ1 = (9, 0) (unit 2 inactive)
  // ∂L/∂W1_12 = δ1_1·x_2 = 9·(−1) = −9; unit-1 weights: 9·(2, −1) = (18, −9)
  const a = answers(BASIC);
  assert.deepEqual(a, { z1: '[1, -3]', h: '[1, 0]', yhat: '4', L: '9/2', dLdyhat: '3', dLdw: '-9', dLdneuron: '[18, -9]', dLdb: '[9, 0]' });
  const m = wrong(BASIC);
  assert.equal(m['half-confusion']!['L'], '9');
  assert.equal(m['half-confusion']!['dLdw'], '-18');
  assert.equal(m['relu-pass']!['dLdb'], '[9, 6]');
  assert.equal(m['no-input-factor']!['dLdw'], '9');
  assert.equal(m['no-input-factor']!['dLdneuron'], '[9, 9]');
  assert.equal(m['sign']!['dLdyhat'], '-3');
  // Forgetting the ReLU altogether: h = (1, −3), ŷ = 3 − 6 + 1 = −2.
  assert.equal(m['no-relu']!['yhat'], '-2');
});

test('(ŷ − y)² without ½ doubles every gradient', () => {
  const a = answers({ ...BASIC, loss: 'se' });
  assert.equal(a['L'], '9');
  assert.equal(a['dLdyhat'], '6');
  assert.equal(a['dLdw'], '-18');
  assert.equal(wrong({ ...BASIC, loss: 'se' })['half-confusion']!['dLdw'], '-9');
});

test('Keras kernel layout: the same network with W transposed', async () => {
  // Keras W1 is (inputs, hidden): W1_21 connects input 2 to hidden unit 1, i.e. textbook W1_12 → −9.
  const K = { ...BASIC, layout: 'keras', W1: [[1, -1], [2, 3]], W2: [[3], [2]], weight: { layer: 1, row: 2, col: 1 } };
  const a = answers(K);
  assert.equal(a['z1'], '[1, -3]');
  assert.equal(a['dLdw'], '-9');
  // Weights into hidden unit 1 = column 1 of the kernel: (W1_11, W1_21).
  assert.equal(a['dLdneuron'], '[18, -9]');
  // Reading W1_21 the textbook way (input 1 → hidden unit 2, inactive): 0.
  assert.equal(wrong(K)['index-swap']!['dLdw'], '0');
  assert.match(F.statement(params(K)).convention, /Keras Dense layout/);
  const inst = await runInstance(F, params(K), await loadTf());
  assert.ok(inst.check.ok, JSON.stringify(inst.check.parts));
});

test('sigmoid output + binary cross-entropy: ∂L/∂z2 = ŷ − y', async () => {
  // z1 = (1 + 1 + 0, 1 − 1 + 1) = (2, 1) = h; z2 = 2 − 2 + 0 = 0, ŷ = 1/2, y = 0.
  // ∂L/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ) = 2; δ2 = 2·1/4 = 1/2 = ŷ − y; ∂L/∂W2_12 = δ2·h_2 = 1/2
  // ∂L/∂h = (1/2, −1), both units active → δ1 = (1/2, −1); unit 2 weights: −1·(1, 1); ∂L/∂b2 = 1/2
  const BCE = { x: [1, 1], W1: [[1, 1], [1, -1]], b1: [0, 1], hidden: 'relu', W2: [[1, -2]], b2: [0], output: 'sigmoid', loss: 'bce', y: [0], weight: { layer: 2, row: 1, col: 2 }, neuron: 2, bias: 'b2' };
  const a = answers(BCE);
  assert.deepEqual(a, { z1: '[2, 1]', h: '[2, 1]', yhat: '1/2', dLdyhat: '2', dLdw: '1/2', dLdneuron: '[-1, -1]', dLdb: '1/2' });
  // Treating ŷ − y as ∂L/∂ŷ and multiplying by σ′ again: δ2 = 1/8.
  assert.equal(wrong(BCE)['sigmoid-derivative']!['dLdw'], '1/8');
  const inst = await runInstance(F, params(BCE), await loadTf());
  assert.ok(inst.check.ok, JSON.stringify(inst.check.parts));
});

test('two linear outputs', () => {
  // h = (1, 0) as in BASIC; W2 = [[3, 2], [1, −1]], b2 = (1, 0) → ŷ = (4, 1); y = (1, 3)
  // L = ½(3² + (−2)²) = 13/2; δ2 = (3, −2); ∂L/∂h_1 = 3·3 + 1·(−2) = 7 → δ1 = (7, 0)
  const a = answers({ ...BASIC, W2: [[3, 2], [1, -1]], b2: [1, 0], y: [1, 3], bias: 'b2' });
  assert.equal(a['yhat'], '[4, 1]');
  assert.equal(a['L'], '13/2');
  assert.equal(a['dLdyhat'], '[3, -2]');
  assert.equal(a['dLdw'], '-7');
  assert.equal(a['dLdb'], '[3, -2]');
});

test('invalid params name the field', () => {
  // z1_1 = 2 − 2 + 0 = 0: ReLU′(0) is ambiguous.
  assert.throws(() => params({ ...BASIC, b1: [0, 2] }), /b1: z1_1 = 0/);
  assert.throws(() => params({ ...BASIC, W1: [[1, 2, 3], [1, 2, 3]] }), /W1: W1 must be 2×2/);
  assert.throws(() => params({ ...BASIC, output: 'sigmoid', y: [1] }), /b2: with a sigmoid output every pre-activation z2 must be 0/);
  assert.throws(() => params({ ...BASIC, loss: 'bce' }), /loss: binary cross-entropy needs a sigmoid output/);
  assert.throws(() => params({ ...BASIC, weight: { layer: 1, row: 3, col: 1 } }), /weight: W1 is 2×2/);
  assert.throws(() => params({ ...BASIC, y: [4] }), /y: ŷ = y/);
});

test('property: solver agrees with tf.grads on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 900, `only ${r.distinctAnswers} distinct answers`);
});
