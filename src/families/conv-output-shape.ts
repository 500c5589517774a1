/**
 * Output shape of a 1-D/2-D convolution or pooling layer: kernel, stride, padding (Keras 'valid' /
 * 'same', PyTorch explicit), dilation, PyTorch ceil_mode pooling, channels-last (Keras) or
 * channels-first (PyTorch) shapes.
 *
 * verify(): builds the real tf.layers layer on a symbolic input and reads its output shape
 * (explicit padding = a real ZeroPadding2D layer in front; 1-D = the same stack on a (L, 1, C) input).
 */
import { z } from 'zod';
import { shape, fmtShape, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

const paramsSchema = z
  .object({
    framework: z.enum(['keras', 'pytorch']),
    op: z.enum(['conv', 'maxpool', 'avgpool']),
    /** Spatial input size: [L] (1-D) or [H, W] (2-D). */
    input: z.array(z.int().min(1).max(4096)).min(1).max(2),
    channels: z.int().min(1).max(4096),
    /** Number of filters (conv only). */
    filters: z.int().min(1).max(4096).optional(),
    kernel: z.int().min(1).max(64),
    stride: z.int().min(1).max(16),
    /** Keras: 'valid' | 'same'. PyTorch: explicit symmetric zero padding p. */
    padding: z.union([z.enum(['valid', 'same']), z.int().min(0).max(64)]),
    dilation: z.int().min(1).max(16).default(1),
    /** PyTorch pooling ceil_mode. */
    ceilMode: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.op === 'conv' && p.filters === undefined) issue('filters', 'a conv layer needs "filters"');
    if (p.op !== 'conv' && p.filters !== undefined) issue('filters', 'pooling layers have no filters (output channels = input channels)');
    if (p.op !== 'conv' && p.dilation !== 1) issue('dilation', 'dilation is only supported for conv layers here');
    if (p.framework === 'keras' && typeof p.padding === 'number')
      issue('padding', "Keras layers take padding 'valid' or 'same' (explicit padding is a PyTorch parameter)");
    if (p.framework === 'pytorch' && typeof p.padding !== 'number') issue('padding', 'PyTorch layers take an explicit integer padding');
    if (p.framework === 'keras' && p.dilation > 1 && p.stride > 1) issue('dilation', 'Keras does not allow dilation > 1 together with stride > 1');
    if (p.ceilMode && (p.framework !== 'pytorch' || p.op === 'conv')) issue('ceilMode', 'ceil_mode exists only for PyTorch pooling layers');
    if (p.framework === 'pytorch' && p.op !== 'conv' && typeof p.padding === 'number' && 2 * p.padding > p.kernel)
      issue('padding', 'PyTorch pooling requires padding ≤ kernel/2');
    if (outputSize(p, p.input[0]!) < 1 || outputSize(p, p.input[p.input.length - 1]!) < 1)
      issue('input', 'the kernel does not fit: the output would be empty');
  });

export type ConvShapeParams = z.output<typeof paramsSchema>;

type FlawId = 'no-plus-one' | 'valid-for-same' | 'same-keeps-size' | 'ignore-stride' | 'ignore-dilation' | 'one-side-padding' | 'round-wrong-way' | 'wrong-channels';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'no-plus-one', label: 'forgot the +1', feedback: 'The number of window positions is ⌊(span)/stride⌋ + 1: the first position counts too.' },
  { id: 'valid-for-same', label: "used 'valid' instead of 'same' padding", feedback: "With padding='same' TensorFlow pads so that the output is ⌈n/stride⌉; no size is lost to the kernel." },
  { id: 'same-keeps-size', label: "treated 'valid' as 'same'", feedback: "'valid' means no padding: the kernel must fit entirely inside the input, so the size shrinks." },
  { id: 'ignore-stride', label: 'ignored the stride', feedback: 'A stride s moves the window s positions at a time: divide the span by s before adding 1.' },
  { id: 'ignore-dilation', label: 'ignored the dilation', feedback: 'A dilated kernel spans d(k−1)+1 input positions, not k.' },
  { id: 'one-side-padding', label: 'padded one side only', feedback: 'Padding p is added on both sides: the padded length is n + 2p.' },
  { id: 'round-wrong-way', label: 'rounded the wrong way', feedback: 'Floor for the usual (and Keras) rule; ceil only with ceil_mode=True or TF "same".' },
  { id: 'wrong-channels', label: 'wrong number of channels', feedback: 'A conv layer outputs one channel per filter; pooling keeps the input channel count.' },
];

