import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rnnSteps as F, type RnnStepsParams } from '../../src/families/rnn-steps.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as RnnStepsParams;
const answers = (p: RnnStepsParams) => Object.fromEntries(F.solve(p).parts.map((x) => [x.id, formatAnswer(x.answer)]));

test('seed: the hard-threshold RNN of the course answer sheet (002, Q-3 A), recomputed', async () => {
  // Seed: h_t = step(W·h_{t−1} + U·x_t − b_h), y_t = step(v·h_t − b_y), step(z) = 1 iff z ≥ 0, with
  // W = [[1, −1], [1, −1]], U = (−1, −1), b_h = (−0.5, 0.5), v = (1, −1), b_y = 0.5, h_0 = 0, input 0 1 0 0.
  // Here the bias is added, so b = −b_h = (0.5, −0.5) and b_y = −0.5.
  //   t=1: x=0: W·0 + 0 + b = (0.5, −0.5)                → h_1 = (1, 0); y_1 = step(1 − 0 − 0.5) = 1
  //   t=2: x=1: W·h_1 = (1, 1), U·1 = (−1, −1), + b = (0.5, −0.5) → h_2 = (1, 0); y_2 = 1
  //   t=3: x=0: W·h_2 = (1, 1), + b = (1.5, 0.5)          → h_3 = (1, 1); y_3 = step(1 − 1 − 0.5) = 0
  //   t=4: x=0: W·h_3 = (0, 0), + b = (0.5, −0.5)         → h_4 = (1, 0); y_4 = 1
  // The seed gets h_1, y_1, h_2, y_2 and h_3 = step(1.5, 0.5) right but never finishes: its t = 4
  // line degenerates into copies ("h 5 = …, h 9 = …") and no output string is stated. Right: 1101.
  const p = params({ activation: 'step', Wx: [[-1], [-1]], Wh: [[1, -1], [1, -1]], b: [0.5, -0.5], xs: [[0], [1], [0], [0]], Wy: [1, -1], by: -0.5, outputs: 'all' });
  assert.deepEqual(answers(p), { h1: '[1, 0]', h2: '[1, 0]', h3: '[1, 1]', h4: '[1, 0]', y: '[1, 1, 0, 1]' });
  const check = await F.verify(p, F.solve(p), await loadTf());
  assert.ok(check.ok, JSON.stringify(check));
});

test('hand-computed fixtures (exact)', () => {
  // Scalar ReLU RNN, w_x = 2, w_h = −1, b = 1, x = (1, 2, −1):
  //   a_1 = 2 + 0 + 1 = 3 → h_1 = 3; a_2 = 4 − 3 + 1 = 2 → h_2 = 2; a_3 = −2 − 2 + 1 = −3 → h_3 = 0.
  const relu = params({ activation: 'relu', Wx: [[2]], Wh: [[-1]], b: [1], xs: [[1], [2], [-1]] });
  assert.deepEqual(answers(relu), { h1: '3', h2: '2', h3: '0' });

  // Two units, identity, textbook W_xh = (1, 2)ᵀ, W_hh = [[0, 1], [−1, 0]], b = 0, x = (1, 1):
  //   h_1 = (1, 2); h_2 = (1, 2) + (0·1 + 1·2, −1·1 + 0·2) = (3, 1).
  const textbook = params({ layout: 'textbook', activation: 'identity', Wx: [[1], [2]], Wh: [[0, 1], [-1, 0]], b: [0, 0], xs: [[1], [1]] });
  assert.deepEqual(answers(textbook), { h1: '[1, 2]', h2: '[3, 1]' });
  // The same network in Keras layout: kernel (1, 2), recurrent kernel U = W_hhᵀ; h_1·U = (1, 2)·[[0, −1], [1, 0]] = (2, −1).
  const keras = params({ layout: 'keras', activation: 'identity', Wx: [[1, 2]], Wh: [[0, -1], [1, 0]], b: [0, 0], xs: [[1], [1]] });
  assert.deepEqual(answers(keras), { h1: '[1, 2]', h2: '[3, 1]' });

  // Output unit at the last step, h_0 given: w_x = 1, w_h = 1/2, b = 0, h_0 = 2, x = (1, −1), identity;
  //   h_1 = 1 + 1 = 2, h_2 = −1 + 1 = 0 … y_2 = 3·h_2 + 1 = 1.
  const out = params({ activation: 'identity', Wx: [[1]], Wh: [['1/2']], b: [0], h0: [2], xs: [[1], [-1]], Wy: [3], by: 1 });
  assert.deepEqual(answers(out), { h1: '2', h2: '0', yT: '1' });
});

