/**
 * The tensor backend used by every family's verify(): TensorFlow.js, initialised once per process.
 *
 * `@tensorflow/tfjs-node` is used when it happens to be installed (optional accelerator); the pure-JS
 * CPU backend of `@tensorflow/tfjs` is the default and what CI runs.
 */
import { createRequire } from 'node:module';
import type * as TfModule from '@tensorflow/tfjs';
import { toNumeric, type Numeric, type Solution } from '../core/answer.js';

// tfjs is CommonJS: require() loads it once. Through import() the ESM loader keeps a second copy of
// every bundle's source (~20 MB per thread) and takes twice as long.
const require = createRequire(import.meta.url);

export type TF = typeof TfModule;

/**
 * The package's own minified ES2017 build of the whole of `@tensorflow/tfjs` (core, layers, CPU
 * backend, chained ops, gradients: the same version and API as its `main`, tf.node.js). V8 keeps the
 * source of every script it loads: tf.node.js and the seven package bundles it requires hold
 * ~10 MB of source per thread, this one 1.1 MB; verification also runs ~8 % faster with it (1,000
 * variants of bench/bench-spec.yaml: 11.7 → 10.8 s, peak RSS 168 → 149 MB).
 */
export const TFJS_BUNDLE = '@tensorflow/tfjs/dist/tf.es2017.min.js';

let loading: Promise<TF> | undefined;

export function loadTf(): Promise<TF> {
  loading ??= (async () => {
    // tfjs prints a "use tfjs-node" banner through console.warn on first use; it is noise for a CLI.
    const warn = console.warn;
    console.warn = () => {};
    // tsx turns source maps on; then Node reads and keeps the source map of every tfjs bundle it loads
    // (tens of MB per thread). Stack traces inside tfjs need no mapping: off while tfjs loads.
    const maps = process.sourceMapsEnabled;
    if (maps) process.setSourceMapsEnabled(false);
    try {
      let tf: TF | undefined;
      if (process.env['DLEXAM_NO_TFJS_NODE'] !== '1') {
        try {
          tf = require('@tensorflow/tfjs-node') as TF;
        } catch {
          tf = undefined;
        }
      }
      tf ??= require(TFJS_BUNDLE) as TF;
      if (tf.getBackend() !== 'tensorflow') await tf.setBackend('cpu');
      await tf.ready();
      tf.tensor([0]).dispose(); // triggers the banner while it is muted
      return tf;
    } finally {
      console.warn = warn;
      if (maps) process.setSourceMapsEnabled(true);
    }
  })();
  return loading;
}

/** Result of a family's verify(): one row per part. */
export interface Check {
  ok: boolean;
  /** How the independent computation was done ("tf.layers.conv2d output shape", "tf.grad"). */
  method: string;
  parts: PartCheck[];
}

export interface PartCheck {
  id: string;
  ok: boolean;
  expected: Numeric;
  got: Numeric;
  note?: string;
}

/** Float32 tensors: compare with a tolerance, never exactly. */
export const FLOAT_TOL = { abs: 1e-4, rel: 1e-4 };

export function closeEnough(expected: Numeric, got: Numeric, tol = FLOAT_TOL): boolean {
  if (Array.isArray(expected) || Array.isArray(got)) {
    if (!Array.isArray(expected) || !Array.isArray(got) || expected.length !== got.length) return false;
    return expected.every((e, i) => closeEnough(e, got[i]!, tol));
  }
  if (typeof expected === 'number' && typeof got === 'number') {
    if (!Number.isFinite(got)) return false;
    return Math.abs(expected - got) <= Math.max(tol.abs, tol.rel * Math.abs(expected));
  }
  return expected === got;
}

/**
 * Compare each solved part with the value the tensor computation produced for it.
 * `computed` must have an entry for every part: a part nobody checked is a failed check.
 * Set-like answers (kind 'set' / 'labels') are compared unordered; `rounded` parts within half a
 * unit of their last printed place.
 */
export function compareParts(solution: Solution, computed: Record<string, Numeric>, method: string, tol = FLOAT_TOL): Check {
  const parts: PartCheck[] = solution.parts.map((part) => {
    let expected = toNumeric(part.answer);
    let got = computed[part.id];
    if (got === undefined) return { id: part.id, ok: false, expected, got: null, note: 'not verified' };
    // A stored rounded decimal matches the float it was rounded from within half a unit of its last place.
    const t = part.rounded && part.decimals !== undefined ? { abs: 0.5 * 10 ** -part.decimals + tol.abs, rel: tol.rel } : tol;
    if ((part.answer.kind === 'set' || part.answer.kind === 'labels') && Array.isArray(expected) && Array.isArray(got)) {
      expected = sortNumeric(expected);
      got = sortNumeric(got);
    }
    return { id: part.id, ok: closeEnough(expected, got, t), expected, got };
  });
  const unknown = Object.keys(computed).filter((k) => !solution.parts.some((p) => p.id === k));
  for (const id of unknown) parts.push({ id, ok: false, expected: null, got: computed[id]!, note: 'computed a part the solution lacks' });
  return { ok: parts.every((p) => p.ok), method, parts };
}

function sortNumeric(xs: Numeric[]): Numeric[] {
  return [...xs].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
}

/** Read a tensor into nested JS arrays and dispose it. */
export function take<T extends Numeric>(t: TfModule.Tensor): T {
  const v = t.arraySync() as T;
  t.dispose();
  return v;
}
