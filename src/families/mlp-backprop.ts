/**
 * Backpropagation through a 2-layer network on one example: x (2–3 inputs) → 2 hidden units (ReLU or
 * identity) → 1 or 2 output units (linear, or sigmoid at a pre-activation of exactly 0 so that
 * ŷ = σ(0) = 1/2 stays rational), with L = ½Σ(ŷ − y)², L = Σ(ŷ − y)² or binary cross-entropy.
 * Parts: z1, h, ŷ, L, ∂L/∂ŷ, ∂L/∂(one named weight), ∂L/∂(all weights into one hidden unit), ∂L/∂b.
 *
 * Weight layout (CONVENTIONS.md #14): textbook z1 = W1·x + b1 with W1 of shape (out, in), W_ij from
 * input j to unit i; or the Keras Dense kernel z1 = x·W1 + b1 of shape (in, out), W_ij from input i
 * to unit j. Generated ReLU pre-activations are never 0 (the schema rejects it: ReLU′(0) is undefined).
 *
 * verify(): the forward pass in tf ops (tf.matMul in the stated layout, tf.relu, tf.sigmoid, the loss
 * written in tf ops), tf.grads w.r.t. W1, b1, W2, b2 and tf.grad w.r.t. ŷ — no arithmetic shared with
 * the exact solver.
 */
import { z } from 'zod';
import { scalar, vector, type Answer, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtQ, q, real, sum, ZERO, type Fraction } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

const HIDDEN = 2;
const entry = z.int().min(-9).max(9);

const paramsSchema = z
  .object({
    /** textbook: z = W·x + b, W of shape (out, in); keras: z = x·W + b, W of shape (in, out). */
    layout: z.enum(['textbook', 'keras']).default('textbook'),
    /** The input x (2 or 3 features). */
    x: z.array(entry).min(2).max(3),
    /** Hidden-layer weights in the stated layout: 2×n_in (textbook) or n_in×2 (keras). */
    W1: z.array(z.array(entry).min(1).max(3)).min(1).max(3),
    b1: z.array(entry).length(HIDDEN),
    hidden: z.enum(['relu', 'identity']),
    /** Output-layer weights in the stated layout: n_out×2 (textbook) or 2×n_out (keras). */
    W2: z.array(z.array(entry).min(1).max(2)).min(1).max(2),
    /** Output biases; its length is the number of outputs (1 or 2). */
    b2: z.array(entry).min(1).max(2),
    output: z.enum(['linear', 'sigmoid']).default('linear'),
    /** half-se: L = ½Σ(ŷ − y)²; se: L = Σ(ŷ − y)²; bce: L = −Σ[y ln ŷ + (1 − y) ln(1 − ŷ)] (sigmoid only). */
    loss: z.enum(['half-se', 'se', 'bce']),
    /** Targets, one per output. */
    y: z.array(entry).min(1).max(2),
    /** The weight whose gradient is asked, indexed (row, col) in the stated layout, from 1. */
    weight: z.object({ layer: z.literal([1, 2]), row: z.int().min(1).max(3), col: z.int().min(1).max(3) }),
    /** The hidden unit (1 or 2) whose incoming weight vector's gradient is asked. */
    neuron: z.int().min(1).max(HIDDEN),
    /** Which bias vector's gradient is asked. */
    bias: z.enum(['b1', 'b2']),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const nIn = p.x.length;
    const nOut = p.b2.length;
    const keras = p.layout === 'keras';
    const hasShape = (m: number[][], rows: number, cols: number) => m.length === rows && m.every((r) => r.length === cols);
    let ok = true;
    if (!hasShape(p.W1, keras ? nIn : HIDDEN, keras ? HIDDEN : nIn)) {
      issue('W1', keras ? `the Keras kernel W1 must be ${nIn}×${HIDDEN} (inputs × hidden units)` : `W1 must be ${HIDDEN}×${nIn} (hidden units × inputs)`);
      ok = false;
    }
    if (!hasShape(p.W2, keras ? HIDDEN : nOut, keras ? nOut : HIDDEN)) {
      issue('W2', keras ? `the Keras kernel W2 must be ${HIDDEN}×${nOut} (hidden units × outputs)` : `W2 must be ${nOut}×${HIDDEN} (outputs × hidden units)`);
      ok = false;
    }
    if (p.y.length !== nOut) {
      issue('y', `one target per output: expected ${nOut} (the length of b2)`);
      ok = false;
    }
    if (p.loss === 'bce' && p.output !== 'sigmoid') issue('loss', 'binary cross-entropy needs a sigmoid output');
    if (p.output === 'sigmoid' && p.y.some((t) => t !== 0 && t !== 1)) issue('y', 'with a sigmoid output the targets must be 0 or 1');
    const [rows, cols] = p.weight.layer === 1 ? (keras ? [nIn, HIDDEN] : [HIDDEN, nIn]) : keras ? [HIDDEN, nOut] : [nOut, HIDDEN];
    if (p.weight.row > rows || p.weight.col > cols) issue('weight', `W${p.weight.layer} is ${rows}×${cols}: W${p.weight.layer}_${p.weight.row}${p.weight.col} does not exist`);
    if (!ok) return;
    const net = toTextbook(p);
    const z1 = net.A1.map((row, i) => row.reduce((a, w, j) => a + w * p.x[j]!, p.b1[i]!));
    z1.forEach((v, i) => {
      if (p.hidden === 'relu' && v === 0) issue('b1', `z1_${i + 1} = 0: the ReLU derivative at 0 is undefined, so the gradient would be ambiguous`);
    });
    const h = z1.map((v) => (p.hidden === 'relu' ? Math.max(0, v) : v));
    const z2 = net.A2.map((row, k) => row.reduce((a, w, i) => a + w * h[i]!, p.b2[k]!));
    if (p.output === 'sigmoid' && z2.some((v) => v !== 0))
      issue('b2', `with a sigmoid output every pre-activation z2 must be 0 (so that ŷ = σ(0) = 1/2 is exact); here z2 = (${z2.join(', ')})`);
    if (p.output === 'linear' && z2.every((v, k) => v === p.y[k])) issue('y', 'ŷ = y: the loss and every gradient are 0');
  });

