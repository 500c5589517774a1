import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationDerivative as F, type ActivationDerivativeParams } from '../../src/families/activation-derivative.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as ActivationDerivativeParams;
/** part id → exact answer text ("3/16", "[2, 0]"), plus "≈" for rounded parts. */
const answers = (raw: Record<string, unknown>) => Object.fromEntries(F.solve(params(raw)).parts.map((p) => [p.id, formatPartAnswer(p)]));
const mistakes = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

test('sigmoid and tanh from a given output (derivative identities)', () => {
  // σ(z) = 3/4 ⇒ σ′ = 3/4·1/4 = 3/16
  assert.deepEqual(answers({ activation: 'sigmoid', points: [{ given: '3/4' }] }), { df: '3/16' });
  // tanh(z) = 1/2 ⇒ tanh′ = 1 − 1/4 = 3/4
  assert.deepEqual(answers({ activation: 'tanh', points: [{ given: '1/2' }] }), { df: '3/4' });
  // chain rule: ∂L/∂a = 2, σ(z) = 3/4 ⇒ ∂L/∂z = 2·3/16 = 3/8
  assert.deepEqual(answers({ activation: 'sigmoid', points: [{ given: '3/4' }], upstream: ['2'] }), { df: '3/16', dLdz: '3/8' });
  // several units: tanh outputs −1/2, 3/5 ⇒ 3/4, 16/25; upstream 4, −1 ⇒ 3, −16/25
  assert.deepEqual(answers({ activation: 'tanh', points: [{ given: '-1/2' }, { given: '3/5' }], upstream: ['4', '-1'] }), { df: '[3/4, 16/25]', dLdz: '[3, -16/25]' });
});

test('sigmoid, tanh, softplus at z = ln u (e^z rational)', () => {
  // z = ln 3 = logit(3/4): σ = 1/(1 + 1/3) = 3/4, σ′ = 3/16
  assert.deepEqual(answers({ activation: 'sigmoid', points: [{ lnOf: '3' }] }), { f: '3/4', df: '3/16' });
  // z = −ln 4: σ = (1/4)/(5/4) = 1/5, σ′ = 4/25
  assert.deepEqual(answers({ activation: 'sigmoid', points: [{ lnOf: '1/4' }] }), { f: '1/5', df: '4/25' });
  // z = ln 2: e^{2z} = 4, tanh = 3/5, tanh′ = 16/25
  assert.deepEqual(answers({ activation: 'tanh', points: [{ lnOf: '2' }] }), { f: '3/5', df: '16/25' });
  // softplus(ln 3) = ln 4 = 1.386294… → 1.386 (key stores 693/500); softplus′ = σ(ln 3) = 3/4
  // softplus(0) = ln 2 = 0.693147… → 0.693; softplus′(0) = 1/2
  assert.deepEqual(answers({ activation: 'softplus', points: [{ lnOf: '3' }, { z: '0' }] }), { f: '[ln 4, ln 2] ≈ [1.386, 0.693]', df: '[3/4, 1/2]' });
  // 4 decimals: ln(3/2) = 0.405465… → 0.4055
  assert.deepEqual(answers({ activation: 'softplus', points: [{ lnOf: '1/2' }], decimals: 4 }), { f: 'ln(3/2) ≈ 0.4055', df: '1/3' });
});

test('piecewise-linear activations at rational points', () => {
  assert.deepEqual(answers({ activation: 'relu', points: [{ z: '2' }, { z: '-1' }] }), { f: '[2, 0]', df: '[1, 0]' });
  // leaky α = 1/10 at −2: −1/5, slope 1/10
  assert.deepEqual(answers({ activation: 'leaky-relu', alpha: '1/10', points: [{ z: '-2' }, { z: '3/2' }] }), { f: '[-1/5, 3/2]', df: '[1/10, 1]' });
  // ELU α = 1 at −ln 2: 1/2 − 1 = −1/2, ELU′ = e^z = 1/2 (= f + α)
  assert.deepEqual(answers({ activation: 'elu', alpha: '1', points: [{ lnOf: '1/2' }, { z: '3' }] }), { f: '[-1/2, 3]', df: '[1/2, 1]' });
  // ELU α = 2 at −ln 4: 2(1/4 − 1) = −3/2, ELU′ = 2·1/4 = 1/2 = −3/2 + 2
  assert.deepEqual(answers({ activation: 'elu', alpha: '2', points: [{ lnOf: '1/4' }] }), { f: '-3/2', df: '1/2' });
  // Keras 2 hard sigmoid: 0.2·1 + 0.5 = 7/10 (slope 1/5); 0.2·3 + 0.5 = 1.1 → clipped to 1 (slope 0)
  assert.deepEqual(answers({ activation: 'hard-sigmoid', hardSigmoid: 'keras2', points: [{ z: '1' }, { z: '3' }] }), { f: '[7/10, 1]', df: '[1/5, 0]' });
  // PyTorch Hardsigmoid: 1/6 + 1/2 = 2/3 (slope 1/6); z = −4 < −3 is clipped to 0 (slope 0)
  assert.deepEqual(answers({ activation: 'hard-sigmoid', hardSigmoid: 'pytorch', points: [{ z: '1' }, { z: '-4' }] }), { f: '[2/3, 0]', df: '[1/6, 0]' });
});

