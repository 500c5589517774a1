/**
 * model.summary() of a Keras Sequential stack: every layer's output shape (batch dimension None)
 * and parameter count, the total, and (with BatchNormalization) trainable / non-trainable counts.
 * 1-D (Conv1D on (length, channels)) and 2-D (Conv2D on (height, width, channels)) stacks with
 * pooling, BatchNormalization, Dropout, Flatten, GlobalAveragePooling and Dense layers.
 *
 * verify(): builds the real tf.sequential model with the same layers and reads each layer's
 * outputShape and countParams(), model.countParams() and the model's (non-)trainable weights.
 */
import { z } from 'zod';
import { fmtShape, scalar, shape, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import type { Numeric } from '../core/answer.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const padding = z.enum(['valid', 'same']);
const activation = z.enum(['linear', 'relu', 'sigmoid', 'tanh', 'softmax']);

const layerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('conv'),
    filters: z.int().min(1).max(1024),
    kernel: z.int().min(1).max(15),
    stride: z.int().min(1).max(4).default(1),
    padding: padding.default('valid'),
    activation: activation.default('linear'),
  }),
  z.object({
    type: z.enum(['maxpool', 'avgpool']),
    pool: z.int().min(1).max(8).default(2),
    /** Keras default: the pool size. */
    stride: z.int().min(1).max(8).optional(),
    padding: padding.default('valid'),
  }),
  z.object({ type: z.literal('batchnorm') }),
  z.object({ type: z.literal('dropout'), rate: z.number().gt(0).lt(1) }),
  z.object({ type: z.literal('flatten') }),
  /** GlobalAveragePooling1D / 2D. */
  z.object({ type: z.literal('gap') }),
  z.object({ type: z.literal('dense'), units: z.int().min(1).max(4096), activation: activation.default('linear') }),
]);

export type SummaryLayer = z.output<typeof layerSchema>;

/** Largest model verify() will build: weights are allocated for real. */
const MAX_PARAMS = 20_000_000;

const paramsSchema = z
  .object({
    /** Spatial input size: [L] (Conv1D stack) or [H, W] (Conv2D stack); channels-last. */
    input: z.array(z.int().min(1).max(1024)).min(1).max(2),
    channels: z.int().min(1).max(1024),
    layers: z.array(layerSchema).min(1).max(12),
    /** Also ask for the trainable / non-trainable split (interesting when BatchNormalization is present). */
    askTrainable: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    let spatial: number[] | undefined = [...p.input];
    let features = p.channels;
    p.layers.forEach((l, i) => {
      const at = (field?: string) => (field ? ['layers', i, field] : ['layers', i]);
      switch (l.type) {
        case 'conv':
        case 'maxpool':
        case 'avgpool': {
          if (!spatial) return issue(at('type'), `layer ${i + 1} (${l.type}) needs a spatial input, but the data is already flat here`);
          const k = l.type === 'conv' ? l.kernel : l.pool;
          const s = l.stride ?? k;
          const out: number[] = spatial.map((n) => spatialOut(n, k, s, l.padding));
          if (out.some((o) => o < 1))
            return issue(at(l.type === 'conv' ? 'kernel' : 'pool'), `layer ${i + 1}: window ${k} does not fit the input size ${spatial.join('×')} ('valid' padding leaves nothing)`);
          spatial = out;
          if (l.type === 'conv') features = l.filters;
          return;
        }
        case 'flatten':
        case 'gap':
          if (!spatial) return issue(at('type'), `layer ${i + 1} (${l.type === 'flatten' ? 'Flatten' : 'GlobalAveragePooling'}) needs a spatial input, but the data is already flat here`);
          features = l.type === 'flatten' ? spatial.reduce((a, b) => a * b, features) : features;
          spatial = undefined;
          return;
        case 'dense':
          if (spatial) return issue(at('type'), `layer ${i + 1} (Dense) needs a flat input: put Flatten or GlobalAveragePooling before it`);
          features = l.units;
          return;
        default:
          return;
      }
    });
    const right = run(p);
    if (right && right.reduce((a, r) => a + r.params, 0) > MAX_PARAMS) issue(['layers'], `the model has more than ${MAX_PARAMS} parameters: too large to verify`);
  });

export type ModelSummaryParams = z.output<typeof paramsSchema>;

// ---------- the solver (with mutant switches) ----------

