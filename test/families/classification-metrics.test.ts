import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics as F, type ClassificationMetricsParams } from '../../src/families/classification-metrics.js';
import { parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, formatPartAnswer, type Solution } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as ClassificationMetricsParams;
/** part id → exact answer text. */
const exact = (s: Solution) => Object.fromEntries(s.parts.map((p) => [p.id, formatAnswer(p.answer)]));
/** part id → key text ("exact ≈ decimals" where decimals apply). */
const key = (s: Solution) => Object.fromEntries(s.parts.map((p) => [p.id, formatPartAnswer(p)]));
const mistakes = (p: ClassificationMetricsParams) =>
  Object.fromEntries(F.mistakes(p).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

// Spam filter, 100 e-mails: TP = 40, FN = 10, FP = 5, TN = 45.
const SPAM = { classes: ['spam', 'ham'], positive: 'spam', confusion: [[40, 10], [5, 45]], metrics: ['accuracy', 'precision', 'recall', 'f1', 'specificity'] };

test('binary confusion matrix (definitions as in seed 003 Q15: precision over predicted positives, recall over actual positives)', () => {
  // Accuracy (40 + 45)/100 = 17/20; precision 40/45 = 8/9; recall 40/50 = 4/5;
  // F1 = 2TP/(2TP + FP + FN) = 80/95 = 16/19 (= 2·(8/9)(4/5)/(8/9 + 4/5) = (64/45)/(76/45)); specificity 45/50 = 9/10.
  const s = F.solve(params(SPAM));
  assert.deepEqual(exact(s), { accuracy: '17/20', precision: '8/9', recall: '4/5', f1: '16/19', specificity: '9/10' });
});

test('the same counts in scikit-learn order (negative class first), rows = predicted: same answers', () => {
  // cm[actual][predicted] in order (ham, spam) = [[45, 5], [10, 40]]; shown with rows = predicted → transpose.
  const p = params({ ...SPAM, classes: ['ham', 'spam'], layout: 'rows-predicted', confusion: [[45, 10], [5, 40]] });
  assert.deepEqual(exact(F.solve(p)), { accuracy: '17/20', precision: '8/9', recall: '4/5', f1: '16/19', specificity: '9/10' });
  const st = F.statement(p);
  assert.match(st.convention, /rows = predicted class/);
  assert.deepEqual(st.blocks?.[0], { kind: 'table', header: ['', 'actual: ham', 'actual: spam'], rows: [['predicted: ham', '45', '10'], ['predicted: spam', '5', '40']] });
});

test('decimal format: 3 places, tolerance 0.0005, exact value kept', () => {
  const s = F.solve(params({ ...SPAM, format: 'decimal' }));
  const k = key(s);
  assert.equal(k['precision'], '8/9 ≈ 0.889');
  assert.equal(k['f1'], '16/19 ≈ 0.842');
  assert.equal(k['accuracy'], '17/20 ≈ 0.850');
  const f1 = s.parts.find((p) => p.id === 'f1')!;
  assert.equal(f1.decimals, 3);
  assert.deepEqual(f1.tolerance, { abs: 0.0005 });
});

test('binary label lists (integer labels accepted), counts as parts', () => {
  // y = 1 0 1 1 0 1 0 0 1 1, ŷ = 1 0 0 1 1 1 0 0 0 1:
  // (1,1) at 1,4,6,10 → TP = 4; (1,0) at 3,9 → FN = 2; (0,1) at 5 → FP = 1; (0,0) at 2,7,8 → TN = 3.
  // Accuracy 7/10, P = 4/5, R = 4/6 = 2/3, F1 = 8/(8 + 1 + 2) = 8/11, specificity 3/4.
  const p = params({
    classes: [0, 1],
    positive: 1,
    yTrue: [1, 0, 1, 1, 0, 1, 0, 0, 1, 1],
    yPred: [1, 0, 0, 1, 1, 1, 0, 0, 0, 1],
    metrics: ['accuracy', 'precision', 'recall', 'f1', 'specificity'],
  });
  assert.deepEqual(exact(F.solve(p)), { tp: '4', fp: '1', fn: '2', tn: '3', accuracy: '7/10', precision: '4/5', recall: '2/3', f1: '8/11', specificity: '3/4' });
  // Positive class swapped ("0" positive): TP' = 3, FP' = 2, FN' = 1, TN' = 4.
  const m = mistakes(p);
  assert.deepEqual(m['swap-positive'], { tp: '3', fp: '2', fn: '1', tn: '4', precision: '3/5', recall: '3/4', f1: '2/3', specificity: '2/3' });
});

test('3-class macro averages (scikit-learn average="macro")', () => {
  // rows = actual (cat, dog, bird): [[5,1,0],[2,6,2],[0,1,9]], N = 26, diagonal 20 → accuracy 10/13.
  // cat : TP 5, predicted 7, actual 6  → P 5/7,  R 5/6,  F1 10/13
  // dog : TP 6, predicted 8, actual 10 → P 3/4,  R 3/5,  F1 12/18 = 2/3
  // bird: TP 9, predicted 11, actual 10 → P 9/11, R 9/10, F1 18/21 = 6/7
  // macro P = (220 + 231 + 252)/308/3 = 703/924 ≈ 0.761; macro R = (25 + 18 + 27)/30/3 = 7/9 ≈ 0.778;
  // macro F1 = (210 + 182 + 234)/273/3 = 626/819 ≈ 0.764.
  const p = params({ classes: ['cat', 'dog', 'bird'], confusion: [[5, 1, 0], [2, 6, 2], [0, 1, 9]], format: 'decimal' });
  const k = key(F.solve(p));
  assert.deepEqual(k, { accuracy: '10/13 ≈ 0.769', precision: '703/924 ≈ 0.761', recall: '7/9 ≈ 0.778', f1: '626/819 ≈ 0.764' });
  const m = mistakes(p);
  // micro averages all equal the accuracy
  assert.deepEqual(m['micro-for-macro'], { precision: '10/13', recall: '10/13', f1: '10/13' });
  // reading the matrix transposed swaps macro P and macro R (F1 is symmetric)
  assert.deepEqual(m['swap-precision-recall'], { precision: '7/9', recall: '703/924' });
  // F1 of the macro averages: 2·(703/924)(7/9)/(703/924 + 7/9) = (9842/8316)/(4265/2772) = 9842/12795
  assert.equal(m['f1-of-macro-averages']?.['f1'], '9842/12795');
  // support-weighted precision: (6·5/7 + 10·3/4 + 10·9/11)/26 = (3075/154)/26 = 3075/4004; weighted recall = accuracy
  assert.equal(m['weighted-average']?.['precision'], '3075/4004');
  assert.equal(m['weighted-average']?.['recall'], '10/13');
});

test('3-class label lists produce the confusion matrix as a part', () => {
  // (A,A) (A,B) (B,B) (B,C) (C,C) (C,A): every class has TP 1, predicted 2, actual 2 → P = R = F1 = 1/2.
  const p = params({ classes: ['A', 'B', 'C'], yTrue: ['A', 'A', 'B', 'B', 'C', 'C'], yPred: ['A', 'B', 'B', 'C', 'C', 'A'] });
  assert.deepEqual(exact(F.solve(p)), { confusion: '[[1, 1, 0], [0, 1, 1], [1, 0, 1]]', accuracy: '1/2', precision: '1/2', recall: '1/2', f1: '1/2' });
});

test('binary mistakes by value', () => {
  const m = mistakes(params(SPAM));
  assert.deepEqual(m['swap-precision-recall'], { precision: '4/5', recall: '8/9' });
  // (8/9 + 4/5)/2 = (40 + 36)/45/2 = 38/45
  assert.deepEqual(m['f1-arithmetic-mean'], { f1: '38/45' });
  assert.deepEqual(m['accuracy-as-precision'], { accuracy: '8/9' });
  // ham as positive: TP 45, FP 10, FN 5 → P 9/11, R 9/10, F1 90/105 = 6/7; specificity 40/50 = 4/5
  assert.deepEqual(m['swap-positive'], { precision: '9/11', recall: '9/10', f1: '6/7', specificity: '4/5' });
  // TN/(TN + FN) = 45/55
  assert.deepEqual(m['specificity-npv'], { specificity: '9/11' });
});

test('invalid params name the field (including 0/0 metrics)', () => {
  assert.throws(() => params({ ...SPAM, positive: 'eggs' }), /positive: "eggs" is not one of the classes/);
  assert.throws(() => params({ classes: ['spam', 'ham'], confusion: [[1, 2], [3, 4]] }), /positive: a binary problem needs the positive class/);
  // never predicted positive: precision 0/0
  assert.throws(() => params({ ...SPAM, confusion: [[0, 10], [0, 45]] }), /confusion: class "spam" is never predicted/);
  // TP = 0: F1 = 0/0
  assert.throws(() => params({ ...SPAM, confusion: [[0, 10], [5, 45]] }), /confusion: class "spam" has TP = 0/);
  assert.throws(() => params({ ...SPAM, confusion: [[40, 10], [0, 0]] }), /confusion: there are no actual negatives/);
  assert.throws(() => params({ ...SPAM, confusion: [[40, 10]] }), /confusion: the confusion matrix must be 2×2/);
  assert.throws(() => params({ classes: ['a', 'b'], positive: 'a', yTrue: ['a', 'b', 'a'], yPred: ['a', 'b'] }), /yPred: yPred has 2 labels but yTrue has 3/);
  assert.throws(() => params({ classes: ['a', 'b'], positive: 'a', yTrue: ['a', 'c'], yPred: ['a', 'b'] }), /yTrue: label "c" is not one of the classes/);
  assert.throws(() => params({ classes: ['a', 'b', 'c'], positive: 'a', confusion: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }), /positive: with 3 classes/);
  assert.throws(() => params({ classes: ['a', 'b', 'c'], confusion: [[1, 0, 0], [0, 1, 0], [0, 0, 0]] }), /class "c" is never predicted/);
});

test('tensor check agrees on the pinned fixtures (matrix, rows-predicted, lists, 3-class lists)', async () => {
  const tf = await loadTf();
  const fixtures = [
    SPAM,
    { ...SPAM, classes: ['ham', 'spam'], layout: 'rows-predicted', confusion: [[45, 10], [5, 40]] },
    { classes: [0, 1], positive: 1, yTrue: [1, 0, 1, 1, 0, 1, 0, 0, 1, 1], yPred: [1, 0, 0, 1, 1, 1, 0, 0, 0, 1], metrics: ['accuracy', 'precision', 'recall', 'f1', 'specificity'] },
    { classes: ['cat', 'dog', 'bird'], confusion: [[5, 1, 0], [2, 6, 2], [0, 1, 9]], layout: 'rows-predicted', format: 'decimal' },
    { classes: ['A', 'B', 'C'], yTrue: ['A', 'A', 'B', 'B', 'C', 'C'], yPred: ['A', 'B', 'B', 'C', 'C', 'A'] },
  ];
  const before = tf.memory().numTensors;
  for (const raw of fixtures) {
    const inst = await runInstance(F, params(raw), tf);
    assert.ok(inst.check.ok, JSON.stringify(inst.check.parts));
  }
  assert.equal(tf.memory().numTensors, before);
});

test('property: solver agrees with the tensor computation on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 800, `only ${r.distinctAnswers} distinct answers`);
});
