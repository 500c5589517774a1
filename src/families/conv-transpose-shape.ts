/**
 * Output shape of a transposed ("de-") convolution, the upsampling layer of decoders, U-Nets and GAN
 * generators (CONVENTIONS.md #3):
 *
 * - Keras Conv1DTranspose/Conv2DTranspose (output_padding unset): 'same' → n·s, 'valid' → n·s + max(k − s, 0).
 * - PyTorch nn.ConvTranspose1d/2d: (n − 1)·s − 2p + d·(k − 1) + output_padding + 1.
 *
 * verify(): Keras — the real tf.layers.conv2dTranspose's shape inference. PyTorch — by its definition
 * as the input size of the matching forward convolution: the smallest m that a real ZeroPadding2D(p) +
 * Conv2D(k, s, d) stack maps to n (searched with the layers' own shape inference), plus output_padding.
 */
import { z } from 'zod';
import { fmtShape, shape, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

const paramsSchema = z
  .object({
    framework: z.enum(['keras', 'pytorch']),
    /** Spatial input size: [L] (1-D) or [H, W] (2-D). */
    input: z.array(z.int().min(1).max(1024)).min(1).max(2),
    channels: z.int().min(1).max(4096),
    filters: z.int().min(1).max(4096),
    kernel: z.int().min(1).max(16),
    stride: z.int().min(1).max(8),
    /** Keras: 'valid' | 'same'. PyTorch: the integer padding p of the matching forward convolution. */
    padding: z.union([z.enum(['valid', 'same']), z.int().min(0).max(16)]),
    /** PyTorch output_padding (extra rows/columns on one side), < stride. */
    outputPadding: z.int().min(0).max(7).default(0),
    /** PyTorch dilation (Keras questions use 1). */
    dilation: z.int().min(1).max(4).default(1),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.framework === 'keras' && typeof p.padding === 'number') issue('padding', "Keras layers take padding 'valid' or 'same'");
    if (p.framework === 'pytorch' && typeof p.padding !== 'number') issue('padding', 'PyTorch layers take an explicit integer padding');
    if (p.framework === 'keras' && p.outputPadding !== 0) issue('outputPadding', 'output_padding is only modelled for PyTorch questions');
    if (p.framework === 'keras' && p.dilation !== 1) issue('dilation', 'Keras questions here use dilation 1');
    if (p.outputPadding >= Math.max(p.stride, p.dilation)) issue('outputPadding', `output_padding must be smaller than the stride or the dilation (PyTorch's rule): got ${p.outputPadding} with stride ${p.stride}`);
    if (typeof p.padding === 'number' && p.input.some((n) => transposedSize(p, n) < 1)) issue('padding', 'the padding is too large: the output would be empty');
  });

export type ConvTransposeParams = z.output<typeof paramsSchema>;

type FlawId = 'conv-formula' | 'no-plus-one' | 'ignore-stride' | 'one-side-padding' | 'forgot-output-padding' | 'n-times-s' | 'valid-as-same' | 'input-channels';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'conv-formula',
    label: 'used the forward convolution formula',
    feedback: 'A transposed convolution runs the convolution backwards: it upsamples. Its output size is the input size of the forward convolution, (n − 1)·s − 2p + d(k − 1) + 1, not ⌊(n + 2p − k)/s⌋ + 1.',
  },
  { id: 'no-plus-one', label: 'forgot the +1', feedback: 'The span of a kernel with k taps is k − 1 gaps plus one position: (n − 1)·s + (k − 1) + 1.' },
  { id: 'ignore-stride', label: 'ignored the stride', feedback: 'Consecutive input positions are placed s output positions apart: (n − 1)·s.' },
  { id: 'one-side-padding', label: 'removed the padding on one side only', feedback: 'The padding p of the matching convolution is cropped on both sides: − 2p.' },
  { id: 'forgot-output-padding', label: 'forgot output_padding', feedback: 'output_padding adds that many rows/columns on one side to pick among the sizes a strided convolution maps to n.' },
  { id: 'n-times-s', label: "used n·s for 'valid' padding", feedback: "n·s is Keras' 'same' rule; with 'valid' the kernel overhang adds max(k − s, 0)." },
  { id: 'valid-as-same', label: "used the 'valid' rule for 'same' padding", feedback: "With padding='same' a Keras transposed convolution gives exactly n·s." },
  { id: 'input-channels', label: 'kept the input channel count', feedback: 'Like any convolution, the layer outputs one channel per filter.' },
];

