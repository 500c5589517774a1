/**
 * Classification metrics from a confusion matrix or from two label lists: accuracy, precision,
 * recall, F1 and specificity for a binary problem with a named positive class, and macro-averaged
 * precision / recall / F1 (scikit-learn average='macro') for a 3-class confusion matrix.
 *
 * Exactness: every metric is a ratio of counts, so every answer is a Fraction. With
 * format 'decimal' the statement asks for 3 decimal places and the parts carry a tolerance; the
 * exact value still stays the fraction.
 *
 * verify(): label tensors (the lists as given, or the matrix expanded into one (actual, predicted)
 * pair per counted sample), one-vs-rest masks with tf.equal, TP per class with tf.logicalAnd +
 * tf.sum, predicted/actual counts with tf.sum, and every metric as a float tensor expression.
 */
import { z } from 'zod';
import { matrix, scalar, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtDecimal, fmtQ, q, sum, type Fraction } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mistakesFromMutants, mutantSolver, type Flaw } from './mutants.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

const METRICS = ['accuracy', 'precision', 'recall', 'f1', 'specificity'] as const;
type Metric = (typeof METRICS)[number];

const DECIMALS = 3;
const DECIMAL_TOL = { abs: 0.0005 };

/** A class label: a short name, or an integer label written as a number (kept as its string). */
const label = z.union([z.string().trim().min(1).max(24), z.int().min(-99).max(999)]).transform(String);

const paramsSchema = z
  .object({
    /** Class names, in the order of the confusion matrix's rows and columns (2 = binary, 3 = macro-averaged). */
    classes: z.array(label).min(2).max(3),
    /** The positive class (binary problems only). */
    positive: label.optional(),
    /** Confusion matrix of counts, rows and columns in `classes` order, oriented as `layout` says. */
    confusion: z.array(z.array(z.int().min(0).max(100000))).optional(),
    /** rows-actual: rows = actual class, columns = predicted class (scikit-learn); rows-predicted: the transpose. */
    layout: z.enum(['rows-actual', 'rows-predicted']).default('rows-actual'),
    /** True labels, one per sample (instead of `confusion`). */
    yTrue: z.array(label).min(2).max(60).optional(),
    /** Predicted labels, one per sample. */
    yPred: z.array(label).min(2).max(60).optional(),
    /** Metrics asked for (macro-averaged for 3 classes). */
    metrics: z.array(z.enum(METRICS)).min(1).default(['accuracy', 'precision', 'recall', 'f1']),
    /** 'fraction': exact fractions; 'decimal': decimals rounded to 3 places. */
    format: z.enum(['fraction', 'decimal']).default('fraction'),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const k = p.classes.length;
    if (new Set(p.classes).size !== k) issue('classes', 'class names must be distinct');
    if (k === 2 && p.positive === undefined) issue('positive', 'a binary problem needs the positive class ("positive")');
    if (k === 2 && p.positive !== undefined && !p.classes.includes(p.positive)) issue('positive', `"${p.positive}" is not one of the classes ${p.classes.join(', ')}`);
    if (k === 3 && p.positive !== undefined) issue('positive', 'with 3 classes the metrics are macro-averaged over all classes: omit "positive"');
    if (k === 3 && p.metrics.includes('specificity')) issue('metrics', 'specificity is asked only for binary problems');
    if (new Set(p.metrics).size !== p.metrics.length) issue('metrics', 'a metric is listed twice');
    const lists = p.yTrue !== undefined || p.yPred !== undefined;
    if (p.confusion !== undefined && lists) issue('confusion', 'give either "confusion" or "yTrue"/"yPred", not both');
    if (p.confusion === undefined && !lists) issue('confusion', 'give the confusion matrix ("confusion") or the label lists ("yTrue" and "yPred")');
    if (lists) {
      if (p.yTrue === undefined || p.yPred === undefined) {
        issue(p.yTrue === undefined ? 'yTrue' : 'yPred', 'both label lists "yTrue" and "yPred" are needed');
        return;
      }
      if (p.yTrue.length !== p.yPred.length) issue('yPred', `yPred has ${p.yPred.length} labels but yTrue has ${p.yTrue.length}`);
      for (const [field, ys] of [['yTrue', p.yTrue], ['yPred', p.yPred]] as const) {
        const bad = ys.filter((y) => !p.classes.includes(y));
        if (bad.length > 0) issue(field, `label "${bad[0]}" is not one of the classes ${p.classes.join(', ')}`);
      }
    }
    if (p.confusion !== undefined && (p.confusion.length !== k || p.confusion.some((row) => row.length !== k)))
      issue('confusion', `the confusion matrix must be ${k}×${k} (one row and one column per class)`);
    if (ctx.issues.length > 0) return;
    // 0/0 checks: every asked ratio needs a non-zero denominator.
    const field = p.confusion !== undefined ? 'confusion' : 'yPred';
    const cm = actualByPredicted(p);
    const n = cm.flat().reduce((a, b) => a + b, 0);
    if (n === 0) {
      issue(field, 'there are no samples');
      return;
    }
    const asks = (m: Metric) => p.metrics.includes(m);
    const needsPrecision = asks('precision') || asks('f1');
    const needsRecall = asks('recall') || asks('f1');
    const classesToCheck = k === 2 ? [p.classes.indexOf(p.positive!)] : [0, 1, 2];
    for (const c of classesToCheck) {
      const name = p.classes[c]!;
      const predicted = cm.reduce((a, row) => a + row[c]!, 0);
      const actual = cm[c]!.reduce((a, b) => a + b, 0);
      if (needsPrecision && predicted === 0) issue(field, `class "${name}" is never predicted: its precision TP/(TP + FP) would be 0/0`);
      if (needsRecall && actual === 0) issue(field, `class "${name}" never occurs: its recall TP/(TP + FN) would be 0/0`);
      if (asks('f1') && predicted > 0 && actual > 0 && cm[c]![c] === 0)
        issue(field, `class "${name}" has TP = 0: precision = recall = 0 and F1 = 2PR/(P + R) would be 0/0`);
    }
    if (k === 2 && asks('specificity')) {
      const neg = 1 - p.classes.indexOf(p.positive!);
      if (cm[neg]!.reduce((a, b) => a + b, 0) === 0) issue(field, 'there are no actual negatives: specificity TN/(TN + FP) would be 0/0');
    }
  });

