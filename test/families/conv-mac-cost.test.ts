import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convMacCost as F, type ConvMacParams } from '../../src/families/conv-mac-cost.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer } from '../../src/core/answer.js';

const parse = (raw: Record<string, unknown>) => parseParams(F, raw) as ConvMacParams;
const answers = (p: ConvMacParams) => Object.fromEntries(F.solve(p).parts.map((x) => [x.id, formatAnswer(x.answer)]));
const wrongAnswers = (p: ConvMacParams) =>
  Object.fromEntries(F.mistakes(p).map((x) => [x.id, Object.fromEntries(Object.entries(x.answers).map(([k, v]) => [k, formatAnswer(v)]))]));

// Seed 002 (grep -n GoogLeNet): 50×50×200 → 1×1 → 50×50×50 → 5×5 → 50×50×75.
const SEED_002 = { variant: 'bottleneck', size: 50, inChannels: 200, midChannels: 50, outChannels: 75, kernel: 5, compare: true };

test('seed 002 GoogLeNet step recomputed (the seed doubled the last step)', () => {
  const a = answers(parse(SEED_002));
  // a) 1×1 needs no padding; 5×5 at stride 1 keeps 50×50 with p = (5 − 1)/2 = 2 (seed: 0 and 2, right)
  assert.equal(a['pad1'], '0');
  assert.equal(a['pad2'], '2');
  // b) 50·50·50·(1·1·200) = 25,000,000 (seed right)
  assert.equal(a['mults1'], '25000000');
  // 50·50·75·(5·5·50) = 187500·1250 = 234,375,000.
  // The seed wrote "=50×50×75×25×50=468,750,000": the product is right, its value is 2× too big.
  assert.equal(a['mults2'], '234375000');
  assert.equal(a['total'], '259375000');
  // direct 5×5 on the 200-deep input: 50·50·75·25·200 = 937,500,000; 937500000/259375000 = 300/83 ≈ 3.61
  assert.equal(a['direct'], '937500000');
  assert.equal(a['saving'], '300/83');
  assert.equal(formatPartAnswer(F.solve(parse(SEED_002)).parts.find((x) => x.id === 'saving')!), '300/83 ≈ 3.61');
});

test('Inception 3a 5×5 branch: 28×28×192 → 16 → 32 (the well-known 120M vs 12.4M)', () => {
  const a = answers(parse({ variant: 'bottleneck', size: 28, inChannels: 192, midChannels: 16, outChannels: 32, kernel: 5, compare: true }));
  // 784·16·192 = 2,408,448; 784·32·(25·16) = 10,035,200
  assert.equal(a['mults1'], '2408448');
  assert.equal(a['mults2'], '10035200');
  assert.equal(a['total'], '12443648');
  // 784·32·25·192 = 120,422,400; ÷ 12,443,648 = (512·300)/(512·31) = 300/31 ≈ 9.68
  assert.equal(a['direct'], '120422400');
  assert.equal(a['saving'], '300/31');
});

test('single-layer fixtures', () => {
  // 'same', stride 2: ⌈32/2⌉ = 16; 16·16·64·(3·3·16 = 144) = 2,359,296
  assert.deepEqual(answers(parse({ variant: 'single', input: [32, 32], channels: 16, filters: 64, kernel: 3, stride: 2, padding: 'same' })), {
    shape: '(16, 16, 64)',
    macs: '2359296',
  });
  // LeNet-style 'valid': 28 − 5 + 1 = 24; 24·24·6·(5·5·3 = 75) = 259,200
  assert.deepEqual(answers(parse({ variant: 'single', input: [28, 28], channels: 3, filters: 6, kernel: 5, padding: 'valid' })), {
    shape: '(24, 24, 6)',
    macs: '259200',
  });
  // ResNet stem: ⌊(224 + 6 − 7)/2⌋ + 1 = 112; 112·112·64·(7·7·3 = 147) = 118,013,952 (≈ 118M, as usually quoted)
  assert.deepEqual(answers(parse({ variant: 'single', input: [224, 224], channels: 3, filters: 64, kernel: 7, stride: 2, padding: 3 })), {
    shape: '(112, 112, 64)',
    macs: '118013952',
  });
  // non-square, odd: ⌈15/2⌉ = 8, ⌈20/2⌉ = 10; 8·10·8·(3·3·4 = 36) = 23,040
  assert.equal(answers(parse({ variant: 'single', input: [15, 20], channels: 4, filters: 8, kernel: 3, stride: 2, padding: 'same' }))['macs'], '23040');
});

