import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerParamCount as F, type LayerParamCountParams } from '../../src/families/layer-param-count.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as LayerParamCountParams;

/** All parts as "id=value", e.g. "params=256 trainable=128 nonTrainable=128". */
const answers = (raw: Record<string, unknown>) =>
  F.solve(params(raw))
    .parts.map((p) => `${p.id}=${formatAnswer(p.answer)}`)
    .join(' ');
const count = (raw: Record<string, unknown>) => answers(raw).replace(/^params=/, '');

/** Every fixture is also checked against the real tf.layers layer. */
const FIXTURES: [Record<string, unknown>, string][] = [
  // Seed 002, layer 4: Conv2D(128, 3×3, padding="same") after (112, 112, 64): (3·3·64 + 1)·128 = 577·128 = 73856 (seed is right)
  [{ layer: 'conv2d', input: [112, 112, 64], filters: 128, kernel: 3 }, '73856'],
  // Seeds 000/001, Conv1D stack on (500, 7) — all seed answers right:
  // Conv1D(16, 3) on (500, 7): (3·7 + 1)·16 = 22·16 = 352
  [{ layer: 'conv1d', input: [500, 7], filters: 16, kernel: 3 }, '352'],
  // Conv1D(32, 5) on (249, 16): (5·16 + 1)·32 = 81·32 = 2592
  [{ layer: 'conv1d', input: [249, 16], filters: 32, kernel: 5 }, '2592'],
  // Conv1D(64, 5) on (122, 32): (5·32 + 1)·64 = 161·64 = 10304
  [{ layer: 'conv1d', input: [122, 32], filters: 64, kernel: 5 }, '10304'],
  // Dense(128) on the flattened (3776,): 3776·128 + 128 = 483456
  [{ layer: 'dense', input: [3776], units: 128 }, '483456'],
  // Dense(5) on (128,): 128·5 + 5 = 645
  [{ layer: 'dense', input: [128], units: 5 }, '645'],
  // Seed 002, LeNet-style table on (32, 32, 3): CONV1 5×5, 8 filters: (75 + 1)·8 = 608
  [{ layer: 'conv2d', input: [32, 32, 3], filters: 8, kernel: 5 }, '608'],
  // CONV2 5×5, 16 filters on (14, 14, 8): (200 + 1)·16 = 3216 (the seed's prose prints "3216.5": a list number "5." glued on; its table says 3216)
  [{ layer: 'conv2d', input: [14, 14, 8], filters: 16, kernel: 5 }, '3216'],
  // FC3 400 → 120: 48000 + 120 = 48120; FC4 120 → 84: 10080 + 84 = 10164; softmax 84 → 10: 840 + 10 = 850
  [{ layer: 'dense', input: [400], units: 120 }, '48120'],
  [{ layer: 'dense', input: [120], units: 84 }, '10164'],
  [{ layer: 'dense', input: [84], units: 10 }, '850'],
  // Seed 000: a 1×1 Conv2D with one filter on 3 channels: 1·1·3 + 1 = 4 (its model.summary() says 4)
  [{ layer: 'conv2d', input: [4, 4, 3], filters: 1, kernel: 1 }, '4'],
  // No bias: 3·3·16·32 = 4608
  [{ layer: 'conv2d', input: [28, 28, 16], filters: 32, kernel: 3, bias: false }, '4608'],
  // PyTorch layout (C, H, W): nn.Conv2d(3, 64, 7) → (49·3 + 1)·64 = 148·64 = 9472
  [{ layer: 'conv2d', convention: 'pytorch', input: [3, 224, 224], filters: 64, kernel: 7 }, '9472'],
  // Dense on (T, d) = (50, 32) acts on the last axis: 32·16 + 16 = 528
  [{ layer: 'dense', input: [50, 32], units: 16 }, '528'],
  // DepthwiseConv2D 3×3, m = 2 on 32 channels: 9·32·2 + 64 = 576 + 64 = 640
  [{ layer: 'depthwise-conv2d', input: [56, 56, 32], kernel: 3, depthMultiplier: 2 }, '640'],
  [{ layer: 'depthwise-conv2d', input: [56, 56, 32], kernel: 3, depthMultiplier: 2, bias: false }, '576'],
  // PyTorch nn.Conv2d(32, 32, 3, groups=32): 9·32 + 32 = 320
  [{ layer: 'depthwise-conv2d', convention: 'pytorch', input: [32, 56, 56], kernel: 3 }, '320'],
  // SeparableConv2D(64, 3×3) on 32 channels: 9·32 + 32·64 + 64 = 288 + 2048 + 64 = 2400
  [{ layer: 'separable-conv2d', input: [28, 28, 32], filters: 64, kernel: 3 }, '2400'],
  // Embedding(10000, 64): 640000 (sequence length 100 irrelevant)
  [{ layer: 'embedding', input: [100], vocabSize: 10000, embeddingDim: 64 }, '640000'],
  // SimpleRNN(20) on d = 10: Keras 20·(10 + 20 + 1) = 620; PyTorch 20·(10 + 20 + 2) = 640
  [{ layer: 'simple-rnn', input: [30, 10], units: 20 }, '620'],
  [{ layer: 'simple-rnn', convention: 'pytorch', input: [30, 10], units: 20 }, '640'],
  // LSTM(64) on d = 32: Keras 4·64·97 = 24832; PyTorch 4·64·98 = 25088
  [{ layer: 'lstm', input: [20, 32], units: 64 }, '24832'],
  [{ layer: 'lstm', convention: 'pytorch', input: [20, 32], units: 64 }, '25088'],
  // GRU(64) on d = 32: reset_after=True (default) 3·64·98 = 18816; False 3·64·97 = 18624; PyTorch 3·64·98 = 18816
  [{ layer: 'gru', input: [20, 32], units: 64 }, '18816'],
  [{ layer: 'gru', input: [20, 32], units: 64, resetAfter: false }, '18624'],
  [{ layer: 'gru', convention: 'pytorch', input: [20, 32], units: 64 }, '18816'],
  // BatchNormalization after (56, 56, 64): Keras 4·64 = 256 total, 128 trainable (γ, β), 128 non-trainable
  [{ layer: 'batchnorm', input: [56, 56, 64] }, 'params=256 trainable=128 nonTrainable=128'],
  // PyTorch nn.BatchNorm2d(64): 128 parameters, all trainable; 128 numbers in running_mean/var buffers
  [{ layer: 'batchnorm', convention: 'pytorch', input: [64, 56, 56] }, 'params=128 trainable=128 buffers=128'],
  // BatchNorm after a Dense(100): 400 / 200 / 200
  [{ layer: 'batchnorm', input: [100] }, 'params=400 trainable=200 nonTrainable=200'],
];

