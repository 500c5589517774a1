/**
 * Backpropagation through one single-channel conv layer: O = X ⋆ F + b (cross-correlation, as
 * Keras/PyTorch compute it; `flip: true` = true convolution), 'valid', stride s, followed by a
 * stated loss — global average pooling L = mean(O), L = ΣO, L = ½Σ(O − T)², or L = Σ W⊙O.
 * Parts: O, ∂L/∂O, ∂L/∂X, ∂L/∂F and (with a bias) ∂L/∂b, all exact fractions.
 *
 * The default exam shape is a 3×3 input with a 2×2 filter (the classic hand exercise); difficulty 3
 * also uses true convolution, a 4×4 input with a 3×3 filter, or a 5×5 input with stride 2.
 *
 * verify(): TensorFlow.js autograd — tf.conv2d (kernel reversed with tf.reverse for true
 * convolution) plus the loss written in tf ops, differentiated by tf.grads w.r.t. X, F, b and by
 * tf.grad w.r.t. O. No arithmetic is shared with the exact solver.
 */
import { z } from 'zod';
import { matrix, scalar, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtQ, q, real, sum, ZERO, type Fraction } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

const LOSSES = ['gap', 'sum', 'mse', 'weighted'] as const;
type Loss = (typeof LOSSES)[number];

const entry = z.int().min(-20).max(20);
const intMatrix = z.array(z.array(entry).min(1).max(6)).min(1).max(6);

/** Side of the 'valid' output: ⌊(n − k)/s⌋ + 1 (integers only). */
const outSide = (n: number, k: number, s: number) => Math.floor((n - k) / s) + 1;

/** Integer forward pass (generation and validation only; integers are exact in JS numbers). */
function forwardInt(x: number[][], f: number[][], s: number, flip: boolean, bias: number): number[][] {
  const n = x.length;
  const k = f.length;
  const m = outSide(n, k, s);
  return Array.from({ length: m }, (_, i) =>
    Array.from({ length: m }, (_, j) => {
      let acc = bias;
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++) acc += x[s * i + a]![s * j + b]! * (flip ? f[k - 1 - a]![k - 1 - b]! : f[a]![b]!);
      return acc;
    }),
  );
}

const isSquare = (a: number[][]) => a.every((r) => r.length === a.length);
const allZero = (a: number[][]) => a.every((r) => r.every((v) => v === 0));

