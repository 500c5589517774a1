import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelSummary as F, type ModelSummaryParams } from '../../src/families/model-summary.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const parse = (raw: Record<string, unknown>) => parseParams(F, raw) as ModelSummaryParams;
/** Part id → exact answer text. */
const answers = (p: ModelSummaryParams) => Object.fromEntries(F.solve(p).parts.map((x) => [x.id, formatAnswer(x.answer)]));

// Seeds 000 (lines 129-160) and 001 (lines 259-271): input (500, 7), three Conv1D + MaxPool1D blocks, Dense(128), Dense(5).
const SEED_STACK = {
  input: [500],
  channels: 7,
  layers: [
    { type: 'conv', filters: 16, kernel: 3, activation: 'relu' },
    { type: 'maxpool', pool: 2 },
    { type: 'conv', filters: 32, kernel: 5, activation: 'relu' },
    { type: 'maxpool', pool: 2 },
    { type: 'conv', filters: 64, kernel: 5, activation: 'relu' },
    { type: 'maxpool', pool: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 5, activation: 'softmax' },
  ],
};

test('seed 000/001 stack recomputed (the seeds are right: total 497349)', () => {
  const a = answers(parse(SEED_STACK));
  // 500 − 3 + 1 = 498; (3·7 + 1)·16 = 352
  assert.equal(a['L1.shape'], '(None, 498, 16)');
  assert.equal(a['L1.params'], '352');
  // ⌊(498 − 2)/2⌋ + 1 = 249
  assert.equal(a['L2.shape'], '(None, 249, 16)');
  assert.equal(a['L2.params'], '0');
  // 249 − 5 + 1 = 245; (5·16 + 1)·32 = 2592
  assert.equal(a['L3.shape'], '(None, 245, 32)');
  assert.equal(a['L3.params'], '2592');
  // the classic floor: ⌊(245 − 2)/2⌋ + 1 = 122
  assert.equal(a['L4.shape'], '(None, 122, 32)');
  // 122 − 5 + 1 = 118; (5·32 + 1)·64 = 10304
  assert.equal(a['L5.shape'], '(None, 118, 64)');
  assert.equal(a['L5.params'], '10304');
  assert.equal(a['L6.shape'], '(None, 59, 64)');
  // 59·64 = 3776
  assert.equal(a['L7.shape'], '(None, 3776)');
  // (3776 + 1)·128 = 483456; (128 + 1)·5 = 645
  assert.equal(a['L8.params'], '483456');
  assert.equal(a['L9.shape'], '(None, 5)');
  assert.equal(a['L9.params'], '645');
  // 352 + 2592 + 10304 + 483456 + 645 = 497349 (seed 001 line 271 says the same)
  assert.equal(a['total'], '497349');
  assert.equal(a['trainable'], undefined);
});

test('brief example: (500, 7) → Conv1D(32, 11) → MaxPool1D(2) → Conv1D(64, 7) → MaxPool1D(2) → Flatten → Dense(64) → Dense(5)', () => {
  const a = answers(
    parse({
      input: [500],
      channels: 7,
      layers: [
        { type: 'conv', filters: 32, kernel: 11 },
        { type: 'maxpool' },
        { type: 'conv', filters: 64, kernel: 7 },
        { type: 'maxpool' },
        { type: 'flatten' },
        { type: 'dense', units: 64 },
        { type: 'dense', units: 5 },
      ],
    }),
  );
  // 500 − 11 + 1 = 490; (11·7 + 1)·32 = 2496
  assert.equal(a['L1.shape'], '(None, 490, 32)');
  assert.equal(a['L1.params'], '2496');
  assert.equal(a['L2.shape'], '(None, 245, 32)');
  // 245 − 7 + 1 = 239; (7·32 + 1)·64 = 14400
  assert.equal(a['L3.shape'], '(None, 239, 64)');
  assert.equal(a['L3.params'], '14400');
  // ⌊(239 − 2)/2⌋ + 1 = 119; 119·64 = 7616
  assert.equal(a['L4.shape'], '(None, 119, 64)');
  assert.equal(a['L5.shape'], '(None, 7616)');
  // (7616 + 1)·64 = 487488; (64 + 1)·5 = 325
  assert.equal(a['L6.params'], '487488');
  assert.equal(a['L7.params'], '325');
  // 2496 + 14400 + 487488 + 325 = 504709
  assert.equal(a['total'], '504709');
});