export type MlpBackpropParams = z.output<typeof paramsSchema>;

/** Both layers in textbook orientation: A1[i][j] = weight from input j to hidden unit i, A2[k][i] from hidden i to output k. */
function toTextbook(p: Pick<MlpBackpropParams, 'layout' | 'W1' | 'W2'>): { A1: number[][]; A2: number[][] } {
  const t = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
  return p.layout === 'keras' ? { A1: t(p.W1), A2: t(p.W2) } : { A1: p.W1, A2: p.W2 };
}

/** (receiving unit, source) of a weight given by its (row, col) in the stated layout; 0-based. */
function unitSource(p: MlpBackpropParams, row: number, col: number): [number, number] {
  return p.layout === 'keras' ? [col - 1, row - 1] : [row - 1, col - 1];
}

/** Name of the weight from source s to unit u (0-based) of layer l, in the stated layout: "W1_12". */
function wName(p: MlpBackpropParams, l: 1 | 2, u: number, s: number): string {
  return p.layout === 'keras' ? `W${l}_${s + 1}${u + 1}` : `W${l}_${u + 1}${s + 1}`;
}

type FlawId = 'relu-pass' | 'no-relu' | 'half-confusion' | 'sign' | 'sigmoid-derivative' | 'no-input-factor' | 'index-swap';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'relu-pass',
    label: 'passed the gradient through an inactive ReLU',
    feedback: 'ReLU′(z) = 0 for z < 0: a hidden unit with a negative pre-activation passes no gradient back, so all gradients of its incoming weights and bias are 0.',
  },
  { id: 'no-relu', label: 'forgot the ReLU', feedback: 'h = ReLU(z1) = max(0, z1): a negative pre-activation gives h = 0, not z1.' },
  {
    id: 'half-confusion',
    label: 'factor 2 / ½ confusion in the squared error',
    feedback: 'd/dŷ of ½(ŷ − y)² is (ŷ − y); d/dŷ of (ŷ − y)² is 2(ŷ − y). Use the loss exactly as stated.',
  },
  { id: 'sign', label: 'sign error: y − ŷ instead of ŷ − y', feedback: 'The derivative of the squared error with respect to the prediction is (ŷ − y), prediction minus target; (y − ŷ) flips every gradient.' },
  {
    id: 'sigmoid-derivative',
    label: 'mishandled the sigmoid derivative',
    feedback:
      'For L(ŷ) with ŷ = σ(z2): ∂L/∂z2 = ∂L/∂ŷ · σ′(z2) with σ′(z2) = ŷ(1 − ŷ). With cross-entropy these combine to ∂L/∂z2 = ŷ − y, which is ∂L/∂z2 — not ∂L/∂ŷ — and must not be multiplied by σ′ again.',
  },
  { id: 'no-input-factor', label: 'forgot to multiply by the input', feedback: '∂z_i/∂W_ij is the input the weight multiplies (x_j for the hidden layer, h_j for the output layer): ∂L/∂W_ij = δ_i · x_j.' },
  {
    id: 'index-swap',
    label: 'swapped the weight indices',
    feedback: 'Check the layout: in the stated convention the first index of W_ij is the one given in the question; the gradient is δ of the receiving unit times the input of the sending unit.',
  },
];