test('invalid params name the field', () => {
  assert.throws(() => parse({ ...SEED_002, midChannels: 200 }), /midChannels: a bottleneck reduces the depth/);
  assert.throws(() => parse({ ...SEED_002, kernel: 4 }), /kernel: .*odd kernel/);
  // 1×1 to 190 channels costs more than it saves: 50·50·190·200 + … > direct
  assert.throws(() => parse({ ...SEED_002, midChannels: 190 }), /midChannels: .*does not save/);
  assert.throws(() => parse({ variant: 'single', input: [8, 8], channels: 3, filters: 4, kernel: 3, padding: 3 }), /padding: explicit padding must be smaller/);
  assert.throws(() => parse({ variant: 'single', input: [2, 8], channels: 3, filters: 4, kernel: 5, padding: 'valid' }), /input: the kernel does not fit/);
  assert.throws(() => parse({ variant: 'double', size: 5 }), /variant/);
});

test('mistakes: named wrong answers', () => {
  const m = wrongAnswers(parse(SEED_002));
  // the seed's 468,750,000 is exactly 2·MACs: multiplications and additions counted
  assert.equal(m['flops']!['mults2'], '468750000');
  // forgot C_in: 50·50·75·25 = 4,687,500
  assert.equal(m['no-cin']!['mults2'], '4687500');
  // padding k − 1 = 4
  assert.equal(m['pad-k-minus-1']!['pad2'], '4');
  // k instead of k²: 50·50·75·5·50 = 46,875,000
  assert.equal(m['k-not-squared']!['mults2'], '46875000');
  assert.equal(m['ratio-inverted']!['saving'], '83/300');
  // stride 1, 'same': output size = input size, so that mistake changes nothing here
  assert.equal(m['input-size'], undefined);

  const s = wrongAnswers(parse({ variant: 'single', input: [32, 32], channels: 16, filters: 64, kernel: 3, stride: 2, padding: 'same' }));
  // input size instead of output size: 32·32·64·144 = 9,437,184
  assert.equal(s['input-size']!['macs'], '9437184');
  // one output position: 64·144 = 9216
  assert.equal(s['per-pixel']!['macs'], '9216');
  // bias counted: + 16·16·64 = 16384 → 2,375,680
  assert.equal(s['bias-mults']!['macs'], '2375680');
  assert.equal(s['ignore-stride']!['shape'], '(32, 32, 64)');
});

test('verify agrees on the seed and catches a wrong solution', async () => {
  const tf = await loadTf();
  const p = parse(SEED_002);
  const s = F.solve(p);
  assert.equal((await F.verify(p, s, tf)).ok, true);
  const flops = F.mistakes(p).find((x) => x.id === 'flops')!;
  const wrong = { ...s, parts: s.parts.map((x) => (flops.answers[x.id] ? { ...x, answer: flops.answers[x.id]! } : x)) };
  const check = await F.verify(p, wrong, tf);
  assert.equal(check.ok, false);
  assert.deepEqual(check.parts.filter((x) => !x.ok).map((x) => x.id).sort(), ['direct', 'mults1', 'mults2', 'total']);
});

test('property: solver agrees with tf.layers on 1,000 seeds, without leaking tensors', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 700, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before);
});
