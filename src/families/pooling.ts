/**
 * Max / average pooling on a small single-channel integer matrix, 'valid' padding: the forward
 * output Y and, for a given upstream gradient ∂L/∂Y, the gradient ∂L/∂X.
 *
 * Max pooling routes each window's gradient to the window's (unique) maximum; average pooling
 * spreads ∂L/∂Y / k² over the window. Overlapping windows (stride < pool) accumulate.
 *
 * verify(): tf.maxPool / tf.avgPool on a [1, H, W, 1] tensor, and tf.grad of the same op with
 * the given dy for ∂L/∂X.
 */
import type { Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import { z } from 'zod';
import { matrix, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtQ, q, real, ZERO, type Fraction } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

const intMatrix = z.array(z.array(z.int().min(-99).max(99)).min(1).max(8)).min(1).max(8);

const paramsSchema = z
  .object({
    op: z.enum(['max', 'avg']),
    /** The input feature map X (one channel), H × W integers. */
    x: intMatrix,
    /** Pool window k × k. */
    pool: z.int().min(2).max(6),
    /** The same stride in both directions. */
    stride: z.int().min(1).max(6),
    /** Upstream gradient ∂L/∂Y, shape H_out × W_out. */
    dy: intMatrix,
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    // zod runs this refinement even after non-fatal issues (sizes, ranges): skip what cannot be checked.
    const sane = p.x.length > 0 && Number.isInteger(p.pool) && p.pool >= 1 && Number.isInteger(p.stride) && p.stride >= 1;
    if (!sane || p.x[0]!.length === 0) return;
    const w = p.x[0]!.length;
    if (p.x.some((row) => row.length !== w)) return issue('x', 'every row of x must have the same length');
    const h = p.x.length;
    if (p.pool > h || p.pool > w) return issue('pool', `a ${p.pool}×${p.pool} window does not fit in the ${h}×${w} input ('valid' padding)`);
    const ho = outSize(h, p.pool, p.stride);
    const wo = outSize(w, p.pool, p.stride);
    if (p.dy.length !== ho || p.dy.some((row) => row.length !== wo))
      issue('dy', `∂L/∂Y must have the output shape ${ho}×${wo} (⌊(n − k)/s⌋ + 1 per side)`);
    if (p.op === 'max') {
      for (const win of windows(h, w, p.pool, p.stride)) {
        const vals = win.cells.map(([r, c]) => p.x[r]![c]!);
        const m = Math.max(...vals);
        const at = win.cells.filter(([r, c]) => p.x[r]![c]! === m);
        if (at.length > 1)
          issue(
            'x',
            `max pooling needs a unique maximum in every window: window Y${idx(win.i, win.j)} (rows ${win.r0 + 1}–${win.r0 + p.pool}, columns ${win.c0 + 1}–${win.c0 + p.pool}) has its maximum ${m} at ${at.map(([r, c]) => `X${idx(r, c)}`).join(', ')} (a tie)`,
          );
      }
    }
  });

export type PoolingParams = z.output<typeof paramsSchema>;

type FlawId = 'avg-forward-no-divide' | 'avg-backward-no-divide' | 'max-grad-to-all' | 'max-grad-spread' | 'overwrite-overlaps' | 'min-not-max';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'avg-forward-no-divide', label: 'summed the window instead of averaging', feedback: 'Average pooling divides the window sum by the number of cells k² (e.g. 4 for 2×2, 9 for 3×3).' },
  { id: 'avg-backward-no-divide', label: 'did not divide the gradient by the pool area', feedback: 'Each input cell contributes 1/k² to the average, so it receives ∂L/∂Y / k², not the whole ∂L/∂Y.' },
  { id: 'max-grad-to-all', label: 'sent the max-pool gradient to every cell of the window', feedback: 'Only the maximum of a window affects the output; the other cells have zero derivative and receive nothing.' },
  { id: 'max-grad-spread', label: 'spread the max-pool gradient evenly (as for average pooling)', feedback: 'Max pooling is not an average: the whole ∂L/∂Y goes to the single position of the maximum.' },
  { id: 'overwrite-overlaps', label: 'overwrote gradients of overlapping windows instead of adding them', feedback: 'A cell that belongs to several windows receives a contribution from each: the contributions add up.' },
  { id: 'min-not-max', label: 'took the minimum instead of the maximum', feedback: 'Max pooling keeps the largest value of each window (and routes the gradient to it).' },
];

const outSize = (n: number, k: number, s: number) => Math.floor((n - k) / s) + 1;

/** 1-based "[i,j]" index text. */
const idx = (r: number, c: number) => `[${r + 1},${c + 1}]`;