const paramsSchema = z
  .object({
    /** Input X, n×n (2 ≤ n ≤ 6). */
    x: intMatrix,
    /** Filter F, k×k (k ≤ n). */
    f: intMatrix,
    /** Scalar bias b; absent = the layer has no bias (and no ∂L/∂b part). */
    bias: entry.optional(),
    stride: z.int().min(1).max(3).default(1),
    /** true = true convolution (kernel rotated by 180°); false = cross-correlation (Keras/PyTorch). */
    flip: z.boolean().default(false),
    /** gap: L = mean(O); sum: L = ΣO; mse: L = ½Σ(O − T)²; weighted: L = Σ W⊙O. */
    loss: z.enum(LOSSES),
    /** Target T (loss 'mse' only), same size as O. */
    target: intMatrix.optional(),
    /** Weights W (loss 'weighted' only), same size as O. */
    weights: intMatrix.optional(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    let shapesOk = true;
    if (!isSquare(p.x) || p.x.length < 2) {
      issue('x', 'the input X must be a square matrix, at least 2×2');
      shapesOk = false;
    }
    if (!isSquare(p.f)) {
      issue('f', 'the filter F must be a square matrix');
      shapesOk = false;
    } else if (p.f.length > p.x.length) {
      issue('f', `the ${p.f.length}×${p.f.length} filter does not fit in the ${p.x.length}×${p.x.length} input`);
      shapesOk = false;
    }
    if (allZero(p.f)) issue('f', 'the filter is all zeros: every output and every ∂L/∂X would be trivial');
    if (p.loss !== 'mse' && p.target !== undefined) issue('target', "a target T is only used by loss 'mse'");
    if (p.loss !== 'weighted' && p.weights !== undefined) issue('weights', "weights W are only used by loss 'weighted'");
    if (p.loss === 'mse' && p.target === undefined) issue('target', "loss 'mse' needs a target matrix T");
    if (p.loss === 'weighted' && p.weights === undefined) issue('weights', "loss 'weighted' needs a weight matrix W");
    if (!shapesOk) return;
    const m = outSide(p.x.length, p.f.length, p.stride);
    const sized = (name: 'target' | 'weights', a: number[][] | undefined) => {
      if (a === undefined) return false;
      if (a.length !== m || !isSquare(a)) {
        issue(name, `must be ${m}×${m}, the size of the output O`);
        return false;
      }
      return true;
    };
    if (p.loss === 'mse' && sized('target', p.target)) {
      const o = forwardInt(p.x, p.f, p.stride, p.flip, p.bias ?? 0);
      if (o.every((r, i) => r.every((v, j) => v === p.target![i]![j]))) issue('target', 'T equals the output O: the loss is 0 and every gradient vanishes');
    }
    if (p.loss === 'weighted' && sized('weights', p.weights) && allZero(p.weights!)) issue('weights', 'W is all zeros: the loss is constant and every gradient vanishes');
  });

export type ConvBackpropParams = z.output<typeof paramsSchema>;

type FlawId = 'no-mean' | 'flip-forward' | 'no-bias' | 'mse-sign' | 'dx-unflipped' | 'df-convolved' | 'db-one';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'no-mean', label: 'forgot to divide by the pooled size', feedback: 'G = mean(O) averages the output positions, so ∂G/∂O_ij = 1/(number of outputs), not 1.' },
  {
    id: 'flip-forward',
    label: 'mixed up convolution and cross-correlation',
    feedback: 'Cross-correlation (Keras/PyTorch Conv2D) slides F as it is; true convolution first rotates F by 180°. Use the operation the question states.',
  },
  { id: 'no-bias', label: 'forgot the bias in the forward pass', feedback: 'Every output O_ij includes + b.' },
  { id: 'mse-sign', label: 'sign error in (O − T)', feedback: 'For L = ½Σ(O − T)², ∂L/∂O = O − T (prediction minus target), not T − O.' },
  {
    id: 'dx-unflipped',
    label: '∂L/∂X as a full correlation with the unflipped filter',
    feedback: '∂L/∂X is the full convolution of ∂L/∂O with the filter: each X entry collects δ_ij times the filter entry that multiplied it in O_ij — which rotates the filter by 180° relative to a plain sliding window.',
  },
  {
    id: 'df-convolved',
    label: 'convolved instead of correlated X with ∂L/∂O for ∂L/∂F',
    feedback: '∂L/∂F_uv = Σ_ij δ_ij·(the X entry F_uv multiplied in O_ij): slide ∂L/∂O over X without flipping it.',
  },
  { id: 'db-one', label: '∂L/∂b = 1', feedback: 'b is added to every output, so ∂L/∂b = Σ_ij ∂L/∂O_ij, not 1.' },
];

// ---------- exact solver (with mutant switches) ----------

const qm = (a: number[][]): Fraction[][] => a.map((r) => r.map((v) => q(v)));
const sub = (i: number, j: number) => `${i + 1}${j + 1}`;
/** A number inside a product or sum: negatives and fractions in parentheses. */
const paren = (x: Fraction) => (x.s < 0n && x.n !== 0n) || x.d !== 1n ? `(${fmtQ(x)})` : fmtQ(x);

interface Term {
  /** Coefficient δ_ij (name, value) times the entry it multiplies (name, value). */
  dName: string;
  d: Fraction;
  vName: string;
  v: Fraction;
}

/** "∂L/∂X_21 = (1/4)·(F_21 + F_11) = (1/4)·((-3) + 2) = -1/4", or δ_ij·F_uv products when δ is not uniform. */
function gradLine(target: string, terms: Term[], uniform: Fraction | undefined): string {
  if (terms.length === 0) return `${target} = 0 (no output window covers this entry)`;
  const total = fmtQ(sum(terms.map((t) => t.d.mul(t.v))));
  if (uniform !== undefined) {
    const c = uniform.equals(1) ? '' : `${paren(uniform)}·`;
    const names = terms.map((t) => t.vName).join(' + ');
    const vals = terms.map((t) => paren(t.v)).join(' + ');
    const wrap = (s: string) => (terms.length > 1 && c !== '' ? `(${s})` : s);
    return `${target} = ${c}${wrap(names)} = ${c}${wrap(vals)} = ${total}`;
  }
  return `${target} = ${terms.map((t) => `${t.dName}·${t.vName}`).join(' + ')} = ${terms.map((t) => `${paren(t.d)}·${paren(t.v)}`).join(' + ')} = ${total}`;
}