const floorDiv = (a: number, b: number) => Math.floor(a / b);
const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** One spatial output size, with an optional flaw (the mutant solver). Integers only: exact. */
function outputSize(p: ConvShapeParams, n: number, flaw?: FlawId): number {
  const k = flaw === 'ignore-dilation' ? p.kernel : p.dilation * (p.kernel - 1) + 1;
  const s = flaw === 'ignore-stride' ? 1 : p.stride;
  const plus = flaw === 'no-plus-one' ? 0 : 1;
  if (p.framework === 'keras') {
    const same = (p.padding === 'same') !== (flaw === 'valid-for-same' && p.padding === 'same');
    if (same || (flaw === 'same-keeps-size' && p.padding === 'valid')) return flaw === 'round-wrong-way' ? floorDiv(n, s) : ceilDiv(n, s);
    return (flaw === 'round-wrong-way' ? ceilDiv(n - k, s) : floorDiv(n - k, s)) + plus;
  }
  const pad = p.padding as number;
  const padded = n + (flaw === 'one-side-padding' ? pad : 2 * pad);
  const ceil = p.ceilMode !== (flaw === 'round-wrong-way');
  let out = (ceil ? ceilDiv(padded - k, s) : floorDiv(padded - k, s)) + plus;
  // PyTorch: in ceil mode the last window must start inside the input or the left padding.
  if (ceil && p.op !== 'conv' && (out - 1) * s >= n + pad) out -= 1;
  return out;
}

function outputChannels(p: ConvShapeParams, flaw?: FlawId): number {
  if (p.op === 'conv') return flaw === 'wrong-channels' ? p.channels : p.filters!;
  return flaw === 'wrong-channels' ? (p.channels === 1 ? 2 : 1) * p.channels : p.channels;
}

function orderShape(p: ConvShapeParams, spatial: number[], c: number): number[] {
  return p.framework === 'keras' ? [...spatial, c] : [c, ...spatial];
}

function layerName(p: ConvShapeParams): string {
  const d = `${p.input.length}d`;
  if (p.framework === 'keras') return { conv: `Conv${d.toUpperCase()}`, maxpool: `MaxPooling${d.toUpperCase()}`, avgpool: `AveragePooling${d.toUpperCase()}` }[p.op];
  return { conv: `nn.Conv${d}`, maxpool: `nn.MaxPool${d}`, avgpool: `nn.AvgPool${d}` }[p.op];
}

function kernelText(p: ConvShapeParams): string {
  return p.input.length === 2 ? `${p.kernel}×${p.kernel}` : `${p.kernel}`;
}

function solveWith(p: ConvShapeParams, flaw?: FlawId): Solution {
  const spatial = p.input.map((n) => outputSize(p, n, flaw));
  const c = outputChannels(p, flaw);
  const out = orderShape(p, spatial, c);
  const steps: string[] = [];
  const k = p.dilation * (p.kernel - 1) + 1;
  if (p.dilation > 1) steps.push(`Effective kernel span: d(k − 1) + 1 = ${p.dilation}·(${p.kernel} − 1) + 1 = ${k}.`);
  const dims = p.input.length === 2 ? ['H', 'W'] : ['L'];
  const square = p.input.length === 2 && p.input[0] === p.input[1];
  (square ? p.input.slice(0, 1) : p.input).forEach((n, i) => {
    const o = spatial[i]!;
    const name = square ? 'H_out = W' : dims[i]!;
    if (p.framework === 'keras' && p.padding === 'same')
      steps.push(`${name}_out = ⌈n / s⌉ = ⌈${n} / ${p.stride}⌉ = ${o}   ('same' padding).`);
    else if (p.framework === 'keras')
      steps.push(`${name}_out = ⌊(n − ${p.dilation > 1 ? 'd(k−1) − 1' : 'k'}) / s⌋ + 1 = ⌊(${n} − ${p.dilation > 1 ? k - 1 + 1 : p.kernel}) / ${p.stride}⌋ + 1 = ${o}   ('valid': no padding).`);
    else {
      const pad = p.padding as number;
      const rounding = p.ceilMode ? '⌈' : '⌊';
      const close = p.ceilMode ? '⌉' : '⌋';
      steps.push(`${name}_out = ${rounding}(n + 2p − d(k − 1) − 1) / s${close} + 1 = ${rounding}(${n} + ${2 * pad} − ${k - 1} − 1) / ${p.stride}${close} + 1${p.ceilMode && o !== ceilDiv(n + 2 * pad - k, p.stride) + 1 ? ` − 1 (the last window would start in the right padding) ` : ''} = ${o}.`);
    }
  });
  steps.push(p.op === 'conv' ? `Channels: one per filter → ${c}.` : `Channels: pooling acts on each channel separately → ${c}.`);
  steps.push(`Output shape ${p.framework === 'keras' ? '(channels-last)' : '(channels-first)'}: ${fmtShape(out)}.`);
  return {
    parts: [{ id: 'shape', label: `Output shape ${p.framework === 'keras' ? `(${[...dims, 'C'].join(', ')})` : `(${['C', ...dims].join(', ')})`}`, answer: shape(out) }],
    steps,
  };
}

