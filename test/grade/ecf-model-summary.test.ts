import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAnswer } from '../../src/core/answer.js';
import { modelSummary, type ModelSummaryParams } from '../../src/families/model-summary.js';
import { generateParams, parseParams } from '../../src/families/run.js';
import { ecfExpectations, summaryChain, summaryLayer } from '../../src/grade/ecf-model-summary.js';

const solveText = (p: ModelSummaryParams) => Object.fromEntries(modelSummary.solve(p).parts.map((x) => [x.id, formatAnswer(x.answer)]));
const shapeText = (dims: number[]) => `(None, ${dims.join(', ')})`;

test("the grader's layer recurrence agrees with the family's solve() on 600 generated stacks", () => {
  for (const difficulty of [1, 2, 3] as const) {
    for (let seed = 0; seed < 200; seed++) {
      const p = generateParams(modelSummary, `ecf-${seed}`, difficulty) as ModelSummaryParams;
      const want = solveText(p);
      const rows = summaryChain(p);
      rows.forEach((r, i) => {
        assert.equal(shapeText(r.shape), want[`L${i + 1}.shape`], `seed ${seed} d${difficulty} L${i + 1}.shape`);
        assert.equal(String(r.params), want[`L${i + 1}.params`], `seed ${seed} d${difficulty} L${i + 1}.params`);
      });
      assert.equal(String(rows.reduce((a, r) => a + r.params, 0)), want['total']);
      if (want['nonTrainable'] !== undefined) assert.equal(String(rows.reduce((a, r) => a + r.nonTrainable, 0)), want['nonTrainable']);
    }
  }
});

test('summaryLayer refuses inputs a layer cannot take', () => {
  const conv = { type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'valid', activation: 'relu' } as const;
  assert.equal(summaryLayer(conv, 2, [100]), undefined); // flat input into Conv2D
  assert.equal(summaryLayer(conv, 2, [2, 2, 3]), undefined); // 3×3 window does not fit 2×2
  assert.equal(summaryLayer(conv, 2, [0, 5, 3]), undefined);
  assert.equal(summaryLayer({ type: 'dense', units: 10, activation: 'linear' }, 2, [5, 5, 3]), undefined); // Dense needs a flat input
  assert.deepEqual(summaryLayer({ type: 'dense', units: 10, activation: 'linear' }, 2, [576]), { shape: [10], params: 5770, nonTrainable: 0 });
  assert.deepEqual(summaryLayer({ type: 'batchnorm' }, 1, [80, 32]), { shape: [80, 32], params: 128, nonTrainable: 64 });
  assert.equal(summaryLayer({ type: 'flatten' }, 2, [1e6, 1e6, 1e6]), undefined); // beyond safe integers
});

// Seeds 000/001 of the course material: input (500, 7), three Conv1D + MaxPool1D blocks, Dense(128), Dense(5).
const SEED_STACK = parseParams(modelSummary, {
  input: [500],
  channels: 7,
  layers: [
    { type: 'conv', filters: 16, kernel: 3 },
    { type: 'maxpool', pool: 2 },
    { type: 'conv', filters: 32, kernel: 5 },
    { type: 'maxpool', pool: 2 },
    { type: 'conv', filters: 64, kernel: 5 },
    { type: 'maxpool', pool: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 128 },
    { type: 'dense', units: 5 },
  ],
}) as ModelSummaryParams;

test('ECF expectations follow the student shape, only one row ahead at a time', () => {
  // Right: L1 (498, 16), L2 (249, 16), L3 (245, 32) … The student wrote L2 = (250, 16) (rounded up).
  const e = ecfExpectations(SEED_STACK, { shapes: new Map([[2, [250, 16]]]), params: new Map() });
  // L3: 250 − 5 + 1 = 246, params unchanged (they depend on channels only)
  assert.equal(formatAnswer(e.get('L3.shape')!.answer), '(None, 246, 32)');
  assert.deepEqual(e.get('L3.shape')!.from, ['L2.shape']);
  assert.equal(e.has('L3.params'), false);
  // nothing about rows the student's L2 does not feed, and never about L2 itself
  assert.equal(e.has('L2.shape'), false);
  assert.equal(e.has('L4.shape'), false);
  // Flatten with a wrong (None, 30, 64) gives 1920 features: Dense(128) then has (1920 + 1)·128 parameters.
  const f = ecfExpectations(SEED_STACK, { shapes: new Map([[7, [1920]]]), params: new Map() });
  assert.equal(formatAnswer(f.get('L8.params')!.answer), String(1921 * 128));
  assert.equal(f.has('L8.shape'), false);
});

test('ECF for the total needs every row answered; it sums the student\'s own rows', () => {
  const right = summaryChain(SEED_STACK).map((r) => r.params);
  const mine = new Map(right.map((p, i) => [i + 1, i === 7 ? p + 128 : p]));
  const e = ecfExpectations(SEED_STACK, { shapes: new Map(), params: mine });
  assert.equal(formatAnswer(e.get('total')!.answer), String(right.reduce((a, b) => a + b, 0) + 128));
  assert.deepEqual(e.get('total')!.from, ['L8.params']);
  mine.delete(3);
  assert.equal(ecfExpectations(SEED_STACK, { shapes: new Map(), params: mine }).has('total'), false);
});

const BN_STACK = parseParams(modelSummary, {
  input: [100],
  channels: 4,
  layers: [
    { type: 'conv', filters: 16, kernel: 3 },
    { type: 'batchnorm' },
    { type: 'maxpool', pool: 2 },
    { type: 'gap' },
    { type: 'dense', units: 3 },
  ],
  askTrainable: true,
}) as ModelSummaryParams;

test('ECF with BatchNormalization: channels carried into BN, non-trainable = half the BN counts, trainable = total − non-trainable', () => {
  // Right: L1 (98, 16) 208, L2 (98, 16) 64 (non-trainable 32), L3 (49, 16), L4 (16), L5 (3) 51; total 323.
  const truth = summaryChain(BN_STACK);
  assert.deepEqual(truth.map((r) => r.params), [208, 64, 0, 0, 51]);
  // The student wrote L1 with 8 channels: BN then has 4·8 = 32 parameters, and L2 keeps (98, 8).
  const e = ecfExpectations(BN_STACK, { shapes: new Map([[1, [98, 8]]]), params: new Map() });
  assert.equal(formatAnswer(e.get('L2.shape')!.answer), '(None, 98, 8)');
  assert.equal(formatAnswer(e.get('L2.params')!.answer), '32');
  // Their BN row says 32: non-trainable consistent with it is 16; trainable follows their total.
  const f = ecfExpectations(BN_STACK, { shapes: new Map(), params: new Map([[1, 208], [2, 32], [3, 0], [4, 0], [5, 51]]), total: 291, nonTrainable: 16 });
  assert.equal(formatAnswer(f.get('total')!.answer), '291');
  assert.equal(formatAnswer(f.get('nonTrainable')!.answer), '16');
  assert.equal(formatAnswer(f.get('trainable')!.answer), '275');
  assert.deepEqual(f.get('trainable')!.from, ['total', 'nonTrainable']);
  // right answers everywhere: nothing to carry
  assert.equal(ecfExpectations(BN_STACK, { shapes: new Map(truth.map((r, i) => [i + 1, r.shape])), params: new Map(truth.map((r, i) => [i + 1, r.params])), total: 323, nonTrainable: 32 }).size, 0);
});