test('seed examples recomputed', () => {
  // Seed 004 (2.9) table "Input / Sigmoid / Tanh / ReLU": the exact rows agree with the family:
  // σ(0) = 0.5, σ′(0) = 1/4; tanh(0) = 0, tanh′(0) = 1; ReLU(−3) = ReLU(−1) = 0, ReLU(1) = 1, ReLU(3) = 3.
  assert.deepEqual(answers({ activation: 'sigmoid', points: [{ z: '0' }] }), { f: '1/2', df: '1/4' });
  assert.deepEqual(answers({ activation: 'tanh', points: [{ z: '0' }] }), { f: '0', df: '1' });
  assert.deepEqual(answers({ activation: 'relu', points: [{ z: '-3' }, { z: '-1' }, { z: '1' }, { z: '3' }] }), { f: '[0, 0, 1, 3]', df: '[0, 0, 1, 1]' });
  // Its transcendental rows, recomputed: σ(−3) = 0.0474 ✓ 0.047, σ(−1) = 0.2689 ✓, σ(1) = 0.7311 ✓, σ(3) = 0.9526 ✓,
  // tanh(±3) = ±0.99505 ✓; but tanh(±1) = ±0.76159, which rounds to ±0.762 — the seed's ±0.761 is truncated (wrong).
  assert.equal(Math.tanh(1).toFixed(3), '0.762');
  assert.equal(Math.tanh(-3).toFixed(3), '-0.995');
  assert.equal((1 / (1 + Math.exp(-3))).toFixed(3), '0.953');
  // Seed 004 (2.2): z = 2 → sigmoid 0.88 ✓ (0.8808), tanh 0.96 ✓ (0.9640), ReLU 2.0 ✓.
  assert.equal((1 / (1 + Math.exp(-2))).toFixed(2), '0.88');
  assert.equal(Math.tanh(2).toFixed(2), '0.96');
  // Seed 004 (neuron example): z = 0.5·0.4 + 0.8·0.6 + 0.1 = 0.78 ✓, σ(0.78) = 0.68568…: "≈ 0.685" is truncated
  // (3 d.p. is 0.686); its "≈ 0.69" is right.
  assert.equal((1 / (1 + Math.exp(-0.78))).toFixed(3), '0.686');
  // Seed 004 derivative table: σ′ = f(1 − f) ✓, tanh′ = 1 − f² ✓, ReLU′ = 1 for x > 0 else 0 ✓;
  // its leaky ReLU max(0.01x, x) is α = 1/100: LeakyReLU(−3) = −3/100, slope 1/100.
  assert.deepEqual(answers({ activation: 'leaky-relu', alpha: '1/100', points: [{ z: '-3' }, { z: '2' }] }), { f: '[-3/100, 2]', df: '[1/100, 1]' });
  // Seed 004 (backprop, 2.6): ŷ = σ(z₂), L = ½(y − ŷ)², σ′(z₂) = ŷ(1 − ŷ) ✓ — e.g. ŷ = 4/5 gives σ′ = 4/25.
  assert.deepEqual(answers({ activation: 'sigmoid', points: [{ given: '4/5' }] }), { df: '4/25' });
});

test('invalid params name the field', () => {
  assert.throws(() => params({ activation: 'leaky-relu', points: [{ z: '-1' }] }), /alpha: leaky-relu needs "alpha"/);
  assert.throws(() => params({ activation: 'leaky-relu', alpha: '3/2', points: [{ z: '-1' }] }), /alpha: the leaky ReLU slope/);
  assert.throws(() => params({ activation: 'relu', alpha: '1/10', points: [{ z: '-1' }] }), /alpha: "alpha" only applies/);
  assert.throws(() => params({ activation: 'sigmoid', points: [{ z: '2' }] }), /points\.0: sigmoid at a rational z ≠ 0 is irrational/);
  assert.throws(() => params({ activation: 'relu', points: [{ z: '0' }] }), /points\.0: z = 0 is the kink/);
  assert.throws(() => params({ activation: 'relu', points: [{ given: '1/2' }] }), /points\.0: "given" outputs are only for sigmoid and tanh/);
  assert.throws(() => params({ activation: 'sigmoid', points: [{ given: '5/4' }] }), /points\.0: a sigmoid output must lie strictly between 0 and 1/);
  assert.throws(() => params({ activation: 'elu', alpha: '1', points: [{ lnOf: '2' }] }), /points\.0: ELU points z = ln u need u < 1/);
  assert.throws(() => params({ activation: 'elu', alpha: '1', points: [{ z: '-1' }] }), /points\.0: a negative ELU point needs e\^z/);
  assert.throws(() => params({ activation: 'hard-sigmoid', hardSigmoid: 'keras2', points: [{ z: '5/2' }] }), /points\.0: z = 5\/2 is a kink/);
  assert.throws(() => params({ activation: 'hard-sigmoid', points: [{ z: '1' }] }), /hardSigmoid: hard-sigmoid needs/);
  assert.throws(() => params({ activation: 'tanh', points: [{ lnOf: '2' }, { lnOf: '2' }] }), /points\.1: duplicate point/);
  assert.throws(() => params({ activation: 'tanh', points: [{ lnOf: '2' }, { given: '1/2' }] }), /points: either every point/);
  assert.throws(() => params({ activation: 'relu', points: [{ z: '1' }, { z: '-1' }], upstream: ['1'] }), /upstream: give one upstream gradient per point/);
  assert.throws(() => params({ activation: 'relu', points: [{ z: '1/0' }] }), /points\.0\.z: the denominator must not be zero/);
});