export type ClassificationMetricsParams = z.output<typeof paramsSchema>;

// ---------- counts ----------

/** The counts as cm[actual][predicted], whatever the given layout. */
function actualByPredicted(p: ClassificationMetricsParams): number[][] {
  const k = p.classes.length;
  if (p.confusion !== undefined) {
    const m = p.confusion;
    return p.layout === 'rows-actual' ? m.map((r) => [...r]) : Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => m[j]![i]!));
  }
  const cm = Array.from({ length: k }, () => Array.from({ length: k }, () => 0));
  p.yTrue!.forEach((t, i) => {
    cm[p.classes.indexOf(t)]![p.classes.indexOf(p.yPred![i]!)]! += 1;
  });
  return cm;
}

const isBinary = (p: ClassificationMetricsParams) => p.classes.length === 2;

// ---------- the solver, with switches for typical mistakes ----------

type FlawId =
  | 'swap-precision-recall'
  | 'swap-positive'
  | 'f1-arithmetic-mean'
  | 'accuracy-as-precision'
  | 'specificity-npv'
  | 'micro-for-macro'
  | 'f1-of-macro-averages'
  | 'weighted-average';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'swap-precision-recall',
    label: 'precision and recall swapped',
    feedback:
      'Precision divides by everything the model PREDICTED as positive (TP + FP, a column of the matrix when rows are actual classes); recall divides by everything that IS positive (TP + FN, a row).',
  },
  {
    id: 'swap-positive',
    label: 'used the wrong class as positive',
    feedback: 'The question names the positive class; TP counts samples of that class predicted as that class, wherever it sits in the table.',
  },
  {
    id: 'f1-arithmetic-mean',
    label: 'F1 as the arithmetic mean of precision and recall',
    feedback: 'F1 is the harmonic mean 2PR/(P + R) = 2TP/(2TP + FP + FN), not (P + R)/2; it is pulled towards the smaller of the two.',
  },
  {
    id: 'accuracy-as-precision',
    label: 'accuracy computed as TP/(TP + FP)',
    feedback: 'Accuracy counts every correct prediction, positive and negative: (TP + TN)/N. TP/(TP + FP) is the precision.',
  },
  {
    id: 'specificity-npv',
    label: 'specificity computed as TN/(TN + FN)',
    feedback: 'Specificity is the recall of the negative class: TN/(TN + FP), the share of actual negatives predicted negative. TN/(TN + FN) is the negative predictive value.',
  },
  {
    id: 'micro-for-macro',
    label: 'micro-averaged instead of macro-averaged',
    feedback:
      'Pooling the counts of all classes first (micro average) makes precision, recall and F1 all equal to the accuracy. The macro average computes each class\'s metric one-vs-rest and takes the unweighted mean.',
  },
  {
    id: 'f1-of-macro-averages',
    label: 'macro-F1 as the F1 of macro-precision and macro-recall',
    feedback: "Macro-F1 (scikit-learn average='macro') is the mean of the per-class F1 scores, not the harmonic mean of the macro-averaged precision and recall.",
  },
  {
    id: 'weighted-average',
    label: 'support-weighted average instead of the macro average',
    feedback: "The macro average weights every class equally (1/3 each); weighting by the number of true samples per class is average='weighted'.",
  },
];