test('tanh: correctly rounded decimals from high-precision arithmetic', () => {
  // w_x = 1/2, w_h = −1, b = 1/2, x = (2, −1, 1):
  //   h_1 = tanh(1.5) = 0.905148…; a_2 = −0.5 − 0.905148 + 0.5 → h_2 = tanh(−0.905148) = −0.718795…;
  //   a_3 = 0.5 + 0.718795 + 0.5 = 1.718795 → h_3 = tanh(1.718795) = 0.937718…
  const p = params({ activation: 'tanh', Wx: [[0.5]], Wh: [[-1]], b: [0.5], xs: [[2], [-1], [1]] });
  const s = F.solve(p);
  assert.deepEqual(
    s.parts.map((x) => formatPartAnswer(x)),
    ['≈ 0.905', '≈ -0.719', '≈ 0.938'],
  );
  for (const part of s.parts) {
    assert.equal(part.decimals, 3);
    assert.ok(part.rounded);
    assert.deepEqual(part.tolerance, { abs: 0.0015 });
  }
  // Forgetting the tanh gives the exact linear chain 3/2, −3/2, 5/2.
  const m = Object.fromEntries(F.mistakes(p).map((x) => [x.id, x]));
  assert.equal(formatAnswer(m['no-activation']!.answers['h3']!), '5/2');
});

test('invalid params name the field', () => {
  assert.throws(() => params({ activation: 'relu', Wx: [[1, 2]], Wh: [[1, 0], [0, 1]], b: [0, 0], xs: [[1]] }), /Wx: W_xh must be 2×1/);
  assert.throws(() => params({ layout: 'keras', activation: 'relu', Wx: [[1], [2]], Wh: [[1, 0], [0, 1]], b: [0, 0], xs: [[1]] }), /Wx: the Keras kernel must be 1×2/);
  assert.throws(() => params({ activation: 'relu', Wx: [[1]], Wh: [[1]], b: [0], xs: [[1]], by: 2 }), /by: an output bias needs output weights/);
  assert.throws(() => params({ activation: 'relu', Wx: [[1]], Wh: [[1]], b: [0], xs: [[1]], outputs: 'all' }), /outputs: /);
  assert.throws(() => params({ activation: 'relu', Wx: [[1]], Wh: [[1]], b: [0], xs: [[1], [1, 2]] }), /xs: every input/);
  assert.throws(() => params({ activation: 'relu', Wx: [[1]], Wh: [[1]], b: [0], xs: [[0.12345]] }), /at most 4 decimals/);
});

test('mistakes are named wrong answers', () => {
  // Scalar ReLU fixture above: no recurrence → h_2 = ReLU(4 + 1) = 5; no activation → h_3 = −3;
  // no bias → h_1 = 2 (h_2 = 4 − 2 = 2 and h_3 = 0 happen to be right).
  const relu = params({ activation: 'relu', Wx: [[2]], Wh: [[-1]], b: [1], xs: [[1], [2], [-1]] });
  const m = Object.fromEntries(F.mistakes(relu).map((x) => [x.id, Object.fromEntries(Object.entries(x.answers).map(([k, a]) => [k, formatAnswer(a)]))]));
  assert.deepEqual(m['no-recurrence'], { h2: '5' });
  assert.deepEqual(m['no-activation'], { h3: '-3' });
  assert.deepEqual(m['no-bias'], { h1: '2' });
  // Textbook 2-unit fixture read with the transposed W_hh: W_hhᵀ·h_1 = (−2, 1) → h_2 = (−1, 3).
  const textbook = params({ activation: 'identity', Wx: [[1], [2]], Wh: [[0, 1], [-1, 0]], b: [0, 0], xs: [[1], [1]] });
  const t = F.mistakes(textbook).find((x) => x.id === 'transposed')!;
  assert.equal(formatAnswer(t.answers['h2']!), '[-1, 3]');
  // Threshold units: with an exact tie (a = 0) the strict z > 0 mistake differs.
  const tie = params({ activation: 'step', Wx: [[1]], Wh: [[-1]], b: [-1], xs: [[1], [1]] });
  assert.deepEqual(answers(tie), { h1: '1', h2: '0' });
  assert.equal(formatAnswer(F.mistakes(tie).find((x) => x.id === 'strict-threshold')!.answers['h1']!), '0');
});

test('statement states the layout and shows every given number', () => {
  const keras = params({ layout: 'keras', activation: 'relu', Wx: [[1, 2]], Wh: [[0, -1], [1, 0]], b: [0, 0], xs: [[1], [1]] });
  const st = F.statement(keras);
  assert.match(st.text, /x_t·W \+ h_\{t−1\}·U \+ b/);
  assert.match(st.convention, /Keras SimpleRNN layout/);
  assert.deepEqual(st.blocks?.map((b) => b.kind), ['matrix', 'matrix', 'vector']);
});

test('property: solver agrees with tf.layers.simpleRNN on 1,000 seeds', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 800, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before, 'verify() leaks tensors');
});