// ---------- exact solver ----------

const paren = (x: Fraction) => (x.s < 0n && x.n !== 0n) || x.d !== 1n ? `(${fmtQ(x)})` : fmtQ(x);
const vec = (xs: Fraction[]) => `(${xs.map(fmtQ).join(', ')})`;
const HALF = q(1, 2);

/** The solver; `flaw` switches one step to a typical mistake. Steps are only written when asked for (mutants and generation skip them). */
function solveWith(p: MlpBackpropParams, flaw?: FlawId, withSteps = flaw === undefined): Solution | undefined {
  const relu = p.hidden === 'relu';
  const sigmoid = p.output === 'sigmoid';
  const squared = p.loss !== 'bce';
  const keras = p.layout === 'keras';
  const { A1, A2 } = toTextbook(p);
  const nIn = p.x.length;
  const nOut = p.b2.length;
  // Mutants that cannot happen on this instance produce no answers.
  if ((flaw === 'relu-pass' || flaw === 'no-relu') && !relu) return undefined;
  if (flaw === 'half-confusion' && !squared) return undefined;
  if (flaw === 'sigmoid-derivative' && !sigmoid) return undefined;
  const steps: string[] = [];
  const say = withSteps ? (line: () => string) => void steps.push(line()) : () => {};
  const x = p.x.map((v) => q(v));
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  // Forward pass.
  say(() => keras ? 'Forward pass (Keras layout: z1 = x·W1 + b1, so z1_i = Σ_j W1_ji·x_j + b1_i):' : 'Forward pass (z1 = W1·x + b1, so z1_i = Σ_j W1_ij·x_j + b1_i):');
  const z1 = range(HIDDEN).map((i) => {
    const v = sum(range(nIn).map((j) => q(A1[i]![j]!).mul(x[j]!))).add(q(p.b1[i]!));
    say(() => `z1_${i + 1} = ${range(nIn).map((j) => `${wName(p, 1, i, j)}·x_${j + 1}`).join(' + ')} + b1_${i + 1} = ${range(nIn).map((j) => `${paren(q(A1[i]![j]!))}·${paren(x[j]!)}`).join(' + ')} + ${paren(q(p.b1[i]!))} = ${fmtQ(v)}`);
    return v;
  });
  const active = z1.map((v) => !relu || v.s > 0n);
  const h = z1.map((v, i) => (active[i] || flaw === 'no-relu' ? v : ZERO));
  if (relu) z1.forEach((v, i) => say(() => `h_${i + 1} = ReLU(z1_${i + 1}) = max(0, ${fmtQ(v)}) = ${fmtQ(h[i]!)}`));
  else say(() => `Identity activation: h = z1 = ${vec(h)}.`);
  const z2 = range(nOut).map((k) => {
    const v = sum(range(HIDDEN).map((i) => q(A2[k]![i]!).mul(h[i]!))).add(q(p.b2[k]!));
    const o = nOut === 1 ? '' : `_${k + 1}`;
    say(() => `z2${o} = ${range(HIDDEN).map((i) => `${wName(p, 2, k, i)}·h_${i + 1}`).join(' + ')} + b2${o} = ${range(HIDDEN).map((i) => `${paren(q(A2[k]![i]!))}·${paren(h[i]!)}`).join(' + ')} + ${paren(q(p.b2[k]!))} = ${fmtQ(v)}`);
    return v;
  });
  // A sigmoid output is only ever evaluated at 0 (schema), where σ(0) = 1/2 exactly; a mutant
  // forward pass that moves z2 away from 0 has no exact answer and is dropped.
  if (sigmoid && z2.some((v) => v.n !== 0n)) return undefined;
  const yhat = z2.map((v) => (sigmoid ? HALF : v));
  const yq = p.y.map((v) => q(v));
  const sub = (k: number) => (nOut === 1 ? '' : `_${k + 1}`);
  if (sigmoid) say(() => `ŷ = σ(z2) = σ(0) = 1/2${nOut === 1 ? '' : ' for both outputs'}.`);
  else say(() => `Linear output: ŷ = z2 = ${nOut === 1 ? fmtQ(yhat[0]!) : vec(yhat)}.`);

  // Loss and ∂L/∂ŷ.
  const half = (p.loss === 'half-se') !== (flaw === 'half-confusion');
  const diff = yhat.map((v, k) => v.sub(yq[k]!));
  const parts: Part[] = [];
  let L: Fraction | undefined;
  if (squared) {
    const loss = sum(diff.map((e) => e.mul(e))).mul(half ? HALF : q(1));
    L = loss;
    say(() => {
      const terms = diff.map((_, k) => `(${fmtQ(yhat[k]!)} − ${paren(yq[k]!)})²`).join(' + ');
      const k = nOut === 1 ? '' : '_k';
      return `L = ${half ? '½·' : ''}${nOut === 1 ? '' : 'Σ_k '}(ŷ${k} − y${k})² = ${half ? '½·' : ''}${half && nOut > 1 ? `[${terms}]` : terms} = ${fmtQ(loss)}`;
    });
  } else {
    say(() => `L = −Σ[y ln ŷ + (1 − y) ln(1 − ŷ)] = ${nOut === 1 ? 'ln 2' : `${nOut}·ln 2`} ≈ ${(nOut * Math.LN2).toFixed(3)} (every term is −ln(1/2)).`);
  }
  const signed = (e: Fraction) => (flaw === 'sign' ? e.neg() : e);
  let dLdyhat: Fraction[];
  if (squared) {
    dLdyhat = diff.map((e) => signed(e).mul(half ? q(1) : q(2)));
    diff.forEach((_, k) => {
      const [o, c] = half ? ['', ''] : ['2·(', ')'];
      say(() => `∂L/∂ŷ${sub(k)} = ${o}ŷ${sub(k)} − y${sub(k)}${c} = ${o}${fmtQ(yhat[k]!)} − ${paren(yq[k]!)}${c} = ${fmtQ(dLdyhat[k]!)}`);
    });
  } else if (flaw === 'sigmoid-derivative') {
    dLdyhat = diff.map(signed);
  } else {
    // −y/ŷ + (1 − y)/(1 − ŷ) = (ŷ − y)/(ŷ(1 − ŷ)) = 4(ŷ − y) at ŷ = 1/2.
    dLdyhat = diff.map((e) => signed(e).mul(q(4)));
    diff.forEach((e, k) => say(() => `∂L/∂ŷ${sub(k)} = −y${sub(k)}/ŷ${sub(k)} + (1 − y${sub(k)})/(1 − ŷ${sub(k)}) = −${fmtQ(yq[k]!)}/(1/2) + ${fmtQ(q(1).sub(yq[k]!))}/(1/2) = ${fmtQ(dLdyhat[k]!)}`));
  }

  // Output deltas δ2 = ∂L/∂z2.
  const SIG_PRIME = q(1, 4);
  const delta2 = dLdyhat.map((g) => {
    if (!sigmoid) return g;
    if (flaw === 'sigmoid-derivative') return squared ? g : g.mul(SIG_PRIME);
    return g.mul(SIG_PRIME);
  });
  if (sigmoid) delta2.forEach((d, k) => say(() => `δ2${sub(k)} = ∂L/∂z2${sub(k)} = ∂L/∂ŷ${sub(k)} · σ′(z2${sub(k)}) = ${paren(dLdyhat[k]!)} · ŷ(1 − ŷ) = ${paren(dLdyhat[k]!)} · 1/4 = ${fmtQ(d)}${squared ? '' : '  (= ŷ − y, the usual sigmoid + cross-entropy shortcut)'}`));
  else say(() => `Linear output: δ2 = ∂L/∂z2 = ∂L/∂ŷ = ${nOut === 1 ? fmtQ(delta2[0]!) : vec(delta2)}.`);

  // Hidden deltas δ1 = ∂L/∂z1.
  const dLdh = range(HIDDEN).map((i) => sum(range(nOut).map((k) => q(A2[k]![i]!).mul(delta2[k]!))));
  dLdh.forEach((g, i) => say(() => `∂L/∂h_${i + 1} = ${range(nOut).map((k) => `${wName(p, 2, k, i)}·δ2${sub(k)}`).join(' + ')} = ${range(nOut).map((k) => `${paren(q(A2[k]![i]!))}·${paren(delta2[k]!)}`).join(' + ')} = ${fmtQ(g)}`));
  const passes = (i: number) => active[i] || flaw === 'relu-pass' || flaw === 'no-relu';
  const delta1 = dLdh.map((g, i) => (passes(i) ? g : ZERO));
  if (relu) delta1.forEach((d, i) => say(() => `δ1_${i + 1} = ∂L/∂h_${i + 1} · ReLU′(z1_${i + 1}) = ${paren(dLdh[i]!)} · ${active[i] ? 1 : 0} = ${fmtQ(d)}   (z1_${i + 1} = ${fmtQ(z1[i]!)} ${active[i] ? '> 0' : '< 0: inactive unit'})`));
  else say(() => `Identity activation (derivative 1): δ1 = ∂L/∂h = ${vec(delta1)}.`);

  // Gradient of one weight: δ of the receiving unit times the source it multiplies.
  const deltas = (l: 1 | 2) => (l === 1 ? delta1 : delta2);
  const sources = (l: 1 | 2) => (l === 1 ? x : h);
  const srcName = (l: 1 | 2, s: number) => (l === 1 ? `x_${s + 1}` : `h_${s + 1}`);
  const grad = (l: 1 | 2, u: number, s: number) => (flaw === 'no-input-factor' ? deltas(l)[u]! : deltas(l)[u]!.mul(sources(l)[s]!));
  const { layer } = p.weight;
  let [u, s] = unitSource(p, p.weight.row, p.weight.col);
  const named = `W${layer}_${p.weight.row}${p.weight.col}`;
  if (flaw === 'index-swap' && s < deltas(layer).length && u < sources(layer).length) [u, s] = [s, u];
  const dw = grad(layer, u, s);
  const dName = layer === 1 ? `δ1_${u + 1}` : `δ2${sub(u)}`;
  say(() => `∂L/∂${named} = ${dName} · ${srcName(layer, s)} = ${paren(deltas(layer)[u]!)} · ${paren(sources(layer)[s]!)} = ${fmtQ(dw)}   (${named} connects ${layer === 1 ? `input ${s + 1}` : `hidden unit ${s + 1}`} to ${layer === 1 ? `hidden unit ${u + 1}` : `output ${u + 1}`})`);

  const k = p.neuron - 1;
  const dNeuron = range(nIn).map((j) => grad(1, k, j));
  const neuronNames = range(nIn).map((j) => wName(p, 1, k, j));
  say(() => `Weights into hidden unit ${k + 1}: ∂L/∂${neuronNames.join(', ∂L/∂')} = δ1_${k + 1} · x = ${paren(delta1[k]!)} · ${vec(x)} = ${vec(dNeuron)}`);

  const dBias = p.bias === 'b1' ? delta1 : delta2;
  say(() => p.bias === 'b1' ? `∂L/∂b1 = δ1 = ${vec(delta1)} (∂z1_i/∂b1_i = 1).` : `∂L/∂b2 = δ2 = ${nOut === 1 ? fmtQ(delta2[0]!) : vec(delta2)} (∂z2/∂b2 = 1).`);

  const outAnswer = (xs: Fraction[]): Answer => (xs.length === 1 ? scalar(xs[0]!) : vector(xs));
  parts.push({ id: 'z1', label: 'hidden pre-activations z1 = (z1_1, z1_2)', answer: vector(z1) });
  if (relu) parts.push({ id: 'h', label: 'hidden activations h = (h_1, h_2)', answer: vector(h) });
  parts.push({ id: 'yhat', label: nOut === 1 ? 'output ŷ' : 'outputs ŷ = (ŷ_1, ŷ_2)', answer: outAnswer(yhat) });
  if (L !== undefined) parts.push({ id: 'L', label: 'loss L', answer: scalar(L) });
  parts.push({ id: 'dLdyhat', label: nOut === 1 ? '∂L/∂ŷ' : '∂L/∂ŷ = (∂L/∂ŷ_1, ∂L/∂ŷ_2)', answer: outAnswer(dLdyhat) });
  parts.push({ id: 'dLdw', label: `∂L/∂${named}`, answer: scalar(dw) });
  parts.push({ id: 'dLdneuron', label: `∂L/∂(${neuronNames.join(', ')}) — the weights into hidden unit ${k + 1}`, answer: vector(dNeuron) });
  parts.push({ id: 'dLdb', label: p.bias === 'b1' ? '∂L/∂b1 = (∂L/∂b1_1, ∂L/∂b1_2)' : nOut === 1 ? '∂L/∂b2' : '∂L/∂b2 = (∂L/∂b2_1, ∂L/∂b2_2)', answer: outAnswer(dBias) });
  return { parts, steps };
}