const METRIC_LETTER_ORDER: readonly Metric[] = METRICS;

function solveWith(p: ClassificationMetricsParams, flaw?: FlawId): Solution | undefined {
  return isBinary(p) ? solveBinary(p, flaw) : solveMacro(p, flaw);
}

function metricPart(p: ClassificationMetricsParams, id: Metric, label: string, value: Fraction): Part {
  return { id, label, answer: scalar(value), ...(p.format === 'decimal' && value.d !== 1n ? { decimals: DECIMALS, tolerance: DECIMAL_TOL } : {}) };
}

function show(p: ClassificationMetricsParams, x: Fraction): string {
  return p.format === 'decimal' && x.d !== 1n ? `${fmtQ(x)} ≈ ${fmtDecimal(x.valueOf(), DECIMALS)}` : fmtQ(x);
}

/** " ≈ 0.794" after a fraction, in decimal format. */
function approx(p: ClassificationMetricsParams, x: Fraction): string {
  return p.format === 'decimal' && x.d !== 1n ? ` ≈ ${fmtDecimal(x.valueOf(), DECIMALS)}` : '';
}

/** "54/68 = 27/34", or just "29/46" when the ratio is already in lowest terms. */
function ratioText(a: number, b: number): string {
  const r = fmtQ(q(a, b));
  return r === `${a}/${b}` ? r : `${a}/${b} = ${r}`;
}

function solveBinary(p: ClassificationMetricsParams, flaw?: FlawId): Solution | undefined {
  const cm = actualByPredicted(p);
  const truePos = p.classes.indexOf(p.positive!);
  const pos = flaw === 'swap-positive' ? 1 - truePos : truePos;
  const neg = 1 - pos;
  const TP = cm[pos]![pos]!;
  const FN = cm[pos]![neg]!;
  const FP = cm[neg]![pos]!;
  const TN = cm[neg]![neg]!;
  const N = TP + FN + FP + TN;
  const asks = (m: Metric) => p.metrics.includes(m);
  // A mutant whose ratio has a zero denominator produces no answer at all.
  const ratio = (a: number, b: number) => (b === 0 ? undefined : q(a, b));
  const precisionTrue = ratio(TP, TP + FP);
  const recallTrue = ratio(TP, TP + FN);
  const swapPR = flaw === 'swap-precision-recall';
  const precision = swapPR ? recallTrue : precisionTrue;
  const recall = swapPR ? precisionTrue : recallTrue;
  const accuracy = flaw === 'accuracy-as-precision' ? precisionTrue : ratio(TP + TN, N);
  const f1 =
    precision === undefined || recall === undefined
      ? undefined
      : flaw === 'f1-arithmetic-mean'
        ? precision.add(recall).div(q(2))
        : precision.add(recall).n === 0n
          ? undefined
          : precision.mul(recall).mul(q(2)).div(precision.add(recall));
  const specificity = flaw === 'specificity-npv' ? ratio(TN, TN + FN) : ratio(TN, TN + FP);
  const values: Record<Metric, Fraction | undefined> = { accuracy, precision, recall, f1, specificity };
  if (p.metrics.some((m) => values[m] === undefined)) return undefined;

  const posName = p.classes[pos]!;
  const negName = p.classes[neg]!;
  const steps: string[] = [];
  if (p.confusion !== undefined) {
    const rows = p.layout === 'rows-actual' ? 'rows are actual classes, columns predicted' : 'rows are predicted classes, columns actual';
    steps.push(`Positive class "${posName}", negative class "${negName}" (${rows}).`);
  } else {
    steps.push(`Compare the lists sample by sample with "${posName}" as positive: TP = true "${posName}" predicted "${posName}", FN = true "${posName}" predicted "${negName}", FP = true "${negName}" predicted "${posName}", TN = true "${negName}" predicted "${negName}".`);
  }
  steps.push(`TP = ${TP}, FN = ${FN}, FP = ${FP}, TN = ${TN}; N = ${N}.`);
  if (asks('accuracy'))
    steps.push(flaw === 'accuracy-as-precision' ? `Accuracy = TP/(TP + FP) = ${TP}/${TP + FP} = ${show(p, accuracy!)}.` : `Accuracy = (TP + TN)/N = (${TP} + ${TN})/${N} = ${show(p, accuracy!)}.`);
  const pText = `${TP}/(${TP} + ${swapPR ? FN : FP})`;
  const rText = `${TP}/(${TP} + ${swapPR ? FP : FN})`;
  if (asks('precision') || asks('f1')) steps.push(`Precision = TP/(TP + ${swapPR ? 'FN' : 'FP'}) = ${pText} = ${show(p, precision!)}.`);
  if (asks('recall') || asks('f1')) steps.push(`Recall = TP/(TP + ${swapPR ? 'FP' : 'FN'}) = ${rText} = ${show(p, recall!)}.`);
  if (asks('f1'))
    steps.push(
      flaw === 'f1-arithmetic-mean'
        ? `F1 = (P + R)/2 = ${show(p, f1!)}.`
        : `F1 = 2PR/(P + R) = 2TP/(2TP + FP + FN) = ${2 * TP}/(${2 * TP} + ${FP} + ${FN}) = ${show(p, f1!)}.`,
    );
  if (asks('specificity'))
    steps.push(
      flaw === 'specificity-npv'
        ? `Specificity = TN/(TN + FN) = ${TN}/${TN + FN} = ${show(p, specificity!)}.`
        : `Specificity = TN/(TN + FP) = ${TN}/(${TN} + ${FP}) = ${show(p, specificity!)}.`,
    );

  const labels: Record<Metric, string> = {
    accuracy: 'Accuracy',
    precision: `Precision, positive class "${p.positive}"`,
    recall: `Recall (sensitivity), positive class "${p.positive}"`,
    f1: 'F1 score',
    specificity: 'Specificity (true-negative rate)',
  };
  const parts: Part[] = [];
  if (p.confusion === undefined) {
    parts.push(
      { id: 'tp', label: 'TP (true positives)', answer: scalar(TP) },
      { id: 'fp', label: 'FP (false positives)', answer: scalar(FP) },
      { id: 'fn', label: 'FN (false negatives)', answer: scalar(FN) },
      { id: 'tn', label: 'TN (true negatives)', answer: scalar(TN) },
    );
  }
  for (const m of METRIC_LETTER_ORDER) if (asks(m)) parts.push(metricPart(p, m, labels[m], values[m]!));
  return { parts, steps };
}