interface Window {
  /** Output position (0-based). */
  i: number;
  j: number;
  /** Top-left input cell (0-based). */
  r0: number;
  c0: number;
  cells: [number, number][];
}

function windows(h: number, w: number, k: number, s: number): Window[] {
  const out: Window[] = [];
  for (let i = 0; i < outSize(h, k, s); i++)
    for (let j = 0; j < outSize(w, k, s); j++) {
      const cells: [number, number][] = [];
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) cells.push([i * s + a, j * s + b]);
      out.push({ i, j, r0: i * s, c0: j * s, cells });
    }
  return out;
}

/** Integer text for sums: negative terms in parentheses. */
const term = (x: Fraction) => (x.s < 0n && x.n !== 0n ? `(${fmtQ(x)})` : fmtQ(x));

/** "a/n = simplified", without repeating a fraction that is already in lowest terms. */
function divText(a: Fraction, n: number): string {
  const v = a.div(q(n));
  const raw = `${fmtQ(a)}/${n}`;
  return fmtQ(v) === raw ? raw : `${raw} = ${fmtQ(v)}`;
}

function fmtMatrix(m: Fraction[][]): string {
  return `[${m.map((r) => `[${r.map(fmtQ).join(', ')}]`).join(', ')}]`;
}

interface Contribution {
  from: Window;
  amount: Fraction;
}

function solveWith(p: PoolingParams, flaw?: FlawId): Solution | undefined {
  const isMax = p.op === 'max';
  const maxOnly = flaw === 'max-grad-to-all' || flaw === 'max-grad-spread' || flaw === 'min-not-max';
  const avgOnly = flaw === 'avg-forward-no-divide' || flaw === 'avg-backward-no-divide';
  if ((maxOnly && !isMax) || (avgOnly && isMax)) return undefined;
  const h = p.x.length;
  const w = p.x[0]!.length;
  const k = p.pool;
  const area = q(k * k);
  const ho = outSize(h, k, p.stride);
  const wo = outSize(w, k, p.stride);
  const wins = windows(h, w, k, p.stride);
  const X = p.x.map((r) => r.map((v) => q(v)));
  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  if (text)
    steps.push(
      `Output size ('valid', rows and columns numbered from 1): ⌊(n − k)/s⌋ + 1 → ${h === w ? `⌊(${h} − ${k})/${p.stride}⌋ + 1 = ${ho}` : `H_out = ⌊(${h} − ${k})/${p.stride}⌋ + 1 = ${ho}, W_out = ⌊(${w} − ${k})/${p.stride}⌋ + 1 = ${wo}`}, so Y is ${ho}×${wo}.`,
    );
  const lastRow = (ho - 1) * p.stride + k;
  const lastCol = (wo - 1) * p.stride + k;
  if (text && (lastRow < h || lastCol < w))
    steps.push(
      `The windows cover only ${lastRow < h ? `rows 1–${lastRow}` : 'all rows'} and ${lastCol < w ? `columns 1–${lastCol}` : 'all columns'}: the remaining cells are ignored by the layer and get gradient 0.`,
    );

  // Forward pass: one output per window, and the cell(s) each window's gradient flows to.
  const Y: Fraction[][] = Array.from({ length: ho }, () => Array.from({ length: wo }, () => ZERO));
  const contributions: Contribution[][][] = Array.from({ length: h }, () => Array.from({ length: w }, () => []));
  const useMin = flaw === 'min-not-max';
  for (const win of wins) {
    const vals = win.cells.map(([r, c]) => X[r]![c]!);
    const g = q(p.dy[win.i]![win.j]!);
    const where = text ? `rows ${win.r0 + 1}–${win.r0 + k}, columns ${win.c0 + 1}–${win.c0 + k}` : '';
    if (isMax) {
      let best = 0;
      vals.forEach((v, n) => {
        if (useMin ? v.compare(vals[best]!) < 0 : v.compare(vals[best]!) > 0) best = n;
      });
      const [br, bc] = win.cells[best]!;
      Y[win.i]![win.j] = vals[best]!;
      if (text) steps.push(`Y${idx(win.i, win.j)}: window ${where} = {${vals.map(fmtQ).join(', ')}}; ${useMin ? 'min' : 'max'} = ${fmtQ(vals[best]!)} at X${idx(br, bc)}.`);
      if (flaw === 'max-grad-to-all') for (const [r, c] of win.cells) contributions[r]![c]!.push({ from: win, amount: g });
      else if (flaw === 'max-grad-spread') for (const [r, c] of win.cells) contributions[r]![c]!.push({ from: win, amount: g.div(area) });
      else contributions[br]![bc]!.push({ from: win, amount: g });
    } else {
      const s = vals.reduce((a, b) => a.add(b), ZERO);
      const y = flaw === 'avg-forward-no-divide' ? s : s.div(area);
      Y[win.i]![win.j] = y;
      if (text) steps.push(`Y${idx(win.i, win.j)}: window ${where}: (${vals.map(term).join(' + ')})/${k * k} = ${divText(s, k * k)}.`);
      const share = flaw === 'avg-backward-no-divide' ? g : g.div(area);
      for (const [r, c] of win.cells) contributions[r]![c]!.push({ from: win, amount: share });
    }
  }
  if (text) steps.push(`Y = ${fmtMatrix(Y)}.`);

  // Backward pass: route, then accumulate where windows overlap.
  if (text) {
    if (isMax) {
      steps.push('Backward: each ∂L/∂Y[i,j] goes entirely to the position of that window\'s maximum; every other cell gets 0 from that window.');
      for (const win of wins) {
        const [br, bc] = win.cells.find(([r, c]) => contributions[r]![c]!.some((x) => x.from === win)) ?? [0, 0];
        steps.push(`∂L/∂Y${idx(win.i, win.j)} = ${p.dy[win.i]![win.j]} → X${idx(br, bc)}.`);
      }
    } else {
      steps.push(`Backward: Y[i,j] = (1/${k * k})·Σ window, so every cell of window (i,j) receives ∂L/∂Y[i,j]/${k * k}.`);
    }
  }
  const sumDy = (cs: Contribution[]) => cs.reduce((a, x) => a.add(q(p.dy[x.from.i]![x.from.j]!)), ZERO);
  const dX: Fraction[][] = contributions.map((row) =>
    row.map((cs) => (cs.length === 0 ? ZERO : flaw === 'overwrite-overlaps' ? cs[cs.length - 1]!.amount : cs.reduce((a, c) => a.add(c.amount), ZERO))),
  );
  if (text) {
    for (let r = 0; r < h; r++) {
      const lines: string[] = [];
      for (let c = 0; c < w; c++) {
        const cs = contributions[r]![c]!;
        if (cs.length < (isMax ? 2 : 1)) continue;
        const from = cs.map((x) => `Y${idx(x.from.i, x.from.j)}`).join(', ');
        if (isMax) lines.push(`X${idx(r, c)} is the maximum of windows ${from}: ${cs.map((x) => term(x.amount)).join(' + ')} = ${fmtQ(dX[r]![c]!)}`);
        else if (cs.length === 1) lines.push(`X${idx(r, c)} = ${divText(q(p.dy[cs[0]!.from.i]![cs[0]!.from.j]!), k * k)}`);
        else lines.push(`X${idx(r, c)} = (${cs.map((x) => term(q(p.dy[x.from.i]![x.from.j]!))).join(' + ')})/${k * k} = ${divText(sumDy(cs), k * k)}`);
      }
      if (lines.length > 0) steps.push(isMax ? `Accumulate (overlapping windows): ${lines.join('; ')}.` : `Row ${r + 1}: ${lines.join('; ')}.`);
    }
    steps.push(`∂L/∂X = ${fmtMatrix(dX)}.`);
  }
  return {
    parts: [
      { id: 'Y', label: `Y (pooled output, ${ho}×${wo})`, answer: matrix(Y) },
      { id: 'dLdX', label: `∂L/∂X (${h}×${w})`, answer: matrix(dX) },
    ],
    steps,
  };
}

