/**
 * Number of parameters of ONE layer, given its input shape and configuration: Dense, Conv1D,
 * Conv2D (incl. 1×1), DepthwiseConv2D, SeparableConv2D, BatchNormalization, Embedding, SimpleRNN,
 * LSTM, GRU — counted the Keras way (model.summary()) or the PyTorch way (layer.parameters()).
 *
 * The two conventions differ only for recurrent layers (PyTorch keeps two bias vectors b_ih, b_hh;
 * Keras one, except GRU with reset_after=True) and for BatchNorm (Keras counts the moving
 * mean/variance as non-trainable weights; PyTorch keeps them as buffers, not parameters).
 *
 * verify(): builds the real tf.layers layer on a symbolic input and reads countParams() and the
 * sizes of its trainable / non-trainable weights. tfjs cannot build a GRU with resetAfter=true and
 * has no PyTorch layers, so those conventions = the real tfjs layer + its bias vector once more
 * (the documented second bias: recurrent bias of reset_after=True, b_hh of PyTorch).
 *
 * Counts are integers far below 2^53 (the schema bounds the sizes): plain number arithmetic is exact.
 */
import type * as TfModule from '@tensorflow/tfjs';
import { z } from 'zod';
import { scalar, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

const LAYERS = ['dense', 'conv1d', 'conv2d', 'depthwise-conv2d', 'separable-conv2d', 'batchnorm', 'embedding', 'simple-rnn', 'lstm', 'gru'] as const;
type LayerKind = (typeof LAYERS)[number];

const RNNS: readonly LayerKind[] = ['simple-rnn', 'lstm', 'gru'];
const CONVS: readonly LayerKind[] = ['conv1d', 'conv2d', 'depthwise-conv2d', 'separable-conv2d'];

/** Which config fields each layer takes (anything else given is an error naming the field). */
const FIELDS: Record<LayerKind, readonly string[]> = {
  dense: ['units', 'bias'],
  conv1d: ['filters', 'kernel', 'bias'],
  conv2d: ['filters', 'kernel', 'bias'],
  'depthwise-conv2d': ['kernel', 'depthMultiplier', 'bias'],
  'separable-conv2d': ['filters', 'kernel', 'depthMultiplier', 'bias'],
  batchnorm: [],
  embedding: ['vocabSize', 'embeddingDim'],
  'simple-rnn': ['units'],
  lstm: ['units'],
  gru: ['units', 'resetAfter'],
};
const REQUIRED: Record<LayerKind, readonly string[]> = {
  dense: ['units'],
  conv1d: ['filters', 'kernel'],
  conv2d: ['filters', 'kernel'],
  'depthwise-conv2d': ['kernel'],
  'separable-conv2d': ['filters', 'kernel'],
  batchnorm: [],
  embedding: ['vocabSize', 'embeddingDim'],
  'simple-rnn': ['units'],
  lstm: ['units'],
  gru: ['units'],
};
/** Allowed input ranks (batch dimension omitted). */
const RANKS: Record<LayerKind, readonly number[]> = {
  dense: [1, 2],
  conv1d: [2],
  conv2d: [3],
  'depthwise-conv2d': [3],
  'separable-conv2d': [3],
  batchnorm: [1, 2, 3],
  embedding: [1],
  'simple-rnn': [2],
  lstm: [2],
  gru: [2],
};
const OPTIONAL_FIELDS = ['units', 'filters', 'kernel', 'depthMultiplier', 'bias', 'vocabSize', 'embeddingDim', 'resetAfter'] as const;

const size = z.int().min(1).max(8192);

const paramsSchema = z
  .object({
    layer: z.enum(LAYERS),
    /** keras: model.summary() counts; pytorch: sum(p.numel() for p in layer.parameters()). */
    convention: z.enum(['keras', 'pytorch']).default('keras'),
    /** Input shape without the batch dimension, in the convention's layout (Keras channels-last, PyTorch channels-first). */
    input: z.array(z.int().min(1).max(100000)).min(1).max(3),
    units: size.optional(),
    filters: size.optional(),
    kernel: z.int().min(1).max(15).optional(),
    depthMultiplier: z.int().min(1).max(8).optional(),
    /** use_bias (Keras) / bias (PyTorch); default true. */
    bias: z.boolean().optional(),
    vocabSize: z.int().min(2).max(100000).optional(),
    embeddingDim: z.int().min(1).max(1024).optional(),
    /** Keras GRU reset_after; default true (TF2). */
    resetAfter: z.boolean().optional(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const allowed = FIELDS[p.layer];
    for (const f of OPTIONAL_FIELDS) {
      if (p[f] !== undefined && !allowed.includes(f)) issue(f, `a ${p.layer} layer has no "${f}" setting`);
    }
    for (const f of REQUIRED[p.layer]) if (p[f as keyof typeof p] === undefined) issue(f, `a ${p.layer} layer needs "${f}"`);
    const ranks = RANKS[p.layer];
    if (!ranks.includes(p.input.length)) issue('input', `a ${p.layer} layer takes an input of rank ${ranks.join(' or ')} (batch dimension omitted), got rank ${p.input.length}`);
    if (p.layer === 'separable-conv2d' && p.convention === 'pytorch')
      issue('convention', 'PyTorch has no SeparableConv2d layer (it is a depthwise nn.Conv2d followed by a 1×1 nn.Conv2d): use convention "keras"');
    if (p.resetAfter !== undefined && p.convention === 'pytorch') issue('resetAfter', 'reset_after is a Keras GRU option; PyTorch GRU always keeps two bias vectors');
    if (CONVS.includes(p.layer) && p.kernel !== undefined && ranks.includes(p.input.length)) {
      const spatial = spatialDims(p);
      if (spatial.some((n) => n < p.kernel!)) issue('kernel', `the ${p.kernel}-wide kernel is larger than the input's spatial size ${spatial.join('×')}`);
    }
  });

export type LayerParamCountParams = z.output<typeof paramsSchema>;
type P = LayerParamCountParams;

/** Channel (feature) dimension of the input: last axis in Keras, first in PyTorch (conv/BN). */
function channels(p: P): number {
  if (p.input.length === 1) return p.input[0]!;
  if (p.layer === 'dense' || RNNS.includes(p.layer)) return p.input[p.input.length - 1]!;
  return p.convention === 'keras' ? p.input[p.input.length - 1]! : p.input[0]!;
}

function spatialDims(p: P): number[] {
  return p.convention === 'keras' ? p.input.slice(0, -1) : p.input.slice(1);
}

const useBias = (p: P) => p.bias ?? true;
const resetAfter = (p: P) => p.resetAfter ?? true;

// ---------- the solver, with switches for typical mistakes ----------

type FlawId =
  | 'no-bias'
  | 'bias-when-none'
  | 'no-input-channels'
  | 'kernel-area'
  | 'flattened-input'
  | 'as-full-conv'
  | 'separable-no-pointwise'
  | 'bn-only-trainable'
  | 'bn-all-trainable'
  | 'bn-buffers-as-params'
  | 'bn-per-activation'
  | 'embedding-seq-len'
  | 'no-gates'
  | 'forgot-candidate'
  | 'no-recurrent'
  | 'wrong-reset-after'
  | 'other-framework-bias';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'no-bias', label: 'forgot the bias', feedback: 'Every output unit / filter (every gate unit in an RNN) has its own bias unless use_bias=False / bias=False.' },
  { id: 'bias-when-none', label: 'counted a bias the layer does not have', feedback: 'With use_bias=False (bias=False) there is no bias vector; an Embedding is a pure lookup table with no bias at all.' },
  { id: 'no-input-channels', label: 'forgot the input channels', feedback: 'A convolution kernel spans all input channels: one filter has k×k×C_in weights (k×C_in in 1-D).' },
  { id: 'kernel-area', label: 'wrong kernel size', feedback: 'A 2-D kernel of size k has k×k taps per input channel; a 1-D kernel of size k has only k.' },
  { id: 'flattened-input', label: 'multiplied by the sequence length', feedback: 'Dense acts on the last axis only and shares its weights across the other axes: the kernel is (features, units).' },
  { id: 'as-full-conv', label: 'counted it like a full convolution', feedback: 'A depthwise convolution filters each input channel separately: k×k×depth_multiplier weights per channel, no mixing across channels.' },
  { id: 'separable-no-pointwise', label: 'forgot the pointwise part', feedback: 'A separable convolution is a depthwise k×k step followed by a 1×1 (pointwise) convolution with C_in·depth_multiplier×filters weights.' },
  { id: 'bn-only-trainable', label: 'counted only γ and β', feedback: 'Keras also stores the moving mean and moving variance (2C non-trainable weights) and counts them in the total.' },
  { id: 'bn-all-trainable', label: 'counted the moving statistics as trainable', feedback: 'The moving mean and variance are updated by averaging, not by gradient descent: they are non-trainable.' },
  { id: 'bn-buffers-as-params', label: 'counted the running statistics as parameters', feedback: 'In PyTorch running_mean and running_var are buffers, not parameters: layer.parameters() holds only weight (γ) and bias (β).' },
  { id: 'bn-per-activation', label: 'one γ, β per activation', feedback: 'BatchNorm has one γ, β (and one mean, variance) per channel, shared over all spatial positions.' },
  { id: 'embedding-seq-len', label: 'used the sequence length instead of the vocabulary', feedback: 'The embedding table has one row per vocabulary entry (input_dim), whatever the sequence length.' },
  { id: 'no-gates', label: 'forgot the gates', feedback: 'An LSTM has 4 weight blocks (input, forget, output gates and the cell candidate); a GRU has 3 (update, reset, candidate).' },
  { id: 'forgot-candidate', label: 'forgot the candidate block', feedback: 'Besides its gates, an LSTM/GRU has a candidate (g / h̃) block with its own weights: 4 blocks for LSTM, 3 for GRU.' },
  { id: 'no-recurrent', label: 'forgot the recurrent weights', feedback: 'Each block also multiplies the previous hidden state: a recurrent kernel of u×u per block.' },
  { id: 'wrong-reset-after', label: 'wrong reset_after convention', feedback: 'Keras GRU with reset_after=True (TF2 default) has two bias vectors per block (input and recurrent), 3u(d+u+2); reset_after=False has one, 3u(d+u+1).' },
  { id: 'other-framework-bias', label: 'used the other framework’s bias count', feedback: 'PyTorch RNN layers keep two bias vectors (b_ih and b_hh) per block; Keras keeps one (except GRU with reset_after=True).' },
];