function solveMacro(p: ClassificationMetricsParams, flaw?: FlawId): Solution | undefined {
  if (flaw === 'swap-positive' || flaw === 'accuracy-as-precision' || flaw === 'specificity-npv') return undefined;
  const given = actualByPredicted(p);
  const k = p.classes.length;
  // Reading the matrix the wrong way round swaps every class's precision and recall.
  const cm = flaw === 'swap-precision-recall' ? given.map((_, i) => given.map((row) => row[i]!)) : given;
  const N = cm.flat().reduce((a, b) => a + b, 0);
  const correct = cm.reduce((a, row, i) => a + row[i]!, 0);
  const accuracy = q(correct, N);
  const per = cm.map((row, c) => {
    const tp = row[c]!;
    const predicted = cm.reduce((a, r) => a + r[c]!, 0);
    const actual = row.reduce((a, b) => a + b, 0);
    if (predicted === 0 || actual === 0) return undefined;
    const P = q(tp, predicted);
    const R = q(tp, actual);
    const F1 = flaw === 'f1-arithmetic-mean' ? P.add(R).div(q(2)) : q(2 * tp, predicted + actual);
    return { name: p.classes[c]!, tp, predicted, actual, P, R, F1 };
  });
  if (per.some((x) => x === undefined)) return undefined;
  const cls = per as NonNullable<(typeof per)[number]>[];
  const mean = (xs: Fraction[]) => sum(xs).div(q(k));
  const weighted = (xs: Fraction[]) => sum(xs.map((x, i) => x.mul(q(cls[i]!.actual, N))));
  const avg = flaw === 'weighted-average' ? weighted : mean;
  let precision = avg(cls.map((c) => c.P));
  let recall = avg(cls.map((c) => c.R));
  let f1 = avg(cls.map((c) => c.F1));
  if (flaw === 'micro-for-macro') [precision, recall, f1] = [accuracy, accuracy, accuracy];
  if (flaw === 'f1-of-macro-averages') f1 = precision.mul(recall).mul(q(2)).div(precision.add(recall));
  const asks = (m: Metric) => p.metrics.includes(m);

  const steps: string[] = [];
  steps.push(
    p.confusion !== undefined
      ? `Per class (one-vs-rest): TP = diagonal entry, predicted = ${p.layout === 'rows-actual' ? 'column' : 'row'} sum, actual = ${p.layout === 'rows-actual' ? 'row' : 'column'} sum; N = ${N}.`
      : `Count the (true, predicted) pairs into a confusion matrix (rows = true class): ${given.map((r) => `[${r.join(', ')}]`).join(', ')}; N = ${N}.`,
  );
  if (asks('accuracy')) steps.push(`Accuracy = (sum of the diagonal)/N = ${ratioText(correct, N)}${approx(p, accuracy)}.`);
  for (const c of cls)
    steps.push(
      `"${c.name}": TP = ${c.tp}, predicted ${c.predicted}, actual ${c.actual} → P = ${fmtQ(c.P)}, R = ${fmtQ(c.R)}, F1 = ${flaw === 'f1-arithmetic-mean' ? `(P + R)/2 = ${fmtQ(c.F1)}` : `2TP/(predicted + actual) = ${ratioText(2 * c.tp, c.predicted + c.actual)}`}.`,
    );
  const paren = (x: Fraction) => (x.d === 1n ? fmtQ(x) : `(${fmtQ(x)})`);
  const avgText = (xs: Fraction[]) =>
    flaw === 'weighted-average'
      ? `(${xs.map((x, i) => `${cls[i]!.actual}·${paren(x)}`).join(' + ')})/${N}`
      : `(${xs.map(fmtQ).join(' + ')})/${k}`;
  if (flaw === 'micro-for-macro') steps.push(`Micro averages: P = R = F1 = ${show(p, accuracy)}.`);
  else {
    if (asks('precision')) steps.push(`Macro precision = ${avgText(cls.map((c) => c.P))} = ${show(p, precision)}.`);
    if (asks('recall')) steps.push(`Macro recall = ${avgText(cls.map((c) => c.R))} = ${show(p, recall)}.`);
    if (asks('f1'))
      steps.push(
        flaw === 'f1-of-macro-averages'
          ? `Macro F1 = 2·P·R/(P + R) of the macro averages = ${show(p, f1)}.`
          : `Macro F1 = mean of the per-class F1 = ${avgText(cls.map((c) => c.F1))} = ${show(p, f1)}.`,
      );
  }

  const values: Record<Metric, Fraction> = { accuracy, precision, recall, f1, specificity: accuracy };
  const labels: Record<Metric, string> = {
    accuracy: 'Accuracy',
    precision: 'Macro-averaged precision',
    recall: 'Macro-averaged recall',
    f1: 'Macro-averaged F1 score',
    specificity: '',
  };
  const parts: Part[] = [];
  if (p.confusion === undefined) parts.push({ id: 'confusion', label: 'Confusion matrix (rows = true class, columns = predicted)', answer: matrix(given) });
  for (const m of METRIC_LETTER_ORDER) if (asks(m)) parts.push(metricPart(p, m, labels[m], values[m]));
  return { parts, steps };
}

