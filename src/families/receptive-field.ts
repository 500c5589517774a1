/**
 * Receptive field of one output unit after a stack of 2–6 conv / pooling layers (1-D, or 2-D with
 * square kernels: the field is r × r, asked per axis), with kernel k, stride s and dilation d:
 *   k_eff = d(k − 1) + 1,   r_l = r_{l−1} + (k_eff − 1)·j_{l−1},   j_l = j_{l−1}·s_l,   r_0 = j_0 = 1.
 * Parts: the receptive field r of the last layer, optionally its jump j (effective stride, in input
 * pixels) and the receptive field after every layer as a vector. Padding does not change the
 * (theoretical) receptive field of a unit away from the borders, so it is not a parameter.
 *
 * verify(): back-propagation through the real stack, built from tf ops on a [1, N, N, 1] input
 * ([1, N, 1, 1] in 1-D) just large enough for the output units used, with 'valid' windows: tf.conv2d
 * with an all-ones kernel for convs — dilated ones built as TensorFlow does (spaceToBatchND → dense
 * conv2d → batchToSpaceND; tfjs has no conv2d gradient for dilation > 1) and a stride on a dilated
 * layer as a strided 1×1 all-ones conv (= keep every s-th output) — and tf.avgPool for pooling layers
 * (a max pool reads the same window, but its gradient only reaches the arg-max). tf.grad of one output
 * unit w.r.t. the input is positive exactly on the receptive field: r = max − min + 1 of its support
 * along each axis, the jump = how far the support moves for the next output unit.
 */
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { z } from 'zod';
import { scalar, vector, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

const LAYER_TYPES = ['conv', 'maxpool', 'avgpool'] as const;
type LayerType = (typeof LAYER_TYPES)[number];

const layerSchema = z.object({
  type: z.enum(LAYER_TYPES),
  /** Kernel / pool size k (k × k in 2-D). */
  kernel: z.int().min(1).max(15),
  stride: z.int().min(1).max(4),
  /** Conv layers only. */
  dilation: z.int().min(1).max(4).default(1),
});

export type RfLayer = z.output<typeof layerSchema>;

/** Largest canvas side verify() may need (N = r + 2j in input pixels): keeps the 2-D check fast. */
const MAX_CANVAS = { 1: 4000, 2: 200 } as const;

const paramsSchema = z
  .object({
    /** 1 = a 1-D signal, 2 = an image with square kernels (the receptive field is r × r). */
    dims: z.union([z.literal(1), z.literal(2)]),
    layers: z.array(layerSchema).min(2).max(6),
    /** Also ask for the jump (effective stride) of the last layer. */
    askJump: z.boolean().default(true),
    /** Also ask for the receptive field after each layer (a vector). */
    askPerLayer: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    p.layers.forEach((l, i) => {
      if (l.type !== 'conv' && l.dilation !== 1) issue(['layers', i, 'dilation'], `layer ${i + 1}: dilation is only supported for conv layers`);
      if (l.type !== 'conv' && l.kernel < 2) issue(['layers', i, 'kernel'], `layer ${i + 1}: a pooling window must be at least 2 wide`);
      if (l.type !== 'conv' && l.stride > l.kernel) issue(['layers', i, 'stride'], `layer ${i + 1}: a pooling stride larger than the window skips input pixels`);
    });
    const { rf, jump } = run(p.layers);
    const canvas = rf[rf.length - 1]! + 2 * jump[jump.length - 1]!;
    if (canvas > MAX_CANVAS[p.dims])
      issue(['layers'], `the receptive field is too large to verify (${rf[rf.length - 1]} input pixels; at most ${MAX_CANVAS[p.dims] - 2 * jump[jump.length - 1]!} for dims ${p.dims})`);
  });

export type ReceptiveFieldParams = z.output<typeof paramsSchema>;

type FlawId = 'no-jump' | 'multiply-kernels' | 'ignore-dilation' | 'off-by-one' | 'own-stride' | 'jump-after-stride';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'no-jump',
    label: 'added the kernel sizes without the strides (forgot the jump)',
    feedback: 'After a stride-s layer, neighbouring units are s input pixels apart, so one step of a later kernel covers j = product of the earlier strides input pixels: r grows by (k_eff − 1)·j, not by k_eff − 1.',
  },
  { id: 'multiply-kernels', label: 'multiplied the kernel sizes', feedback: 'Receptive fields grow additively: each layer adds (k_eff − 1)·j input pixels; they do not multiply.' },
  { id: 'ignore-dilation', label: 'ignored the dilation', feedback: 'A dilated kernel spans k_eff = d(k − 1) + 1 positions of its input, not k.' },
  { id: 'off-by-one', label: 'added k_eff·j instead of (k_eff − 1)·j', feedback: 'A kernel of size k adds k − 1 new positions to the r it already sees: r_l = r_{l−1} + (k_eff − 1)·j_{l−1}.' },
  {
    id: 'own-stride',
    label: "used the layer's own stride instead of the accumulated jump",
    feedback: 'The spacing of a layer\'s inputs is the jump j_{l−1} = s_1·s_2·…·s_{l−1} of all earlier layers, not the stride of the layer itself.',
  },
  {
    id: 'jump-after-stride',
    label: "included the layer's own stride in its jump",
    feedback: 'A layer\'s kernel steps over its inputs, whose spacing is j_{l−1}; its own stride only affects the next layers: r_l = r_{l−1} + (k_eff − 1)·j_{l−1}.',
  },
];