test('hand-computed fixtures (incl. the seeds), each confirmed by tf.layers', async () => {
  const tf = await loadTf();
  for (const [raw, want] of FIXTURES) {
    const got = want.includes('=') ? answers(raw) : count(raw);
    assert.equal(got, want, JSON.stringify(raw));
    const p = params(raw);
    const check = await F.verify(p, F.solve(p), tf);
    assert.ok(check.ok, `${JSON.stringify(raw)}: ${JSON.stringify(check.parts)}`);
  }
});

test('statement states the convention and the numbers the solver uses', () => {
  const s = F.statement(params({ layer: 'gru', input: [20, 32], units: 64 }));
  assert.match(s.text, /GRU\(units=64, reset_after=True\)/);
  assert.match(s.text, /\(20, 32\)/);
  assert.match(s.convention, /reset_after=True/);
  const t = F.statement(params({ layer: 'lstm', convention: 'pytorch', input: [20, 32], units: 64 }));
  assert.match(t.text, /nn\.LSTM\(input_size=32, hidden_size=64\)/);
  assert.match(t.convention, /b_ih and b_hh/);
  const b = F.statement(params({ layer: 'batchnorm', convention: 'pytorch', input: [64, 56, 56] }));
  assert.match(b.convention, /buffers, not parameters/);
});