// ---------- generation ----------

interface BinaryNames {
  pos: string;
  neg: string;
  who: string;
  items: string;
}

const BINARY_NAMES: BinaryNames[] = [
  { pos: 'spam', neg: 'ham', who: 'A spam filter', items: 'e-mails' },
  { pos: 'fraud', neg: 'legit', who: 'A fraud detector', items: 'transactions' },
  { pos: 'malignant', neg: 'benign', who: 'A tumour classifier', items: 'biopsy images' },
  { pos: 'defective', neg: 'ok', who: 'A visual inspection model', items: 'parts' },
  { pos: 'sick', neg: 'healthy', who: 'A diagnostic model', items: 'patients' },
  { pos: 'cat', neg: 'dog', who: 'An image classifier', items: 'images' },
  { pos: '1', neg: '0', who: 'A binary classifier', items: 'samples' },
  { pos: 'yes', neg: 'no', who: 'A churn model', items: 'customers' },
];
/** Short labels that fit a wide table of label lists. */
const LIST_NAMES = BINARY_NAMES.filter((b) => ['1', 'yes', 'cat', 'spam'].includes(b.pos));

const TRIPLES: string[][] = [
  ['cat', 'dog', 'bird'],
  ['A', 'B', 'C'],
  ['car', 'bus', 'bike'],
  ['low', 'medium', 'high'],
  ['0', '1', '2'],
];

function describe(p: ClassificationMetricsParams): { who: string; items: string } {
  const hit = BINARY_NAMES.find((b) => p.classes.includes(b.pos) && p.classes.includes(b.neg) && p.classes.length === 2);
  if (hit) return hit;
  return { who: p.classes.length === 2 ? 'A binary classifier' : `A ${p.classes.length}-class classifier`, items: 'test samples' };
}

/** A rounded decimal that ends in exactly 5 at the 4th place would make "3 decimals" ambiguous. */
const halfwayAt3 = (x: Fraction) => {
  const t = x.mul(q(2000));
  return t.d === 1n && t.n % 2n === 1n;
};

/** Rounded to 3 places, a wrong answer closer than this to the right one would be graded right. */
const SEPARATION = 0.002;

/**
 * A nice instance: no answer sits exactly halfway between two 3-decimal roundings, and with
 * decimals every mistaken answer stays clearly apart from the right one (a wrong method must not
 * be graded right by luck).
 */
