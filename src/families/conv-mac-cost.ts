/**
 * Multiplication cost of convolutions, counted as multiply–accumulates (MACs):
 * MACs = H_out·W_out·C_out·k²·C_in (bias additions excluded, taps on zero padding included).
 *
 * Two variants:
 * - 'single': one Conv2D layer (Keras 'valid'/'same' or explicit symmetric padding, any stride):
 *   output shape and MACs.
 * - 'bottleneck': the Inception (GoogLeNet) 1×1 reduction followed by a k×k conv at the same
 *   spatial size: the "same" padding of each step, the multiplications of each step and in total,
 *   and optionally the cost of the k×k conv applied directly to the input and the saving ratio.
 *
 * verify(): real tf.layers.conv2d layers applied to symbolic inputs; output shapes come from
 * TensorFlow.js shape inference and the taps per output value (kernelH·kernelW·C_in) from the
 * shape of each layer's kernel weight. "Same" padding is found by trying zeroPadding2d + 'valid'
 * conv until the size is preserved.
 */
import { z } from 'zod';
import { fmtShape, scalar, shape, type Numeric, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtDecimal, fmtQ, q } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const channels = z.int().min(1).max(2048);

const singleSchema = z.object({
  variant: z.literal('single'),
  /** [H, W] of the input, channels-last. */
  input: z.array(z.int().min(1).max(1024)).length(2),
  channels,
  filters: channels,
  kernel: z.int().min(1).max(11),
  stride: z.int().min(1).max(4).default(1),
  /** Keras 'valid' / 'same', or an explicit symmetric zero padding p. */
  padding: z.union([z.enum(['valid', 'same']), z.int().min(0).max(10)]),
});

const bottleneckSchema = z.object({
  variant: z.literal('bottleneck'),
  /** Spatial size n of the square n×n maps (kept by both steps). */
  size: z.int().min(1).max(512),
  inChannels: channels,
  midChannels: channels,
  outChannels: channels,
  /** Kernel of the second step (odd, so that "same" padding is symmetric). */
  kernel: z.int().min(3).max(11),
  /** Also ask for the direct k×k cost and the saving ratio. */
  compare: z.boolean().default(false),
});

const paramsSchema = z.discriminatedUnion('variant', [singleSchema, bottleneckSchema]).superRefine((p, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (p.variant === 'single') {
    if (typeof p.padding === 'number' && p.padding >= p.kernel) issue('padding', `explicit padding must be smaller than the kernel size ${p.kernel}`);
    if (p.input.some((n) => outSize(p, n) < 1)) issue('input', 'the kernel does not fit: the output would be empty');
    if (!Number.isSafeInteger(outSize(p, p.input[0]!) * outSize(p, p.input[1]!) * p.filters * p.kernel * p.kernel * p.channels))
      issue('input', 'the multiplication count is too large to state exactly');
  } else {
    if (p.kernel % 2 === 0) issue('kernel', 'the size-preserving padding (k − 1)/2 needs an odd kernel');
    if (p.midChannels >= p.inChannels) issue('midChannels', 'a bottleneck reduces the depth: midChannels must be smaller than inChannels');
    else {
      const c = bottleneckCounts(p);
      if (c.direct <= c.total) issue('midChannels', 'with these depths the 1×1 bottleneck does not save multiplications');
      if (!Number.isSafeInteger(c.direct)) issue('size', 'the multiplication count is too large to state exactly');
    }
  }
});

export type ConvMacParams = z.output<typeof paramsSchema>;
type SingleParams = Extract<ConvMacParams, { variant: 'single' }>;
type BottleneckParams = Extract<ConvMacParams, { variant: 'bottleneck' }>;

// ---------- the solver (with mutant switches) ----------