interface Counts {
  params: number;
  /** BatchNorm only. */
  trainable?: number;
  nonTrainable?: number;
  buffers?: number;
  steps: string[];
}

const GATES: Record<string, number> = { 'simple-rnn': 1, lstm: 4, gru: 3 };

function count(p: P, flaw?: FlawId): Counts {
  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const bias = (has: boolean) => {
    if (flaw === 'no-bias' && has) return 0;
    if (flaw === 'bias-when-none' && !has) return 1;
    return has ? 1 : 0;
  };
  const c = channels(p);
  switch (p.layer) {
    case 'dense': {
      const d = flaw === 'flattened-input' ? p.input.reduce((a, b) => a * b, 1) : c;
      const u = p.units!;
      const b = bias(useBias(p));
      const params = d * u + b * u;
      if (text) {
        if (p.input.length > 1) steps.push(`Dense acts on the last axis (d = ${c}); its weights are shared over the other ${p.input.length - 1 === 1 ? 'axis' : 'axes'}.`);
        steps.push(
          b ? `Parameters = d×u + u (kernel + bias) = ${d}×${u} + ${u} = ${d * u} + ${u} = ${params}.` : `Parameters = d×u (kernel only, no bias) = ${d}×${u} = ${params}.`,
        );
      }
      return { params, steps };
    }
    case 'conv1d':
    case 'conv2d': {
      const twoD = p.layer === 'conv2d';
      const k = p.kernel!;
      const taps = (twoD !== (flaw === 'kernel-area')) ? k * k : k;
      const cin = flaw === 'no-input-channels' ? 1 : c;
      const f = p.filters!;
      const b = bias(useBias(p));
      const perFilter = taps * cin;
      const params = (perFilter + b) * f;
      if (text) {
        steps.push(`Each filter spans all C_in = ${c} input channels: ${twoD ? 'k×k×C_in' : 'k×C_in'} = ${twoD ? `${k}×${k}` : k}×${c} = ${k * (twoD ? k : 1) * c} weights${useBias(p) ? ' + 1 bias' : ' (no bias)'}.`);
        steps.push(
          b ? `Parameters = (${twoD ? 'k×k' : 'k'}×C_in + 1)×F = (${perFilter} + 1)×${f} = ${perFilter + 1}×${f} = ${params}.` : `Parameters = ${twoD ? 'k×k' : 'k'}×C_in×F = ${perFilter}×${f} = ${params}.`,
        );
      }
      return { params, steps };
    }
    case 'depthwise-conv2d': {
      const k = p.kernel!;
      const taps = flaw === 'kernel-area' ? k : k * k;
      const m = p.depthMultiplier ?? 1;
      const b = bias(useBias(p));
      const out = c * m;
      if (flaw === 'as-full-conv') {
        return { params: (taps * c + b) * out, steps };
      }
      const cin = flaw === 'no-input-channels' ? 1 : c;
      const params = taps * cin * m + b * cin * m;
      if (text) {
        steps.push(`A depthwise convolution filters each of the C_in = ${c} channels separately with ${m} kernel${m > 1 ? 's' : ''} of ${k}×${k}: output channels C_in×m = ${c}×${m} = ${out}.`);
        steps.push(
          b
            ? `Parameters = k×k×C_in×m + C_in×m (bias per output channel) = ${k}×${k}×${c}×${m} + ${out} = ${k * k * c * m} + ${out} = ${params}.`
            : `Parameters = k×k×C_in×m (no bias) = ${k}×${k}×${c}×${m} = ${params}.`,
        );
      }
      return { params, steps };
    }
    case 'separable-conv2d': {
      const k = p.kernel!;
      const taps = flaw === 'kernel-area' ? k : k * k;
      const m = p.depthMultiplier ?? 1;
      const f = p.filters!;
      const b = bias(useBias(p));
      if (flaw === 'as-full-conv') return { params: (taps * c + b) * f, steps };
      const cin = flaw === 'no-input-channels' ? 1 : c;
      const depthwise = taps * cin * m;
      const pointwise = flaw === 'separable-no-pointwise' ? 0 : cin * m * f;
      const params = depthwise + pointwise + b * f;
      if (text) {
        steps.push(`Depthwise step: k×k×C_in×m = ${k}×${k}×${c}×${m} = ${k * k * c * m} weights (no bias of its own in Keras).`);
        steps.push(`Pointwise (1×1) step: C_in×m×F = ${c * m}×${f} = ${c * m * f} weights${useBias(p) ? ` + ${f} biases` : ' (no bias)'}.`);
        steps.push(`Parameters = ${k * k * c * m} + ${c * m * f}${useBias(p) ? ` + ${f}` : ''} = ${params}.`);
      }
      return { params, steps };
    }
    case 'batchnorm': {
      const ch = flaw === 'bn-per-activation' ? p.input.reduce((a, b) => a * b, 1) : c;
      const where = text ? (p.input.length === 1 ? 'feature' : `channel (the ${p.convention === 'keras' ? 'last' : 'first'} axis of the input)`) : '';
      if (p.convention === 'keras') {
        const trainable = (flaw === 'bn-all-trainable' ? 4 : 2) * ch;
        const nonTrainable = flaw === 'bn-only-trainable' || flaw === 'bn-all-trainable' ? 0 : 2 * ch;
        if (text) {
          steps.push(`One γ, β, moving mean and moving variance per ${where}: C = ${c}.`);
          steps.push(`Trainable: γ and β = 2C = 2×${c} = ${trainable}.`);
          steps.push(`Non-trainable: moving mean and moving variance = 2C = 2×${c} = ${nonTrainable}.`);
          steps.push(`Total (as model.summary() counts) = 4C = ${trainable} + ${nonTrainable} = ${trainable + nonTrainable}.`);
        }
        return { params: trainable + nonTrainable, trainable, nonTrainable, steps };
      }
      const trainable = 2 * ch;
      const params = flaw === 'bn-buffers-as-params' ? 2 * trainable : trainable;
      const buffers = 2 * ch;
      if (text) {
        steps.push(`One weight (γ), bias (β), running_mean and running_var per ${where}: C = ${c}.`);
        steps.push(`Parameters (layer.parameters()): γ and β = 2C = 2×${c} = ${params}; all of them are trainable.`);
        steps.push(`Buffers (not parameters): running_mean and running_var = 2C = 2×${c} = ${buffers} numbers.`);
      }
      return { params, trainable, buffers, steps };
    }
    case 'embedding': {
      const v = flaw === 'embedding-seq-len' ? p.input[0]! : p.vocabSize!;
      const dim = p.embeddingDim!;
      const b = bias(false);
      const params = v * dim + b * dim;
      if (text) {
        steps.push(`An embedding is a lookup table with one row of ${dim} numbers per vocabulary entry; the sequence length (${p.input[0]}) does not matter and there is no bias.`);
        steps.push(`Parameters = vocabulary × dimension = ${v}×${dim} = ${params}.`);
      }
      return { params, steps };
    }
    case 'simple-rnn':
    case 'lstm':
    case 'gru': {
      const d = c;
      const u = p.units!;
      let g = GATES[p.layer]!;
      if (flaw === 'no-gates') g = 1;
      if (flaw === 'forgot-candidate' && g > 1) g -= 1;
      const twoBiases = (keras: boolean) => (keras ? p.layer === 'gru' && resetAfter(p) : true);
      let keras = p.convention === 'keras';
      // (A Keras GRU's "other framework" count is the reset_after mistake, listed on its own.)
      if (flaw === 'other-framework-bias' && p.layer !== 'gru') keras = !keras;
      let nb = twoBiases(keras) ? 2 : 1;
      if (flaw === 'wrong-reset-after' && p.layer === 'gru' && p.convention === 'keras') nb = 3 - nb;
      if (flaw === 'no-bias') nb = 0;
      const rec = flaw === 'no-recurrent' ? 0 : u;
      const params = g * u * (d + rec + nb);
      if (text) {
        const blocks = {
          'simple-rnn': 'one block',
          lstm: '4 blocks (input, forget, output gates and cell candidate), each',
          gru: '3 blocks (update, reset gates and candidate), each',
        }[p.layer];
        const biasText =
          p.convention === 'pytorch'
            ? 'two bias vectors b_ih and b_hh'
            : p.layer === 'gru'
              ? resetAfter(p)
                ? 'two bias vectors (input and recurrent: reset_after=True)'
                : 'one bias vector (reset_after=False)'
              : 'one bias vector';
        steps.push(`d = ${d} input features, u = ${u} units; ${blocks} with an input kernel d×u, a recurrent kernel u×u and ${biasText}.`);
        const gText = g === 1 ? '' : `${g}×`;
        const formula = `${g === 1 ? '' : `${g}·`}u·(d + u${nb ? ` + ${nb === 1 ? '1' : nb}` : ''})`;
        steps.push(`Parameters = ${formula} = ${gText}${u}×(${d} + ${rec}${nb ? ` + ${nb}` : ''}) = ${gText}${u}×${d + rec + nb} = ${params}.`);
      }
      return { params, steps };
    }
  }
}