test('mistakes give the named wrong answers', () => {
  // σ(z) = 3/4: σ′ = σ gives 3/4; using the tanh identity gives 1 − 9/16 = 7/16
  const sig = mistakes({ activation: 'sigmoid', points: [{ given: '3/4' }] });
  assert.deepEqual(sig['deriv-is-value'], { df: '3/4' });
  assert.deepEqual(sig['tanh-identity-for-sigmoid'], { df: '7/16' });
  // tanh(z) = 1/2: 1 − tanh = 1/2 (no square)
  assert.deepEqual(mistakes({ activation: 'tanh', points: [{ given: '1/2' }] })['tanh-no-square'], { df: '1/2' });
  // σ(ln 3) with e^{+z} instead of e^{−z}: 1/(1 + 3) = 1/4
  assert.deepEqual(mistakes({ activation: 'sigmoid', points: [{ lnOf: '3' }] })['exp-sign'], { f: '1/4' });
  assert.deepEqual(mistakes({ activation: 'relu', points: [{ z: '2' }, { z: '-1' }] })['deriv-one-for-negative'], { df: '[1, 1]' });
  assert.deepEqual(mistakes({ activation: 'leaky-relu', alpha: '1/10', points: [{ z: '-2' }, { z: '3/2' }] })['leaky-slope-forgotten'], { f: '[0, 3/2]', df: '[0, 1]' });
  // ELU α = 2 at −ln 4: ELU′ taken as α = 2; as f(z) = −3/2 (forgot +α); α dropped: f = −3/4, f′ = 1/4
  const elu = mistakes({ activation: 'elu', alpha: '2', points: [{ lnOf: '1/4' }] });
  assert.deepEqual(elu['elu-deriv-alpha'], { df: '2' });
  assert.deepEqual(elu['elu-deriv-is-value'], { df: '-3/2' });
  assert.deepEqual(elu['elu-forgot-alpha'], { f: '-3/4', df: '1/4' });
  // softplus at ln 3: e^z = 3 (no denominator), 1/(1 + e^z) = 1/4 (no inner derivative); log₁₀ 4 = 0.602
  const sp = mistakes({ activation: 'softplus', points: [{ lnOf: '3' }] });
  assert.deepEqual(sp['softplus-deriv-exp'], { df: '3' });
  assert.deepEqual(sp['softplus-forgot-inner'], { df: '1/4' });
  assert.deepEqual(sp['log10'], { f: '301/500' });
  // hard sigmoid at 1 under the other convention: 1/6 + 1/2 = 2/3, slope 1/6
  assert.deepEqual(mistakes({ activation: 'hard-sigmoid', hardSigmoid: 'keras2', points: [{ z: '1' }, { z: '3' }] })['hard-sigmoid-other-convention'], { f: '[2/3, 1]', df: '[1/6, 0]' });
  // chain rule with σ(z) = 3/4, ∂L/∂a = 2: forgot upstream → 3/16; used σ instead of σ′ → 3/2
  const chain = mistakes({ activation: 'sigmoid', points: [{ given: '3/4' }], upstream: ['2'] });
  assert.deepEqual(chain['chain-forgot-upstream'], { dLdz: '3/16' });
  assert.deepEqual(chain['chain-used-value'], { dLdz: '3/2' });
});

test('verify agrees with tf on hand-made instances', async () => {
  const tf = await loadTf();
  for (const raw of [
    { activation: 'sigmoid', points: [{ given: '3/4' }, { given: '1/10' }], upstream: ['2', '-1'] },
    { activation: 'tanh', points: [{ given: '-4/5' }] },
    { activation: 'softplus', points: [{ lnOf: '3' }, { z: '0' }], decimals: 4 },
    { activation: 'elu', alpha: '3/2', points: [{ lnOf: '1/3' }, { z: '2' }], upstream: ['1', '1'] },
    { activation: 'hard-sigmoid', hardSigmoid: 'pytorch', points: [{ z: '1' }, { z: '-4' }] },
  ]) {
    const p = params(raw);
    const check = await F.verify(p, F.solve(p), tf);
    assert.ok(check.ok, JSON.stringify(check.parts));
  }
  // A wrong solution is caught.
  const p = params({ activation: 'sigmoid', points: [{ given: '3/4' }] });
  const s = F.solve(p);
  const wrong = { ...s, parts: s.parts.map((x) => ({ ...x, answer: F.mistakes(p)[0]!.answers[x.id] ?? x.answer })) };
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