/** One spatial output size (integers only: exact), with an optional flaw. */
function transposedSize(p: ConvTransposeParams, n: number, flaw?: FlawId): number {
  const s = flaw === 'ignore-stride' ? 1 : p.stride;
  const k = p.kernel;
  if (flaw === 'conv-formula') {
    const pad = p.padding === 'same' ? -1 : p.padding === 'valid' ? 0 : p.padding;
    if (pad === -1) return Math.ceil(n / p.stride);
    return Math.floor((n + 2 * pad - p.dilation * (k - 1) - 1) / p.stride) + 1;
  }
  if (p.framework === 'keras') {
    const same = (p.padding === 'same') !== (flaw === 'valid-as-same' && p.padding === 'same');
    if (same || flaw === 'n-times-s') return n * s;
    return n * s + Math.max(k - s, 0);
  }
  const pad = p.padding as number;
  const op = flaw === 'forgot-output-padding' ? 0 : p.outputPadding;
  return (n - 1) * s - (flaw === 'one-side-padding' ? pad : 2 * pad) + p.dilation * (k - 1) + op + (flaw === 'no-plus-one' ? 0 : 1);
}

const layerName = (p: ConvTransposeParams) => (p.framework === 'keras' ? `Conv${p.input.length}DTranspose` : `nn.ConvTranspose${p.input.length}d`);

function solveWith(p: ConvTransposeParams, flaw?: FlawId): Solution {
  const spatial = p.input.map((n) => transposedSize(p, n, flaw));
  const c = flaw === 'input-channels' ? p.channels : p.filters;
  const out = p.framework === 'keras' ? [...spatial, c] : [c, ...spatial];
  const dims = p.input.length === 2 ? ['H', 'W'] : ['L'];
  const steps: string[] = [];
  const square = p.input.length === 2 && p.input[0] === p.input[1];
  (square ? p.input.slice(0, 1) : p.input).forEach((n, i) => {
    const o = spatial[i]!;
    const name = square ? 'H_out = W' : dims[i]!;
    if (p.framework === 'keras' && p.padding === 'same') steps.push(`${name}_out = n·s = ${n}·${p.stride} = ${o}   ('same').`);
    else if (p.framework === 'keras') steps.push(`${name}_out = n·s + max(k − s, 0) = ${n}·${p.stride} + max(${p.kernel} − ${p.stride}, 0) = ${o}   ('valid': the kernel overhangs the last position).`);
    else {
      const pad = p.padding as number;
      steps.push(
        `${name}_out = (n − 1)·s − 2p + d(k − 1) + output_padding + 1 = (${n} − 1)·${p.stride} − ${2 * pad} + ${p.dilation}·${p.kernel - 1} + ${p.outputPadding} + 1 = ${o}.`,
      );
    }
  });
  steps.push(`Channels: one per filter → ${c}. Output shape ${p.framework === 'keras' ? '(channels-last)' : '(channels-first)'}: ${fmtShape(out)}.`);
  return {
    parts: [{ id: 'shape', label: `Output shape ${p.framework === 'keras' ? `(${[...dims, 'C'].join(', ')})` : `(${['C', ...dims].join(', ')})`}`, answer: shape(out) }],
    steps,
  };
}