/** The exact recursion (integers only), with an optional flaw: the mutant solver. */
function run(layers: readonly RfLayer[], flaw?: FlawId): { rf: number[]; jump: number[]; keff: number[] } {
  let r = 1;
  let j = 1;
  const rf: number[] = [];
  const jump: number[] = [];
  const keff: number[] = [];
  for (const l of layers) {
    const k = flaw === 'ignore-dilation' ? l.kernel : l.dilation * (l.kernel - 1) + 1;
    keff.push(k);
    const jOut = j * l.stride;
    switch (flaw) {
      case 'no-jump':
        r += k - 1;
        break;
      case 'multiply-kernels':
        r *= k;
        break;
      case 'off-by-one':
        r += k * j;
        break;
      case 'own-stride':
        r += (k - 1) * l.stride;
        break;
      case 'jump-after-stride':
        r += (k - 1) * jOut;
        break;
      default:
        r += (k - 1) * j;
    }
    j = jOut;
    rf.push(r);
    // "own stride" also answers the jump question with the last layer's stride alone.
    jump.push(flaw === 'own-stride' ? l.stride : j);
  }
  return { rf, jump, keff };
}

const TYPE_NAME: Record<LayerType, string> = { conv: 'Conv', maxpool: 'Max pool', avgpool: 'Avg pool' };

const side = (p: ReceptiveFieldParams, k: number) => (p.dims === 2 ? `${k}×${k}` : `${k}`);

function solveWith(p: ReceptiveFieldParams, flaw?: FlawId): Solution {
  const { rf, jump, keff } = run(p.layers, flaw);
  const L = p.layers.length;
  const unit = p.dims === 2 ? 'pixels' : 'samples';
  const steps: string[] = [`Start from one input ${unit.slice(0, -1)}: r₀ = 1, j₀ = 1 (r = receptive field, j = jump = distance in input ${unit} between neighbouring units).`];
  let rPrev = 1;
  let jPrev = 1;
  p.layers.forEach((l, i) => {
    const n = i + 1;
    const head = `Layer ${n} (${TYPE_NAME[l.type].toLowerCase()} ${side(p, l.kernel)}, stride ${l.stride}${l.dilation > 1 ? `, dilation ${l.dilation}` : ''}): `;
    const kText = l.dilation > 1 ? `k_eff = d(k − 1) + 1 = ${l.dilation}·(${l.kernel} − 1) + 1 = ${keff[i]}; ` : '';
    steps.push(
      `${head}${kText}r_${n} = r_${n - 1} + (k${l.dilation > 1 ? '_eff' : ''} − 1)·j_${n - 1} = ${rPrev} + ${keff[i]! - 1}·${jPrev} = ${rf[i]}; j_${n} = j_${n - 1}·s = ${jPrev}·${l.stride} = ${jump[i]}.`,
    );
    rPrev = rf[i]!;
    jPrev = jump[i]!;
  });
  const r = rf[L - 1]!;
  steps.push(
    p.dims === 2
      ? `Receptive field of one unit of the last layer: ${r}×${r} input pixels (r = ${r} per axis).`
      : `Receptive field of one unit of the last layer: ${r} input samples.`,
  );
  if (p.askJump) steps.push(`Jump of the last layer: j_${L} = ${p.layers.map((l) => l.stride).join('·')} = ${jump[L - 1]} input ${p.dims === 2 ? 'pixels' : 'samples'}.`);
  const parts: Part[] = [{ id: 'rf', label: p.dims === 2 ? 'Receptive field r (the field is r × r input pixels)' : 'Receptive field r (input samples)', answer: scalar(r) }];
  if (p.askJump) parts.push({ id: 'jump', label: 'Jump (effective stride) of the last layer, in input pixels', answer: scalar(jump[L - 1]!) });
  if (p.askPerLayer) parts.push({ id: 'rfPerLayer', label: `Receptive field after each layer [r_1, …, r_${L}]`, answer: vector(rf) });
  return { parts, steps };
}