function solveWith(p: ConvBackpropParams, flaw?: FlawId): Solution {
  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const say = (line: string) => void steps.push(line);
  const n = p.x.length;
  const k = p.f.length;
  const s = p.stride;
  const m = outSide(n, k, s);
  const X = qm(p.x);
  const F = qm(p.f);
  const hasBias = p.bias !== undefined;
  const b = q(flaw === 'no-bias' ? 0 : (p.bias ?? 0));
  const flip = p.flip !== (flaw === 'flip-forward');
  // The filter entry that multiplies X[s·i + a][s·j + c] in O_ij: F_ac (correlation) or F_(k−1−a)(k−1−c) (convolution).
  const fIndex = (a: number, c: number, flipped: boolean): [number, number] => (flipped ? [k - 1 - a, k - 1 - c] : [a, c]);
  const range = (len: number) => Array.from({ length: len }, (_, i) => i);

  // Forward pass.
  if (text)
    say(
      flip
        ? `Forward pass (true convolution: F is rotated by 180°), O_ij = Σ_u Σ_v X[${s === 1 ? 'i' : `${s}(i−1)`}+u${s === 1 ? '−1' : ''}, ${s === 1 ? 'j' : `${s}(j−1)`}+v${s === 1 ? '−1' : ''}]·F[${k + 1}−u, ${k + 1}−v]${hasBias ? ' + b' : ''}:`
        : `Forward pass (cross-correlation: F slides over X without flipping), O_ij = Σ_u Σ_v X[${s === 1 ? 'i' : `${s}(i−1)`}+u${s === 1 ? '−1' : ''}, ${s === 1 ? 'j' : `${s}(j−1)`}+v${s === 1 ? '−1' : ''}]·F_uv${hasBias ? ' + b' : ''}:`,
    );
  const O = range(m).map((i) =>
    range(m).map((j) => {
      const names: string[] = [];
      const nums: string[] = [];
      let acc = ZERO;
      for (const a of range(k))
        for (const c of range(k)) {
          const [u, v] = fIndex(a, c, flip);
          const xv = X[s * i + a]![s * j + c]!;
          const fv = F[u]![v]!;
          acc = acc.add(xv.mul(fv));
          if (text) {
            names.push(`X_${sub(s * i + a, s * j + c)}·F_${sub(u, v)}`);
            nums.push(`${paren(xv)}·${paren(fv)}`);
          }
        }
      if (hasBias && flaw !== 'no-bias') {
        acc = acc.add(b);
        names.push('b');
        nums.push(paren(b));
      }
      if (text) say(`O_${sub(i, j)} = ${names.join(' + ')} = ${nums.join(' + ')} = ${fmtQ(acc)}`);
      return acc;
    }),
  );

  // Loss and ∂L/∂O.
  const allO = O.flat();
  const count = m * m;
  let delta: Fraction[][];
  switch (p.loss) {
    case 'gap': {
      const g = sum(allO).div(q(count));
      if (text) say(`G = (${allO.map((_, t) => `O_${sub(Math.floor(t / m), t % m)}`).join(' + ')})/${count} = (${allO.map(paren).join(' + ')})/${count} = ${fmtQ(g)}, and L = G.`);
      const d = flaw === 'no-mean' ? q(1) : q(1, count);
      if (text) say(`∂L/∂O_ij = ∂L/∂G·∂G/∂O_ij = 1·1/${count} = ${fmtQ(d)} for every i, j.`);
      delta = O.map((r) => r.map(() => d));
      break;
    }
    case 'sum':
      if (text) say(`L = Σ_ij O_ij = ${allO.map(paren).join(' + ')} = ${fmtQ(sum(allO))}; ∂L/∂O_ij = 1 for every i, j.`);
      delta = O.map((r) => r.map(() => q(1)));
      break;
    case 'mse': {
      const T = qm(p.target!);
      const diff = O.map((r, i) => r.map((o, j) => o.sub(T[i]![j]!)));
      const l = sum(diff.flat().map((e) => e.mul(e))).div(q(2));
      if (text) say(`L = ½·Σ_ij (O_ij − T_ij)² = ½·(${diff.flat().map((e) => `${paren(e)}²`).join(' + ')}) = ${fmtQ(l)}.`);
      if (text) say('∂L/∂O_ij = O_ij − T_ij:');
      delta = diff.map((r) => r.map((e) => (flaw === 'mse-sign' ? e.neg() : e)));
      if (text)
        for (const i of range(m))
          for (const j of range(m)) say(`∂L/∂O_${sub(i, j)} = ${paren(O[i]![j]!)} − ${paren(T[i]![j]!)} = ${fmtQ(delta[i]![j]!)}`);
      break;
    }
    case 'weighted': {
      const W = qm(p.weights!);
      const l = sum(O.flatMap((r, i) => r.map((o, j) => o.mul(W[i]![j]!))));
      if (text) say(`L = Σ_ij W_ij·O_ij = ${O.flatMap((r, i) => r.map((o, j) => `${paren(W[i]![j]!)}·${paren(o)}`)).join(' + ')} = ${fmtQ(l)}; ∂L/∂O_ij = W_ij.`);
      delta = W;
      break;
    }
  }
  const flatD = delta.flat();
  const uniform = flatD.every((d) => d.equals(flatD[0]!)) ? flatD[0] : undefined;
  if (text) say('Write δ_ij = ∂L/∂O_ij. Chain rule: each entry of X and F collects δ_ij times whatever it multiplied in O_ij.');

  // ∂L/∂X: X[s·i + a][s·j + c] received F_(fIndex(a, c)) in O_ij; the mutant uses the unrotated index.
  const dxFlip = flaw === 'dx-unflipped' ? !flip : flip;
  const dX = range(n).map((r) =>
    range(n).map((c) => {
      const terms: Term[] = [];
      for (const i of range(m))
        for (const j of range(m)) {
          const a = r - s * i;
          const e = c - s * j;
          if (a < 0 || a >= k || e < 0 || e >= k) continue;
          const [u, v] = fIndex(a, e, dxFlip);
          terms.push({ dName: text ? `δ_${sub(i, j)}` : '', d: delta[i]![j]!, vName: text ? `F_${sub(u, v)}` : '', v: F[u]![v]! });
        }
      if (text) say(gradLine(`∂L/∂X_${sub(r, c)}`, terms, uniform));
      return sum(terms.map((t) => t.d.mul(t.v)));
    }),
  );

  // ∂L/∂F_uv: the X entry that F_uv multiplied in O_ij; the mutant slides a 180°-rotated δ.
  const dF = range(k).map((u) =>
    range(k).map((v) => {
      const [a, e] = fIndex(u, v, flip);
      const terms: Term[] = [];
      for (const i of range(m))
        for (const j of range(m)) {
          const [di, dj] = flaw === 'df-convolved' ? [m - 1 - i, m - 1 - j] : [i, j];
          terms.push({ dName: text ? `δ_${sub(di, dj)}` : '', d: delta[di]![dj]!, vName: text ? `X_${sub(s * i + a, s * j + e)}` : '', v: X[s * i + a]![s * j + e]! });
        }
      if (text) say(gradLine(`∂L/∂F_${sub(u, v)}`, terms, uniform));
      return sum(terms.map((t) => t.d.mul(t.v)));
    }),
  );

  const parts: Part[] = [
    { id: 'O', label: `Output O (${m}×${m})`, answer: matrix(O) },
    { id: 'dLdO', label: `∂L/∂O (${m}×${m})`, answer: matrix(delta) },
    { id: 'dLdX', label: `∂L/∂X (${n}×${n})`, answer: matrix(dX) },
    { id: 'dLdF', label: `∂L/∂F (${k}×${k})`, answer: matrix(dF) },
  ];
  if (hasBias) {
    const db = flaw === 'db-one' ? q(1) : sum(flatD);
    if (text) say(`∂L/∂b = Σ_ij δ_ij = ${flatD.map(paren).join(' + ')} = ${fmtQ(db)} (b is added to every output).`);
    parts.push({ id: 'dLdb', label: '∂L/∂b', answer: scalar(db) });
  }
  return { parts, steps };
}

