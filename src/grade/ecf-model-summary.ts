/**
 * Error carried forward for model-summary tables: the grader's own layer recurrence (shape and
 * parameter count of one Keras layer from the shape that enters it), so a later row can be judged
 * against the student's *own* earlier shape.
 *
 * Rules:
 *  - Row i (shape and params) may be credited as consistent with the student's row i−1 shape, but
 *    only when that shape was read without error (not blank, not unreadable), differs from the right
 *    one, has no None outside the batch position, and the layer can be applied to it (a window that
 *    fits, a flat input for Dense, …). Otherwise row i is judged against the true chain only.
 *  - The row that was wrong itself never gets ECF credit: ECF only changes what *later* rows are
 *    compared with.
 *  - total: consistent with the sum of the student's own per-layer counts (every row answered);
 *    nonTrainable: half of the student's BatchNormalization counts (γ, β trainable; mean, variance
 *    not); trainable: the student's total − non-trainable.
 *
 * The recurrence mirrors src/families/model-summary.ts (Keras semantics); a test checks it against
 * the family's solve() on many generated stacks.
 */
import { scalar, shape, type Answer } from '../core/answer.js';
import type { ModelSummaryParams, SummaryLayer } from '../families/model-summary.js';

export interface SummaryRow {
  /** Output shape without the batch dimension. */
  shape: number[];
  params: number;
  nonTrainable: number;
}

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

function spatialOut(n: number, k: number, s: number, pad: 'valid' | 'same'): number {
  return pad === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

/**
 * One Keras layer applied to an input shape (batch dimension excluded): channels-last, `dims`
 * spatial dimensions (1 = Conv1D stack, 2 = Conv2D stack). undefined = the layer cannot take it.
 */
export function summaryLayer(l: SummaryLayer, dims: number, input: readonly number[]): SummaryRow | undefined {
  if (input.length === 0 || input.some((d) => !Number.isSafeInteger(d) || d < 1)) return undefined;
  const spatialIn = input.length === dims + 1;
  const c = input[input.length - 1]!;
  const spatial = input.slice(0, -1);
  let row: SummaryRow;
  switch (l.type) {
    case 'conv': {
      if (!spatialIn) return undefined;
      const out = spatial.map((n) => spatialOut(n, l.kernel, l.stride, l.padding));
      row = { shape: [...out, l.filters], params: (l.kernel ** dims * c + 1) * l.filters, nonTrainable: 0 };
      break;
    }
    case 'maxpool':
    case 'avgpool': {
      if (!spatialIn) return undefined;
      const s = l.stride ?? l.pool;
      row = { shape: [...spatial.map((n) => spatialOut(n, l.pool, s, l.padding)), c], params: 0, nonTrainable: 0 };
      break;
    }
    case 'batchnorm':
      row = { shape: [...input], params: 4 * c, nonTrainable: 2 * c };
      break;
    case 'dropout':
      row = { shape: [...input], params: 0, nonTrainable: 0 };
      break;
    case 'flatten':
      if (!spatialIn) return undefined;
      row = { shape: [product(input)], params: 0, nonTrainable: 0 };
      break;
    case 'gap':
      if (!spatialIn) return undefined;
      row = { shape: [c], params: 0, nonTrainable: 0 };
      break;
    case 'dense':
      if (input.length !== 1) return undefined;
      row = { shape: [l.units], params: (c + 1) * l.units, nonTrainable: 0 };
      break;
    default:
      return undefined;
  }
  if (row.shape.some((d) => !Number.isSafeInteger(d) || d < 1) || !Number.isSafeInteger(row.params)) return undefined;
  return row;
}

/** The right table: every layer's output shape (no batch dimension), parameters, non-trainable count. */
export function summaryChain(p: ModelSummaryParams): SummaryRow[] {
  const dims = p.input.length;
  const rows: SummaryRow[] = [];
  let input: number[] = [...p.input, p.channels];
  for (const l of p.layers) {
    const row = summaryLayer(l, dims, input);
    if (!row) throw new Error('model-summary: the stack does not fit (params should have been rejected)');
    rows.push(row);
    input = row.shape;
  }
  return rows;
}

/** What the student wrote, already read: row number (1-based) → shape without batch / parameters. */
export interface StudentSummary {
  shapes: ReadonlyMap<number, readonly number[]>;
  params: ReadonlyMap<number, number>;
  total?: number;
  nonTrainable?: number;
}

export interface EcfExpectation {
  /** The answer that is consistent with the student's earlier answers. */
  answer: Answer;
  /** Part ids of the student's answers it is consistent with. */
  from: string[];
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** ECF answers by part id, only where they differ from the right answer. */
export function ecfExpectations(p: ModelSummaryParams, student: StudentSummary, truth: readonly SummaryRow[] = summaryChain(p)): Map<string, EcfExpectation> {
  const out = new Map<string, EcfExpectation>();
  const dims = p.input.length;
  for (let i = 2; i <= truth.length; i++) {
    const prev = student.shapes.get(i - 1);
    if (!prev || sameDims(prev, truth[i - 2]!.shape)) continue;
    const row = summaryLayer(p.layers[i - 1]!, dims, prev);
    if (!row) continue;
    const from = [`L${i - 1}.shape`];
    if (!sameDims(row.shape, truth[i - 1]!.shape)) out.set(`L${i}.shape`, { answer: shape([null, ...row.shape]), from });
    if (row.params !== truth[i - 1]!.params) out.set(`L${i}.params`, { answer: scalar(row.params), from });
  }
  const rowIds = truth.map((_, i) => i + 1);
  const differing = (ids: number[]) => ids.filter((i) => student.params.get(i) !== truth[i - 1]!.params).map((i) => `L${i}.params`);
  if (rowIds.every((i) => student.params.has(i))) {
    const sum = rowIds.reduce((a, i) => a + student.params.get(i)!, 0);
    const right = truth.reduce((a, r) => a + r.params, 0);
    if (Number.isSafeInteger(sum) && sum !== right) out.set('total', { answer: scalar(sum), from: differing(rowIds) });
  }
  const bn = rowIds.filter((i) => p.layers[i - 1]!.type === 'batchnorm');
  if (bn.length > 0 && bn.every((i) => student.params.has(i) && student.params.get(i)! % 2 === 0)) {
    const nonTrainable = bn.reduce((a, i) => a + student.params.get(i)! / 2, 0);
    const right = truth.reduce((a, r) => a + r.nonTrainable, 0);
    if (nonTrainable !== right) out.set('nonTrainable', { answer: scalar(nonTrainable), from: differing(bn) });
  }
  if (student.total !== undefined && student.nonTrainable !== undefined) {
    const trainable = student.total - student.nonTrainable;
    const right = truth.reduce((a, r) => a + r.params - r.nonTrainable, 0);
    if (Number.isSafeInteger(trainable) && trainable !== right) out.set('trainable', { answer: scalar(trainable), from: ['total', 'nonTrainable'] });
  }
  return out;
}
