import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attention as F, type AttentionParams } from '../../src/families/attention.js';
import { generateParams, parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as AttentionParams;
const answers = (raw: Record<string, unknown>) => Object.fromEntries(F.solve(params(raw)).parts.map((p) => [p.id, formatAnswer(p.answer)]));
const mistakes = (raw: Record<string, unknown>) =>
  Object.fromEntries(F.mistakes(params(raw)).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

// Seed 004 (4.12/4.22) describes Luong dot-product attention: e_i = sᵀh_i, α = softmax(e),
// c = Σ α_i h_i (keys = values = encoder states h_i), with no worked numbers. Our instance:
// s = [1, 1], h_1 = [1, 0], h_2 = [0, 1]: e = [1, 1] → α = [1/2, 1/2] → c = [1/2, 1/2].
const SEED_LUONG = { q: [[1, 1]], k: [[1, 0], [0, 1]], v: [[1, 0], [0, 1]], scaled: false };

// Causal self-attention, d_k = 4 (scale 1/2):
//   QKᵀ term by term:
//     q1·k1 = 2 − 2 + 1 + 1 = 2,  q1·k2 = −2 − 2 + 1 + 1 = −2, q1·k3 = −2 − 2 + 0 + 1 = −3
//     q2·k1 = 0 + 1 − 1 − 2 = −2, q2·k2 = 0 + 1 − 1 − 2 = −2, q2·k3 = 0 + 1 + 0 − 2 = −1
//     q3·k1 = 0 + 1 + 0 − 2 = −1, q3·k2 = −1,                 q3·k3 = −1
//   S = QKᵀ/2; causal rows see 1, 2, 3 keys with equal scores → A = [[1,0,0],[½,½,0],[⅓,⅓,⅓]]
//   O = [v1, (v1+v2)/2, (v1+v2+v3)/3] = [[3,−3], [3,−3/2], [2,−4/3]]
const CAUSAL = {
  q: [[-2, -2, 1, 1], [0, 1, -1, -2], [0, 1, 0, -2]],
  k: [[-1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 0, 1]],
  v: [[3, -3], [3, 0], [0, -1]],
  mask: 'causal',
};

// Rounded mode, d_k = 1 (√1 = 1): S = [[1, 0], [0, 0]].
//   row 1: e/(e + 1) = 0.7310586 → 0.731, 1/(e + 1) = 0.2689414 → 0.269; row 2: ½, ½
//   O = A·[1, −1]ᵀ with the rounded weights: 0.731 − 0.269 = 0.462; 0.5 − 0.5 = 0
const ROUNDED = { q: [[1], [0]], k: [[1], [0]], v: [[1], [-1]], round: true };

test('seed 004: Luong dot-product attention (unscaled), by hand', () => {
  assert.deepEqual(answers(SEED_LUONG), { scores: '[[1, 1]]', weights: '[[1/2, 1/2]]', output: '[[1/2, 1/2]]' });
});

test('hand-computed fixtures', () => {
  assert.deepEqual(answers(CAUSAL), {
    scores: '[[1, -1, -3/2], [-1, -1, -1/2], [-1/2, -1/2, -1/2]]',
    weights: '[[1, 0, 0], [1/2, 1/2, 0], [1/3, 1/3, 1/3]]',
    output: '[[3, -3], [3, -3/2], [2, -4/3]]',
  });
  assert.deepEqual(answers(ROUNDED), { scores: '[[1, 0], [0, 0]]', weights: '[[731/1000, 269/1000], [1/2, 1/2]]', output: '[[231/500], [0]]' });
  // Padding: key 3 masked; rows see keys 1, 2 with equal scores (1, 1) and (2, 2) → ½, ½; O = (v1 + v2)/2
  assert.deepEqual(
    answers({ q: [[1, 1], [2, 2]], k: [[1, 0], [0, 1], [5, 5]], v: [[2, 0], [0, 2], [9, 9]], scaled: false, mask: 'padding', padded: [3] }),
    { scores: '[[1, 1, 10], [2, 2, 20]]', weights: '[[1/2, 1/2, 0], [1/2, 1/2, 0]]', output: '[[1, 1], [1, 1]]' },
  );
});

test('rounded parts carry decimals and tolerances', () => {
  const parts = F.solve(params(ROUNDED)).parts;
  const w = parts.find((p) => p.id === 'weights')!;
  const o = parts.find((p) => p.id === 'output')!;
  assert.equal(w.decimals, 3);
  assert.equal(w.tolerance?.abs, 0.0015);
  // 0.0005·(|1| + |−1|) + 0.0005 = 0.0015
  assert.equal(o.tolerance?.abs, 0.0015);
  assert.equal(parts.find((p) => p.id === 'scores')!.tolerance, undefined);
  assert.equal(F.solve(params(CAUSAL)).parts.every((p) => p.tolerance === undefined), true);
});

test('verify agrees on the fixtures (tf.matMul / tf.softmax)', async () => {
  const tf = await loadTf();
  for (const raw of [SEED_LUONG, CAUSAL, ROUNDED]) {
    const inst = await runInstance(F, params(raw), tf);
    assert.ok(inst.check.ok, JSON.stringify(inst.check));
  }
});

test('invalid params name the field', () => {
  assert.throws(() => params({ ...ROUNDED, round: false }), /round: row 1 of the scores has unequal unmasked entries/);
  assert.throws(() => params({ ...CAUSAL, q: CAUSAL.q.slice(0, 2) }), /mask: a causal mask needs as many queries as keys/);
  assert.throws(() => params({ q: [[1, 1]], k: [[1], [0]], v: [[1], [2]] }), /k: K has rows of length 1 but Q has d_k = 2/);
  assert.throws(() => params({ ...SEED_LUONG, v: [[1, 0]] }), /v: V must have one row per key/);
  assert.throws(() => params({ ...SEED_LUONG, mask: 'padding', padded: [3] }), /padded: padded positions must be between 1 and 2/);
  assert.throws(() => params({ ...SEED_LUONG, mask: 'padding', padded: [1, 2] }), /padded: at least one key must stay unmasked/);
  assert.throws(() => params({ ...SEED_LUONG, mask: 'padding' }), /padded: mask 'padding' needs/);
  // S = [−5, −3, 0]: A_13 = 1/(1 + e⁻³ + e⁻⁵) = 1/1.0565250 = 0.94649909…, 9·10⁻⁷ from 0.9465:
  // whether it rounds to 0.946 or 0.947 depends on the precision used, so the instance is rejected.
  assert.throws(() => params({ q: [[1]], k: [[-5], [-3], [0]], v: [[1], [0], [0]], round: true, scaled: false }), /round: the weight A_13 ≈ 0.9464991 lies on a rounding boundary/);
  assert.doesNotThrow(() => params({ q: [[1]], k: [[-5], [-3], [1]], v: [[1], [0], [0]], round: true, scaled: false }));
});

test('mistakes: named wrong answers by value', () => {
  const c = mistakes(CAUSAL);
  // forgot 1/√d_k: the raw dot products
  assert.equal(c['no-scale']!['scores'], '[[2, -2, -3], [-2, -2, -1], [-1, -1, -1]]');
  // divided by d_k = 4
  assert.equal(c['scale-by-dk']!['scores'], '[[1/2, -1/2, -3/4], [-1/2, -1/2, -1/4], [-1/4, -1/4, -1/4]]');
  // masked scores as 0: row 1 = softmax[1, 0, 0] = [e, 1, 1]/(e + 2) = [0.576, 0.212, 0.212]
  assert.match(c['mask-zero']!['weights']!, /^\[\[72\/125, 53\/250, 53\/250\]/);
  // weights·K instead of weights·V: row 1 = k1
  assert.match(c['output-from-k']!['output']!, /^\[\[-1, 1, 1, 1\]/);
  const r = mistakes(ROUNDED);
  // softmax down the columns: col 1 = softmax[1, 0] = [0.731, 0.269], col 2 = [½, ½]
  assert.equal(r['softmax-columns']!['weights'], '[[731/1000, 1/2], [269/1000, 1/2]]');
  // d_k = 1: no scaling mistake can show
  assert.equal(r['no-scale'], undefined);
});

test('generated instances follow the difficulty design', () => {
  for (let seed = 0; seed < 60; seed++) {
    const d = ((seed % 3) + 1) as 1 | 2 | 3;
    const p = generateParams(F, seed, d) as AttentionParams;
    if (d === 1) assert.equal(p.round, false);
    if (p.scaled) assert.ok([1, 4].includes(p.q[0]!.length), 'scaled instances keep √d_k rational');
    assert.equal(/rounded to 3 decimals/.test(F.statement(p).text), p.round);
  }
});

test('property: solver agrees with tf on 1,000 seeds, no tensor leak', async () => {
  const tf = await loadTf();
  const before = tf.memory().numTensors;
  const r = await fuzzFamily(F, tf, { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 800, `only ${r.distinctAnswers} distinct answers`);
  assert.equal(tf.memory().numTensors, before);
});