test('2-D stack with BatchNormalization: trainable / non-trainable split', () => {
  const a = answers(
    parse({
      input: [28, 28],
      channels: 1,
      askTrainable: true,
      layers: [
        { type: 'conv', filters: 32, kernel: 3, padding: 'same' },
        { type: 'batchnorm' },
        { type: 'maxpool', pool: 2 },
        { type: 'conv', filters: 64, kernel: 3 },
        { type: 'maxpool', pool: 2 },
        { type: 'dropout', rate: 0.25 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    }),
  );
  // 'same', stride 1: 28 × 28 kept; (3·3·1 + 1)·32 = 320
  assert.equal(a['L1.shape'], '(None, 28, 28, 32)');
  assert.equal(a['L1.params'], '320');
  // BN: 4·32 = 128 (2·32 = 64 non-trainable)
  assert.equal(a['L2.params'], '128');
  assert.equal(a['L3.shape'], '(None, 14, 14, 32)');
  // 14 − 3 + 1 = 12; (3·3·32 + 1)·64 = 18496
  assert.equal(a['L4.shape'], '(None, 12, 12, 64)');
  assert.equal(a['L4.params'], '18496');
  assert.equal(a['L6.shape'], '(None, 6, 6, 64)');
  // 6·6·64 = 2304; (2304 + 1)·10 = 23050
  assert.equal(a['L7.shape'], '(None, 2304)');
  assert.equal(a['L8.params'], '23050');
  // 320 + 128 + 18496 + 23050 = 41994; non-trainable 64
  assert.equal(a['total'], '41994');
  assert.equal(a['trainable'], '41930');
  assert.equal(a['nonTrainable'], '64');
});

test('strided same conv, overlapping average pooling and GlobalAveragePooling2D', () => {
  const a = answers(
    parse({
      input: [32, 32],
      channels: 3,
      layers: [
        { type: 'conv', filters: 16, kernel: 5, stride: 2, padding: 'same' },
        { type: 'avgpool', pool: 3, stride: 2 },
        { type: 'gap' },
        { type: 'dense', units: 4 },
      ],
    }),
  );
  // ⌈32/2⌉ = 16; (5·5·3 + 1)·16 = 1216
  assert.equal(a['L1.shape'], '(None, 16, 16, 16)');
  assert.equal(a['L1.params'], '1216');
  // ⌊(16 − 3)/2⌋ + 1 = 7
  assert.equal(a['L2.shape'], '(None, 7, 7, 16)');
  assert.equal(a['L3.shape'], '(None, 16)');
  // (16 + 1)·4 = 68; total 1216 + 68 = 1284
  assert.equal(a['L4.params'], '68');
  assert.equal(a['total'], '1284');
});

test("seed 002 Question 1: the Conv2D(128, 3×3, 'same') after pooling has 73856 parameters (seed right)", () => {
  const a = answers(
    parse({
      input: [224, 224],
      channels: 1,
      layers: [
        { type: 'conv', filters: 64, kernel: 3, padding: 'same', activation: 'relu' },
        { type: 'maxpool', pool: 2 },
        { type: 'conv', filters: 128, kernel: 3, padding: 'same', activation: 'relu' },
      ],
    }),
  );
  assert.equal(a['L2.shape'], '(None, 112, 112, 64)');
  // (3·3·64 + 1)·128 = 73856
  assert.equal(a['L3.params'], '73856');
  assert.equal(a['L3.shape'], '(None, 112, 112, 128)');
});

test('invalid params name the field', () => {
  assert.throws(
    () => parse({ input: [50], channels: 3, layers: [{ type: 'conv', filters: 8, kernel: 3 }, { type: 'dense', units: 4 }] }),
    (e: Error) => /layers\.1\.type/.test(e.message) && /Flatten/.test(e.message),
  );
  assert.throws(() => parse({ input: [5], channels: 3, layers: [{ type: 'conv', filters: 8, kernel: 7 }] }), /layers\.0\.kernel/);
  assert.throws(
    () => parse({ input: [8, 8], channels: 3, layers: [{ type: 'flatten' }, { type: 'maxpool' }] }),
    (e: Error) => /layers\.1\.type/.test(e.message) && /already flat/.test(e.message),
  );
  assert.throws(() => parse({ input: [8, 8], channels: 3, layers: [{ type: 'dropout', rate: 1.5 }] }), /layers\.0\.rate/);
  assert.throws(() => parse({ input: [8, 8, 8, 8], channels: 3, layers: [{ type: 'flatten' }] }), /input/);
});

test('mistakes: named wrong answers over the whole table', () => {
  const m = Object.fromEntries(F.mistakes(parse(SEED_STACK)).map((x) => [x.id, Object.fromEntries(Object.entries(x.answers).map(([k, v]) => [k, formatAnswer(v)]))]));
  // no bias: 3·7·16 = 336, total 497349 − (16 + 32 + 64 + 128 + 5) = 497104
  assert.equal(m['no-bias']!['L1.params'], '336');
  assert.equal(m['no-bias']!['total'], '497104');
  // pooling rounded up: 245 → ⌈243/2⌉ + 1 = 123, then 119 → 60, Flatten 3840, Dense (3840 + 1)·128 = 491648
  assert.equal(m['pool-ceil']!['L4.shape'], '(None, 123, 32)');
  assert.equal(m['pool-ceil']!['L7.shape'], '(None, 3840)');
  assert.equal(m['pool-ceil']!['L8.params'], '491648');
  assert.equal(m['pool-ceil']!['L2.shape'], undefined); // 498 is even: no rounding there
  // Flatten without channels: 59, Dense (59 + 1)·128 = 7680
  assert.equal(m['flatten-no-channels']!['L7.shape'], '(None, 59)');
  assert.equal(m['flatten-no-channels']!['L8.params'], '7680');
  // conv without C_in: (3 + 1)·16 = 64
  assert.equal(m['conv-no-cin']!['L1.params'], '64');
  // no 'same' layers, no BN, no GAP: those mistakes give no different answer and are dropped
  assert.equal(m['same-as-valid'], undefined);
  assert.equal(m['bn-2c'], undefined);
  assert.equal(m['gap-as-flatten'], undefined);
  for (const x of F.mistakes(parse(SEED_STACK))) assert.ok(x.feedback.length > 20);
});

test('verify agrees on the seed stack and catches a wrong solution', async () => {
  const tf = await loadTf();
  const p = parse(SEED_STACK);
  const s = F.solve(p);
  assert.equal((await F.verify(p, s, tf)).ok, true);
  const wrong = { ...s, parts: s.parts.map((x) => (x.id === 'total' ? { ...x, answer: F.mistakes(p)[0]!.answers['total']! } : x)) };
  assert.equal((await F.verify(p, wrong, tf)).ok, false);
});

test('property: solver agrees with tf.sequential on 1,000 seeds, without leaking tensors', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 900, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before);
});