// ---------- generation ----------

/** [input side, pool, stride] per difficulty: 1 = the textbook 2×2/2; 2, 3 = overlapping windows (3 adds 6×6 and edge cells left out). */
const SHAPES: Record<Difficulty, [number, number, number][]> = {
  1: [[4, 2, 2]],
  2: [[4, 2, 1], [4, 3, 1], [5, 3, 1], [5, 3, 2]],
  3: [[5, 2, 1], [5, 3, 1], [5, 3, 2], [6, 3, 2]],
};

/** Some cell is the maximum of ≥ 2 windows: the question then tests accumulation. */
function hasSharedArgmax(p: PoolingParams): boolean {
  const count = new Map<string, number>();
  for (const win of windows(p.x.length, p.x[0]!.length, p.pool, p.stride)) {
    let best = win.cells[0]!;
    for (const cell of win.cells) if (p.x[cell[0]]![cell[1]]! > p.x[best[0]]![best[1]]!) best = cell;
    const key = `${best[0]},${best[1]}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return [...count.values()].some((n) => n > 1);
}

function constantOutput(p: PoolingParams): boolean {
  const ys = windows(p.x.length, p.x[0]!.length, p.pool, p.stride).map((win) => {
    const vals = win.cells.map(([r, c]) => p.x[r]![c]!);
    return p.op === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0);
  });
  return ys.every((y) => y === ys[0]);
}

function candidate(rng: Rng, difficulty: Difficulty, op: PoolingParams['op']): PoolingParams {
  const [n, pool, stride] = rng.pick(SHAPES[difficulty]);
  const [lo, hi] = difficulty === 1 ? [0, 9] : difficulty === 2 ? [-3, 12] : [-9, 12];
  const x = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.int(lo, hi)));
  const o = outSize(n, pool, stride);
  const dy = Array.from({ length: o }, () => Array.from({ length: o }, () => (difficulty === 1 ? rng.int(1, 5) : rng.nonZeroInt(difficulty === 2 ? -3 : -5, 5))));
  return { op, x, pool, stride, dy };
}

function generate(rng: Rng, o: { difficulty: Difficulty }): PoolingParams {
  // The op is drawn once, outside the retry loop: max instances are rejected more often (ties),
  // and redrawing the op on every attempt would bias the mix towards average pooling.
  const op = rng.fork('op').bool(0.5) ? 'max' : 'avg';
  for (let attempt = 0; attempt < 300; attempt++) {
    const parsed = paramsSchema.safeParse(candidate(rng.fork(attempt), o.difficulty, op));
    if (!parsed.success) continue; // a tied maximum: draw again
    const p = parsed.data;
    if (o.difficulty === 3 && p.op === 'max' && !hasSharedArgmax(p)) continue;
    if (constantOutput(p)) continue; // every window giving the same Y looks like a misprint

    return p;
  }
  throw new GenerationError('pooling: no valid instance in 300 attempts');
}

// ---------- statement ----------

function statement(p: PoolingParams): Statement {
  const h = p.x.length;
  const w = p.x[0]!.length;
  const k = p.pool;
  const ho = outSize(h, k, p.stride);
  const wo = outSize(w, k, p.stride);
  const name = p.op === 'max' ? 'a max-pooling' : 'an average-pooling';
  return {
    text:
      `The ${h}×${w} single-channel feature map X below is passed through ${name} layer with a ${k}×${k} window, stride ${p.stride} and 'valid' padding (no padding). ` +
      `(a) Compute the output Y. ` +
      `(b) During backpropagation the upstream gradient ∂L/∂Y (${ho}×${wo}, below) arrives at the output of the layer. Compute the gradient ∂L/∂X with respect to the input.` +
      (p.op === 'max' ? ' (Every window has a unique maximum.)' : ' Give exact fractions.'),
    blocks: [
      { kind: 'matrix', name: 'X', value: p.x.map((r) => r.map((v) => real(v))) },
      { kind: 'matrix', name: '∂L/∂Y', value: p.dy.map((r) => r.map((v) => real(v))) },
    ],
    convention:
      `Windows start at the top-left corner and move ${p.stride} cell${p.stride > 1 ? 's' : ''} at a time; 'valid' = no padding, a window must fit entirely inside X (output size ⌊(n − k)/s⌋ + 1; TensorFlow/Keras and PyTorch default). ` +
      (p.op === 'max'
        ? 'Max pooling passes each output gradient to the position of the window maximum only.'
        : `Average pooling divides by the full window area ${k}×${k} = ${k * k}; the gradient is shared equally by the window's cells.`) +
      ' Where windows overlap, gradient contributions add up.',
  };
}