// ---------- generation ----------

function pickLayer(rng: Rng, difficulty: Difficulty): RfLayer {
  const conv = rng.bool(difficulty === 1 ? 0.65 : 0.7);
  if (conv) {
    const kernel = difficulty === 1 ? rng.pick([3, 3, 5]) : difficulty === 2 ? rng.pick([1, 3, 3, 3, 5, 7]) : rng.pick([3, 3, 5, 7]);
    const stride = difficulty === 1 ? 1 : difficulty === 2 ? rng.pick([1, 1, 2]) : rng.pick([1, 1, 2, 2, 3]);
    const dilation = difficulty === 3 && kernel > 1 && rng.bool(0.35) ? rng.pick([2, 2, 3]) : 1;
    return { type: 'conv', kernel, stride, dilation };
  }
  const type: LayerType = difficulty === 1 ? 'maxpool' : rng.bool(0.7) ? 'maxpool' : 'avgpool';
  const kernel = difficulty === 1 ? 2 : rng.pick([2, 2, 3]);
  const stride = kernel === 3 ? rng.pick([2, 3]) : 2;
  return { type, kernel, stride, dilation: 1 };
}

function candidate(rng: Rng, difficulty: Difficulty): ReceptiveFieldParams {
  const n = difficulty === 1 ? rng.int(2, 3) : difficulty === 2 ? rng.int(3, 5) : rng.int(4, 6);
  const layers = Array.from({ length: n }, (_, i) => pickLayer(rng.fork(`layer${i}`), difficulty));
  // A CNN starts with a convolution.
  if (layers[0]!.type !== 'conv') layers[0] = { type: 'conv', kernel: difficulty === 1 ? 3 : rng.pick([3, 5, 7]), stride: 1, dilation: 1 };
  return {
    dims: rng.bool(difficulty === 3 ? 0.35 : 0.5) ? 2 : 1,
    layers,
    askJump: difficulty > 1,
    askPerLayer: difficulty === 3 ? rng.bool(0.7) : difficulty === 2 ? rng.bool(0.35) : false,
  };
}