function pickDifficulty(rng: Rng, difficulty: Difficulty): ConvShapeParams {
  const dims2 = rng.bool(difficulty === 1 ? 0.8 : 0.6);
  const op = rng.weighted<ConvShapeParams['op']>([['conv', 3], ['maxpool', 1.5], ['avgpool', 0.5]]);
  const framework: ConvShapeParams['framework'] = difficulty === 1 ? 'keras' : rng.bool(0.5) ? 'keras' : 'pytorch';
  const side = difficulty === 1 ? rng.pick([28, 32, 64, 128, 224]) : rng.int(7, 256);
  const input = dims2 ? [side, rng.bool(0.75) ? side : rng.int(7, 256)] : [rng.int(10, 1000)];
  const channels = rng.pick([1, 3, 8, 16, 32, 64, 128]);
  const conv = op === 'conv';
  const kernel = conv ? rng.pick(difficulty === 1 ? [3, 5] : [1, 2, 3, 5, 7]) : rng.pick([2, 3]);
  let stride = conv ? (difficulty === 1 ? 1 : rng.pick(kernel >= 3 ? [1, 2, 2, 3] : [1, 2])) : difficulty === 1 ? kernel : rng.pick([kernel, 2, 1]);
  let dilation = 1;
  if (conv && difficulty === 3 && rng.bool(0.5)) {
    dilation = rng.pick([2, 3]);
    if (framework === 'keras') stride = 1;
  }
  const padding: ConvShapeParams['padding'] =
    framework === 'keras' ? rng.pick(['valid', 'same'] as const) : conv ? rng.int(0, Math.floor((kernel * dilation) / 2) + 1) : rng.int(0, Math.floor(kernel / 2));
  const ceilMode = framework === 'pytorch' && !conv && difficulty === 3 && rng.bool(0.6);
  return {
    framework,
    op,
    input,
    channels,
    ...(conv ? { filters: rng.pick([8, 16, 32, 64, 96, 128, 256]) } : {}),
    kernel,
    stride,
    padding,
    dilation,
    ceilMode,
  };
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ConvShapeParams {
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = pickDifficulty(rng.fork(attempt), o.difficulty);
    const parsed = paramsSchema.safeParse(candidate);
    if (!parsed.success) continue;
    const p = parsed.data;
    // "Nice" at difficulty 3 means the question actually tests the tricky rule.
    if (o.difficulty === 3 && p.ceilMode && p.input.every((n) => outputSize(p, n) === outputSize({ ...p, ceilMode: false }, n))) continue;
    return p;
  }
  throw new GenerationError('conv-output-shape: no valid instance in 100 attempts');
}