function distinctEnough(p: ClassificationMetricsParams): boolean {
  const s = solveWith(p);
  if (!s) return false;
  if (p.format !== 'decimal') return true;
  if (s.parts.some((pt) => pt.answer.kind === 'scalar' && halfwayAt3(pt.answer.value.coef))) return false;
  for (const m of mistakesFromMutants(s, FLAWS, (f) => solveWith(p, f)))
    for (const [id, a] of Object.entries(m.answers)) {
      const right = s.parts.find((pt) => pt.id === id)!.answer;
      if (a.kind === 'scalar' && right.kind === 'scalar' && Math.abs(a.value.coef.valueOf() - right.value.coef.valueOf()) < SEPARATION) return false;
    }
  return true;
}

function draftBinaryMatrix(rng: Rng, difficulty: Difficulty): ClassificationMetricsParams | undefined {
  const names = rng.pick(BINARY_NAMES);
  let TP: number, FN: number, FP: number, TN: number;
  if (difficulty === 1) {
    const N = rng.pick([20, 40, 50, 100, 200]);
    TP = rng.int(Math.ceil(N / 5), Math.floor(N / 2));
    FN = rng.int(1, Math.floor(N / 5));
    FP = rng.int(1, Math.floor(N / 5));
    TN = N - TP - FN - FP;
  } else {
    TP = rng.int(6, 60);
    FN = rng.int(1, 20);
    FP = rng.int(1, 20);
    TN = rng.int(5, 90);
  }
  if (TN < 1 || FP === FN || TP === TN) return undefined;
  const posFirst = difficulty === 1 ? true : difficulty === 2 ? rng.bool(0.5) : rng.bool(0.25);
  const classes = posFirst ? [names.pos, names.neg] : [names.neg, names.pos];
  const layout: ClassificationMetricsParams['layout'] = difficulty === 3 && rng.bool(0.4) ? 'rows-predicted' : 'rows-actual';
  // cm[actual][predicted] in `classes` order, then oriented for display.
  const ap = posFirst
    ? [
        [TP, FN],
        [FP, TN],
      ]
    : [
        [TN, FP],
        [FN, TP],
      ];
  const confusion = layout === 'rows-actual' ? ap : [0, 1].map((i) => [0, 1].map((j) => ap[j]![i]!));
  const metrics: Metric[] = ['accuracy', 'precision', 'recall', 'f1', ...(difficulty === 3 ? (['specificity'] as const) : [])];
  const format: ClassificationMetricsParams['format'] = difficulty === 1 ? 'fraction' : rng.bool(difficulty === 2 ? 0.4 : 0.6) ? 'decimal' : 'fraction';
  return { classes, positive: names.pos, confusion, layout, metrics, format };
}

function draftBinaryLists(rng: Rng, difficulty: Difficulty): ClassificationMetricsParams | undefined {
  const names = rng.pick(LIST_NAMES);
  const n = difficulty === 2 ? rng.int(10, 14) : rng.int(12, 16);
  const posRate = 0.3 + rng.next() * 0.3;
  const flip = 0.15 + rng.next() * 0.15;
  const yTrue: string[] = [];
  const yPred: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = rng.bool(posRate) ? names.pos : names.neg;
    yTrue.push(t);
    yPred.push(rng.bool(flip) ? (t === names.pos ? names.neg : names.pos) : t);
  }
  const count = (t: string, y: string) => yTrue.filter((x, i) => x === t && yPred[i] === y).length;
  const TP = count(names.pos, names.pos);
  const FN = count(names.pos, names.neg);
  const FP = count(names.neg, names.pos);
  const TN = count(names.neg, names.neg);
  if (Math.min(TP, FN, FP, TN) < 1 || FP === FN || TP === TN) return undefined;
  // With lists the class order is only metadata: the statement names the positive class.
  const classes = rng.bool(0.5) ? [names.pos, names.neg] : [names.neg, names.pos];
  const metrics: Metric[] = ['accuracy', 'precision', 'recall', 'f1', ...(difficulty === 3 ? (['specificity'] as const) : [])];
  const format: ClassificationMetricsParams['format'] = difficulty === 3 && rng.bool(0.5) ? 'decimal' : 'fraction';
  return { classes, positive: names.pos, yTrue, yPred, layout: 'rows-actual', metrics, format };
}

function draftMacro(rng: Rng): ClassificationMetricsParams | undefined {
  const classes = rng.pick(TRIPLES);
  const cm = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? rng.int(5, 25) : rng.bool(0.8) ? rng.int(1, 7) : 0)));
  const layout: ClassificationMetricsParams['layout'] = rng.bool(0.25) ? 'rows-predicted' : 'rows-actual';
  const confusion = layout === 'rows-actual' ? cm : [0, 1, 2].map((i) => [0, 1, 2].map((j) => cm[j]![i]!));
  const p: ClassificationMetricsParams = { classes, confusion, layout, metrics: ['accuracy', 'precision', 'recall', 'f1'], format: 'decimal' };
  // Every macro mistake must change the answer: P ≠ R, macro ≠ micro, mean of F1s ≠ F1 of means, macro ≠ weighted.
  const right = solveWith(p);
  if (!right) return undefined;
  for (const f of ['swap-precision-recall', 'micro-for-macro', 'f1-of-macro-averages', 'weighted-average'] as const) {
    const wrong = solveWith(p, f);
    if (!wrong) return undefined;
    const changed = wrong.parts.some((w) => {
      const r = right.parts.find((x) => x.id === w.id)!;
      return w.answer.kind === 'scalar' && r.answer.kind === 'scalar' && Math.abs(w.answer.value.coef.valueOf() - r.answer.value.coef.valueOf()) > 0.001;
    });
    if (!changed) return undefined;
  }
  return p;
}

