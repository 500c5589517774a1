import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optimiserSteps as F, type OptimiserStepsParams } from '../../src/families/optimiser-steps.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer } from '../../src/core/answer.js';

const parse = (raw: Record<string, unknown>) => parseParams(F, raw) as OptimiserStepsParams;
const answers = (raw: Record<string, unknown>) => Object.fromEntries(F.solve(parse(raw)).parts.map((p) => [p.id, formatAnswer(p.answer)]));
const mistakes = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(parse(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

// L(w) = 2(w − 3)², w₀ = 1, η = 1/10, β = 9/10, two steps.
const MOMENTUM = { optimizer: 'momentum', beta: '9/10', lr: '1/10', loss: { kind: 'quadratic', a: 2, c: 3 }, w0: [1], steps: 2 };

test('seed: one GD step on ½(w·x + b − y)² (x = 3, y = 6, w = 0.5, b = 0, η = 0.1)', () => {
  // r = 0.5·3 + 0 − 6 = −4.5; ∂L/∂w = r·x = −13.5, ∂L/∂b = r = −4.5;
  // w = 0.5 + 1.35 = 1.85, b = 0 + 0.45 = 0.45 (the seed's answer is right: ŷ = 1.85·3 + 0.45 = 6 exactly,
  // because η(x² + 1) = 1).
  const a = answers({ optimizer: 'gd', lr: '0.1', loss: { kind: 'regression', x: 3, y: 6 }, w0: ['1/2', 0], steps: 1 });
  assert.deepEqual(a, { g0: '[-27/2, -9/2]', w1: '[37/20, 9/20]' });
  // Forgetting the ½ doubles the gradient: w = 0.5 + 2.7 = 3.2, b = 0.9.
  assert.deepEqual(mistakes({ optimizer: 'gd', lr: '0.1', loss: { kind: 'regression', x: 3, y: 6 }, w0: ['1/2', 0], steps: 1 })['ignored-half'], {
    g0: '[-27, -9]',
    w1: '[16/5, 9/10]',
  });
});

test('seed: GD on L(w) = (w − 3)²', () => {
  // η = 0.1 from w₀ = 0: g = 2(0 − 3) = −6, w₁ = 0.6; g = 2(0.6 − 3) = −4.8, w₂ = 0.6 + 0.48 = 1.08.
  assert.deepEqual(answers({ optimizer: 'gd', lr: '0.1', loss: { kind: 'quadratic', a: 1, c: 3 }, w0: [0], steps: 2 }), { g0: '-6', w1: '3/5', w2: '27/25' });
  // The seed says η = 1.0 "oscillates wildly or diverges": w − 3 is multiplied by 1 − 2η = −1 each step,
  // so it oscillates 0 → 6 → 0 with constant amplitude; it diverges only for η > 1.
  assert.deepEqual(answers({ optimizer: 'gd', lr: 1, loss: { kind: 'quadratic', a: 1, c: 3 }, w0: [0], steps: 3 }), { g0: '-6', w1: '6', w2: '0', w3: '6' });
});

test('momentum: PyTorch, Keras and EMA forms', () => {
  // g₀ = 4(1 − 3) = −8. PyTorch: v₁ = −8, w₁ = 1 + 0.8 = 9/5; g = 4(9/5 − 3) = −24/5,
  // v₂ = 0.9·(−8) − 24/5 = −12, w₂ = 9/5 + 6/5 = 3.
  assert.deepEqual(answers({ ...MOMENTUM, momentumForm: 'pytorch' }), { g0: '-8', v1: '-8', w1: '9/5', v2: '-12', w2: '3' });
  // Keras: same iterates, velocity −η·(PyTorch velocity): 4/5, 6/5.
  assert.deepEqual(answers({ ...MOMENTUM, momentumForm: 'keras' }), { g0: '-8', v1: '4/5', w1: '9/5', v2: '6/5', w2: '3' });
  // EMA: v₁ = 0.1·(−8) = −4/5, w₁ = 1 + 0.08 = 27/25; g = 4(27/25 − 3) = −192/25,
  // v₂ = 0.9·(−4/5) + 0.1·(−192/25) = −186/125, w₂ = 27/25 + 0.1·186/125 = 768/625.
  assert.deepEqual(answers({ ...MOMENTUM, momentumForm: 'ema' }), { g0: '-8', v1: '-4/5', w1: '27/25', v2: '-186/125', w2: '768/625' });
  assert.match(F.statement(parse({ ...MOMENTUM, momentumForm: 'pytorch' })).convention, /Keras writes v ← βv − ηg, w ← w \+ v: the same iterates/);
  assert.match(F.statement(parse({ ...MOMENTUM, momentumForm: 'ema' })).text, /v_t = β·v_\{t−1\} \+ \(1 − β\)·∇L/);
});

test('momentum mistakes by value', () => {
  const m = mistakes({ ...MOMENTUM, momentumForm: 'pytorch' });
  // No carried velocity: v₂ = −24/5, w₂ = 9/5 + 12/25 = 57/25.
  assert.deepEqual(m['no-momentum'], { v2: '-24/5', w2: '57/25' });
  // EMA instead of PyTorch: the EMA numbers above.
  assert.deepEqual(m['swapped-form'], { v1: '-4/5', w1: '27/25', v2: '-186/125', w2: '768/625' });
  // w + η·v: w₁ = 1/5; g = 4(1/5 − 3) = −56/5, v₂ = −36/5 − 56/5 = −92/5, w₂ = 1/5 − 92/50 = −41/25.
  assert.deepEqual(m['sign-error'], { w1: '1/5', v2: '-92/5', w2: '-41/25' });
  // ∂/∂w 2(w − 3)² taken as 2(w − 3): g₀ = −4, w₁ = 7/5; g = −16/5, v₂ = −18/5 − 16/5 = −34/5, w₂ = 7/5 + 34/50 = 52/25.
  assert.deepEqual(m['forgot-factor-2'], { g0: '-4', v1: '-4', w1: '7/5', v2: '-34/5', w2: '52/25' });
});

test('Adam, ε = 0: first step is η·sign(g); second step is a single surd', () => {
  // L = (w − 1)², w₀ = −4, η = 0.01: g = −10, m₁ = 0.1·(−10) = −1, v₁ = 0.001·100 = 1/10,
  // m̂₁ = −10, v̂₁ = 100, w₁ = −4 − 0.01·(−10/10) = −3.99.
  const one = { optimizer: 'adam', beta1: '0.9', beta2: '0.999', lr: '0.01', loss: { kind: 'quadratic', a: 1, c: 1 }, w0: [-4], steps: 1 };
  assert.deepEqual(answers(one), { g0: '-10', m1: '-1', v1: '1/10', w1: '-399/100' });
  // Without bias correction: w₁ = −4 − 0.01·(−1)/√(1/10) = −4 + √10/100.
  assert.deepEqual(mistakes(one)['adam-no-bias-correction'], { w1: '-4 + √10/100' });

  // L = (w + 4)², w₀ = 1, η = 0.5: g = 10, m₁ = 1, v₁ = 1/10, w₁ = 1/2; g = 9, m₂ = 0.9 + 0.9 = 9/5,
  // v₂ = 0.0999 + 0.081 = 0.1809; m̂₂ = 1.8/0.19 = 180/19, v̂₂ = 0.1809/0.001999 = 180900/1999,
  // √v̂₂ = 30√401799/1999, w₂ = 1/2 − 0.5·(180/19)·1999/(30√401799) = 1/2 − √401799/1273 ≈ 0.00206.
  const two = { optimizer: 'adam', lr: '1/2', loss: { kind: 'quadratic', a: 1, c: -4 }, w0: [1], steps: 2 };
  const s = F.solve(parse(two));
  assert.deepEqual(Object.fromEntries(s.parts.map((p) => [p.id, formatAnswer(p.answer)])), {
    g0: '10',
    m1: '1',
    v1: '1/10',
    w1: '1/2',
    m2: '9/5',
    v2: '1809/10000',
    w2: '1/2 - √401799/1273',
  });
  const w2 = s.parts.find((p) => p.id === 'w2')!;
  assert.equal(formatPartAnswer(w2), '1/2 - √401799/1273 ≈ 0.0021');
  assert.ok(w2.tolerance?.abs !== undefined && w2.tolerance.abs < 1e-4);
  // The no-bias-correction mutant has an irrational w₁; it reports w₁ only (its w₂ is not a single surd).
  assert.deepEqual(mistakes(two)['adam-no-bias-correction'], { w1: '1 - √10/2' });
  // Taking step 2 as η·sign(g) again: w₂ = 1/2 − 1/2 = 0 (the true step is 0.4979…).
  assert.deepEqual(mistakes(two)['adam-sign-step'], { w2: '0' });
  assert.match(F.statement(parse(two)).text, /take ε = 0/);
});

test('L2 penalty adds 2λw', () => {
  // J = (w − 2)² + 0.5w², w₀ = 4, η = 1/4: g = 2(4 − 2) + 2·0.5·4 = 8, w₁ = 4 − 2 = 2.
  const raw = { optimizer: 'gd', lr: '1/4', loss: { kind: 'quadratic', a: 1, c: 2 }, w0: [4], l2: '1/2', steps: 1 };
  assert.deepEqual(answers(raw), { g0: '8', w1: '2' });
  const m = mistakes(raw);
  assert.deepEqual(m['l2-lambda-w'], { g0: '6', w1: '5/2' }); // λw: g = 4 + 2 = 6
  assert.deepEqual(m['l2-forgot'], { g0: '4', w1: '3' });
  assert.match(F.statement(parse(raw)).convention, /2λw/);
});

test('coupled quadratic: L = 2w₁² + 3w₂² + w₁w₂', () => {
  // θ₀ = (−1, 3): ∂/∂w₁ = 4·(−1) + 3 = −1, ∂/∂w₂ = 6·3 − 1 = 17; θ₁ = (−1, 3) − 0.1·(−1, 17) = (−9/10, 13/10).
  assert.deepEqual(answers({ optimizer: 'gd', lr: '1/10', loss: { kind: 'coupled', a: 2, b: 3, c: 1 }, w0: [-1, 3], steps: 1 }), {
    g0: '[-1, 17]',
    w1: '[-9/10, 13/10]',
  });
});

test('invalid params name the field', () => {
  assert.throws(() => parse({ optimizer: 'momentum', momentumForm: 'pytorch', lr: '1/10', loss: { kind: 'quadratic', a: 1, c: 0 }, w0: [1], steps: 2 }), /beta: momentum needs/);
  assert.throws(() => parse({ optimizer: 'adam', lr: '1/10', loss: { kind: 'quadratic', a: 1, c: 0 }, w0: [1], steps: 3 }), /steps: Adam is asked for at most 2 steps/);
  assert.throws(() => parse({ optimizer: 'gd', lr: '1/10', loss: { kind: 'separable', a: [1, 1], c: [0, 0] }, w0: [1], steps: 1 }), /w0: loss "separable" has 2 parameters/);
  assert.throws(() => parse({ optimizer: 'gd', lr: '1/10', loss: { kind: 'coupled', a: 1, b: 1, c: 3 }, w0: [1, 1], steps: 1 }), /loss\.c: the loss must be convex/);
  assert.throws(() => parse({ optimizer: 'gd', lr: 'fast', loss: { kind: 'quadratic', a: 1, c: 0 }, w0: [1], steps: 1 }), /lr/);
  assert.throws(() => parse({ optimizer: 'gd', lr: '-1/10', loss: { kind: 'quadratic', a: 1, c: 0 }, w0: [1], steps: 1 }), /lr: the learning rate must be positive/);
  assert.throws(() => parse({ optimizer: 'gd', lr: '1/10', loss: { kind: 'quadratic', a: 1, c: 2 }, w0: [2], steps: 1 }), /w0: the start is already a stationary point/);
  assert.throws(() => parse({ optimizer: 'adam', lr: '1/10', loss: { kind: 'separable', a: [1, 1], c: [0, 2] }, w0: [1, 2], steps: 1 }), /w0: with ε = 0, Adam divides 0 by 0/);
  assert.throws(() => parse({ optimizer: 'gd', beta: '9/10', lr: '1/10', loss: { kind: 'quadratic', a: 1, c: 0 }, w0: [1], steps: 1 }), /beta: beta is only for optimizer "momentum"/);
});

test('property: solver agrees with tf.train optimizers on 1,000 seeds', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 600, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});
