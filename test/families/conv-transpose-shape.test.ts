import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convTransposeShape as F, type ConvTransposeParams } from '../../src/families/conv-transpose-shape.js';
import { parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as ConvTransposeParams;
const out = (raw: Record<string, unknown>) => formatAnswer(F.solve(params(raw)).parts[0]!.answer);
const mistakes = (raw: Record<string, unknown>) => Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, formatAnswer(m.answers['shape']!)]));

const KERAS = { framework: 'keras', input: [7, 7], channels: 128, filters: 64, kernel: 5, stride: 2, padding: 'valid' };
const DCGAN = { framework: 'pytorch', input: [4, 4], channels: 512, filters: 256, kernel: 4, stride: 2, padding: 1 };

test("Keras: 'same' → n·s, 'valid' → n·s + max(k − s, 0)", () => {
  assert.equal(out(KERAS), '(17, 17, 64)'); // 7·2 + (5 − 2)
  assert.equal(out({ ...KERAS, padding: 'same' }), '(14, 14, 64)');
  assert.equal(out({ ...KERAS, input: [4], kernel: 2, stride: 3 }), '(12, 64)'); // k < s: no overhang
  const m = mistakes(KERAS);
  assert.equal(m['conv-formula'], '(2, 2, 64)'); // ⌊(7 − 5)/2⌋ + 1
  assert.equal(m['n-times-s'], '(14, 14, 64)');
  assert.equal(m['input-channels'], '(17, 17, 128)');
});

test('PyTorch: the DCGAN generator doubles 4 → 8 with k = 4, s = 2, p = 1; 1×1 → 4×4 with k = 4, s = 1, p = 0', () => {
  assert.equal(out(DCGAN), '(256, 8, 8)'); // 3·2 − 2 + 3 + 1
  assert.equal(out({ ...DCGAN, input: [1, 1], channels: 100, filters: 512, stride: 1, padding: 0 }), '(512, 4, 4)');
  const m = mistakes(DCGAN);
  assert.equal(m['conv-formula'], '(256, 2, 2)'); // ⌊(4 + 2 − 4)/2⌋ + 1
  assert.equal(m['one-side-padding'], '(256, 9, 9)');
  assert.equal(m['no-plus-one'], '(256, 7, 7)');
});

test('PyTorch output_padding picks among the sizes a strided conv maps to n; dilation widens the kernel', () => {
  const op = { framework: 'pytorch', input: [7, 7], channels: 64, filters: 32, kernel: 3, stride: 2, padding: 1, outputPadding: 1 };
  assert.equal(out(op), '(32, 14, 14)'); // 6·2 − 2 + 2 + 1 + 1
  assert.equal(mistakes(op)['forgot-output-padding'], '(32, 13, 13)');
  assert.equal(out({ framework: 'pytorch', input: [10], channels: 8, filters: 4, kernel: 3, stride: 1, padding: 0, dilation: 2 }), '(4, 14)'); // 9 + 2·2 + 1
});

test('invalid params name the field', () => {
  assert.throws(() => params({ ...KERAS, padding: 1 }), /padding: Keras layers take padding 'valid' or 'same'/);
  assert.throws(() => params({ ...DCGAN, outputPadding: 2 }), /outputPadding: output_padding must be smaller than the stride/);
  assert.throws(() => params({ ...DCGAN, padding: 'same' }), /padding: PyTorch layers take an explicit integer padding/);
  assert.throws(() => params({ ...DCGAN, input: [1, 1], padding: 3 }), /padding: the padding is too large/);
});

test('tensor check agrees on the fixtures', async () => {
  const tf = await loadTf();
  for (const raw of [KERAS, { ...KERAS, padding: 'same' }, DCGAN, { framework: 'pytorch', input: [7, 7], channels: 64, filters: 32, kernel: 3, stride: 2, padding: 1, outputPadding: 1 }, { framework: 'pytorch', input: [10], channels: 8, filters: 4, kernel: 3, stride: 1, padding: 0, dilation: 2 }]) {
    const inst = await runInstance(F, params(raw), tf);
    assert.ok(inst.check.ok, JSON.stringify(inst.check.parts));
  }
});

test('property: solver agrees with the tensor computation on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 500, `only ${r.distinctAnswers} distinct answers`);
});