// ---------- verification ----------

async function verify(p: PoolingParams, s: Solution, tf: TF) {
  const h = p.x.length;
  const w = p.x[0]!.length;
  const got = tf.tidy(() => {
    const x = tf.tensor4d(p.x.flat(), [1, h, w, 1], 'float32');
    const dy = tf.tensor4d(p.dy.flat(), [1, p.dy.length, p.dy[0]!.length, 1], 'float32');
    const f = (t: Tensor): Tensor =>
      p.op === 'max' ? tf.maxPool(t as Tensor4D, p.pool, p.stride, 'valid') : tf.avgPool(t as Tensor4D, p.pool, p.stride, 'valid');
    const y = f(x);
    const dx = tf.grad(f)(x, dy);
    return {
      Y: (y.squeeze([0, 3]) as Tensor2D).arraySync(),
      dLdX: (dx.squeeze([0, 3]) as Tensor2D).arraySync(),
    };
  });
  return compareParts(s, got, `tf.${p.op === 'max' ? 'maxPool' : 'avgPool'} on a [1,${h},${w},1] tensor; ∂L/∂X by tf.grad with the given dy`);
}

export const pooling: Family<PoolingParams> = {
  id: 'pooling',
  title: 'Max / average pooling: forward and backward',
  topic: 'cnn',
  description: "Max or average pooling ('valid', k×k window, stride s, possibly overlapping) of a small integer matrix: output Y and ∂L/∂X for a given ∂L/∂Y.",
  params: paramsSchema,
  answerKinds: ['matrix'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