// ---------- generation ----------

type Shape = 'basic' | 'flip' | 'big' | 'strided';

function randMatrix(rng: Rng, rows: number, lo: number, hi: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: rows }, () => rng.int(lo, hi)));
}

function candidate(rng: Rng, difficulty: Difficulty): ConvBackpropParams {
  const shape: Shape = difficulty === 3 ? rng.weighted<Shape>([['flip', 2], ['big', 1], ['strided', 1]]) : 'basic';
  const [n, k, stride] = shape === 'big' ? [4, 3, 1] : shape === 'strided' ? [5, 3, 2] : [3, 2, 1];
  const flip = shape === 'flip' || (difficulty === 2 && rng.bool(0.15));
  const small = k === 3;
  const x = randMatrix(rng, n, small ? -2 : -3, small ? 3 : 5);
  const f = randMatrix(rng, k, small ? -2 : -3, small ? 2 : 3);
  const loss: Loss =
    difficulty === 1 ? rng.pick(['gap', 'gap', 'sum'] as const) : rng.weighted<Loss>([['gap', 1], ['sum', 0.5], ['mse', 1.5], ['weighted', 1]]);
  const bias = rng.bool(difficulty === 1 ? 0.4 : 0.7) ? rng.nonZeroInt(-3, 3) : undefined;
  const m = outSide(n, k, stride);
  const p: ConvBackpropParams = { x, f, stride, flip, loss, ...(bias !== undefined ? { bias } : {}) };
  if (loss === 'mse') {
    // Residuals O − T small integers: T = O − E.
    const o = forwardInt(x, f, stride, flip, bias ?? 0);
    p.target = o.map((r) => r.map((v) => v - rng.int(-2, 2)));
  }
  if (loss === 'weighted') p.weights = randMatrix(rng, m, -2, 2);
  return p;
}