test('invalid params name the field', () => {
  assert.throws(() => params({ layer: 'dense', input: [10] }), /units: a dense layer needs "units"/);
  assert.throws(() => params({ layer: 'dense', input: [10], units: 3, kernel: 3 }), /kernel: a dense layer has no "kernel"/);
  assert.throws(() => params({ layer: 'conv2d', input: [28, 28], filters: 8, kernel: 3 }), /input: a conv2d layer takes an input of rank 3/);
  assert.throws(() => params({ layer: 'conv2d', input: [2, 2, 3], filters: 8, kernel: 3 }), /kernel: the 3-wide kernel is larger/);
  assert.throws(() => params({ layer: 'separable-conv2d', convention: 'pytorch', input: [3, 28, 28], filters: 8, kernel: 3 }), /convention: PyTorch has no SeparableConv2d/);
  assert.throws(() => params({ layer: 'gru', convention: 'pytorch', input: [5, 3], units: 4, resetAfter: false }), /resetAfter: reset_after is a Keras/);
  assert.throws(() => params({ layer: 'lstm', input: [5, 3], units: 4, resetAfter: true }), /resetAfter: a lstm layer has no "resetAfter"/);
  assert.throws(() => params({ layer: 'batchnorm', input: [8], bias: false }), /bias: a batchnorm layer has no "bias"/);
  assert.throws(() => params({ layer: 'embedding', input: [10], vocabSize: 100 }), /embeddingDim: an? embedding layer needs/);
});

test('mistakes give the typical wrong answers', () => {
  const wrong = (raw: Record<string, unknown>) =>
    Object.fromEntries(
      F.mistakes(params(raw)).map((m) => [
        m.id,
        Object.entries(m.answers)
          .map(([k, a]) => `${k}=${formatAnswer(a)}`)
          .join(' '),
      ]),
    );
  // Seed conv: 73856
  const conv = wrong({ layer: 'conv2d', input: [112, 112, 64], filters: 128, kernel: 3 });
  assert.equal(conv['no-bias'], 'params=73728'); // 576·128
  assert.equal(conv['no-input-channels'], 'params=1280'); // (9 + 1)·128
  // LSTM(64), d = 32: 24832
  const lstm = wrong({ layer: 'lstm', input: [20, 32], units: 64 });
  assert.equal(lstm['no-gates'], 'params=6208'); // 64·97
  assert.equal(lstm['other-framework-bias'], 'params=25088'); // PyTorch count
  assert.equal(lstm['no-recurrent'], 'params=8448'); // 4·64·33
  // Keras GRU reset_after=True: 18816; the reset_after=False count is the typical mistake
  assert.equal(wrong({ layer: 'gru', input: [20, 32], units: 64 })['wrong-reset-after'], 'params=18624');
  // BatchNorm Keras: only γ, β → total 128; PyTorch: buffers counted as parameters → 256
  const bn = wrong({ layer: 'batchnorm', input: [56, 56, 64] });
  assert.equal(bn['bn-only-trainable'], 'params=128 nonTrainable=0');
  assert.equal(wrong({ layer: 'batchnorm', convention: 'pytorch', input: [64, 56, 56] })['bn-buffers-as-params'], 'params=256');
  // Depthwise counted as a full conv: (9·32 + 1)·64 = 18496; separable without pointwise part: 288 + 64 = 352
  assert.equal(wrong({ layer: 'depthwise-conv2d', input: [56, 56, 32], kernel: 3, depthMultiplier: 2 })['as-full-conv'], 'params=18496');
  assert.equal(wrong({ layer: 'separable-conv2d', input: [28, 28, 32], filters: 64, kernel: 3 })['separable-no-pointwise'], 'params=352');
  // Dense on (50, 32): flattening gives 1600·16 + 16 = 25616
  assert.equal(wrong({ layer: 'dense', input: [50, 32], units: 16 })['flattened-input'], 'params=25616');
  // Every mistake differs from the right answer (mutants that agree are dropped).
  for (const m of F.mistakes(params({ layer: 'gru', convention: 'pytorch', input: [20, 32], units: 64 }))) assert.ok(Object.keys(m.answers).length > 0);
});

test('verify leaks no tensors', async () => {
  const tf = await loadTf();
  const p = params({ layer: 'lstm', convention: 'pytorch', input: [20, 32], units: 64 });
  const s = F.solve(p);
  await F.verify(p, s, tf);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) await F.verify(p, s, tf);
  assert.equal(tf.memory().numTensors, before);
});

test('property: solver agrees with tf.layers on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 500, `only ${r.distinctAnswers} distinct answers`);
});