function solveWith(p: P, flaw?: FlawId): Solution {
  const r = count(p, flaw);
  const parts: Part[] = [{ id: 'params', label: p.convention === 'pytorch' ? 'Number of parameters (layer.parameters())' : 'Total number of parameters', answer: scalar(r.params) }];
  if (r.trainable !== undefined) parts.push({ id: 'trainable', label: 'Trainable parameters', answer: scalar(r.trainable) });
  if (r.nonTrainable !== undefined) parts.push({ id: 'nonTrainable', label: 'Non-trainable parameters', answer: scalar(r.nonTrainable) });
  if (r.buffers !== undefined) parts.push({ id: 'buffers', label: 'Numbers held in buffers (running_mean + running_var)', answer: scalar(r.buffers) });
  return { parts, steps: r.steps };
}

// ---------- generation ----------

function pickLayer(rng: Rng, difficulty: Difficulty): { layer: LayerKind; convention: P['convention'] } {
  if (difficulty === 1) return { layer: rng.pick(['dense', 'conv2d'] as const), convention: 'keras' };
  if (difficulty === 2)
    return {
      layer: rng.weighted<LayerKind>([['dense', 1], ['conv2d', 1.5], ['conv1d', 1.5], ['batchnorm', 1], ['embedding', 1], ['simple-rnn', 1], ['lstm', 1.5]]),
      convention: 'keras',
    };
  const convention = rng.bool(0.5) ? 'keras' : 'pytorch';
  const layer = rng.weighted<LayerKind>([
    ['depthwise-conv2d', 1.5],
    ['separable-conv2d', convention === 'keras' ? 2 : 0],
    ['gru', 2.5],
    ['lstm', 1],
    ['simple-rnn', 1],
    ['batchnorm', 1],
    ['dense', 0.7],
    ['conv2d', 0.7],
    ['conv1d', 0.5],
    ['embedding', 0.3],
  ]);
  return { layer, convention };
}