/** The jump matters: some stride > 1 is followed by a layer that widens the field. */
function jumpMatters(layers: readonly RfLayer[]): boolean {
  return layers.some((l, i) => l.stride > 1 && layers.slice(i + 1).some((m) => m.kernel > 1));
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ReceptiveFieldParams {
  const maxRf = { 1: 40, 2: 90, 3: 160 }[o.difficulty];
  for (let attempt = 0; attempt < 200; attempt++) {
    const parsed = paramsSchema.safeParse(candidate(rng.fork(attempt), o.difficulty));
    if (!parsed.success) continue;
    const p = parsed.data;
    if (!jumpMatters(p.layers)) continue;
    const { rf, jump } = run(p.layers);
    const r = rf[rf.length - 1]!;
    const j = jump[jump.length - 1]!;
    // 2-D checks run on an N×N canvas (N ≈ r + 2j): keep images small so verify() stays fast.
    if (r > (p.dims === 2 ? Math.min(maxRf, 40) : maxRf) || j > (p.dims === 2 ? 8 : 16)) continue;
    if (o.difficulty === 3 && !p.layers.some((l) => l.dilation > 1)) continue;
    return p;
  }
  throw new GenerationError('receptive-field: no valid instance in 200 attempts');
}

// ---------- statement ----------

function statement(p: ReceptiveFieldParams): Statement {
  const dilated = p.layers.some((l) => l.dilation > 1);
  const header = ['Layer', 'Type', p.dims === 2 ? 'Kernel / pool' : 'Kernel / pool size', 'Stride', ...(dilated ? ['Dilation'] : [])];
  const rows = p.layers.map((l, i) => [String(i + 1), TYPE_NAME[l.type], side(p, l.kernel), String(l.stride), ...(dilated ? [l.type === 'conv' ? String(l.dilation) : '—'] : [])]);
  const blocks: Block[] = [{ kind: 'table', header, rows }];
  const L = p.layers.length;
  const unit = p.dims === 2 ? 'pixels' : 'samples';
  const asks: string[] = [
    p.dims === 2
      ? 'the receptive field of one unit (one pixel of one feature map) of the last layer: it is r×r input pixels — give r'
      : 'the receptive field r of one unit of the last layer, in input samples',
  ];
  if (p.askJump)
    asks.push(
      `the jump (effective stride) of the last layer: by how many input ${unit} the receptive field moves when you go to the neighbouring unit${p.dims === 2 ? ' in the same row' : ''}`,
    );
  if (p.askPerLayer) asks.push(`the receptive field after every layer, as a vector [r_1, …, r_${L}]`);
  const letters = ['(a)', '(b)', '(c)'];
  return {
    text:
      `A ${p.dims === 2 ? '2-D CNN applies the layers below, in this order, to an input image (kernels and pooling windows are square: 3×3 means 3 pixels in each direction)' : '1-D CNN applies the layers below, in this order, to an input signal'}. ` +
      `Consider a unit of the last layer's output away from the borders, so padding plays no role. Compute ` +
      asks.map((a, i) => `${letters[i]} ${a}`).join('; ') +
      '.',
    blocks,
    convention:
      'Theoretical receptive field: the span from the first to the last input position that can influence the unit (positions skipped by a dilated kernel inside that span count). ' +
      'Pooling layers count like convolutions with kernel = pool size; a dilation d spreads the k taps of a kernel d positions apart. Channels do not matter.',
  };
}

// ---------- verification ----------

/** Support [min, max] of the positive entries of a [rows × cols] gradient along each axis. */
function support(data: ArrayLike<number>, rows: number, cols: number): { r0: number; r1: number; c0: number; c1: number } {
  let r0 = Infinity;
  let r1 = -Infinity;
  let c0 = Infinity;
  let c1 = -Infinity;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      if (data[r * cols + c]! > 0) {
        if (r < r0) r0 = r;
        if (r > r1) r1 = r;
        if (c < c0) c0 = c;
        if (c > c1) c1 = c;
      }
    }
  return { r0, r1, c0, c1 };
}