type Kind = 'matrix' | 'lists' | 'macro';

/** The kind of question is drawn once, so that kinds rejected more often are not under-represented. */
function pickKind(rng: Rng, difficulty: Difficulty): Kind {
  if (difficulty === 1) return 'matrix';
  if (difficulty === 2) return rng.bool(0.5) ? 'matrix' : 'lists';
  return rng.weighted<Kind>([
    ['matrix', 1],
    ['lists', 1],
    ['macro', 1.5],
  ]);
}

function draft(rng: Rng, difficulty: Difficulty, kind: Kind): ClassificationMetricsParams | undefined {
  return kind === 'matrix' ? draftBinaryMatrix(rng, difficulty) : kind === 'lists' ? draftBinaryLists(rng, difficulty) : draftMacro(rng);
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ClassificationMetricsParams {
  const kind = pickKind(rng.fork('kind'), o.difficulty);
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = draft(rng.fork(attempt), o.difficulty, kind);
    if (!candidate) continue;
    const parsed = paramsSchema.safeParse(candidate);
    if (parsed.success && distinctEnough(parsed.data)) return parsed.data;
  }
  throw new GenerationError(`classification-metrics: no valid ${kind} instance in 200 attempts`);
}

// ---------- statement ----------

const METRIC_NAMES: Record<Metric, string> = {
  accuracy: 'the accuracy',
  precision: 'the precision',
  recall: 'the recall',
  f1: 'the F1 score',
  specificity: 'the specificity',
};

function statement(p: ClassificationMetricsParams): Statement {
  const { who, items } = describe(p);
  const binary = isBinary(p);
  const asks: string[] = [];
  if (p.yTrue !== undefined) asks.push(binary ? 'the numbers TP, FP, FN and TN of true/false positives and negatives' : 'the confusion matrix (rows = true class, columns = predicted class)');
  for (const m of METRICS) {
    if (!p.metrics.includes(m)) continue;
    asks.push(!binary && m !== 'accuracy' ? `the macro-averaged ${METRIC_NAMES[m].replace('the ', '')}` : METRIC_NAMES[m]);
  }
  const letters = 'abcdefg';
  const askText = asks.map((a, i) => `(${letters[i]}) ${a}`).join(', ');
  const q3 = (s: string) => `"${s}"`;
  const blocks: Block[] = [];
  let data: string;
  if (p.confusion !== undefined) {
    const n = p.confusion.flat().reduce((a, b) => a + b, 0);
    const [rowKind, colKind] = p.layout === 'rows-actual' ? ['actual', 'predicted'] : ['predicted', 'actual'];
    blocks.push({
      kind: 'table',
      header: ['', ...p.classes.map((c) => `${colKind}: ${c}`)],
      rows: p.confusion.map((row, i) => [`${rowKind}: ${p.classes[i]}`, ...row.map(String)]),
    });
    data = `${who} was evaluated on ${n} ${items}. Its confusion matrix is shown below (rows: ${rowKind} class, columns: ${colKind} class).`;
  } else {
    const n = p.yTrue!.length;
    blocks.push({
      kind: 'table',
      header: ['sample', ...Array.from({ length: n }, (_, i) => String(i + 1))],
      rows: [
        ['true y', ...p.yTrue!],
        ['predicted ŷ', ...p.yPred!],
      ],
    });
    data = `${who} was evaluated on ${n} ${items}; the true labels y and the predicted labels ŷ are listed below.`;
  }
  const pos = binary ? ` Take ${q3(p.positive!)} as the positive class.` : '';
  const format = p.format === 'decimal' ? 'Give the metrics as decimals rounded to 3 places.' : 'Give the metrics as exact fractions.';
  return {
    text: `${data}${pos} Compute ${askText}. ${format}`,
    blocks,
    convention: binary
      ? `Positive class: ${q3(p.positive!)}; the other class (${q3(p.classes.find((c) => c !== p.positive)!)}) is negative.${p.confusion !== undefined ? ` Confusion matrix: rows = ${p.layout === 'rows-actual' ? 'actual' : 'predicted'} class, columns = ${p.layout === 'rows-actual' ? 'predicted' : 'actual'} class.` : ''}`
      : `Macro average (scikit-learn average='macro'): precision, recall and F1 are computed for each class one-vs-rest and averaged with equal weight 1/3; macro-F1 is the mean of the per-class F1 scores.${p.confusion !== undefined ? ` Confusion matrix: rows = ${p.layout === 'rows-actual' ? 'actual' : 'predicted'} class, columns = ${p.layout === 'rows-actual' ? 'predicted' : 'actual'} class.` : ''}`,
  };
}

