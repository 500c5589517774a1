import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatedRnnStep as F, type GatedParams } from '../../src/families/gated-rnn-step.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as GatedParams;
const answers = (p: GatedParams) => Object.fromEntries(F.solve(p).parts.map((x) => [x.id, formatPartAnswer(x)]));
const wrong = (p: GatedParams) =>
  Object.fromEntries(F.mistakes(p).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));
const g = (W: number, U: number, b: number, bRec?: number) => ({ W: [[W]], U: [[U]], b: [b], ...(bRec === undefined ? {} : { bRec: [bRec] }) });

// LSTM, hard sigmoid σ(z) = clip(0.2z + 0.5, 0, 1), linear activation; x = 1, h_{t−1} = 1, c_{t−1} = −1:
//   i = σ(1 + 1 − 1) = σ(1) = 0.7; f = σ(2 − 2 − 1) = σ(−1) = 0.3; g = 0 + 2 − 1 = 1; o = σ(1 − 1 + 0) = 0.5;
//   c = 0.3·(−1) + 0.7·1 = 0.4; h = 0.5·0.4 = 0.2.
const lstmExact = { cell: 'lstm', recurrentActivation: 'hardSigmoid', activation: 'linear', x: [1], h0: [1], c0: [-1], gates: { i: g(1, 1, -1), f: g(2, -2, -1), g: g(0, 2, -1), o: g(1, -1, 0) } };

// GRU, hard sigmoid, linear; x = −1, h_{t−1} = −1:
//   z = σ(0 + 1 + 1) = σ(2) = 0.9; r = σ(−1 + 2 + 0) = σ(1) = 0.7; r ⊙ h = −0.7; h̃ = 0 − 0.7 + 1 = 0.3;
//   Keras/PyTorch: h = 0.9·(−1) + 0.1·0.3 = −0.87;  Cho: h = 0.1·(−1) + 0.9·0.3 = 0.17.
const gru = { cell: 'gru', recurrentActivation: 'hardSigmoid', activation: 'linear', x: [-1], h0: [-1], gates: { z: g(0, -1, 1), r: g(1, -2, 0), hTilde: g(0, 1, 1) } };

test('hand-computed fixtures (exact)', async () => {
  const tf = await loadTf();
  const lstm = params(lstmExact);
  assert.deepEqual(answers(lstm), { i: '7/10', f: '3/10', g: '1', o: '1/2', c: '2/5', h: '1/5' });
  const keras = params(gru);
  assert.deepEqual(answers(keras), { z: '9/10', r: '7/10', hTilde: '3/10', h: '-87/100' });
  const cho = params({ ...gru, gruUpdate: 'cho' });
  assert.equal(answers(cho)['h'], '17/100');
  // reset_after=True with a recurrent bias: x = 1, h = 1; z = σ(1) = 0.7, r = σ(0 + 1 + 0) = 0.7;
  //   h̃ = 1·1 + 0 + 0.7·(2·1 + 1) = 3.1; h = 0.7·1 + 0.3·3.1 = 1.63.
  const after = params({ cell: 'gru', recurrentActivation: 'hardSigmoid', activation: 'linear', resetAfter: true, x: [1], h0: [1], gates: { z: g(1, 0, 0), r: g(0, 1, 0), hTilde: g(1, 2, 0, 1) } });
  assert.deepEqual(answers(after), { z: '7/10', r: '7/10', hTilde: '31/10', h: '163/100' });
  // The independent check agrees (real tf.layers.lstm / gru — the Cho case through negated update weights — and the tf-op reset_after cell).
  for (const p of [lstm, keras, cho, after]) {
    const check = await F.verify(p, F.solve(p), tf);
    assert.ok(check.ok, JSON.stringify(check));
  }
});

test('logistic σ and tanh: rounded parts, exact where rational', async () => {
  // i = σ(0) = 1/2 (exact); f = σ(−1) = 0.268941…; g = tanh(−0.5) = −0.462117…; o = σ(−2) = 0.119203…;
  // c = −σ(−1) + ½·tanh(−½) = −1/2 exactly (tanh(x/2) = 2σ(x) − 1), though reached through
  // transcendental values, so it is printed as a rounded decimal; h = σ(−2)·tanh(−½) = −0.055086…
  const p = params({ cell: 'lstm', recurrentActivation: 'sigmoid', activation: 'tanh', x: [-1], h0: [-1], c0: [-1], gates: { i: g(0, 1, 1), f: g(1, 1, 1), g: g(-0.5, 0.5, -0.5), o: g(1, 1, 0) } });
  assert.deepEqual(answers(p), { i: '1/2', f: '≈ 0.269', g: '≈ -0.462', o: '≈ 0.119', c: '≈ -0.500', h: '≈ -0.055' });
  const h = F.solve(p).parts.find((x) => x.id === 'h')!;
  assert.equal(h.decimals, 3);
  assert.deepEqual(h.tolerance, { abs: 0.0015 });
  const check = await F.verify(p, F.solve(p), await loadTf());
  assert.ok(check.ok, JSON.stringify(check));
});