async function verify(p: ReceptiveFieldParams, s: Solution, tf: TF) {
  const twoD = p.dims === 2;
  // One layer as tf ops; all weights positive, so gradients cannot cancel.
  const apply = (x: Tensor4D, l: RfLayer): Tensor4D => {
    const win: [number, number] = twoD ? [l.kernel, l.kernel] : [l.kernel, 1];
    const str: [number, number] = twoD ? [l.stride, l.stride] : [l.stride, 1];
    if (l.type !== 'conv') return tf.avgPool(x, win, str, 'valid');
    if (l.dilation === 1) return tf.conv2d(x, tf.ones([...win, 1, 1]) as Tensor4D, str, 'valid');
    // Dilated ("atrous") conv the way TensorFlow builds it: split the input into d×d phases
    // (spaceToBatchND), run the dense all-ones kernel on each phase, interleave the results back.
    // Zero padding at the end makes the size divisible by d; the crop removes the outputs it adds.
    const d = l.dilation;
    const block = twoD ? [d, d] : [d, 1];
    const [, h, w] = x.shape;
    const pads = [
      [0, (d - (h % d)) % d],
      [0, twoD ? (d - (w % d)) % d : 0],
    ];
    const phases = tf.spaceToBatchND(x, block, pads) as Tensor4D;
    const y = tf.batchToSpaceND(tf.conv2d(phases, tf.ones([...win, 1, 1]) as Tensor4D, 1, 'valid'), block, pads) as Tensor4D;
    if (l.stride === 1) return y;
    // Keep every s-th output (tfjs has no gradient for stridedSlice): a strided 1×1 all-ones conv.
    return tf.conv2d(y, tf.ones([1, 1, 1, 1]) as Tensor4D, str, 'valid');
  };
  const stack = (x: Tensor4D, upTo: number): Tensor4D => p.layers.slice(0, upTo).reduce(apply, x);

  // Canvas for the stack truncated after `upTo` layers: the smallest input giving `units` output
  // units per axis with 'valid' windows (the shape rule run backwards). tf itself then checks that
  // the output really has those units (slice throws otherwise). Each prefix gets its own canvas.
  const canvas = (upTo: number, units: number) => {
    let n = units;
    for (const l of p.layers.slice(0, upTo).reverse()) n = (n - 1) * l.stride + l.dilation * (l.kernel - 1) + 1;
    return n;
  };
  const units = p.askJump ? 2 : 1;

  /** Support of the gradient of one output unit of the stack truncated after `upTo` layers. */
  const gradOf = (upTo: number, pick: () => [number, number]) => {
    const n = canvas(upTo, units);
    const shape: [number, number, number, number] = [1, n, twoD ? n : 1, 1];
    const g = tf.tidy(() => {
      const x = tf.ones(shape) as Tensor4D;
      const f = (t: Tensor) => {
        const y = stack(t as Tensor4D, upTo);
        const [i, j] = pick();
        return y.slice([0, i, j, 0], [1, 1, 1, 1]).sum();
      };
      return tf.grad(f)(x);
    });
    const data = g.dataSync();
    g.dispose();
    return support(data, n, shape[2]);
  };
  const L = p.layers.length;
  const span = (sp: ReturnType<typeof support>) => {
    const rows = sp.r1 - sp.r0 + 1;
    const colsSpan = sp.c1 - sp.c0 + 1;
    // 2-D: both axes must agree (square kernels), else report a mismatch.
    return !twoD || rows === colsSpan ? rows : NaN;
  };

  // Unit (0, 0) and its diagonal neighbour (1, 1): with 'valid' windows every unit has its full field.
  const main = gradOf(L, () => [0, 0]);
  const computed: Record<string, number | number[]> = { rf: span(main) };
  if (p.askJump) {
    // Neighbouring unit diagonally: its support must move by the jump along both axes.
    const next = gradOf(L, () => [1, twoD ? 1 : 0]);
    const dr = next.r0 - main.r0;
    computed['jump'] = !twoD || next.c0 - main.c0 === dr ? dr : NaN;
  }
  if (p.askPerLayer) {
    const per: number[] = [];
    for (let l = 1; l < L; l++) per.push(span(gradOf(l, () => [0, 0])));
    per.push(computed['rf'] as number);
    computed['rfPerLayer'] = per;
  }
  return compareParts(
    s,
    computed,
    `tf.grad of one output unit of the real stack (tf.conv2d all-ones kernels, spaceToBatchND for dilation, tf.avgPool) on a [1, ${canvas(L, units)}, ${twoD ? canvas(L, units) : 1}, 1] input; receptive field = span of the non-zero gradient${p.askJump ? ', jump = shift of that span for the neighbouring unit' : ''}`,
  );
}

export const receptiveField: Family<ReceptiveFieldParams> = {
  id: 'receptive-field',
  title: 'Receptive field of a CNN stack',
  topic: 'cnn',
  description: 'Receptive field (and jump / effective stride) of one unit after 2–6 conv and pooling layers with kernel, stride and dilation, 1-D or 2-D.',
  params: paramsSchema,
  answerKinds: ['scalar', 'vector'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
