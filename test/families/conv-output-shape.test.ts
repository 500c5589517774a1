import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convOutputShape as F, type ConvShapeParams } from '../../src/families/conv-output-shape.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const solveShape = (raw: Partial<ConvShapeParams> & Record<string, unknown>) => {
  const p = parseParams(F, raw) as ConvShapeParams;
  return formatAnswer(F.solve(p).parts[0]!.answer);
};

test('hand-computed fixtures (Keras)', () => {
  // 64×64×3, 32 filters 5×5, stride 2, valid: ⌊(64−5)/2⌋+1 = 30
  assert.equal(solveShape({ framework: 'keras', op: 'conv', input: [64, 64], channels: 3, filters: 32, kernel: 5, stride: 2, padding: 'valid' }), '(30, 30, 32)');
  // same with stride 2 on odd size: ⌈63/2⌉ = 32
  assert.equal(solveShape({ framework: 'keras', op: 'conv', input: [63, 63], channels: 3, filters: 8, kernel: 3, stride: 2, padding: 'same' }), '(32, 32, 8)');
  // seeds: Conv1D on (500, 7) … MaxPool1D(2) floors 245 → 122
  assert.equal(solveShape({ framework: 'keras', op: 'maxpool', input: [245], channels: 32, kernel: 2, stride: 2, padding: 'valid' }), '(122, 32)');
  // Conv1D(32, 11) on (500, 7): 490
  assert.equal(solveShape({ framework: 'keras', op: 'conv', input: [500], channels: 7, filters: 32, kernel: 11, stride: 1, padding: 'valid' }), '(490, 32)');
  // dilation 2, kernel 3 spans 5: 32 − 5 + 1 = 28
  assert.equal(solveShape({ framework: 'keras', op: 'conv', input: [32, 32], channels: 1, filters: 4, kernel: 3, stride: 1, padding: 'valid', dilation: 2 }), '(28, 28, 4)');
});

test('hand-computed fixtures (PyTorch)', () => {
  // (3, 224, 224), 64 filters 7×7, stride 2, padding 3 (ResNet stem): ⌊(224+6−7)/2⌋+1 = 112
  assert.equal(solveShape({ framework: 'pytorch', op: 'conv', input: [224, 224], channels: 3, filters: 64, kernel: 7, stride: 2, padding: 3 }), '(64, 112, 112)');
  // MaxPool 3, stride 2, padding 1 on 112: ⌊(112+2−3)/2⌋+1 = 56
  assert.equal(solveShape({ framework: 'pytorch', op: 'maxpool', input: [112, 112], channels: 64, kernel: 3, stride: 2, padding: 1 }), '(64, 56, 56)');
  // ceil_mode: pool 2 stride 2 on 5 → ⌈3/2⌉+1 = 3
  assert.equal(solveShape({ framework: 'pytorch', op: 'maxpool', input: [5], channels: 1, kernel: 2, stride: 2, padding: 0, ceilMode: true }), '(1, 3)');
  // ceil_mode drop rule: n=6, k=2, s=4, p=1: ⌈(6+2−2)/4⌉+1 = 3, but window 3 would start at 8 ≥ n+p=7 → 2
  assert.equal(solveShape({ framework: 'pytorch', op: 'maxpool', input: [6], channels: 1, kernel: 2, stride: 4, padding: 1, ceilMode: true }), '(1, 2)');
});

test('invalid params name the field', () => {
  assert.throws(() => parseParams(F, { framework: 'keras', op: 'conv', input: [32], channels: 3, kernel: 3, stride: 1, padding: 2 }), (e: Error) => /padding/.test(e.message) && /filters/.test(e.message));
  assert.throws(() => parseParams(F, { framework: 'keras', op: 'conv', input: [2], channels: 3, filters: 1, kernel: 5, stride: 1, padding: 'valid' }), /input: the kernel does not fit/);
});

test('mistakes are distinct wrong answers with feedback', () => {
  const p = parseParams(F, { framework: 'keras', op: 'conv', input: [64, 64], channels: 3, filters: 32, kernel: 5, stride: 2, padding: 'valid' }) as ConvShapeParams;
  const m = F.mistakes(p);
  const byId = Object.fromEntries(m.map((x) => [x.id, formatAnswer(x.answers['shape']!)]));
  assert.equal(byId['no-plus-one'], '(29, 29, 32)');
  assert.equal(byId['same-keeps-size'], '(32, 32, 32)');
  assert.equal(byId['ignore-stride'], '(60, 60, 32)');
  assert.equal(byId['wrong-channels'], '(30, 30, 3)');
});

test('property: solver agrees with tf.layers on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 500, `only ${r.distinctAnswers} distinct answers`);
});