// ---------- generation ----------

type Shape = 'basic' | 'deep' | 'two-out' | 'sigmoid';

function candidate(rng: Rng, difficulty: Difficulty): MlpBackpropParams {
  const shape: Shape = difficulty === 1 ? 'basic' : difficulty === 2 ? 'deep' : rng.weighted<Shape>([['two-out', 1], ['sigmoid', 1.2], ['deep', 0.4]]);
  const nIn = difficulty === 1 ? 2 : rng.pick([2, 3, 3]);
  const nOut = shape === 'two-out' || (shape === 'sigmoid' && rng.bool(0.4)) ? 2 : 1;
  const hidden = difficulty === 1 && rng.bool(0.3) ? 'identity' : difficulty === 3 && rng.bool(0.1) ? 'identity' : 'relu';
  const layout = difficulty === 3 && rng.bool(0.4) ? 'keras' : difficulty === 2 && rng.bool(0.15) ? 'keras' : 'textbook';
  const lim = 3;
  const nz = () => rng.nonZeroInt(-lim, lim);
  const x = Array.from({ length: nIn }, nz);
  const A1 = Array.from({ length: HIDDEN }, () => Array.from({ length: nIn }, () => rng.int(-lim, lim)));
  const b1 = Array.from({ length: HIDDEN }, () => rng.int(-2, 2));
  const A2 = Array.from({ length: nOut }, () => Array.from({ length: HIDDEN }, nz));
  const z1 = A1.map((row, i) => row.reduce((a, w, j) => a + w * x[j]!, b1[i]!));
  const h = z1.map((v) => (hidden === 'relu' ? Math.max(0, v) : v));
  const sigmoid = shape === 'sigmoid';
  const b2 = A2.map((row) => (sigmoid ? -row.reduce((a, w, i) => a + w * h[i]!, 0) : rng.int(-2, 2)));
  const yhat = A2.map((row, k) => row.reduce((a, w, i) => a + w * h[i]!, b2[k]!));
  const y = sigmoid ? yhat.map(() => rng.int(0, 1)) : yhat.map((v) => v - rng.nonZeroInt(-3, 3));
  const loss: MlpBackpropParams['loss'] = sigmoid
    ? rng.weighted([['bce', 1.2], ['half-se', 1], ['se', 0.5]])
    : difficulty === 1
      ? 'half-se'
      : rng.weighted([['half-se', 1], ['se', 1]]);
  const t = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
  const W1 = layout === 'keras' ? t(A1) : A1;
  const W2 = layout === 'keras' ? t(A2) : A2;
  // The named weight: output layer at difficulty 1 (sometimes), else a hidden weight; the asked
  // neuron vector is the other hidden unit so that the two parts do not overlap.
  const layer: 1 | 2 = difficulty === 1 ? rng.pick([1, 2] as const) : rng.bool(0.8) ? 1 : 2;
  const unit = rng.int(0, layer === 1 ? HIDDEN - 1 : nOut - 1);
  const src = rng.int(0, layer === 1 ? nIn - 1 : HIDDEN - 1);
  const [row, col] = layout === 'keras' ? [src + 1, unit + 1] : [unit + 1, src + 1];
  const neuron = layer === 1 ? (unit === 0 ? 2 : 1) : rng.int(1, HIDDEN);
  const bias = difficulty === 1 ? rng.pick(['b1', 'b2'] as const) : rng.bool(0.7) ? 'b1' : 'b2';
  return { layout, x, W1, b1, hidden, W2, b2, output: sigmoid ? 'sigmoid' : 'linear', loss, y, weight: { layer, row, col }, neuron, bias };
}