test('mistakes are named wrong answers', () => {
  const lstm = wrong(params(lstmExact));
  // Forgot f ⊙ c_{t−1}: c = 0.7, h = 0.35.
  assert.deepEqual(lstm['no-forget'], { c: '7/10', h: '7/20' });
  // tanh(c) although the activation is linear: h = 0.5·tanh(0.4) = 0.18997… → 0.190.
  assert.deepEqual(lstm['h-tanh-c'], { h: '19/100' });
  // Forgot the bias: i = σ(2) = 0.9, f = σ(0) = 0.5, g = 2, c = −0.5 + 1.8 = 1.3, h = 0.5·1.3 = 0.65.
  assert.deepEqual(lstm['no-bias'], { i: '9/10', f: '1/2', g: '2', c: '13/10', h: '13/20' });
  // Logistic instead of hard sigmoid: i = σ(1) = 0.731, f = σ(−1) = 0.269 (o = σ(0) = 1/2 unchanged).
  assert.equal(lstm['sigmoid-swap']!['i'], '731/1000');
  // GRU: the other update convention gives the Cho answer, and vice versa.
  assert.deepEqual(wrong(params(gru))['gru-update-swapped'], { h: '17/100' });
  assert.deepEqual(wrong(params({ ...gru, gruUpdate: 'cho' }))['gru-update-swapped'], { h: '-87/100' });
  // Forgot the reset gate: h̃ = −1 + 1 = 0, h = −0.9.
  assert.deepEqual(wrong(params(gru))['no-reset'], { hTilde: '0', h: '-9/10' });
  // reset_after=True read as reset_after=False: h̃ = 1 + 2·(0.7·1) + 0 = 2.4, h = 0.7 + 0.3·2.4 = 1.42.
  const after = params({ cell: 'gru', recurrentActivation: 'hardSigmoid', activation: 'linear', resetAfter: true, x: [1], h0: [1], gates: { z: g(1, 0, 0), r: g(0, 1, 0), hTilde: g(1, 2, 0, 1) } });
  assert.deepEqual(wrong(after)['reset-placement'], { hTilde: '12/5', h: '71/50' });
});

test('invalid params name the field', () => {
  const { o: _o, ...three } = lstmExact.gates;
  void _o;
  assert.throws(() => params({ ...lstmExact, gates: three }), /gates\.o: an LSTM needs weights for gate "o"/);
  assert.throws(() => params({ ...lstmExact, c0: undefined }), /c0: an LSTM step needs the previous cell state/);
  assert.throws(() => params({ ...gru, c0: [1] }), /c0: a GRU has no cell state/);
  assert.throws(() => params({ ...gru, gates: { ...gru.gates, hTilde: g(0, 1, 1, 2) } }), /gates\.hTilde\.bRec: a separate recurrent bias exists only/);
  assert.throws(() => params({ ...lstmExact, gates: { ...lstmExact.gates, i: { W: [[1, 2]], U: [[1]], b: [0] } } }), /gates\.i\.W: W must be 1×1/);
  assert.throws(() => params({ ...gru, gates: { ...gru.gates, i: g(1, 1, 1) } }), /gates\.i: a GRU has no gate "i"/);
  assert.throws(() => params({ ...lstmExact, gruUpdate: 'cho' }), /gruUpdate: gruUpdate and resetAfter apply to GRU cells only/);
});

test('statement states the conventions', () => {
  const st = F.statement(params({ ...gru, gruUpdate: 'cho' }));
  assert.match(st.text, /h_t = \(1 − z_t\) ⊙ h_\{t−1\} \+ z_t ⊙ h̃_t/);
  assert.match(st.text, /hard sigmoid/);
  assert.match(st.convention, /Cho et al\. \(2014\)/);
  assert.match(st.convention, /reset_after=False/);
});

test('property: solver agrees with tf.layers.lstm / gru on 1,000 seeds', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 800, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before, 'verify() leaks tensors');
});