function statement(p: ConvShapeParams): Statement {
  const inShape = orderShape(p, p.input, p.channels);
  const dimsText = p.input.length === 2 ? (p.framework === 'keras' ? '(height, width, channels)' : '(channels, height, width)') : p.framework === 'keras' ? '(length, channels)' : '(channels, length)';
  const pad = typeof p.padding === 'number' ? `padding=${p.padding}` : `padding='${p.padding}'`;
  const what =
    p.op === 'conv'
      ? `${layerName(p)} layer with ${p.filters} filters of size ${kernelText(p)}, stride ${p.stride}, ${pad}${p.dilation > 1 ? `, dilation ${p.dilation}` : ''}`
      : `${layerName(p)} layer with pool size ${kernelText(p)}, stride ${p.stride}, ${pad}${p.ceilMode ? ', ceil_mode=True' : ''}`;
  return {
    text: `A ${what} is applied to an input of shape ${fmtShape(inShape)} ${dimsText}, batch dimension omitted. What is the output shape?`,
    convention:
      p.framework === 'keras'
        ? "Keras/TensorFlow semantics: channels-last shapes; 'valid' = no padding, 'same' = TensorFlow's zero padding; sizes are rounded down unless the padding rule says otherwise."
        : `PyTorch semantics: channels-first shapes; symmetric zero padding p on each side; ${p.ceilMode ? 'ceil_mode=True (windows may run past the end, but must start inside the input or left padding)' : 'output sizes rounded down (ceil_mode=False)'}.`,
  };
}

async function verify(p: ConvShapeParams, s: Solution, tf: TF) {
  // Real layers, symbolic input: the output shape comes from TensorFlow.js' own shape inference.
  const is2d = p.input.length === 2;
  const [h, w] = is2d ? [p.input[0]!, p.input[1]!] : [p.input[0]!, 1];
  const pad = typeof p.padding === 'number' ? p.padding : 0;
  const kernelSize: [number, number] = is2d ? [p.kernel, p.kernel] : [p.kernel, 1];
  const strides: [number, number] = is2d ? [p.stride, p.stride] : [p.stride, 1];
  // PyTorch ceil_mode = floor division on an input padded by (stride − 1) more zeros at the end…
  const extra = p.ceilMode ? p.stride - 1 : 0;
  // computeOutputShape runs the layer's own shape inference without allocating weights.
  let inShape: (number | null)[] = [null, h, w, p.channels];
  if (pad > 0 || extra > 0) {
    const padding: [[number, number], [number, number]] = is2d ? [[pad, pad + extra], [pad, pad + extra]] : [[pad, pad + extra], [0, 0]];
    inShape = tf.layers.zeroPadding2d({ padding }).computeOutputShape(inShape) as (number | null)[];
  }
  const padding = p.padding === 'same' ? 'same' : 'valid';
  const layer =
    p.op === 'conv'
      ? tf.layers.conv2d({ filters: p.filters!, kernelSize, strides, padding, dilationRate: is2d ? p.dilation : [p.dilation, 1] })
      : p.op === 'maxpool'
        ? tf.layers.maxPooling2d({ poolSize: kernelSize, strides, padding })
        : tf.layers.averagePooling2d({ poolSize: kernelSize, strides, padding });
  const y = { shape: layer.computeOutputShape(inShape) as (number | null)[] };
  let spatial = (is2d ? [y.shape[1], y.shape[2]] : [y.shape[1]]) as number[];
  const c = y.shape[3] as number;
  if (p.ceilMode) {
    // …minus windows that would start beyond the input + left padding: count window starts directly.
    spatial = spatial.map((o, i) => {
      const n = p.input[i]!;
      let count = 0;
      for (let start = 0; count < o; start += p.stride) {
        if (start >= n + pad) break;
        count++;
      }
      return count;
    });
  }
  const got = p.framework === 'keras' ? [...spatial, c] : [c, ...spatial];
  return compareParts(s, { shape: got }, `tf.layers.${p.op === 'conv' ? 'conv2d' : p.op === 'maxpool' ? 'maxPooling2d' : 'averagePooling2d'} computeOutputShape${pad > 0 ? ' after zeroPadding2d' : ''}${is2d ? '' : ' on an (L, 1, C) input'}`);
}

export const convOutputShape: Family<ConvShapeParams> = {
  id: 'conv-output-shape',
  title: 'Convolution / pooling output shape',
  topic: 'cnn',
  description: 'Output shape of a 1-D or 2-D conv or pooling layer: kernel, stride, padding (valid/same/explicit), dilation, ceil_mode.',
  params: paramsSchema,
  answerKinds: ['shape'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