type FlawId =
  | 'no-bias'
  | 'pool-ceil'
  | 'same-as-valid'
  | 'valid-as-same'
  | 'ignore-stride'
  | 'flatten-no-channels'
  | 'gap-as-flatten'
  | 'conv-no-cin'
  | 'conv-k-not-squared'
  | 'dense-units-only'
  | 'bn-2c'
  | 'bn-all-trainable';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'no-bias', label: 'forgot the bias', feedback: 'Every Conv filter and every Dense unit has one bias: (weights per filter + 1)·filters, (n_in + 1)·units.' },
  { id: 'pool-ceil', label: 'pooling rounded up', feedback: "With 'valid' pooling an incomplete window at the end is dropped: ⌊(n − pool)/stride⌋ + 1, e.g. 245 → 122 with pool 2." },
  { id: 'same-as-valid', label: "treated 'same' as 'valid'", feedback: "padding='same' pads with zeros so the output size is ⌈n/stride⌉; nothing is lost to the kernel." },
  { id: 'valid-as-same', label: "treated 'valid' as 'same'", feedback: "padding='valid' means no padding: the window must fit inside the input, so the size shrinks to ⌊(n − k)/stride⌋ + 1." },
  { id: 'ignore-stride', label: 'ignored the conv stride', feedback: 'A stride s moves the kernel s positions at a time: divide the span by s.' },
  { id: 'flatten-no-channels', label: 'Flatten ignored the channels', feedback: 'Flatten keeps every value: its size is the product of all non-batch dimensions, channels included.' },
  { id: 'gap-as-flatten', label: 'GlobalAveragePooling treated as Flatten', feedback: 'Global average pooling averages each channel over all positions: only the channels remain.' },
  { id: 'conv-no-cin', label: 'conv weights ignored the input channels', feedback: 'Each filter spans all input channels: it has k·C_in (1-D) or k·k·C_in (2-D) weights.' },
  { id: 'conv-k-not-squared', label: 'used k instead of k×k', feedback: 'A 2-D kernel of size k has k×k taps per input channel.' },
  { id: 'dense-units-only', label: 'Dense counted one parameter per unit', feedback: 'A Dense layer has a weight for every (input, unit) pair plus one bias per unit: (n_in + 1)·units.' },
  { id: 'bn-2c', label: 'BatchNormalization counted 2C', feedback: 'Keras counts 4 parameters per channel: γ and β (trainable) plus the moving mean and variance (non-trainable).' },
  { id: 'bn-all-trainable', label: 'BatchNormalization statistics counted as trainable', feedback: 'The moving mean and variance are updated by averaging, not by gradients: Keras lists them as non-trainable.' },
];

const floorDiv = (a: number, b: number) => Math.floor(a / b);
const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** Keras output size of one spatial dimension (integers only: exact). */
function spatialOut(n: number, k: number, s: number, pad: 'valid' | 'same', o: { flaw?: FlawId; pool?: boolean } = {}): number {
  const same = pad === 'same' ? o.flaw !== 'same-as-valid' : o.flaw === 'valid-as-same';
  if (same) return ceilDiv(n, s);
  return (o.pool && o.flaw === 'pool-ceil' ? ceilDiv(n - k, s) : floorDiv(n - k, s)) + 1;
}

interface LayerResult {
  /** Output shape without the batch dimension. */
  shape: number[];
  params: number;
  nonTrainable: number;
  step: string;
}

function kerasName(l: SummaryLayer, dims: number): string {
  const d = `${dims}D`;
  switch (l.type) {
    case 'conv':
      return `Conv${d}`;
    case 'maxpool':
      return `MaxPooling${d}`;
    case 'avgpool':
      return `AveragePooling${d}`;
    case 'batchnorm':
      return 'BatchNormalization';
    case 'dropout':
      return 'Dropout';
    case 'flatten':
      return 'Flatten';
    case 'gap':
      return `GlobalAveragePooling${d}`;
    case 'dense':
      return 'Dense';
  }
}

/** Human text for one spatial size computation, e.g. "⌊(245 − 2)/2⌋ + 1 = 122". */
function sizeText(n: number, k: number, s: number, pad: 'valid' | 'same', out: number): string {
  if (pad === 'same') return `⌈${n}/${s}⌉ = ${out}`;
  return `⌊(${n} − ${k})/${s}⌋ + 1 = ${out}`;
}