/** "Nice" (integer part): small numbers, at least one active hidden unit; an inactive unit at difficulty ≥ 2 most of the time. */
function roughlyNice(p: MlpBackpropParams, difficulty: Difficulty, rng: Rng): boolean {
  const { A1, A2 } = toTextbook(p);
  const z1 = A1.map((row, i) => row.reduce((a, w, j) => a + w * p.x[j]!, p.b1[i]!));
  if (z1.some((v) => Math.abs(v) > 12)) return false;
  const dead = z1.filter((v) => p.hidden === 'relu' && v < 0).length;
  if (dead === HIDDEN) return false;
  if (p.hidden === 'relu' && difficulty >= 2 && dead === 0 && rng.bool(0.6)) return false;
  if (p.hidden === 'relu' && difficulty === 1 && dead === 1 && rng.bool(0.5)) return false;
  if (p.b2.some((v) => Math.abs(v) > 9) || p.y.some((v) => Math.abs(v) > 9)) return false;
  return A2.flat().every((v) => v !== 0);
}

/** "Nice" (exact part): the asked gradients are informative. */
function nice(p: MlpBackpropParams, difficulty: Difficulty): boolean {
  const { A1 } = toTextbook(p);
  const z1 = A1.map((row, i) => row.reduce((a, w, j) => a + w * p.x[j]!, p.b1[i]!));
  const sol = solveWith(p, undefined, false)!;
  const val = (id: string) => sol.parts.find((x) => x.id === id)!.answer;
  // δ1 for an active unit must not vanish by cancellation (else the question degenerates).
  const d1 = p.bias === 'b1' ? val('dLdb') : undefined;
  if (d1 && d1.kind === 'vector' && d1.value.every((r) => r.coef.n === 0n)) return false;
  // An active unit whose δ1 cancels to 0 would make the neuron part trivial.
  const dn = val('dLdneuron');
  const neuronActive = z1[p.neuron - 1]! > 0 || p.hidden === 'identity';
  if (dn.kind === 'vector' && dn.value.every((r) => r.coef.n === 0n) && (neuronActive || difficulty === 1)) return false;
  const dw = val('dLdw');
  if (dw.kind === 'scalar' && dw.value.coef.n === 0n && difficulty === 1) return false;
  return true;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): MlpBackpropParams {
  for (let attempt = 0; attempt < 300; attempt++) {
    const r = rng.fork(attempt);
    const c = candidate(r, o.difficulty);
    // Cheap integer checks first; the schema and the exact solver only see plausible candidates.
    if (!roughlyNice(c, o.difficulty, r)) continue;
    const parsed = paramsSchema.safeParse(c);
    if (parsed.success && nice(parsed.data, o.difficulty)) return parsed.data;
  }
  throw new GenerationError('mlp-backprop: no valid instance in 300 attempts');
}

