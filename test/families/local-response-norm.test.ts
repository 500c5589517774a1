import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrn as F, type LrnParams } from '../../src/families/local-response-norm.js';
import { parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer, type Solution } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as LrnParams;
const exact = (s: Solution) => Object.fromEntries(s.parts.map((p) => [p.id, formatAnswer(p.answer)]));
const mistakes = (p: LrnParams) =>
  Object.fromEntries(F.mistakes(p).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

const BASE = { convention: 'tensorflow', activations: [3, 1, 0, 4], radius: 1, k: '1', alpha: '1/2', beta: '1' };

test('TensorFlow LRN, β = 1: windows clipped at the ends, exact outputs', () => {
  // Σ: [9+1, 9+1+0, 1+0+16, 0+16] = [10, 10, 17, 16]; D = 1 + Σ/2 = [6, 6, 19/2, 9]; b = a/D
  const p = params(BASE);
  assert.deepEqual(exact(F.solve(p)), { sumsq: '[10, 10, 17, 16]', base: '[6, 6, 19/2, 9]', b: '[1/2, 1/6, 0, 4/9]' });
  const m = mistakes(p);
  assert.deepEqual(m['all-channels'], { sumsq: '[26, 26, 26, 26]', base: '[14, 14, 14, 14]', b: '[3/14, 1/14, 0, 2/7]' });
  assert.deepEqual(m['excluded-self'], { sumsq: '[1, 9, 17, 0]', base: '[3/2, 11/2, 19/2, 1]', b: '[2, 2/11, 0, 4]' });
  assert.deepEqual(m['forgot-bias'], { base: '[5, 5, 17/2, 8]', b: '[3/5, 1/5, 0, 1/2]' });
  // PyTorch would use α/3 = 1/6: D = [8/3, 8/3, 23/6, 11/3]
  assert.deepEqual(m['other-alpha-convention'], { base: '[8/3, 8/3, 23/6, 11/3]', b: '[9/8, 3/8, 0, 12/11]' });
  assert.equal(m['forgot-beta'], undefined);
});

test('β = 1/2 gives exact surds, printed with decimals', () => {
  // α = 1: D = [26, 26, 18, 2]; b = [3/√26, 4/√26, 0, 1/√2]
  const p = params({ ...BASE, activations: [3, 4, 0, 1], alpha: '1', beta: '1/2', decimals: 3 });
  const s = F.solve(p);
  assert.equal(formatAnswer(s.parts[1]!.answer), '[26, 26, 18, 2]');
  const b = s.parts.find((x) => x.id === 'b')!;
  assert.equal(b.decimals, 3);
  assert.match(formatPartAnswer(b), /0\.588.*0\.784.*0.*0\.707/);
});

test('seed 004 §3.9: AlexNet LRN (k = 2, α = 10⁻⁴, β = 0.75, n = 5) on (2.5, 5.0, 3.5) scales every channel by the SAME factor', () => {
  // All three channels fall in every window (r = 2): Σ = 6.25 + 25 + 12.25 = 43.5, D = 2.00435 for each, so
  // b = a / 2.00435^0.75 ≈ a / 1.68454 — the seed's "the strongest is suppressed slightly, weaker ones more" is wrong here.
  const p = params({ convention: 'tensorflow', activations: [2.5, 5, 3.5], radius: 2, k: '2', alpha: '0.0001', beta: '3/4', decimals: 4 });
  const s = F.solve(p);
  assert.deepEqual(exact(s).sumsq, '[87/2, 87/2, 87/2]');
  assert.deepEqual(exact(s).base, '[40087/20000, 40087/20000, 40087/20000]');
  assert.equal(formatPartAnswer(s.parts[2]!), '[(5/2)/(40087/20000)^(3/4), 5/(40087/20000)^(3/4), (7/2)/(40087/20000)^(3/4)] ≈ [1.4841, 2.9682, 2.0777]');
  // PyTorch's α/n: D = 2.00087 → [1.486, 2.972, 2.0804]
  assert.equal(formatPartAnswer(F.solve(params({ convention: 'pytorch', activations: [2.5, 5, 3.5], radius: 2, k: '2', alpha: '0.0001', beta: '3/4', decimals: 4 })).parts[2]!).split(' ≈ ')[1], '[1.4860, 2.9720, 2.0804]');
});

test('invalid params name the field', () => {
  assert.throws(() => params({ ...BASE, beta: '2' }), /beta/);
  assert.throws(() => params({ ...BASE, k: '-1' }), /k: the bias k must be positive/);
  assert.throws(() => params({ ...BASE, radius: 0 }), /radius/);
  assert.throws(() => params({ ...BASE, activations: [1] }), /activations/);
});

test('tensor check agrees on the fixtures, without leaking tensors', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  for (const raw of [BASE, { ...BASE, convention: 'pytorch' }, { ...BASE, activations: [3, 4, 0, 1], alpha: '1', beta: '1/2' }, { convention: 'tensorflow', activations: [2.5, 5, 3.5], radius: 2, k: '2', alpha: '0.0001', beta: '3/4' }]) {
    const inst = await runInstance(F, params(raw), tf);
    assert.ok(inst.check.ok, JSON.stringify(inst.check.parts));
  }
  assert.equal(tf.memory().numTensors, before);
});

test('property: solver agrees with the tensor computation on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 700, `only ${r.distinctAnswers} distinct answers`);
});