type FlawId = 'no-cin' | 'per-pixel' | 'k-not-squared' | 'input-size' | 'ignore-stride' | 'bias-mults' | 'flops' | 'pad-k-minus-1' | 'ratio-inverted';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'no-cin', label: 'forgot the input channels', feedback: 'Each filter spans all C_in input channels: one output value needs k·k·C_in multiplications, not k·k.' },
  { id: 'per-pixel', label: 'counted one output position only', feedback: 'The filters are applied at every output position: multiply by H_out·W_out.' },
  { id: 'k-not-squared', label: 'used k instead of k²', feedback: 'A k×k kernel has k² taps per input channel.' },
  { id: 'input-size', label: 'used the input size instead of the output size', feedback: 'The cost counts output values: use H_out·W_out, which differs from the input size with stride or without padding.' },
  { id: 'ignore-stride', label: 'ignored the stride', feedback: 'With stride s the kernel visits only every s-th position: the output (and the cost) shrinks by about s in each direction.' },
  { id: 'bias-mults', label: 'counted the bias as multiplications', feedback: 'The bias is added once per output value; it is an addition, not a multiplication.' },
  { id: 'flops', label: 'counted multiplications and additions', feedback: 'The question asks for multiplications (MACs); counting the additions too gives FLOPs ≈ 2·MACs.' },
  { id: 'pad-k-minus-1', label: 'padding k − 1 instead of (k − 1)/2', feedback: 'A k×k kernel with stride 1 loses k − 1 positions in total; padding (k − 1)/2 on EACH side restores the size.' },
  { id: 'ratio-inverted', label: 'inverted the ratio', feedback: 'The saving factor is (direct cost) ÷ (bottleneck cost), a number greater than 1.' },
];

const floorDiv = (a: number, b: number) => Math.floor(a / b);
const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

function outSize(p: SingleParams, n: number, flaw?: FlawId): number {
  const s = flaw === 'ignore-stride' ? 1 : p.stride;
  if (p.padding === 'same') return ceilDiv(n, s);
  const pad = p.padding === 'valid' ? 0 : p.padding;
  return floorDiv(n + 2 * pad - p.kernel, s) + 1;
}

/** Multiplications of one conv, with the flaws a student might apply to the formula. */
function convMults(o: { hOut: number; wOut: number; cOut: number; k: number; cIn: number }, flaw?: FlawId): number {
  const positions = flaw === 'per-pixel' ? 1 : o.hOut * o.wOut;
  const taps = (flaw === 'k-not-squared' ? o.k : o.k * o.k) * (flaw === 'no-cin' ? 1 : o.cIn);
  const macs = positions * o.cOut * taps + (flaw === 'bias-mults' ? positions * o.cOut : 0);
  return flaw === 'flops' ? 2 * macs : macs;
}

function bottleneckCounts(p: BottleneckParams, flaw?: FlawId) {
  const n = p.size;
  const mults1 = convMults({ hOut: n, wOut: n, cOut: p.midChannels, k: 1, cIn: p.inChannels }, flaw);
  const mults2 = convMults({ hOut: n, wOut: n, cOut: p.outChannels, k: p.kernel, cIn: p.midChannels }, flaw);
  const direct = convMults({ hOut: n, wOut: n, cOut: p.outChannels, k: p.kernel, cIn: p.inChannels }, flaw);
  return { mults1, mults2, total: mults1 + mults2, direct };
}

const MAC_LABEL = 'multiplications';

function solveSingle(p: SingleParams, flaw?: FlawId): Solution {
  const [h, w] = [p.input[0]!, p.input[1]!];
  const [ho, wo] = [outSize(p, h, flaw), outSize(p, w, flaw)];
  const sizeFor = flaw === 'input-size' ? [h, w] : [ho, wo];
  const macs = convMults({ hOut: sizeFor[0]!, wOut: sizeFor[1]!, cOut: p.filters, k: p.kernel, cIn: p.channels }, flaw);
  const steps: string[] = [];
  const rule = (n: number, o: number) => {
    if (p.padding === 'same') return `⌈${n}/${p.stride}⌉ = ${o}`;
    const pad = p.padding === 'valid' ? 0 : p.padding;
    return `⌊(${n}${pad ? ` + 2·${pad}` : ''} − ${p.kernel})/${p.stride}⌋ + 1 = ${o}`;
  };
  steps.push(h === w ? `H_out = W_out = ${rule(h, ho)}.` : `H_out = ${rule(h, ho)}, W_out = ${rule(w, wo)}.`);
  steps.push(`Output shape (H, W, C): ${fmtShape([ho, wo, p.filters])} — one channel per filter.`);
  const taps = p.kernel * p.kernel * p.channels;
  steps.push(`Each output value is a dot product over k·k·C_in = ${p.kernel}·${p.kernel}·${p.channels} = ${taps} inputs (zero-padding taps included): ${taps} multiplications.`);
  steps.push(`MACs = H_out·W_out·C_out·k²·C_in = ${ho}·${wo}·${p.filters}·${taps} = ${macs} (bias additions not counted; FLOPs ≈ 2·MACs = ${2 * macs}).`);
  return {
    parts: [
      { id: 'shape', label: 'Output shape (H, W, C)', answer: shape([ho, wo, p.filters]) },
      { id: 'macs', label: `Number of ${MAC_LABEL} (MACs)`, answer: scalar(macs) },
    ],
    steps,
  };
}