// ---------- statement ----------

function statement(p: MlpBackpropParams): Statement {
  const nIn = p.x.length;
  const nOut = p.b2.length;
  const keras = p.layout === 'keras';
  const relu = p.hidden === 'relu';
  const sigmoid = p.output === 'sigmoid';
  const act = relu ? 'h = ReLU(z1)' : 'h = z1 (identity activation)';
  const z1Text = keras ? 'z1 = x·W1 + b1' : 'z1 = W1·x + b1';
  const z2Text = keras ? 'z2 = h·W2 + b2' : 'z2 = W2·h + b2';
  const out = sigmoid ? `ŷ = σ(z2) with σ(t) = 1/(1 + e^(−t))` : 'ŷ = z2 (linear output)';
  const s = nOut === 1 ? '' : '_k';
  const lossText =
    p.loss === 'half-se'
      ? `L = ½${nOut === 1 ? '' : 'Σ_k '}(ŷ${s} − y${s})²`
      : p.loss === 'se'
        ? `L = ${nOut === 1 ? '' : 'Σ_k '}(ŷ${s} − y${s})² (no factor ½)`
        : `the binary cross-entropy L = −${nOut === 1 ? '' : 'Σ_k '}[y${s} ln ŷ${s} + (1 − y${s}) ln(1 − ŷ${s})]`;
  const target = nOut === 1 ? `target y = ${p.y[0]}` : 'targets y given below';
  const b2Text = nOut === 1 ? `, and the output bias is b2 = ${p.b2[0]}` : '';
  const { layer } = p.weight;
  const named = `W${layer}_${p.weight.row}${p.weight.col}`;
  const k = p.neuron - 1;
  const neuronNames = Array.from({ length: nIn }, (_, j) => wName(p, 1, k, j)).join(', ');
  const asks = [
    'the hidden pre-activations z1',
    ...(relu ? ['the hidden activations h'] : []),
    nOut === 1 ? 'the output ŷ' : 'the outputs ŷ',
    ...(p.loss === 'bce' ? [] : ['the loss L']),
    '∂L/∂ŷ',
    `∂L/∂${named}`,
    `the gradient of L with respect to the weights into hidden unit ${p.neuron} (${neuronNames})`,
    p.bias === 'b1' ? '∂L/∂b1' : '∂L/∂b2',
  ];
  const letters = 'abcdefgh';
  const text =
    `A fully connected network has ${nIn} inputs, one hidden layer of ${HIDDEN} units with ${relu ? 'ReLU' : 'identity (linear)'} activation and ${nOut === 1 ? 'one output unit' : `${nOut} output units`}: ` +
    `${z1Text}, ${act}, ${z2Text}, ${out}. ` +
    `The input x, the weights W1, W2 and the bias${nOut === 1 ? ' b1' : 'es b1, b2'} are given below${b2Text}. ` +
    `For the ${target}, the loss is ${lossText}${p.loss === 'bce' ? ' (its value is ' + (nOut === 1 ? 'ln 2' : `${nOut} ln 2`) + '; you need not compute it)' : ''}. ` +
    `Compute ${asks.map((a, i) => `(${letters[i]}) ${a}`).join(', ')}. Give exact values (fractions, not decimals).`;
  const vBlock = (name: string, a: number[]): Block => ({ kind: 'vector', name, value: a.map((v) => real(v)) });
  const mBlock = (name: string, a: number[][]): Block => ({ kind: 'matrix', name, value: a.map((r) => r.map((v) => real(v))) });
  const blocks: Block[] = [vBlock('x', p.x), mBlock('W1', p.W1), vBlock('b1', p.b1), mBlock('W2', p.W2)];
  if (nOut > 1) blocks.push(vBlock('b2', p.b2), vBlock('y', p.y));
  const layoutText = keras
    ? `Keras Dense layout: z1 = x·W1 + b1 with the kernel W1 of shape (inputs, hidden) = (${nIn}, ${HIDDEN}), so W1_ij connects input i to hidden unit j (column j = unit j); likewise W2 is (${HIDDEN}, ${nOut}).`
    : `Textbook layout: z1 = W1·x + b1 with W1 of shape (hidden, inputs) = (${HIDDEN}, ${nIn}), so W1_ij connects input j to hidden unit i (row i = unit i); likewise W2 is (${nOut}, ${HIDDEN}).`;
  return {
    text,
    blocks,
    convention: `${layoutText} Indices start at 1. One training example, no averaging over a batch. ${p.loss === 'half-se' ? 'Squared error with the factor ½.' : p.loss === 'se' ? 'Squared error without the factor ½.' : 'Cross-entropy with the natural logarithm.'}`,
  };
}

