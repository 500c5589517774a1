import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zscoreOutliers as F, type ZscoreOutliersParams } from '../../src/families/zscore-outliers.js';
import { parseParams } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer, type Solution } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as ZscoreOutliersParams;
/** part id → "exact ≈ decimals" text, as printed in the key. */
const key = (s: Solution) => Object.fromEntries(s.parts.map((p) => [p.id, formatPartAnswer(p)]));

const SEED = [103, 31, 106, 91, 102, 104, 105, 101, 104, 50];

test('seed 002 Q6 (Gaussian outliers, 95 %), population σ — the seed answer is wrong', () => {
  // Σx = 897, μ = 89.7. Deviations 13.3, −58.7, 16.3, 1.3, 12.3, 14.3, 15.3, 11.3, 14.3, −39.7;
  // squares sum to 6388.1 → σ² = 638.81, σ = √63881/10 ≈ 25.27.
  // z(31) = −58.7/25.2747 ≈ −2.32 → |z| > 1.96: 31 IS an outlier; z(50) ≈ −1.57 is not.
  // Cut-offs 89.7 ∓ 1.96·25.2747 = 89.7 ∓ 49.538 → [40.16, 139.24].
  // The seed claims σ = 30.09, z(31) ≈ −1.95, "no outliers" and "a value above 149" — all wrong:
  // σ is 25.27 (÷n) or 26.64 (÷(n−1)); 31 is an outlier either way; the upper cut-off is 139.24
  // (÷n) or 141.92 (÷(n−1)), not 149 (its 148.97 = 89.7 + 1.96·30.09 uses the wrong σ).
  const s = F.solve(params({ data: SEED, convention: 'population', threshold: 1.96, zOf: 31 }));
  const k = key(s);
  assert.equal(k['mean'], '897/10 ≈ 89.70');
  assert.equal(k['std'], '√63881/10 ≈ 25.27');
  assert.match(k['z']!, /≈ -2\.32$/);
  // μ ∓ 1.96σ = 897/10 ∓ (49/25)(√63881/10), exact:
  assert.equal(k['cutoffs'], '[897/10 - 49√63881/250, 897/10 + 49√63881/250] ≈ [40.16, 139.24]');
  assert.equal(k['outliers'], '{31}');
});

test('seed 002 Q6 with the sample σ (÷(n − 1))', () => {
  // σ² = 6388.1/9 = 63881/90 ≈ 709.79, s ≈ 26.64; z(31) = −58.7/26.642 ≈ −2.20 (still an outlier);
  // cut-offs 89.7 ∓ 52.218 → [37.48, 141.92].
  const s = F.solve(params({ data: SEED, convention: 'sample', threshold: 1.96, zOf: 31 }));
  const k = key(s);
  assert.match(k['std']!, /≈ 26\.64$/);
  assert.match(k['z']!, /≈ -2\.20$/);
  assert.match(k['cutoffs']!, /≈ \[37\.48, 141\.92\]$/);
  assert.equal(k['outliers'], '{31}');
});

test('integer σ (difficulty-1 style)', () => {
  // μ = 222/6 = 37; deviations 5, 6, 9, 3, 8, −31; squares 25+36+81+9+64+961 = 1176;
  // σ² = 1176/6 = 196, σ = 14; z(6) = −31/14 ≈ −2.21; cut-offs 37 ∓ 28 = [9, 65]; outliers {6}.
  const s = F.solve(params({ data: [42, 43, 46, 40, 45, 6], convention: 'population', threshold: 2, zOf: 6 }));
  const k = key(s);
  assert.equal(k['mean'], '37');
  assert.equal(k['std'], '14');
  assert.equal(k['z'], '-31/14 ≈ -2.21');
  assert.equal(k['cutoffs'], '[9, 65]');
  assert.equal(k['outliers'], '{6}');
});

test('negative values: cut-offs rounded half away from zero, exactly', () => {
  // μ = −18/6 = −3; deviations 0, 2, 3, 5, 7, −17; Σ squares = 376; σ² = 188/3; σ = 2√141/3 ≈ 7.9162;
  // 2σ ≈ 15.83246 → cut-offs [−18.83246, 12.83246] → [−18.83, 12.83]; z(−20) = −17/σ ≈ −2.15.
  const s = F.solve(params({ data: [-3, -1, 0, 2, 4, -20], convention: 'population', threshold: 2, zOf: -20 }));
  const k = key(s);
  assert.equal(k['std'], '2√141/3 ≈ 7.92');
  // −3 ∓ 2·(2√141/3), exact; printed to 2 decimals as [−18.83, 12.83]
  assert.equal(formatAnswer(s.parts.find((p) => p.id === 'cutoffs')!.answer), '[-3 - 4√141/3, -3 + 4√141/3]');
  assert.match(k['cutoffs']!, /≈ \[-18\.83, 12\.83\]$/);
  assert.match(k['z']!, /≈ -2\.15$/);
  assert.equal(k['outliers'], '{-20}');
});