function pickParams(rng: Rng, difficulty: Difficulty): P {
  const { layer, convention } = pickLayer(rng, difficulty);
  const chanFirst = convention === 'pytorch';
  const image = (c: number) => {
    const side = rng.pick([28, 32, 56, 64, 112, 224]);
    return chanFirst ? [c, side, side] : [side, side, c];
  };
  const biasChoice = () => (difficulty === 1 ? undefined : rng.bool(0.3) ? false : undefined);
  switch (layer) {
    case 'dense': {
      const d = rng.pick([8, 10, 12, 16, 20, 24, 32, 40, 48, 50, 64, 84, 96, 100, 120, 128, 200, 256, 300, 400, 500, 512, 784, 1000, 1024, 2048, 3776]);
      const seq = difficulty === 3 && rng.bool(0.6);
      return { layer, convention, input: seq ? [rng.pick([10, 20, 50, 100]), d] : [d], units: rng.pick([1, 2, 3, 4, 5, 8, 10, 16, 20, 24, 32, 40, 50, 64, 84, 100, 120, 128, 200, 256, 512]), bias: biasChoice() };
    }
    case 'conv2d': {
      const k = rng.pick(difficulty === 1 ? [3, 5] : [1, 1, 3, 3, 5, 7]);
      return { layer, convention, input: image(rng.pick([1, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256])), filters: rng.pick([4, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 256]), kernel: k, bias: biasChoice() };
    }
    case 'conv1d': {
      const c = rng.pick([1, 2, 3, 4, 6, 7, 8, 12, 16, 24, 32, 64]);
      const len = rng.pick([50, 100, 128, 249, 500, 1000]);
      return { layer, convention, input: chanFirst ? [c, len] : [len, c], filters: rng.pick([4, 8, 10, 16, 20, 32, 64, 128]), kernel: rng.pick([2, 3, 4, 5, 7, 9, 11]), bias: biasChoice() };
    }
    case 'depthwise-conv2d':
      return { layer, convention, input: image(rng.pick([16, 32, 64, 128, 256])), kernel: rng.pick([3, 3, 5]), depthMultiplier: rng.pick([1, 1, 2, 3]), bias: biasChoice() };
    case 'separable-conv2d':
      return {
        layer,
        convention,
        input: image(rng.pick([16, 32, 64, 128])),
        filters: rng.pick([32, 64, 128, 256]),
        kernel: rng.pick([3, 3, 5]),
        depthMultiplier: rng.pick([1, 1, 2]),
        bias: biasChoice(),
      };
    case 'batchnorm': {
      const c = rng.pick([8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]);
      const form = rng.pick(['dense', 'image', 'image', 'sequence'] as const);
      const input = form === 'dense' ? [c] : form === 'image' ? image(c) : chanFirst ? [c, rng.pick([50, 100])] : [rng.pick([50, 100]), c];
      return { layer, convention, input };
    }
    case 'embedding':
      return { layer, convention, input: [rng.pick([10, 20, 50, 100, 200])], vocabSize: rng.pick([1000, 2000, 5000, 10000, 20000]), embeddingDim: rng.pick([8, 16, 32, 50, 64, 100, 128]) };
    case 'simple-rnn':
    case 'lstm':
    case 'gru':
      return {
        layer,
        convention,
        input: [rng.pick([10, 20, 30, 50, 100]), rng.pick([1, 2, 3, 4, 5, 8, 10, 12, 16, 20, 32, 50, 64, 100, 128])],
        units: rng.pick([4, 8, 10, 12, 16, 20, 24, 32, 40, 50, 64, 100, 128, 256]),
        ...(layer === 'gru' && convention === 'keras' ? { resetAfter: rng.bool(0.5) } : {}),
      };
  }
}