function solveBottleneck(p: BottleneckParams, flaw?: FlawId): Solution {
  const n = p.size;
  const k = p.kernel;
  const c = bottleneckCounts(p, flaw);
  const pad2 = flaw === 'pad-k-minus-1' ? k - 1 : (k - 1) / 2;
  const kk = `${k}×${k}`;
  const parts: Part[] = [
    { id: 'pad1', label: 'Padding of the first (1×1) step', answer: scalar(0) },
    { id: 'pad2', label: `Padding of the last (${kk}) step`, answer: scalar(pad2) },
    { id: 'mults1', label: `Multiplications in the first (1×1) step`, answer: scalar(c.mults1) },
    { id: 'mults2', label: `Multiplications in the last (${kk}) step`, answer: scalar(c.mults2) },
    { id: 'total', label: 'Total multiplications with the bottleneck', answer: scalar(c.total) },
  ];
  const steps = [
    `With stride 1 a k×k kernel loses k − 1 positions, so p = (k − 1)/2 on each side keeps the size: 1×1 → p = 0; ${kk} → p = (${k} − 1)/2 = ${(k - 1) / 2}.`,
    `First step: every one of the ${n}·${n}·${p.midChannels} outputs needs 1·1·${p.inChannels} multiplications: ${n}·${n}·${p.midChannels}·${p.inChannels} = ${c.mults1}.`,
    `Last step: every one of the ${n}·${n}·${p.outChannels} outputs needs ${k}·${k}·${p.midChannels} = ${k * k * p.midChannels} multiplications: ${n}·${n}·${p.outChannels}·${k * k * p.midChannels} = ${c.mults2}.`,
    `Total: ${c.mults1} + ${c.mults2} = ${c.total} (bias additions not counted; FLOPs ≈ 2·MACs = ${2 * c.total}).`,
  ];
  if (p.compare) {
    const ratio = flaw === 'ratio-inverted' ? q(c.total, c.direct) : q(c.direct, c.total);
    parts.push({ id: 'direct', label: `Multiplications of a ${kk} conv applied directly to the input`, answer: scalar(c.direct) });
    parts.push({ id: 'saving', label: 'Saving factor: direct ÷ bottleneck', answer: scalar(ratio), decimals: 2, tolerance: { abs: 0.005 } });
    steps.push(`Directly: ${n}·${n}·${p.outChannels}·${k}·${k}·${p.inChannels} = ${c.direct}.`);
    steps.push(`Saving factor: ${c.direct} / ${c.total} = ${fmtQ(ratio)} ≈ ${fmtDecimal(ratio.valueOf(), 2)}.`);
  }
  return { parts, steps };
}

function solveWith(p: ConvMacParams, flaw?: FlawId): Solution {
  return p.variant === 'single' ? solveSingle(p, flaw) : solveBottleneck(p, flaw);
}

// ---------- generation ----------

function pickSingle(rng: Rng, d: Difficulty): SingleParams {
  const side = d === 1 ? rng.pick([8, 12, 16, 28, 32, 64]) : rng.int(7, 64);
  const input = [side, d === 3 && rng.bool(0.3) ? rng.int(7, 64) : side];
  const kernel = rng.pick(d === 1 ? [1, 3, 3, 5] : [1, 3, 3, 5, 5, 7]);
  const stride = d === 1 ? 1 : d === 2 ? rng.pick([1, 2]) : rng.pick([2, 2, 3]);
  const padding: SingleParams['padding'] =
    d === 1 || kernel === 1 || rng.bool(0.6) ? rng.pick(['valid', 'same'] as const) : rng.int(1, Math.floor(kernel / 2));
  return {
    variant: 'single',
    input,
    channels: rng.pick([1, 3, 8, 16, 32, 64]),
    filters: rng.pick([8, 16, 32, 64, 128]),
    kernel,
    stride,
    padding,
  };
}