// ---------- verification (autograd, independent of the solver) ----------

async function verify(p: MlpBackpropParams, s: Solution, tf: TF) {
  type T = import('@tensorflow/tfjs').Tensor;
  type T2 = import('@tensorflow/tfjs').Tensor2D;
  const keras = p.layout === 'keras';
  const nOut = p.b2.length;
  const computed = tf.tidy(() => {
    // Vectors as columns (textbook W·x) or rows (Keras x·W), so the layout is what tf.matMul sees.
    const asVec = (v: number[]) => (keras ? tf.tensor2d(v, [1, v.length]) : tf.tensor2d(v, [v.length, 1]));
    const x = asVec(p.x);
    const W1 = tf.tensor2d(p.W1);
    const b1 = asVec(p.b1);
    const W2 = tf.tensor2d(p.W2);
    const b2 = asVec(p.b2);
    const y = asVec(p.y);
    const dense = (w: T, v: T, b: T) => tf.add(keras ? tf.matMul(v as T2, w as T2) : tf.matMul(w as T2, v as T2), b);
    const forward = (w1: T, c1: T, w2: T, c2: T) => {
      const z1 = dense(w1, x, c1);
      const h = p.hidden === 'relu' ? tf.relu(z1) : z1;
      const z2 = dense(w2, h, c2);
      const yhat = p.output === 'sigmoid' ? tf.sigmoid(z2) : z2;
      return { z1, h, yhat };
    };
    const lossOf = (yhat: T): T => {
      if (p.loss === 'bce') return tf.neg(tf.sum(tf.add(tf.mul(y, tf.log(yhat)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, yhat))))));
      const se = tf.sum(tf.square(tf.sub(yhat, y)));
      return p.loss === 'half-se' ? tf.mul(0.5, se) : se;
    };
    const { z1, h, yhat } = forward(W1, b1, W2, b2);
    const { value: loss, grads } = tf.valueAndGrads((w1: T, c1: T, w2: T, c2: T) => lossOf(forward(w1, c1, w2, c2).yhat))([W1, b1, W2, b2]);
    const [gW1, gb1, gW2, gb2] = grads;
    const gYhat = tf.grad(lossOf)(yhat);
    const flat = (t: T) => Array.from(t.dataSync());
    const outVal = (t: T) => (nOut === 1 ? flat(t)[0]! : flat(t));
    const gw = (p.weight.layer === 1 ? gW1! : gW2!).arraySync() as number[][];
    const g1 = gW1!.arraySync() as number[][];
    const k = p.neuron - 1;
    return {
      z1: flat(z1),
      ...(p.hidden === 'relu' ? { h: flat(h) } : {}),
      yhat: outVal(yhat),
      ...(p.loss === 'bce' ? {} : { L: flat(loss)[0]! }),
      dLdyhat: outVal(gYhat),
      dLdw: gw[p.weight.row - 1]![p.weight.col - 1]!,
      // Weights into hidden unit k: a row of W1 (textbook) or a column of the Keras kernel.
      dLdneuron: keras ? g1.map((r) => r[k]!) : g1[k]!,
      dLdb: p.bias === 'b1' ? flat(gb1!) : outVal(gb2!),
    };
  });
  return compareParts(s, computed, `tf ops forward pass (tf.matMul in the ${p.layout} layout, tf.${p.hidden === 'relu' ? 'relu' : 'identity'}${p.output === 'sigmoid' ? ', tf.sigmoid' : ''}, loss in tf ops); tf.grads w.r.t. W1, b1, W2, b2 and tf.grad w.r.t. ŷ`);
}

export const mlpBackprop: Family<MlpBackpropParams> = {
  id: 'mlp-backprop',
  title: 'Backpropagation through a 2-layer network',
  topic: 'backprop',
  description: 'x → 2 hidden units (ReLU/identity) → linear or sigmoid output with squared error or cross-entropy: forward pass, loss and exact gradients of named weights and biases.',
  params: paramsSchema,
  answerKinds: ['vector', 'scalar'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
