import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropoutClipping as F, type DropoutClippingParams } from '../../src/families/dropout-clipping.js';
import { parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer, type Solution } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as DropoutClippingParams;
const exact = (s: Solution) => Object.fromEntries(s.parts.map((p) => [p.id, formatAnswer(p.answer)]));
const key = (s: Solution) => Object.fromEntries(s.parts.map((p) => [p.id, formatPartAnswer(p)]));
const mistakes = (p: DropoutClippingParams) =>
  Object.fromEntries(F.mistakes(p).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

const DROP = { kind: 'dropout', rate: 0.25, activations: [2, 4, 6, 8], mask: [1, 0, 1, 1] };

test('inverted dropout: kept units × 1/(1 − p) in training, identity at inference', () => {
  // keep = 3/4, factor 4/3: [2·4/3, 0, 6·4/3, 8·4/3] = [8/3, 0, 8, 32/3]
  const p = params({ ...DROP, convention: 'inverted' });
  assert.deepEqual(exact(F.solve(p)), { train: '[8/3, 0, 8, 32/3]', inference: '[2, 4, 6, 8]' });
  const m = mistakes(p);
  assert.deepEqual(m['train-times-keep'], { train: '[3/2, 0, 9/2, 6]' }); // × 3/4 instead of ÷ 3/4
  assert.deepEqual(m['divide-by-rate'], { train: '[8, 0, 24, 32]' }); // ÷ 1/4
  assert.deepEqual(m['inverted-scales-inference'], { inference: '[3/2, 3, 9/2, 6]' });
  assert.deepEqual(m['mask-reversed'], { train: '[0, 16/3, 0, 0]' });
});

test('classic dropout: mask only in training, × (1 − p) at inference', () => {
  const p = params({ ...DROP, convention: 'classic' });
  assert.deepEqual(exact(F.solve(p)), { train: '[2, 0, 6, 8]', inference: '[3/2, 3, 9/2, 6]' });
  const m = mistakes(p);
  assert.deepEqual(m['classic-no-inference-scaling'], { inference: '[2, 4, 6, 8]' });
  assert.deepEqual(m['other-convention'], { train: '[8/3, 0, 8, 32/3]', inference: '[2, 4, 6, 8]' });
  assert.deepEqual(m['divide-by-rate'], { inference: '[1/2, 1, 3/2, 2]' });
  assert.match(F.statement(p).convention, /Classic dropout/);
});

test('seed 004 §1.21 ("at inference … outputs are scaled by (1 − p)", p = 0.5) holds only for classic dropout', () => {
  // The seed describes the classic convention (mask m ~ Bernoulli(1 − p), no training rescale, × (1 − p) at
  // inference). Keras/PyTorch use inverted dropout, where inference is the identity instead.
  const base = { kind: 'dropout', rate: 0.5, activations: [4, 6], mask: [1, 0] };
  assert.deepEqual(exact(F.solve(params({ ...base, convention: 'classic' }))), { train: '[4, 0]', inference: '[2, 3]' });
  assert.deepEqual(exact(F.solve(params({ ...base, convention: 'inverted' }))), { train: '[8, 0]', inference: '[4, 6]' });
});

test('decimal inputs are read exactly (p = 0.3 → keep 7/10, a = 1.5 → 3/2)', () => {
  // 1.5 · 10/7 = 15/7; −2 · 10/7 = −20/7
  const p = params({ kind: 'dropout', convention: 'inverted', rate: 0.3, activations: [1.5, -2, 3], mask: [1, 1, 0] });
  assert.deepEqual(exact(F.solve(p)), { train: '[15/7, -20/7, 0]', inference: '[3/2, -2, 3]' });
});

test('seed 004 §4.11 clipping example: ‖g‖ = 45, threshold 10 → g·10/45 = (2/9)g (the seed\'s "≈ 0.22g" is right)', () => {
  // g = (27, 36): √(729 + 1296) = √2025 = 45; (2/9)·(27, 36) = (6, 8), whose norm is 10.
  const p = params({ kind: 'clipping', grads: [{ name: 'W', values: [27, 36] }], clipNorm: 10 });
  assert.deepEqual(exact(F.solve(p)), { globalNorm: '45', 'norm.W': '[6, 8]' });
});

const TWO = { kind: 'clipping', grads: [{ name: 'W', values: [2, -3] }, { name: 'b', values: [6] }], clipValue: 2.5, clipNorm: 1.4 };

test('clip by value and by global norm over two tensors', () => {
  // value: [2, −3] → [2, −5/2]; [6] → [5/2]
  // global norm √(4 + 9 + 36) = 7 > 1.4 = 7/5 → factor (7/5)/7 = 1/5: W → [2/5, −3/5], b → [6/5]
  const p = params(TWO);
  assert.deepEqual(exact(F.solve(p)), { 'value.W': '[2, -5/2]', 'value.b': '[5/2]', globalNorm: '7', 'norm.W': '[2/5, -3/5]', 'norm.b': '[6/5]' });
  const m = mistakes(p);
  // per tensor: ‖W‖ = √13 > 7/5 → (7/5)/√13 = 7√13/65: W → [14√13/65, −21√13/65]; ‖b‖ = 6 → (7/5)/6: b → [7/5]
  assert.deepEqual(m['per-tensor-norm'], { 'norm.W': '[14√13/65, -21√13/65]', 'norm.b': '[7/5]' });
  // Σg² = 49 used as the norm: factor (7/5)/49 = 1/35
  assert.deepEqual(m['norm-no-sqrt'], { globalNorm: '49', 'norm.W': '[2/35, -3/35]', 'norm.b': '[6/35]' });
  // L1 norm 2 + 3 + 6 = 11: factor 7/55
  assert.deepEqual(m['l1-norm'], { globalNorm: '11', 'norm.W': '[14/55, -21/55]', 'norm.b': '[42/55]' });
  assert.deepEqual(m['forgot-threshold'], { 'norm.W': '[2/7, -3/7]', 'norm.b': '[6/7]' });
  assert.deepEqual(m['value-one-sided'], { 'value.W': '[2, -3]' });
});

test('norm below the threshold: gradients unchanged', () => {
  // ‖(1, 2, 2)‖ = 3 ≤ 5 → factor 5/max(3, 5) = 1; rescaling anyway would give (5/3)·g
  const p = params({ kind: 'clipping', grads: [{ name: 'W', values: [1, 2, 2] }], clipNorm: 5 });
  assert.deepEqual(exact(F.solve(p)), { globalNorm: '3', 'norm.W': '[1, 2, 2]' });
  assert.deepEqual(mistakes(p)['always-rescale'], { 'norm.W': '[5/3, 10/3, 10/3]' });
});

test('irrational global norm stays exact (Real), printed with 3 decimals', () => {
  // ‖g‖ = √(1 + 4 + 1) = √6 ≈ 2.449 > 1 → factor 1/√6 = √6/6 ≈ 0.408: W → [√6/6, √6/3] ≈ [0.408, 0.816]
  const s = F.solve(params({ kind: 'clipping', grads: [{ name: 'W', values: [1, 2] }, { name: 'b', values: [1] }], clipNorm: 1 }));
  const k = key(s);
  assert.equal(k['globalNorm'], '√6 ≈ 2.449');
  assert.equal(k['norm.W'], '[√6/6, √6/3] ≈ [0.408, 0.816]');
  assert.equal(k['norm.b'], '[√6/6] ≈ [0.408]');
  assert.equal(s.parts.find((p) => p.id === 'norm.W')!.decimals, 3);
});

test('invalid params name the field', () => {
  assert.throws(() => params({ ...DROP, convention: 'inverted', rate: 1 }), /rate: the drop rate p must satisfy 0 < p < 1/);
  assert.throws(() => params({ ...DROP, convention: 'inverted', rate: 0.12345 }), /rate: use a plain decimal/);
  assert.throws(() => params({ ...DROP, convention: 'inverted', mask: [1, 0, 1] }), /mask: the mask has 3 entries but there are 4 activations/);
  assert.throws(() => params({ ...DROP, convention: 'inverted', mask: [1, 0, 2, 1] }), /mask\.2/);
  assert.throws(() => params({ kind: 'clipping', grads: [{ name: 'W', values: [1] }] }), /clipValue: give "clipValue"/);
  assert.throws(() => params({ kind: 'clipping', grads: [{ name: 'W', values: [1] }, { name: 'W', values: [2] }], clipNorm: 1 }), /grads: parameter names must be distinct/);
  assert.throws(() => params({ kind: 'clipping', grads: [{ name: 'W', values: [1] }], clipNorm: -1 }), /clipNorm: the norm threshold c must be positive/);
  assert.throws(() => params({ kind: 'pooling' }), /kind/);
});

test('tensor check agrees on the fixtures, without leaking tensors', async () => {
  const tf = await loadTf();
  const fixtures = [
    { ...DROP, convention: 'inverted' },
    { ...DROP, convention: 'classic' },
    { kind: 'dropout', convention: 'inverted', rate: 0.3, activations: [1.5, -2, 3], mask: [1, 1, 0] },
    TWO,
    { kind: 'clipping', grads: [{ name: 'W', values: [1, 2, 2] }], clipNorm: 5 },
    { kind: 'clipping', grads: [{ name: 'W', values: [1, 2] }, { name: 'b', values: [1] }], clipNorm: 1 },
  ];
  const before = tf.memory().numTensors;
  for (const raw of fixtures) {
    const inst = await runInstance(F, params(raw), tf);
    assert.ok(inst.check.ok, JSON.stringify(inst.check.parts));
  }
  assert.equal(tf.memory().numTensors, before);
});

test('property: solver agrees with the tensor computation on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 800, `only ${r.distinctAnswers} distinct answers`);
});
