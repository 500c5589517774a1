import { test } from 'node:test';
import assert from 'node:assert/strict';
import { receptiveField as F, type ReceptiveFieldParams } from '../../src/families/receptive-field.js';
import { generateParams, parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as ReceptiveFieldParams;
const answers = (raw: Record<string, unknown>) => Object.fromEntries(F.solve(params(raw)).parts.map((p) => [p.id, formatAnswer(p.answer)]));
const mistakes = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

const conv = (kernel: number, stride = 1, dilation = 1) => ({ type: 'conv', kernel, stride, dilation });
const maxpool = (kernel: number, stride = kernel) => ({ type: 'maxpool', kernel, stride });

// conv3 → pool2/2 → conv3 → pool2/2:
//   r: 1 → 1 + 2·1 = 3 → 3 + 1·1 = 4 (j = 2) → 4 + 2·2 = 8 → 8 + 1·2 = 10 (j = 4)
const VGG_BLOCKS = { dims: 2, layers: [conv(3), maxpool(2), conv(3), maxpool(2)], askJump: true, askPerLayer: true };

test('seed 004 (VGG): stacked 3×3 convolutions grow the receptive field', () => {
  // The seed only says "stacking multiple 3×3 convolutions increases receptive field"; the VGG paper's
  // numbers: two 3×3 convs see 5×5 (1 + 2 + 2), three see 7×7 (1 + 2 + 2 + 2); no stride → jump 1.
  assert.deepEqual(answers({ dims: 2, layers: [conv(3), conv(3)] }), { rf: '5', jump: '1' });
  assert.deepEqual(answers({ dims: 2, layers: [conv(3), conv(3), conv(3)], askJump: false }), { rf: '7' });
});

test('hand-computed fixtures', () => {
  assert.deepEqual(answers(VGG_BLOCKS), { rf: '10', jump: '4', rfPerLayer: '[3, 4, 8, 10]' });
  // AlexNet front end (1-D per axis): conv11/4 → 11 (j 4); pool3/2 → 11 + 2·4 = 19 (j 8);
  // conv5 → 19 + 4·8 = 51; pool3/2 → 51 + 2·8 = 67 (j 16) — the published 11, 19, 51, 67.
  assert.deepEqual(answers({ dims: 1, layers: [conv(11, 4), maxpool(3, 2), conv(5), maxpool(3, 2)], askPerLayer: true }), {
    rf: '67',
    jump: '16',
    rfPerLayer: '[11, 19, 51, 67]',
  });
  // Dilations 1, 2, 4 with k = 3 (context module): k_eff = 3, 5, 9 → r = 3, 7, 15.
  assert.deepEqual(answers({ dims: 2, layers: [conv(3), conv(3, 1, 2), conv(3, 1, 4)], askPerLayer: true }), { rf: '15', jump: '1', rfPerLayer: '[3, 7, 15]' });
  // Stride and dilation in one layer: conv3 s2 d2 → k_eff 5, r = 5, j = 2; conv3 → 5 + 2·2 = 9.
  assert.deepEqual(answers({ dims: 2, layers: [conv(3, 2, 2), conv(3)] }), { rf: '9', jump: '2' });
});

test('verify measures the same numbers with tf.grad (including dilation + stride, 1-D and 2-D)', async () => {
  const tf = await loadTf();
  for (const raw of [
    VGG_BLOCKS,
    { dims: 1, layers: [conv(11, 4), maxpool(3, 2), conv(5), maxpool(3, 2)], askPerLayer: true },
    { dims: 2, layers: [conv(3, 2, 2), conv(3)], askPerLayer: true },
    { dims: 1, layers: [conv(5, 3, 3), { type: 'avgpool', kernel: 3, stride: 2 }, conv(3, 1, 2)], askPerLayer: true },
  ]) {
    const inst = await runInstance(F, params(raw), tf);
    assert.ok(inst.check.ok, JSON.stringify(inst.check));
  }
});

test('invalid params name the field', () => {
  assert.throws(() => params({ dims: 2, layers: [conv(3), { type: 'maxpool', kernel: 2, stride: 2, dilation: 2 }] }), /layers\.1\.dilation: layer 2: dilation is only supported for conv layers/);
  assert.throws(() => params({ dims: 1, layers: [conv(3), { type: 'avgpool', kernel: 2, stride: 3 }] }), /layers\.1\.stride/);
  assert.throws(() => params({ dims: 1, layers: [conv(3)] }), /layers:/);
  assert.throws(() => params({ dims: 3, layers: [conv(3), conv(3)] }), /dims/);
  assert.throws(() => params({ dims: 2, layers: [conv(15, 4), conv(15, 4), conv(15, 4)] }), /layers: the receptive field is too large to verify/);
});

test('mistakes: named wrong answers by value', () => {
  const m = mistakes(VGG_BLOCKS);
  // forgot the jump: 1 + 2 + 1 + 2 + 1 = 7
  assert.equal(m['no-jump']!['rf'], '7');
  // multiplied kernels: 3·2·3·2 = 36
  assert.equal(m['multiply-kernels']!['rf'], '36');
  // k·j instead of (k − 1)·j: 1 + 3 = 4, + 2 = 6, + 3·2 = 12, + 2·2 = 16
  assert.equal(m['off-by-one']!['rf'], '16');
  assert.equal(m['off-by-one']!['rfPerLayer'], '[4, 6, 12, 16]');
  // own stride: 1 + 2·1 = 3, + 1·2 = 5, + 2·1 = 7, + 1·2 = 9; jump answered with the last stride 2
  assert.equal(m['own-stride']!['rf'], '9');
  assert.equal(m['own-stride']!['jump'], '2');
  // j after the stride: 3, 3 + 1·2 = 5, 5 + 2·2 = 9, 9 + 1·4 = 13
  assert.equal(m['jump-after-stride']!['rf'], '13');
  // ignored dilation: 3, 3 + 2 = 5, 5 + 2 = 7 (instead of 15)
  assert.equal(mistakes({ dims: 2, layers: [conv(3), conv(3, 1, 2), conv(3, 1, 4)] })['ignore-dilation']!['rf'], '7');
  assert.equal(m['ignore-dilation'], undefined, 'no dilation → the flaw changes nothing and is dropped');
});

test('generated statements show the layer table and ask what the parts answer', () => {
  for (let seed = 0; seed < 30; seed++) {
    const p = generateParams(F, seed, ((seed % 3) + 1) as 1 | 2 | 3) as ReceptiveFieldParams;
    const st = F.statement(p);
    const table = st.blocks?.[0];
    assert.ok(table && table.kind === 'table' && table.rows.length === p.layers.length);
    const ids = F.solve(p).parts.map((x) => x.id);
    assert.equal(ids.includes('jump'), /jump/.test(st.text));
    assert.equal(ids.includes('rfPerLayer'), /after every layer/.test(st.text));
  }
});

test('property: solver agrees with tf.grad on 1,000 seeds, no tensor leak', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 300, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before);
});