/** "Nice": the filter is not 180°-symmetric (the convention matters), no trivial gradients, modest numbers. */
function nice(p: ConvBackpropParams): boolean {
  const k = p.f.length;
  if (p.f.flat().filter((v) => v !== 0).length < Math.min(3, k * k - 1)) return false;
  if (p.f.every((r, a) => r.every((v, c) => v === p.f[k - 1 - a]![k - 1 - c]))) return false;
  const o = forwardInt(p.x, p.f, p.stride, p.flip, p.bias ?? 0);
  if (o.flat().some((v) => Math.abs(v) > 30)) return false;
  if (p.loss === 'mse' && p.target!.flat().some((v) => Math.abs(v) > 30)) return false;
  if (p.loss === 'mse' && p.target!.flat().filter((v, t) => v !== o[Math.floor(t / o.length)]![t % o.length]).length < 2) return false;
  if (p.loss === 'weighted' && p.weights!.flat().filter((v) => v !== 0).length < 3) return false;
  const sol = solveWith(p);
  const grad = (id: string) => sol.parts.find((x) => x.id === id)!.answer;
  const nonZero = (id: string) => {
    const a = grad(id);
    return a.kind === 'matrix' && a.value.flat().some((r) => r.coef.n !== 0n);
  };
  return nonZero('dLdX') && nonZero('dLdF');
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ConvBackpropParams {
  for (let attempt = 0; attempt < 200; attempt++) {
    const parsed = paramsSchema.safeParse(candidate(rng.fork(attempt), o.difficulty));
    if (parsed.success && nice(parsed.data)) return parsed.data;
  }
  throw new GenerationError('conv-backprop: no valid instance in 200 attempts');
}

// ---------- statement ----------

function statement(p: ConvBackpropParams): Statement {
  const n = p.x.length;
  const k = p.f.length;
  const m = outSide(n, k, p.stride);
  const hasBias = p.bias !== undefined;
  const op = p.flip ? '∗' : '⋆';
  const opText = p.flip
    ? `${op} is true convolution (the filter is rotated by 180° before it slides: O_ij = Σ_u Σ_v X[${p.stride === 1 ? 'i+u−1' : `${p.stride}(i−1)+u`}, ${p.stride === 1 ? 'j+v−1' : `${p.stride}(j−1)+v`}]·F[${k + 1}−u, ${k + 1}−v]${hasBias ? ' + b' : ''})`
    : `${op} is cross-correlation (O_ij = Σ_u Σ_v X[${p.stride === 1 ? 'i+u−1' : `${p.stride}(i−1)+u`}, ${p.stride === 1 ? 'j+v−1' : `${p.stride}(j−1)+v`}]·F_uv${hasBias ? ' + b' : ''})`;
  const lossText: Record<Loss, string> = {
    gap: `The output is followed by global average pooling, G = mean(O) = (1/${m * m})·Σ_ij O_ij, and the loss is L = G (so ∂L/∂G = 1).`,
    sum: 'The loss is the sum of the outputs, L = Σ_ij O_ij.',
    mse: 'The loss is L = ½·Σ_ij (O_ij − T_ij)² with the target T given below.',
    weighted: 'The loss is L = Σ_ij W_ij·O_ij with the weight matrix W given below.',
  };
  const asks = ['the output O', '∂L/∂O', '∂L/∂X', '∂L/∂F', ...(hasBias ? ['∂L/∂b'] : [])];
  const letters = 'abcde';
  const text =
    `A convolutional layer with a single ${k}×${k} filter F${hasBias ? ` and bias b = ${p.bias}` : ' and no bias'} (stride ${p.stride}, no padding) ` +
    `is applied to the ${n}×${n} input X below, giving the ${m}×${m} output O = X ${op} F${hasBias ? ' + b' : ''}, where ${opText}. ` +
    `${lossText[p.loss]} Compute ${asks.map((a, i) => `(${letters[i]}) ${a}`).join(', ')}. Give exact values (fractions, not decimals).`;
  const toBlock = (name: string, a: number[][]): Block => ({ kind: 'matrix', name, value: a.map((r) => r.map((v) => real(v))) });
  const blocks: Block[] = [toBlock('X', p.x), toBlock('F', p.f)];
  if (p.target) blocks.push(toBlock('T', p.target));
  if (p.weights) blocks.push(toBlock('W', p.weights));
  const geometry = `stride ${p.stride}, no padding ('valid'); indices start at 1 (X_ij = row i, column j)`;
  return {
    text,
    blocks,
    convention: p.flip
      ? `True convolution (kernel rotated by 180°, the signal-processing definition — not what Keras/PyTorch Conv2D compute), ${geometry}.`
      : `Cross-correlation as in Keras/PyTorch (no kernel flip), ${geometry}.`,
  };
}

// ---------- verification (autograd, independent of the solver) ----------

async function verify(p: ConvBackpropParams, s: Solution, tf: TF) {
  const n = p.x.length;
  const k = p.f.length;
  type T = import('@tensorflow/tfjs').Tensor;
  const computed = tf.tidy(() => {
    const x = tf.tensor4d(p.x.flat(), [1, n, n, 1]);
    const f = tf.tensor4d(p.f.flat(), [k, k, 1, 1]);
    const b = tf.scalar(p.bias ?? 0);
    const forward = (xt: T, ft: T, bt: T): T => {
      const kernel = (p.flip ? tf.reverse(ft, [0, 1]) : ft) as import('@tensorflow/tfjs').Tensor4D;
      return tf.add(tf.conv2d(xt as import('@tensorflow/tfjs').Tensor4D, kernel, p.stride, 'valid'), bt);
    };
    const lossOf = (o: T): T => {
      switch (p.loss) {
        case 'gap':
          return tf.mean(o);
        case 'sum':
          return tf.sum(o);
        case 'mse': {
          const t = tf.tensor(p.target!.flat(), o.shape);
          return tf.mul(0.5, tf.sum(tf.square(tf.sub(o, t))));
        }
        case 'weighted':
          return tf.sum(tf.mul(tf.tensor(p.weights!.flat(), o.shape), o));
      }
    };
    const [dx, df, db] = tf.grads((xt: T, ft: T, bt: T) => lossOf(forward(xt, ft, bt)))([x, f, b]);
    const o = forward(x, f, b);
    const dO = tf.grad(lossOf)(o);
    const as2d = (t: T, side: number) => t.reshape([side, side]).arraySync() as number[][];
    const side = o.shape[1]!;
    return {
      O: as2d(o, side),
      dLdO: as2d(dO, side),
      dLdX: as2d(dx!, n),
      dLdF: as2d(df!, k),
      ...(p.bias !== undefined ? { dLdb: db!.arraySync() as number } : {}),
    };
  });
  return compareParts(s, computed, `tf.conv2d${p.flip ? ' (tf.reverse kernel)' : ''} + loss in tf ops; tf.grads w.r.t. X, F, b and tf.grad w.r.t. O`);
}

export const convBackprop: Family<ConvBackpropParams> = {
  id: 'conv-backprop',
  title: 'Backpropagation through a convolution',
  topic: 'backprop',
  description: 'O = X ⋆ F + b on a small input, then a stated loss (GAP, sum, ½‖O − T‖², Σ W⊙O): compute O, ∂L/∂O, ∂L/∂X, ∂L/∂F, ∂L/∂b exactly.',
  params: paramsSchema,
  answerKinds: ['matrix', 'scalar'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