function generate(rng: Rng, o: { difficulty: Difficulty }): P {
  for (let attempt = 0; attempt < 50; attempt++) {
    const raw = pickParams(rng.fork(attempt), o.difficulty);
    // Drop undefined optionals so the params object is clean JSON.
    const candidate = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
    const parsed = paramsSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  throw new GenerationError('layer-param-count: no valid instance in 50 attempts');
}

// ---------- statement ----------

function fmtInput(dims: readonly number[]): string {
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

function axesText(p: P): string {
  const r = p.input.length;
  if (p.layer === 'embedding') return 'token indices';
  if (p.layer === 'dense') return r === 1 ? 'features' : 'time steps, features';
  if (RNNS.includes(p.layer)) return 'time steps, features';
  const keras = p.convention === 'keras';
  if (r === 1) return 'features';
  if (r === 2) return keras ? 'length, channels' : 'channels, length';
  return keras ? 'height, width, channels' : 'channels, height, width';
}

function layerText(p: P): string {
  const k = p.kernel;
  const noBias = p.bias === false;
  if (p.convention === 'keras') {
    const b = noBias ? ', use_bias=False' : '';
    switch (p.layer) {
      case 'dense':
        return `Dense(units=${p.units}${b})`;
      case 'conv1d':
        return `Conv1D(filters=${p.filters}, kernel_size=${k}${b})`;
      case 'conv2d':
        return `Conv2D(filters=${p.filters}, kernel_size=(${k}, ${k})${b})${k === 1 ? ' (a 1×1 convolution)' : ''}`;
      case 'depthwise-conv2d':
        return `DepthwiseConv2D(kernel_size=(${k}, ${k}), depth_multiplier=${p.depthMultiplier ?? 1}${b})`;
      case 'separable-conv2d':
        return `SeparableConv2D(filters=${p.filters}, kernel_size=(${k}, ${k}), depth_multiplier=${p.depthMultiplier ?? 1}${b})`;
      case 'batchnorm':
        return 'BatchNormalization() (default axis=-1, center=True, scale=True)';
      case 'embedding':
        return `Embedding(input_dim=${p.vocabSize}, output_dim=${p.embeddingDim})`;
      case 'simple-rnn':
        return `SimpleRNN(units=${p.units})`;
      case 'lstm':
        return `LSTM(units=${p.units})`;
      case 'gru':
        return `GRU(units=${p.units}, reset_after=${resetAfter(p) ? 'True' : 'False'})`;
    }
  }
  const b = noBias ? ', bias=False' : '';
  const c = channels(p);
  switch (p.layer) {
    case 'dense':
      return `nn.Linear(in_features=${c}, out_features=${p.units}${b})`;
    case 'conv1d':
      return `nn.Conv1d(in_channels=${c}, out_channels=${p.filters}, kernel_size=${k}${b})`;
    case 'conv2d':
      return `nn.Conv2d(in_channels=${c}, out_channels=${p.filters}, kernel_size=${k}${b})${k === 1 ? ' (a 1×1 convolution)' : ''}`;
    case 'depthwise-conv2d':
      return `nn.Conv2d(in_channels=${c}, out_channels=${c * (p.depthMultiplier ?? 1)}, kernel_size=${k}, groups=${c}${b}) (a depthwise convolution)`;
    case 'separable-conv2d':
      throw new Error('unreachable: the schema rejects PyTorch separable convolutions');
    case 'batchnorm':
      return `nn.BatchNorm${p.input.length === 3 ? '2d' : '1d'}(num_features=${c}) (default affine=True, track_running_stats=True)`;
    case 'embedding':
      return `nn.Embedding(num_embeddings=${p.vocabSize}, embedding_dim=${p.embeddingDim})`;
    case 'simple-rnn':
      return `nn.RNN(input_size=${c}, hidden_size=${p.units}) (one layer, unidirectional)`;
    case 'lstm':
      return `nn.LSTM(input_size=${c}, hidden_size=${p.units}) (one layer, unidirectional)`;
    case 'gru':
      return `nn.GRU(input_size=${c}, hidden_size=${p.units}) (one layer, unidirectional)`;
  }
}

function conventionText(p: P): string {
  if (p.convention === 'keras') {
    const base = 'Keras/TensorFlow 2 counting, as model.summary() reports it: every weight tensor of the layer counts, trainable or not.';
    if (p.layer === 'batchnorm') return `${base} BatchNormalization stores γ and β (trainable) and the moving mean and moving variance (non-trainable), one of each per channel.`;
    if (p.layer === 'gru')
      return `${base} Keras RNN layers have one bias vector per block, except GRU with reset_after=True (the TF2 default), which keeps a second, recurrent bias vector.`;
    if (RNNS.includes(p.layer)) return `${base} Keras RNN layers have one bias vector per block (no separate recurrent bias).`;
    if (p.layer === 'separable-conv2d') return `${base} SeparableConv2D = a depthwise step without bias followed by a 1×1 pointwise convolution (with one bias per filter when use_bias=True).`;
    return base;
  }
  const base = 'PyTorch counting: sum(p.numel() for p in layer.parameters()).';
  if (p.layer === 'batchnorm') return `${base} BatchNorm's weight (γ) and bias (β) are parameters; running_mean and running_var are buffers, not parameters (the num_batches_tracked counter is ignored).`;
  if (RNNS.includes(p.layer)) return `${base} PyTorch RNN layers keep two bias vectors per block, b_ih and b_hh.`;
  return base;
}

function statement(p: P): Statement {
  const what =
    p.layer === 'batchnorm'
      ? p.convention === 'keras'
        ? 'How many parameters does this layer have in total, how many of them are trainable and how many are non-trainable?'
        : 'How many parameters does this layer have, how many of them are trainable, and how many numbers do its running-statistics buffers (running_mean and running_var) hold?'
      : 'How many parameters does this layer have?';
  const framework = p.convention === 'keras' ? 'Keras layer' : 'PyTorch layer';
  return {
    text: `The ${framework} ${layerText(p)} receives an input of shape ${fmtInput(p.input)} (${axesText(p)}; batch dimension omitted). ${what}`,
    convention: conventionText(p),
  };
}

// ---------- independent check with real tf.layers ----------

type TfLayer = TfModule.layers.Layer;

function buildTfLayer(p: P, tf: TF): { layer: TfLayer; shape: number[]; what: string } {
  const useBiasTf = p.bias ?? true;
  // The tfjs layers are channels-last: move PyTorch's channel axis to the end.
  const keras = p.convention === 'keras';
  const channelsLastShape = (): number[] => (keras || p.input.length === 1 ? [...p.input] : [...p.input.slice(1), p.input[0]!]);
  switch (p.layer) {
    case 'dense':
      return { layer: tf.layers.dense({ units: p.units!, useBias: useBiasTf }), shape: [...p.input], what: 'dense' };
    case 'conv1d':
      return { layer: tf.layers.conv1d({ filters: p.filters!, kernelSize: p.kernel!, padding: 'same', useBias: useBiasTf }), shape: channelsLastShape(), what: 'conv1d' };
    case 'conv2d':
      return { layer: tf.layers.conv2d({ filters: p.filters!, kernelSize: p.kernel!, padding: 'same', useBias: useBiasTf }), shape: channelsLastShape(), what: 'conv2d' };
    case 'depthwise-conv2d':
      return {
        layer: tf.layers.depthwiseConv2d({ kernelSize: p.kernel!, depthMultiplier: p.depthMultiplier ?? 1, padding: 'same', useBias: useBiasTf }),
        shape: channelsLastShape(),
        what: 'depthwiseConv2d',
      };
    case 'separable-conv2d':
      return {
        layer: tf.layers.separableConv2d({ filters: p.filters!, kernelSize: p.kernel!, depthMultiplier: p.depthMultiplier ?? 1, padding: 'same', useBias: useBiasTf }),
        shape: channelsLastShape(),
        what: 'separableConv2d',
      };
    case 'batchnorm':
      return { layer: tf.layers.batchNormalization({ axis: -1 }), shape: channelsLastShape(), what: 'batchNormalization' };
    case 'embedding':
      return { layer: tf.layers.embedding({ inputDim: p.vocabSize!, outputDim: p.embeddingDim! }), shape: [...p.input], what: 'embedding' };
    case 'simple-rnn':
      return { layer: tf.layers.simpleRNN({ units: p.units! }), shape: [...p.input], what: 'simpleRNN' };
    case 'lstm':
      return { layer: tf.layers.lstm({ units: p.units! }), shape: [...p.input], what: 'lstm' };
    case 'gru':
      // tfjs throws on resetAfter: true — build the reset_after=False layer and add the second bias below.
      return { layer: tf.layers.gru({ units: p.units! }) /* tfjs default: reset_after=False */, shape: [...p.input], what: 'gru' };
  }
}

async function verify(p: P, s: Solution, tf: TF) {
  const { layer, shape, what } = buildTfLayer(p, tf);
  // Zeros instead of random/orthogonal initialisers: only the weight shapes matter here.
  layer.setFastWeightInitDuringBuild(true);
  try {
    layer.apply(tf.input({ shape }));
    const numel = (ws: { shape: number[] }[]) => ws.reduce((acc, w) => acc + w.shape.reduce((a, b) => a * b, 1), 0);
    const total = layer.countParams();
    const trainable = numel(layer.trainableWeights as unknown as { shape: number[] }[]);
    const nonTrainable = numel(layer.nonTrainableWeights as unknown as { shape: number[] }[]);
    // The tfjs RNN layers hold one bias vector (the rank-1 weight); the second one that PyTorch
    // (b_hh) and Keras GRU reset_after=True (recurrent bias) add has exactly the same size.
    const biasVector = numel((layer.weights as unknown as { shape: number[] }[]).filter((w) => w.shape.length === 1));
    const computed: Record<string, number> = {};
    let method = `tf.layers.${what} on a symbolic input: countParams()`;
    if (RNNS.includes(p.layer)) {
      const second = p.convention === 'pytorch' || (p.layer === 'gru' && (p.resetAfter ?? true));
      computed['params'] = total + (second ? biasVector : 0);
      if (second) method += ` + a second bias vector of the real layer's bias size (${p.convention === 'pytorch' ? 'PyTorch b_hh' : 'Keras GRU reset_after=True recurrent bias'})`;
    } else if (p.layer === 'batchnorm') {
      if (p.convention === 'keras') {
        computed['params'] = total;
        computed['trainable'] = trainable;
        computed['nonTrainable'] = nonTrainable;
        method += ', trainableWeights, nonTrainableWeights';
      } else {
        // PyTorch: parameters = the trainable γ, β; buffers = the moving statistics.
        computed['params'] = trainable;
        computed['trainable'] = trainable;
        computed['buffers'] = nonTrainable;
        method = `tf.layers.${what}: trainableWeights (PyTorch parameters) and nonTrainableWeights (PyTorch buffers)`;
      }
    } else {
      computed['params'] = total;
    }
    // Integer counts: compare exactly (the default float tolerance is relative).
    return compareParts(s, computed, method, { abs: 0.5, rel: 0 });
  } finally {
    if (layer.built) layer.dispose();
  }
}

export const layerParamCount: Family<LayerParamCountParams> = {
  id: 'layer-param-count',
  title: 'Parameters of one layer',
  topic: 'params',
  description: 'Parameter count of one Dense, Conv1D/2D, depthwise/separable conv, BatchNorm, Embedding, SimpleRNN, LSTM or GRU layer (Keras or PyTorch counting).',
  params: paramsSchema,
  answerKinds: ['scalar'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