function pickBottleneck(rng: Rng, d: Difficulty): BottleneckParams {
  return {
    variant: 'bottleneck',
    size: rng.pick([7, 14, 28, 32, 50, 56, 64]),
    inChannels: rng.pick([64, 128, 192, 200, 256, 480, 512]),
    midChannels: rng.pick([16, 24, 32, 48, 50, 64, 96]),
    outChannels: rng.pick([32, 48, 64, 75, 96, 128]),
    kernel: d === 3 ? rng.pick([3, 5, 5, 7]) : rng.pick([3, 5]),
    compare: d === 3,
  };
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ConvMacParams {
  const d = o.difficulty;
  for (let attempt = 0; attempt < 100; attempt++) {
    const r = rng.fork(attempt);
    const bottleneck = d === 1 ? false : r.bool(d === 2 ? 0.5 : 0.6);
    const parsed = paramsSchema.safeParse(bottleneck ? pickBottleneck(r, d) : pickSingle(r, d));
    if (!parsed.success) continue;
    const p = parsed.data;
    if (p.variant === 'bottleneck') {
      // verify() allocates the direct k×k kernel for real: keep it small enough to be fast.
      if (p.kernel * p.kernel * p.inChannels * p.outChannels > 2_000_000) continue;
    } else {
      const [h, w] = p.input as [number, number];
      if (outSize(p, h) < 2 || outSize(p, w) < 2) continue;
      // Difficulty 3 singles: the stride must not divide evenly, so the rounding matters.
      const pad = p.padding === 'valid' ? 0 : p.padding;
      if (d === 3 && p.input.every((n) => (pad === 'same' ? n : n + 2 * pad - p.kernel) % p.stride === 0)) continue;
    }
    return p;
  }
  throw new GenerationError('conv-mac-cost: no valid instance in 100 attempts');
}

// ---------- statement ----------

const MAC_CONVENTION =
  'Multiplications are counted as multiply–accumulate operations (MACs): one per kernel tap per output value, MACs = H_out·W_out·C_out·k²·C_in. ' +
  'Taps that fall on zero padding are counted; bias additions are not. (FLOPs ≈ 2·MACs.)';

function statement(p: ConvMacParams): Statement {
  if (p.variant === 'single') {
    const pad = typeof p.padding === 'number' ? `zero padding ${p.padding} on each side` : `padding='${p.padding}'`;
    return {
      text:
        `A Conv2D layer with ${p.filters} filters of size ${p.kernel}×${p.kernel}, stride ${p.stride} and ${pad} is applied to an input of shape ` +
        `${fmtShape([...p.input, p.channels])} (height, width, channels). a) What is the output shape? ` +
        `b) How many multiplications does the layer perform for one input image?`,
      convention:
        `Keras/TensorFlow convolution (cross-correlation), channels-last; ` +
        (typeof p.padding === 'number'
          ? 'output size ⌊(n + 2p − k)/stride⌋ + 1. '
          : "'valid' = no padding, output ⌊(n − k)/stride⌋ + 1; 'same' = zero padding with output ⌈n/stride⌉. ") +
        MAC_CONVENTION,
    };
  }
  const n = p.size;
  const kk = `${p.kernel}×${p.kernel}`;
  const c = p.compare
    ? ` c) How many multiplications would a single ${kk} convolution need to produce the same ${n}×${n}×${p.outChannels} output directly from the ${n}×${n}×${p.inChannels} input, and by what factor does the 1×1 bottleneck reduce the cost (direct ÷ bottleneck, 2 decimals)?`
    : '';
  return {
    text:
      `In the following GoogLeNet (Inception) step, 1×1 convolutions first process ${n}×${n} images of depth ${p.inChannels} and produce ${n}×${n} images of depth ${p.midChannels}, ` +
      `and then ${kk} convolutions output the final ${n}×${n} images of depth ${p.outChannels} (stride 1 in both steps). ` +
      `a) What padding size is used in the first step and in the last step? ` +
      `b) How many multiplications are needed in the first step, in the final step, and in total?${c}`,
    convention: `Convolutions as in CNN frameworks (cross-correlation, channels-last), stride 1, symmetric zero padding chosen so that the spatial size is kept. ${MAC_CONVENTION}`,
  };
}

// ---------- verification ----------

type Sym = import('@tensorflow/tfjs').SymbolicTensor;

/** A real conv2d on a symbolic input: output shape from tfjs, taps per output from its kernel weight. */
function measureConv(tf: TF, inShape: number[], cfg: { filters: number; kernel: number; stride: number; padding: 'valid' | 'same'; pad?: number }) {
  let x = tf.input({ shape: inShape }) as unknown as Sym;
  const padLayer = cfg.pad ? tf.layers.zeroPadding2d({ padding: cfg.pad }) : undefined;
  if (padLayer) x = padLayer.apply(x) as Sym;
  const conv = tf.layers.conv2d({ filters: cfg.filters, kernelSize: cfg.kernel, strides: cfg.stride, padding: cfg.padding, kernelInitializer: 'zeros' });
  try {
    const y = conv.apply(x) as Sym;
    const kernelShape = conv.weights.find((v) => v.shape.length === 4)!.shape as number[];
    const out = y.shape.slice(1) as number[];
    const taps = kernelShape[0]! * kernelShape[1]! * kernelShape[2]!;
    return { out, taps, outValues: out[0]! * out[1]! * out[2]!, macs: out[0]! * out[1]! * out[2]! * taps };
  } finally {
    conv.dispose();
    padLayer?.dispose();
  }
}

/** Smallest symmetric zero padding after which a 'valid' k×k conv keeps the size n (tf shape inference). */
function samePadding(tf: TF, n: number, k: number): number {
  for (let pad = 0; pad <= k; pad++) {
    const { out } = measureConv(tf, [n, n, 1], { filters: 1, kernel: k, stride: 1, padding: 'valid', pad });
    if (out[0] === n && out[1] === n) return pad;
  }
  return NaN;
}

async function verify(p: ConvMacParams, s: Solution, tf: TF) {
  const computed: Record<string, Numeric> = {};
  if (p.variant === 'single') {
    const explicit = typeof p.padding === 'number';
    const m = measureConv(tf, [...p.input, p.channels], {
      filters: p.filters,
      kernel: p.kernel,
      stride: p.stride,
      padding: p.padding === 'same' ? 'same' : 'valid',
      pad: explicit ? (p.padding as number) : 0,
    });
    computed['shape'] = m.out;
    computed['macs'] = m.macs;
    return compareParts(s, computed, `tf.layers.conv2d${explicit ? ' after zeroPadding2d' : ''} on a symbolic input: output shape × kernel taps (kernelH·kernelW·C_in)`);
  }
  const n = p.size;
  const step1 = measureConv(tf, [n, n, p.inChannels], { filters: p.midChannels, kernel: 1, stride: 1, padding: 'same' });
  const step2 = measureConv(tf, step1.out, { filters: p.outChannels, kernel: p.kernel, stride: 1, padding: 'same' });
  computed['pad1'] = samePadding(tf, n, 1);
  computed['pad2'] = samePadding(tf, n, p.kernel);
  computed['mults1'] = step1.macs;
  computed['mults2'] = step2.macs;
  computed['total'] = step1.macs + step2.macs;
  if (p.compare) {
    const direct = measureConv(tf, [n, n, p.inChannels], { filters: p.outChannels, kernel: p.kernel, stride: 1, padding: 'same' });
    computed['direct'] = direct.macs;
    computed['saving'] = direct.macs / (step1.macs + step2.macs);
  }
  return compareParts(s, computed, "chained tf.layers.conv2d ('same') on symbolic inputs: output shape × kernel taps; padding by zeroPadding2d + 'valid' conv search");
}

export const convMacCost: Family<ConvMacParams> = {
  id: 'conv-mac-cost',
  title: 'Multiplication cost of convolutions (MACs), Inception 1×1 bottleneck',
  topic: 'cnn',
  description: 'Multiply–accumulate count of a Conv2D layer (output shape × k²·C_in), and the padding and cost of an Inception 1×1 bottleneck versus a direct k×k conv.',
  params: paramsSchema,
  answerKinds: ['shape', 'scalar'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