function draft(rng: Rng, d: Difficulty): ConvTransposeParams {
  const framework = d === 1 ? 'keras' : rng.pick(['keras', 'pytorch'] as const);
  const two = rng.bool(0.75);
  const side = d === 1 ? rng.pick([4, 7, 8, 14, 16, 28]) : rng.int(3, 64);
  const input = two ? [side, d === 3 && rng.bool(0.3) ? rng.int(3, 64) : side] : [rng.int(8, 200)];
  const stride = d === 1 ? 2 : rng.pick([1, 2, 2, 3]);
  const kernel = rng.pick(d === 1 ? [2, 3, 4, 5] : [2, 3, 4, 5, 7]);
  const dilation = framework === 'pytorch' && d === 3 && stride === 1 && rng.bool(0.4) ? 2 : 1;
  const padding = framework === 'keras' ? rng.pick(['valid', 'same'] as const) : rng.int(0, Math.floor((kernel * dilation) / 2));
  const outputPadding = framework === 'pytorch' && d === 3 && stride > 1 && rng.bool(0.5) ? rng.int(1, stride - 1) : 0;
  return { framework, input, channels: rng.pick([512, 256, 128, 64, 32, 16]), filters: rng.pick([3, 1, 16, 32, 64, 128]), kernel, stride, padding, outputPadding, dilation };
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ConvTransposeParams {
  for (let attempt = 0; attempt < 100; attempt++) {
    const parsed = paramsSchema.safeParse(draft(rng.fork(attempt), o.difficulty));
    if (!parsed.success) continue;
    const p = parsed.data;
    // The forward-conv mistake and the channel mistake must show.
    const ids = new Set(convTransposeShape.mistakes(p).map((m) => m.id));
    if (ids.has('conv-formula') && ids.has('input-channels')) return p;
  }
  throw new GenerationError('conv-transpose-shape: no valid instance in 100 attempts');
}

function statement(p: ConvTransposeParams): Statement {
  const inShape = p.framework === 'keras' ? [...p.input, p.channels] : [p.channels, ...p.input];
  const two = p.input.length === 2;
  const dimsText = two ? (p.framework === 'keras' ? '(height, width, channels)' : '(channels, height, width)') : p.framework === 'keras' ? '(length, channels)' : '(channels, length)';
  const k = two ? `${p.kernel}×${p.kernel}` : `${p.kernel}`;
  const pad = typeof p.padding === 'number' ? `padding=${p.padding}${p.outputPadding ? `, output_padding=${p.outputPadding}` : ''}` : `padding='${p.padding}'`;
  return {
    text: `In a decoder, a ${layerName(p)} layer with ${p.filters} filter${p.filters === 1 ? '' : 's'} of size ${k}, stride ${p.stride}, ${pad}${p.dilation > 1 ? `, dilation ${p.dilation}` : ''} is applied to an input of shape ${fmtShape(inShape)} ${dimsText}, batch dimension omitted. What is the output shape?`,
    convention:
      p.framework === 'keras'
        ? "Keras/TensorFlow semantics, channels-last, output_padding unset: 'same' gives n·s, 'valid' gives n·s + max(k − s, 0) per spatial dimension."
        : 'PyTorch semantics, channels-first: H_out = (H_in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1.',
  };
}

async function verify(p: ConvTransposeParams, s: Solution, tf: TF) {
  const two = p.input.length === 2;
  const [h, w] = two ? [p.input[0]!, p.input[1]!] : [p.input[0]!, 1];
  const kernelSize: [number, number] = two ? [p.kernel, p.kernel] : [p.kernel, 1];
  const strides: [number, number] = two ? [p.stride, p.stride] : [p.stride, 1];
  if (p.framework === 'keras') {
    const layer = tf.layers.conv2dTranspose({ filters: p.filters, kernelSize, strides, padding: p.padding as 'valid' | 'same' });
    const y = layer.computeOutputShape([null, h, w, p.channels]) as number[];
    const got = [...(two ? [y[1]!, y[2]!] : [y[1]!]), y[3]!];
    return compareParts(s, { shape: got }, 'tf.layers.conv2dTranspose computeOutputShape');
  }
  // PyTorch: the smallest m that the matching forward conv (ZeroPadding2D(p) + Conv2D(k, s, d)) maps to n, + output_padding.
  const pad = p.padding as number;
  const padLayer = tf.layers.zeroPadding2d({ padding: two ? [[pad, pad], [pad, pad]] : [[pad, pad], [0, 0]] });
  // tfjs rejects dilation > 1 together with stride > 1: then count every s-th position of the stride-1 output.
  const dilated = p.dilation > 1;
  const conv = tf.layers.conv2d({ filters: p.channels, kernelSize, strides: dilated ? 1 : strides, padding: 'valid', dilationRate: two ? p.dilation : [p.dilation, 1] });
  const forward = (m: number): number => {
    const out = (conv.computeOutputShape(padLayer.computeOutputShape([null, m, 1, p.channels]) as number[]) as number[])[1]!;
    if (!dilated) return out;
    return out >= 1 ? Math.floor((out - 1) / p.stride) + 1 : 0;
  };
  const smallest = (n: number): number => {
    for (let m = 1; m <= (n + 2) * p.stride + p.dilation * p.kernel + 2 * pad + 2; m++) if (forward(m) === n) return m;
    return -1;
  };
  const spatial = p.input.map((n) => smallest(n) + p.outputPadding);
  return compareParts(s, { shape: [p.filters, ...spatial] }, 'smallest input that a real zeroPadding2d + conv2d stack maps to n (layer shape inference), + output_padding');
}

export const convTransposeShape: Family<ConvTransposeParams> = {
  id: 'conv-transpose-shape',
  title: 'Transposed convolution output shape',
  topic: 'cnn',
  description: 'Output shape of a Keras ConvNDTranspose (valid/same) or PyTorch ConvTransposeNd (padding, output_padding, dilation) layer.',
  params: paramsSchema,
  answerKinds: ['shape'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