function sizesText(spatial: number[], k: number, s: number, pad: 'valid' | 'same', out: number[]): string {
  const names = spatial.length === 2 ? ['H', 'W'] : ['L'];
  if (spatial.length === 2 && spatial[0] === spatial[1]) return `H_out = W_out = ${sizeText(spatial[0]!, k, s, pad, out[0]!)}`;
  return spatial.map((n, i) => `${names[i]}_out = ${sizeText(n, k, s, pad, out[i]!)}`).join(', ');
}

/**
 * Runs the stack layer by layer. With a flaw, the mutant carries its wrong sizes forward (a wrong
 * Flatten size changes the next Dense count). undefined = the mutant's stack breaks (size < 1).
 */
function run(p: ModelSummaryParams, flaw?: FlawId): LayerResult[] | undefined {
  const dims = p.input.length;
  let spatial: number[] | undefined = [...p.input];
  let c = p.channels;
  const out: LayerResult[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  for (const [i, l] of p.layers.entries()) {
    const name = text ? `Layer ${i + 1} ${kerasName(l, dims)}` : '';
    let params = 0;
    let nonTrainable = 0;
    let step: string;
    switch (l.type) {
      case 'conv': {
        if (!spatial) return undefined;
        const s = flaw === 'ignore-stride' ? 1 : l.stride;
        const next: number[] = spatial.map((n) => spatialOut(n, l.kernel, s, l.padding, { flaw }));
        const taps = dims === 2 && flaw !== 'conv-k-not-squared' ? l.kernel * l.kernel : l.kernel;
        const perFilter = taps * (flaw === 'conv-no-cin' ? 1 : c);
        const bias = flaw === 'no-bias' ? 0 : 1;
        params = (perFilter + bias) * l.filters;
        step = text ? `${name} (${l.filters} filters, kernel ${dims === 2 ? `${l.kernel}×${l.kernel}` : l.kernel}, stride ${l.stride}, '${l.padding}'): ${sizesText(spatial, l.kernel, l.stride, l.padding, next)} → ${fmtShape([null, ...next, l.filters])}; parameters = (${dims === 2 ? `${l.kernel}·${l.kernel}` : l.kernel}·${c} + 1)·${l.filters} = ${params}.` : '';
        spatial = next;
        c = l.filters;
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        if (!spatial) return undefined;
        const s = l.stride ?? l.pool;
        const next: number[] = spatial.map((n) => spatialOut(n, l.pool, s, l.padding, { flaw, pool: true }));
        const rounded = text && l.padding === 'valid' && spatial.some((n) => (n - l.pool) % s !== 0) ? ' (rounded down: the incomplete last window is dropped)' : '';
        step = text ? `${name} (pool ${dims === 2 ? `${l.pool}×${l.pool}` : l.pool}, stride ${s}, '${l.padding}'): ${sizesText(spatial, l.pool, s, l.padding, next)}${rounded} → ${fmtShape([null, ...next, c])}; no parameters.` : '';
        spatial = next;
        break;
      }
      case 'batchnorm': {
        const bnParams = flaw === 'bn-2c' ? 2 : 4;
        params = bnParams * c;
        nonTrainable = flaw === 'bn-2c' || flaw === 'bn-all-trainable' ? 0 : 2 * c;
        step = text ? `${name}: shape unchanged; 4·${c} = ${4 * c} parameters (γ, β trainable; moving mean and variance non-trainable: ${2 * c}).` : '';
        break;
      }
      case 'dropout':
        step = text ? `${name} (rate ${l.rate}): shape unchanged; no parameters.` : '';
        break;
      case 'flatten': {
        if (!spatial) return undefined;
        const size = flaw === 'flatten-no-channels' ? product(spatial) : product(spatial) * c;
        step = text ? `${name}: ${[...spatial, c].join('·')} = ${product(spatial) * c} values → ${fmtShape([null, product(spatial) * c])}; no parameters.` : '';
        spatial = undefined;
        c = size;
        break;
      }
      case 'gap': {
        if (!spatial) return undefined;
        const size = flaw === 'gap-as-flatten' ? product(spatial) * c : c;
        step = text ? `${name}: each of the ${c} channels is averaged over all positions → ${fmtShape([null, c])}; no parameters.` : '';
        spatial = undefined;
        c = size;
        break;
      }
      case 'dense': {
        if (spatial) return undefined;
        params = flaw === 'dense-units-only' ? l.units : (c + (flaw === 'no-bias' ? 0 : 1)) * l.units;
        step = text ? `${name} (${l.units} unit${l.units === 1 ? '' : 's'}): (${c} + 1)·${l.units} = ${(c + 1) * l.units} parameters → ${fmtShape([null, l.units])}.` : '';
        c = l.units;
        break;
      }
    }
    const outShape: number[] = spatial ? [...spatial, c] : [c];
    if (outShape.some((d) => d < 1)) return undefined;
    out.push({ shape: outShape, params, nonTrainable, step });
  }
  return out;
}

function solveWith(p: ModelSummaryParams, flaw?: FlawId): Solution | undefined {
  const layers = run(p, flaw);
  if (!layers) return undefined;
  const dims = p.input.length;
  const parts: Part[] = [];
  layers.forEach((r, i) => {
    const name = kerasName(p.layers[i]!, dims);
    parts.push({ id: `L${i + 1}.shape`, label: `Layer ${i + 1} (${name}): output shape`, answer: shape([null, ...r.shape]), table: { row: `${i + 1}. ${name}`, column: 'Output shape' } });
    parts.push({ id: `L${i + 1}.params`, label: `Layer ${i + 1} (${name}): parameters`, answer: scalar(r.params), table: { row: `${i + 1}. ${name}`, column: 'Param #' } });
  });
  const total = layers.reduce((a, r) => a + r.params, 0);
  const nonTrainable = layers.reduce((a, r) => a + r.nonTrainable, 0);
  parts.push({ id: 'total', label: 'Total parameters', answer: scalar(total) });
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const steps: string[] = text ? [`Input: ${fmtShape([null, ...p.input, p.channels])} (batch dimension None).`, ...layers.map((r) => r.step)] : [];
  if (text) {
    const nonZero = layers.map((r) => r.params).filter((x) => x > 0);
    steps.push(`Total parameters = ${nonZero.length > 1 ? `${nonZero.join(' + ')} = ` : ''}${total}.`);
  }
  if (p.askTrainable) {
    parts.push({ id: 'trainable', label: 'Trainable parameters', answer: scalar(total - nonTrainable) });
    parts.push({ id: 'nonTrainable', label: 'Non-trainable parameters', answer: scalar(nonTrainable) });
    if (text) steps.push(`Non-trainable = moving mean + moving variance of the BatchNormalization layers = ${nonTrainable}; trainable = ${total} − ${nonTrainable} = ${total - nonTrainable}.`);
  }
  return { parts, steps };
}

const { solve, mistakes } = mutantSolver(solveWith, FLAWS);

// ---------- generation ----------

const LENGTH: Record<Difficulty, [number, number]> = { 1: [4, 5], 2: [5, 7], 3: [6, 8] };

function pickStack(rng: Rng, d: Difficulty): ModelSummaryParams {
  const dims = rng.bool(d === 1 ? 0.5 : 0.6) ? 2 : 1;
  let input: number[];
  let channels: number;
  if (dims === 1) {
    input = [d === 1 ? rng.pick([100, 128, 200, 256, 300, 400, 500]) : rng.int(60, 600)];
    channels = rng.pick([1, 2, 3, 4, 6, 7, 8, 12, 16]);
  } else {
    const side = d === 1 ? rng.pick([28, 32, 48, 64]) : d === 2 ? rng.pick([28, 32, 48, 50, 64, 96, 100]) : rng.int(24, 100);
    input = [side, d === 3 && rng.bool(0.2) ? rng.int(24, 100) : side];
    channels = rng.pick([1, 3, 3, 3]);
  }
  const layers: SummaryLayer[] = [];
  const blocks = d === 1 ? rng.int(1, 2) : d === 2 ? 2 : rng.int(2, 3);
  let filters = rng.pick(dims === 1 ? [8, 16, 32] : [8, 16, 32]);
  const kernels = dims === 1 ? [3, 5, 7, 9, 11] : [3, 3, 5];
  for (let b = 0; b < blocks; b++) {
    const pad = d === 1 ? 'valid' : rng.pick(['valid', 'valid', 'same'] as const);
    const stride = d === 3 && b === 0 && rng.bool(0.3) ? 2 : 1;
    layers.push({ type: 'conv', filters, kernel: rng.pick(kernels), stride, padding: pad, activation: 'relu' });
    if (d === 3 && rng.bool(0.5)) layers.push({ type: 'batchnorm' });
    if (rng.bool(d === 1 ? 0.9 : 0.8)) {
      const type = d === 3 && rng.bool(0.3) ? 'avgpool' : 'maxpool';
      if (d === 3 && rng.bool(0.3)) layers.push({ type, pool: 3, stride: 2, padding: rng.pick(['valid', 'same'] as const) });
      else layers.push({ type, pool: 2, padding: 'valid' });
    }
    if (d >= 2 && rng.bool(0.3)) layers.push({ type: 'dropout', rate: rng.pick([0.2, 0.25, 0.3, 0.4, 0.5]) });
    filters = Math.min(256, filters * rng.pick([1, 2, 2]));
  }
  layers.push(d >= 2 && rng.bool(d === 3 ? 0.4 : 0.2) ? { type: 'gap' } : { type: 'flatten' });
  if (rng.bool(0.75)) {
    layers.push({ type: 'dense', units: rng.pick([16, 32, 64, 100, 128, 256]), activation: 'relu' });
    if (d === 3 && rng.bool(0.3)) layers.push({ type: 'batchnorm' });
    if (d >= 2 && rng.bool(0.3)) layers.push({ type: 'dropout', rate: rng.pick([0.2, 0.3, 0.5]) });
  }
  const classes = rng.pick([1, 2, 3, 4, 5, 10]);
  layers.push({ type: 'dense', units: classes, activation: classes === 1 ? 'sigmoid' : 'softmax' });
  const askTrainable = d === 3 && layers.some((l) => l.type === 'batchnorm');
  return { input, channels, layers, askTrainable };
}

/** A 'valid' layer whose window does not tile its input exactly: the floor actually matters. */
function hasFloor(p: ModelSummaryParams): boolean {
  let spatial: number[] | undefined = [...p.input];
  for (const l of p.layers) {
    if (!spatial) break;
    if (l.type === 'conv' || l.type === 'maxpool' || l.type === 'avgpool') {
      const k = l.type === 'conv' ? l.kernel : l.pool;
      const s = l.stride ?? k;
      if (s > 1 && spatial.some((n) => (l.padding === 'valid' ? (n - k) % s : n % s) !== 0)) return true;
      spatial = spatial.map((n) => spatialOut(n, k, s, l.padding));
    } else if (l.type === 'flatten' || l.type === 'gap') spatial = undefined;
  }
  return false;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ModelSummaryParams {
  const [lo, hi] = LENGTH[o.difficulty];
  for (let attempt = 0; attempt < 200; attempt++) {
    const parsed = paramsSchema.safeParse(pickStack(rng.fork(attempt), o.difficulty));
    if (!parsed.success) continue;
    const p = parsed.data;
    if (p.layers.length < lo || p.layers.length > hi) continue;
    const layers = run(p)!;
    const total = layers.reduce((a, r) => a + r.params, 0);
    if (total > 3_000_000) continue;
    // The last feature map before the head should still be a map, not a single pixel.
    const head = p.layers.findIndex((l) => l.type === 'flatten' || l.type === 'gap');
    const before = head > 0 ? layers[head - 1]!.shape : [];
    if (before.slice(0, -1).some((n) => n < 2)) continue;
    if (o.difficulty >= 2 && !hasFloor(p) && rng.fork(`floor${attempt}`).bool(o.difficulty === 3 ? 0.9 : 0.5)) continue;
    return p;
  }
  throw new GenerationError('model-summary: no valid instance in 200 attempts');
}

// ---------- statement ----------

function statement(p: ModelSummaryParams): Statement {
  const dims = p.input.length;
  const win = (k: number) => (dims === 2 ? `${k}×${k}` : `${k}`);
  const rows = p.layers.map((l, i): string[] => {
    const n = String(i + 1);
    const name = kerasName(l, dims);
    switch (l.type) {
      case 'conv':
        return [n, name, String(l.filters), win(l.kernel), String(l.stride), l.padding, l.activation];
      case 'maxpool':
      case 'avgpool':
        return [n, name, '—', win(l.pool), String(l.stride ?? l.pool), l.padding, '—'];
      case 'dropout':
        return [n, `${name} (rate ${l.rate})`, '—', '—', '—', '—', '—'];
      case 'dense':
        return [n, name, String(l.units), '—', '—', '—', l.activation];
      default:
        return [n, name, '—', '—', '—', '—', '—'];
    }
  });
  const inShape = fmtShape([...p.input, p.channels]);
  const what = dims === 2 ? '(height, width, channels)' : '(length, channels)';
  const extra = p.askTrainable ? ' Also give how many of the parameters are trainable and how many are non-trainable.' : '';
  return {
    text:
      `A Keras Sequential model is built with input_shape = ${inShape} ${what} and the layers listed below, in order. ` +
      `For every layer give the output shape as model.summary() prints it (batch dimension as None) and the number of parameters of that layer, ` +
      `then the total number of parameters of the model.${extra}`,
    blocks: [{ kind: 'table', header: ['#', 'Layer', 'Filters / units', 'Kernel / pool', 'Stride', 'Padding', 'Activation'], rows }],
    convention:
      "Keras/TensorFlow semantics: channels-last shapes; 'valid' = no padding, 'same' = TensorFlow's zero padding; " +
      'pooling stride defaults to the pool size and incomplete windows are dropped; Conv and Dense layers use biases; ' +
      'BatchNormalization is counted as model.summary() counts it (its moving statistics are non-trainable parameters).',
  };
}

// ---------- verification ----------

async function verify(p: ModelSummaryParams, s: Solution, tf: TF) {
  const dims = p.input.length;
  const model = tf.sequential();
  try {
    const win = (k: number): number | [number, number] => (dims === 2 ? [k, k] : k);
    p.layers.forEach((l, i) => {
      const first = i === 0 ? { inputShape: [...p.input, p.channels] } : {};
      // Zero initialisers: counts and shapes do not depend on values, and zeros allocate fastest.
      const init = { kernelInitializer: 'zeros' as const };
      let layer;
      switch (l.type) {
        case 'conv': {
          const cfg = { ...first, ...init, filters: l.filters, kernelSize: win(l.kernel), strides: win(l.stride), padding: l.padding, activation: l.activation };
          layer = dims === 2 ? tf.layers.conv2d(cfg) : tf.layers.conv1d(cfg as Parameters<TF['layers']['conv1d']>[0]);
          break;
        }
        case 'maxpool':
        case 'avgpool': {
          const st = l.stride ?? l.pool;
          if (dims === 2) {
            const cfg = { ...first, poolSize: [l.pool, l.pool] as [number, number], strides: [st, st] as [number, number], padding: l.padding };
            layer = l.type === 'maxpool' ? tf.layers.maxPooling2d(cfg) : tf.layers.averagePooling2d(cfg);
          } else {
            const cfg = { ...first, poolSize: l.pool, strides: st, padding: l.padding };
            layer = l.type === 'maxpool' ? tf.layers.maxPooling1d(cfg) : tf.layers.averagePooling1d(cfg);
          }
          break;
        }
        case 'batchnorm':
          layer = tf.layers.batchNormalization({ ...first });
          break;
        case 'dropout':
          layer = tf.layers.dropout({ ...first, rate: l.rate });
          break;
        case 'flatten':
          layer = tf.layers.flatten({ ...first });
          break;
        case 'gap':
          layer = dims === 2 ? tf.layers.globalAveragePooling2d({ ...first }) : tf.layers.globalAveragePooling1d({ ...first });
          break;
        case 'dense':
          layer = tf.layers.dense({ ...first, ...init, units: l.units, activation: l.activation });
          break;
      }
      model.add(layer);
    });
    const computed: Record<string, Numeric> = {};
    model.layers.forEach((layer, i) => {
      computed[`L${i + 1}.shape`] = layer.outputShape as Numeric;
      computed[`L${i + 1}.params`] = layer.countParams();
    });
    computed['total'] = model.countParams();
    if (p.askTrainable) {
      const size = (ws: { shape: (number | null)[] }[]) => ws.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0);
      computed['trainable'] = size(model.trainableWeights);
      computed['nonTrainable'] = size(model.nonTrainableWeights);
    }
    return compareParts(s, computed, 'tf.sequential with the same layers: layer.outputShape, layer.countParams(), model.countParams(), (non-)trainable weights');
  } finally {
    model.dispose();
  }
}

export const modelSummary: Family<ModelSummaryParams> = {
  id: 'model-summary',
  title: 'Keras model.summary(): output shapes and parameter counts',
  topic: 'params',
  description: 'Output shape and parameter count of every layer of a Keras Sequential Conv1D/Conv2D stack (pooling, BatchNorm, Dropout, Flatten, GAP, Dense) and the total.',
  params: paramsSchema,
  answerKinds: ['shape', 'scalar'],
  generate,
  statement,
  solve,
  verify,
  mistakes,
};