test('new point scored against the data (sample σ), not appended', () => {
  // μ = 88.5; Σ(x − μ)² = 592.5; s² = 592.5/9 = 395/6, s ≈ 8.1138.
  // z_new = (107 − 88.5)/8.1138 ≈ 2.280; z(72) = −16.5/8.1138 ≈ −2.034 → outliers {72, 107}.
  // Cut-offs 88.5 ∓ 1.96·8.1138 → [72.597, 104.403].
  const p = params({ data: [72, 88, 76, 93, 94, 95, 89, 90, 96, 92], convention: 'sample', threshold: 1.96, newPoint: 107, decimals: 3 });
  const s = F.solve(p);
  const k = key(s);
  assert.equal(k['std'], '√2370/6 ≈ 8.114');
  assert.equal(k['z'], '37√2370/790 ≈ 2.280');
  assert.match(k['cutoffs']!, /≈ \[72\.597, 104\.403\]$/);
  assert.equal(k['outliers'], '{72, 107}');
  assert.match(F.statement(p).convention, /not appended/);

  // Mistake: appending 107 first → n = 11, μ = 992/11 ≈ 90.18, s ≈ 9.506, z ≈ 1.769 → no outliers.
  const appended = F.mistakes(p).find((m) => m.id === 'appended')!;
  assert.equal(formatAnswer(appended.answers['mean']!), '992/11');
  assert.equal(formatAnswer(appended.answers['z']!), '185√10934/10934');
  assert.equal(formatAnswer(appended.answers['outliers']!), '{} (none)');
  // Mistake: population σ instead of sample: σ = √59.25 = √237/2 ≈ 7.697, z_new ≈ 2.403 (same outliers).
  const swapped = F.mistakes(p).find((m) => m.id === 'swap-convention')!;
  assert.equal(formatAnswer(swapped.answers['std']!), '√237/2');
  assert.equal(swapped.answers['outliers'], undefined);
});

test('mistakes are named wrong answers', () => {
  const p = params({ data: [42, 43, 46, 40, 45, 6], convention: 'population', threshold: 2, zOf: 6 });
  const byId = Object.fromEntries(F.mistakes(p).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));
  // variance used as σ: z = −31/196, cut-offs 37 ∓ 392, nothing flagged
  assert.deepEqual(byId['variance-not-std'], { std: '196', z: '-31/196', cutoffs: '[-355, 429]', outliers: '{} (none)' });
  // sign dropped: +31/14
  assert.deepEqual(byId['z-sign'], { z: '31/14' });
  // Σx²/n = 9390/6 = 1565 used as the variance
  assert.equal(byId['raw-second-moment']!['std'], '√1565');
  // ÷(n−1): σ² = 1176/5 → σ = 14√30/5
  assert.equal(byId['swap-convention']!['std'], '14√30/5');
  // no new point → no "appended" mistake
  assert.equal(byId['appended'], undefined);
  for (const m of F.mistakes(p)) assert.ok(m.feedback.length > 20);
});

test('invalid params name the field', () => {
  const base = { data: [42, 43, 46, 40, 45, 6], convention: 'population', threshold: 2 };
  assert.throws(() => parseParams(F, base), /zOf: give "zOf"/);
  assert.throws(() => parseParams(F, { ...base, zOf: 99 }), /zOf: 99 is not one of the data values/);
  assert.throws(() => parseParams(F, { ...base, zOf: 6, newPoint: 50 }), /zOf: with "newPoint"/);
  assert.throws(() => parseParams(F, { ...base, zOf: 6, threshold: 2.2 }), /threshold/);
  assert.throws(() => parseParams(F, { ...base, zOf: 6, convention: 'biased' }), /convention/);
  assert.throws(() => parseParams(F, { ...base, data: [1, 2], zOf: 1 }), /data/);
  assert.throws(() => parseParams(F, { ...base, data: [5, 5, 5, 5], zOf: 5 }), /data: all values are equal/);
  // [0, 0, 0, 0, 4]: μ = 4/5, σ² = 12.8/5 = 2.56, σ = 1.6, z(4) = 3.2/1.6 = 2 exactly: a tie with t = 2
  assert.throws(() => parseParams(F, { ...base, data: [0, 0, 0, 0, 4], zOf: 4 }), /threshold: the value 4 has \|z\| within 1\/100/);
});

test('statement states the convention and the threshold', () => {
  const p = params({ data: SEED, convention: 'sample', threshold: 1.96, zOf: 31 });
  const st = F.statement(p);
  assert.match(st.text, /\|z\| > 1\.96/);
  assert.match(st.text, /n − 1/);
  assert.match(st.convention, /n − 1/);
  assert.equal(st.blocks?.[0]?.kind, 'vector');
});

test('property: solver agrees with tf.moments on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 900, `only ${r.distinctAnswers} distinct answers`);
});

test('verify rejects a wrong key (population σ where the sample σ is asked)', async () => {
  const tf = await loadTf();
  const p = params({ data: SEED, convention: 'sample', threshold: 1.96, zOf: 31 });
  const right = F.solve(p);
  assert.equal((await F.verify(p, right, tf)).ok, true);
  const wrong = F.mistakes(p).find((m) => m.id === 'swap-convention')!;
  const tampered: Solution = { ...right, parts: right.parts.map((x) => (wrong.answers[x.id] ? { ...x, answer: wrong.answers[x.id]! } : x)) };
  const check = await F.verify(p, tampered, tf);
  assert.equal(check.ok, false);
  assert.deepEqual(check.parts.filter((x) => !x.ok).map((x) => x.id).sort(), ['cutoffs', 'std', 'z']);
});