// ---------- independent check ----------

async function verify(p: ClassificationMetricsParams, s: Solution, tf: TF) {
  const k = p.classes.length;
  // One (actual, predicted) index pair per sample: the lists as given, or the matrix expanded.
  const yt: number[] = [];
  const yp: number[] = [];
  if (p.confusion !== undefined) {
    p.confusion.forEach((row, r) =>
      row.forEach((count, c) => {
        const [a, b] = p.layout === 'rows-actual' ? [r, c] : [c, r];
        for (let i = 0; i < count; i++) {
          yt.push(a);
          yp.push(b);
        }
      }),
    );
  } else {
    for (const y of p.yTrue!) yt.push(p.classes.indexOf(y));
    for (const y of p.yPred!) yp.push(p.classes.indexOf(y));
  }
  const posIndex = isBinary(p) ? p.classes.indexOf(p.positive!) : -1;
  const got = tf.tidy(() => {
    const t = tf.tensor1d(yt, 'int32');
    const pr = tf.tensor1d(yp, 'int32');
    const cls = tf.range(0, k, 1, 'int32').reshape([1, k]);
    const isT = tf.equal(t.reshape([-1, 1]), cls); // [N, K] one-vs-rest masks
    const isP = tf.equal(pr.reshape([-1, 1]), cls);
    const tp = tf.sum(tf.cast(tf.logicalAnd(isT, isP), 'float32'), 0); // [K]
    const predicted = tf.sum(tf.cast(isP, 'float32'), 0);
    const actual = tf.sum(tf.cast(isT, 'float32'), 0);
    const n = tf.scalar(yt.length, 'float32');
    const accuracy = tf.sum(tf.cast(tf.equal(t, pr), 'float32')).div(n);
    const out: Record<string, number | number[][]> = { accuracy: accuracy.dataSync()[0]! };
    if (posIndex >= 0) {
      const TP = tp.slice([posIndex], [1]).sum();
      const FP = predicted.slice([posIndex], [1]).sum().sub(TP);
      const FN = actual.slice([posIndex], [1]).sum().sub(TP);
      const TN = n.sub(TP).sub(FP).sub(FN);
      const P = TP.div(TP.add(FP));
      const R = TP.div(TP.add(FN));
      Object.assign(out, {
        precision: P.dataSync()[0]!,
        recall: R.dataSync()[0]!,
        f1: P.mul(R).mul(2).div(P.add(R)).dataSync()[0]!,
        specificity: TN.div(TN.add(FP)).dataSync()[0]!,
      });
      if (p.confusion === undefined) Object.assign(out, { tp: TP.dataSync()[0]!, fp: FP.dataSync()[0]!, fn: FN.dataSync()[0]!, tn: TN.dataSync()[0]! });
    } else {
      const P = tp.div(predicted);
      const R = tp.div(actual);
      const F1 = P.mul(R).mul(2).div(P.add(R));
      Object.assign(out, { precision: P.mean().dataSync()[0]!, recall: R.mean().dataSync()[0]!, f1: F1.mean().dataSync()[0]! });
      if (p.confusion === undefined) out['confusion'] = tf.matMul(tf.cast(isT, 'float32'), tf.cast(isP, 'float32'), true, false).arraySync() as number[][];
    }
    return out;
  });
  // Only the asked parts are compared; a part the tensors did not compute fails as "not verified".
  const computed: Record<string, number | number[][]> = {};
  for (const pt of s.parts) if (got[pt.id] !== undefined) computed[pt.id] = got[pt.id]!;
  const method = `${p.confusion !== undefined ? 'confusion matrix expanded into label tensors' : 'label tensors'}; tf.equal one-vs-rest masks, tf.logicalAnd + tf.sum for TP, tf.sum for predicted/actual counts; metrics as float tensors${isBinary(p) ? '' : ', macro = tf.mean over classes'}`;
  return compareParts(s, computed, method);
}

export const classificationMetrics: Family<ClassificationMetricsParams> = {
  id: 'classification-metrics',
  title: 'Accuracy, precision, recall, F1',
  topic: 'metrics',
  description: 'Accuracy, precision, recall, F1 and specificity from a binary confusion matrix or label lists (named positive class); macro-averaged P/R/F1 for 3 classes.',
  params: paramsSchema,
  answerKinds: ['scalar', 'matrix'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
