/**
 * Value and derivative of an activation function at given points: sigmoid, tanh, ReLU, leaky ReLU,
 * ELU, softplus and hard sigmoid (Keras 2 / TensorFlow.js or PyTorch / Keras 3), optionally with an
 * upstream gradient (∂L/∂z = ∂L/∂a · f′(z)).
 *
 * Exactness: sigmoid, tanh, ELU (z < 0) and softplus are transcendental at rational points, so the
 * points are stated in a form that makes the answer exact:
 *   - `{ z }`      a rational pre-activation (piecewise-linear activations; 0 for the smooth ones),
 *   - `{ lnOf: u }` z = ln u, so e^z = u is rational: σ(ln u) = u/(1 + u), ELU(ln u) = α(u − 1), …
 *   - `{ given }`  the output σ(z) or tanh(z) is given (σ′ = σ(1 − σ), tanh′ = 1 − tanh²).
 * The only irrational answers are softplus values ln(1 + u): printed to `decimals` places, the key
 * holding the correctly rounded decimal (decided with 40-digit arithmetic, see roundedLn()).
 *
 * verify(): reconstructs the float z (ln u, logit(σ), atanh(t)) and runs the real tf ops
 * (tf.sigmoid, tf.tanh, tf.relu, tf.leakyRelu, tf.elu, tf.softplus, the tf.layers 'hardSigmoid'
 * activation, relu6) with tf.grad for f′(z) and ∂L/∂z.
 */
import { z } from 'zod';
import { scalar, vector, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtQ, q, ONE, ZERO, type Fraction } from '../core/exact.js';
import { fmtFixed, lnText, roundedLn } from '../core/logs.js';
import type { Rng } from '../core/rng.js';
import type { Numeric } from '../core/answer.js';
import { compareParts, type Check, type TF } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import { isRationalText, rationalText } from './schemas.js';
import type { Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const rational = rationalText;
const isRational = isRationalText;

const pointSchema = z.union([
  z.object({ z: rational }).strict(),
  z.object({ lnOf: rational }).strict(),
  z.object({ given: rational }).strict(),
]);

export type ActivationPoint = z.output<typeof pointSchema>;

const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus', 'hard-sigmoid'] as const;
type Activation = (typeof ACTIVATIONS)[number];
const SMOOTH: readonly Activation[] = ['sigmoid', 'tanh', 'softplus'];

const paramsSchema = z
  .object({
    activation: z.enum(ACTIVATIONS),
    /** Negative slope of leaky ReLU (0 < α < 1) or the ELU α (> 0). */
    alpha: rational.optional(),
    /** hard sigmoid: 'keras2' = clip(0.2z + 0.5, 0, 1) (Keras 2, TensorFlow.js); 'pytorch' = clip(z/6 + 1/2, 0, 1) (PyTorch, Keras 3). */
    hardSigmoid: z.enum(['keras2', 'pytorch']).optional(),
    /** 1–4 points: { z: "3/2" } rational, { lnOf: "3" } meaning z = ln 3, or { given: "3/4" } meaning f(z) = 3/4 (sigmoid/tanh). */
    points: z.array(pointSchema).min(1).max(4),
    /** Upstream gradients ∂L/∂a_i (a_i = f(z_i)), one per point: asks for ∂L/∂z_i too. */
    upstream: z.array(rational).min(1).max(4).optional(),
    /** Decimals for the (irrational) softplus values. */
    decimals: z.literal([2, 3, 4]).default(3),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    // Malformed numbers are already reported on their own field; the rules below need them parsed.
    const strings = [p.alpha, ...(p.upstream ?? []), ...p.points.map((pt) => Object.values(pt)[0] as string)];
    if (!strings.every((x) => x === undefined || isRational(x))) return;
    const a = p.alpha === undefined ? undefined : q(p.alpha);
    if (p.activation === 'leaky-relu' || p.activation === 'elu') {
      if (a === undefined) issue(['alpha'], `${p.activation} needs "alpha"`);
      else if (p.activation === 'leaky-relu' && (a.compare(ZERO) <= 0 || a.compare(ONE) >= 0)) issue(['alpha'], 'the leaky ReLU slope must satisfy 0 < alpha < 1');
      else if (p.activation === 'elu' && (a.compare(ZERO) <= 0 || a.compare(10) > 0)) issue(['alpha'], 'the ELU alpha must satisfy 0 < alpha ≤ 10');
    } else if (a !== undefined) issue(['alpha'], `"alpha" only applies to leaky-relu and elu, not ${p.activation}`);
    if (p.activation === 'hard-sigmoid' && p.hardSigmoid === undefined) issue(['hardSigmoid'], "hard-sigmoid needs \"hardSigmoid\": 'keras2' or 'pytorch'");
    if (p.activation !== 'hard-sigmoid' && p.hardSigmoid !== undefined) issue(['hardSigmoid'], '"hardSigmoid" only applies to the hard-sigmoid activation');
    if (p.upstream !== undefined && p.upstream.length !== p.points.length) issue(['upstream'], `give one upstream gradient per point (${p.points.length})`);

    const given = p.points.filter((pt) => 'given' in pt).length;
    if (given > 0 && given < p.points.length) issue(['points'], 'either every point gives the output f(z) ("given") or none does');
    const seen = new Set<string>();
    p.points.forEach((pt, i) => {
      const path = ['points', i];
      const key = pointKey(pt);
      if (seen.has(key)) issue(path, 'duplicate point: every point must be different');
      seen.add(key);
      if ('given' in pt) {
        const v = q(pt.given);
        if (p.activation === 'sigmoid' && (v.compare(ZERO) <= 0 || v.compare(ONE) >= 0)) issue(path, 'a sigmoid output must lie strictly between 0 and 1');
        else if (p.activation === 'tanh' && (v.compare(-1) <= 0 || v.compare(ONE) >= 0)) issue(path, 'a tanh output must lie strictly between −1 and 1');
        else if (p.activation !== 'sigmoid' && p.activation !== 'tanh') issue(path, `"given" outputs are only for sigmoid and tanh (${p.activation} is not invertible in the needed way)`);
        return;
      }
      if ('lnOf' in pt) {
        const u = q(pt.lnOf);
        if (u.compare(ZERO) <= 0) issue(path, 'lnOf must be positive (z = ln u)');
        else if (p.activation === 'elu' && u.compare(ONE) >= 0) issue(path, 'ELU points z = ln u need u < 1 (z < 0); give positive points as { z }');
        else if (!SMOOTH.includes(p.activation) && p.activation !== 'elu')
          issue(path, `${p.activation} is piecewise linear: give its points as rational { z } (its value at ln u would be irrational)`);
        return;
      }
      const r = q(pt.z);
      if (SMOOTH.includes(p.activation) && r.n !== 0n)
        issue(path, `${p.activation} at a rational z ≠ 0 is irrational: give the point as { lnOf: u } (z = ln u)${p.activation === 'softplus' ? '' : ' or { given }'}`);
      if (r.n === 0n && (p.activation === 'relu' || p.activation === 'leaky-relu' || p.activation === 'elu'))
        issue(path, `z = 0 is the kink of ${p.activation}: the derivative is not defined there`);
      if (p.activation === 'elu' && r.compare(ZERO) < 0) issue(path, 'a negative ELU point needs e^z: give it as { lnOf: u } with u < 1');
      if (p.activation === 'hard-sigmoid' && p.hardSigmoid !== undefined && r.abs().equals(hardCut(p.hardSigmoid)))
        issue(path, `z = ${fmtQ(r)} is a kink of the hard sigmoid: the derivative is not defined there`);
    });
  });

export type ActivationDerivativeParams = z.output<typeof paramsSchema>;

function pointKey(pt: ActivationPoint): string {
  if ('given' in pt) return `given:${fmtQ(q(pt.given))}`;
  if ('lnOf' in pt) return q(pt.lnOf).equals(ONE) ? 'z:0' : `ln:${fmtQ(q(pt.lnOf))}`;
  return `z:${fmtQ(q(pt.z))}`;
}

const hardSlope = (v: 'keras2' | 'pytorch') => (v === 'keras2' ? q(1, 5) : q(1, 6));
const hardCut = (v: 'keras2' | 'pytorch') => (v === 'keras2' ? q(5, 2) : q(3));

// ---------- exact helpers ----------

/** "−3/4" with a real minus sign, for text. */
const fmt = (x: Fraction) => fmtQ(x).replace('-', '−');
/** A factor in a product: parenthesise negatives and fractions. */
const par = (x: Fraction) => (x.d === 1n && x.s >= 0n ? fmt(x) : `(${fmt(x)})`);


// ---------- the solver, with switches for typical mistakes ----------

type FlawId =
  | 'deriv-is-value'
  | 'tanh-identity-for-sigmoid'
  | 'exp-sign'
  | 'tanh-no-square'
  | 'sigmoid-identity-for-tanh'
  | 'deriv-one-for-negative'
  | 'leaky-slope-forgotten'
  | 'elu-deriv-alpha'
  | 'elu-deriv-is-value'
  | 'elu-forgot-alpha'
  | 'softplus-deriv-exp'
  | 'softplus-forgot-inner'
  | 'log10'
  | 'hard-sigmoid-other-convention'
  | 'hard-sigmoid-no-clip'
  | 'chain-forgot-upstream'
  | 'chain-used-value';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'deriv-is-value', label: "σ′ = σ", feedback: 'The derivative of the sigmoid is σ′(z) = σ(z)(1 − σ(z)), not σ(z) itself.' },
  { id: 'tanh-identity-for-sigmoid', label: "used 1 − σ² for σ′", feedback: '1 − f² is the derivative identity of tanh; for the sigmoid it is σ′ = σ(1 − σ).' },
  { id: 'exp-sign', label: 'sign of the exponent', feedback: 'σ(z) = 1/(1 + e^(−z)): with z = ln u, e^(−z) = 1/u, so σ(ln u) = u/(1 + u) (and tanh(ln u) = (u² − 1)/(u² + 1)).' },
  { id: 'tanh-no-square', label: "tanh′ = 1 − tanh", feedback: 'tanh′(z) = 1 − tanh²(z): the tanh value is squared.' },
  { id: 'sigmoid-identity-for-tanh', label: "used t(1 − t) for tanh′", feedback: 'f(1 − f) is the sigmoid identity; for tanh the derivative is 1 − tanh².' },
  { id: 'deriv-one-for-negative', label: "slope 1 for negative z", feedback: 'For z < 0 the (leaky) ReLU has slope 0 (ReLU) or α (leaky ReLU), not 1.' },
  { id: 'leaky-slope-forgotten', label: 'leaky slope forgotten', feedback: 'Leaky ReLU is αz (slope α) for z < 0, not 0 as in the plain ReLU.' },
  { id: 'elu-deriv-alpha', label: "ELU′ = α for z < 0", feedback: 'For z < 0, ELU(z) = α(e^z − 1), so ELU′(z) = α·e^z = ELU(z) + α — not the constant α.' },
  { id: 'elu-deriv-is-value', label: "ELU′ = ELU for z < 0", feedback: 'The derivative of α(e^z − 1) is α·e^z = ELU(z) + α: the +α is missing.' },
  { id: 'elu-forgot-alpha', label: 'ELU without α', feedback: 'The negative branch is scaled by α: ELU(z) = α(e^z − 1), ELU′(z) = α·e^z.' },
  { id: 'softplus-deriv-exp', label: "softplus′ = e^z", feedback: 'd/dz ln(1 + e^z) = e^z/(1 + e^z) = σ(z): divide by 1 + e^z.' },
  { id: 'softplus-forgot-inner', label: "softplus′ = 1/(1 + e^z)", feedback: 'Chain rule: d/dz ln(1 + e^z) = (1/(1 + e^z))·e^z — the inner derivative e^z is missing.' },
  { id: 'log10', label: 'used log₁₀', feedback: 'ln is the natural logarithm (base e), as in softplus(z) = ln(1 + e^z).' },
  { id: 'hard-sigmoid-other-convention', label: 'other hard-sigmoid convention', feedback: 'Keras 2 / TensorFlow.js use clip(0.2z + 0.5, 0, 1); PyTorch and Keras 3 use clip(z/6 + 1/2, 0, 1). Use the one stated.' },
  { id: 'hard-sigmoid-no-clip', label: 'forgot the clipping', feedback: 'The hard sigmoid is clipped to [0, 1]: outside the linear range the value is 0 or 1 and the slope is 0.' },
  { id: 'chain-forgot-upstream', label: 'forgot the upstream gradient', feedback: 'Chain rule: ∂L/∂z = ∂L/∂a · f′(z); multiply by the given upstream gradient.' },
  { id: 'chain-used-value', label: 'multiplied by f(z) instead of f′(z)', feedback: 'Chain rule: ∂L/∂z = ∂L/∂a · f′(z) — the derivative, not the activation value.' },
];

const SYMBOL: Record<Activation, string> = {
  sigmoid: 'σ',
  tanh: 'tanh',
  relu: 'ReLU',
  'leaky-relu': 'LeakyReLU',
  elu: 'ELU',
  softplus: 'softplus',
  'hard-sigmoid': 'hσ',
};

/** A value f(z): an exact rational, or ln of a rational (softplus) rounded for the answer. */
type Value = { exact: Fraction; text: string } | { ln: Fraction; rounded: Fraction; text: string };

interface PointResult {
  /** Undefined when f(z) is given. */
  value?: Value;
  /** f(z) as a rational where it is known exactly (given outputs included): used by the chain flaw. */
  known?: Fraction;
  deriv: Fraction;
  steps: string[];
}

/** How the point is shown: "z = ln 3", "σ(z) = 3/4". */
function pointText(p: ActivationDerivativeParams, pt: ActivationPoint, sub: string): string {
  if ('given' in pt) return `${SYMBOL[p.activation]}(z${sub}) = ${fmt(q(pt.given))}`;
  if ('lnOf' in pt) return `z${sub} = ${lnText(q(pt.lnOf))}`;
  return `z${sub} = ${fmt(q(pt.z))}`;
}

function evalPoint(p: ActivationDerivativeParams, pt: ActivationPoint, sub: string, flaw?: FlawId): PointResult {
  const f = SYMBOL[p.activation];
  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step;
  // an exact value's text is only shown in the steps, softplus' ln text also names the rounded answer).
  const text = flaw === undefined;
  const at = text ? `z${sub}` : '';
  const exactValue = (x: Fraction, shown: string): Pick<PointResult, 'value' | 'known'> => ({ value: { exact: x, text: shown }, known: x });

  switch (p.activation) {
    case 'sigmoid':
    case 'tanh': {
      let s: Fraction;
      let res: Pick<PointResult, 'value' | 'known'>;
      if ('given' in pt) {
        s = q(pt.given);
        res = { known: s };
      } else {
        const u = 'lnOf' in pt ? q(pt.lnOf) : ONE; // z = 0 ⇔ u = 1
        if (p.activation === 'sigmoid') {
          s = flaw === 'exp-sign' ? ONE.div(ONE.add(u)) : u.div(ONE.add(u));
          res = exactValue(s, text ? (u.equals(ONE) ? `σ(0) = 1/(1 + 1) = 1/2` : `e^(−${at}) = 1/${par(u)} ⇒ σ(${at}) = 1/(1 + ${fmt(ONE.div(u))}) = ${par(u)}/(1 + ${fmt(u)}) = ${fmt(s)}`) : '');
        } else {
          const u2 = u.mul(u);
          s = flaw === 'exp-sign' ? ONE.sub(u2).div(ONE.add(u2)) : u2.sub(ONE).div(u2.add(ONE));
          res = exactValue(s, text ? (u.equals(ONE) ? 'tanh(0) = 0' : `e^(2${at}) = ${par(u)}² = ${fmt(u2)} ⇒ tanh(${at}) = (e^(2${at}) − 1)/(e^(2${at}) + 1) = (${fmt(u2)} − 1)/(${fmt(u2)} + 1) = ${fmt(s)}`) : '');
        }
      }
      let d: Fraction;
      if (p.activation === 'sigmoid') {
        d = flaw === 'deriv-is-value' ? s : flaw === 'tanh-identity-for-sigmoid' ? ONE.sub(s.mul(s)) : s.mul(ONE.sub(s));
        if (text) {
          if (res.value) steps.push(res.value.text + '.');
          steps.push(`σ′(${at}) = σ(${at})(1 − σ(${at})) = ${par(s)}·${par(ONE.sub(s))} = ${fmt(s.mul(ONE.sub(s)))}.`);
        }
      } else {
        d = flaw === 'tanh-no-square' ? ONE.sub(s) : flaw === 'sigmoid-identity-for-tanh' ? s.mul(ONE.sub(s)) : ONE.sub(s.mul(s));
        if (text) {
          if (res.value) steps.push(res.value.text + '.');
          steps.push(`tanh′(${at}) = 1 − tanh²(${at}) = 1 − ${par(s)}² = ${fmt(ONE.sub(s.mul(s)))}.`);
        }
      }
      return { ...res, deriv: d, steps };
    }
    case 'softplus': {
      const u = 'lnOf' in pt ? q(pt.lnOf) : ONE;
      const arg = ONE.add(u);
      const rounded = roundedLn([{ c: ONE, x: arg }], p.decimals, flaw === 'log10' ? '10' : 'e');
      const d = flaw === 'softplus-deriv-exp' ? u : flaw === 'softplus-forgot-inner' ? ONE.div(arg) : u.div(arg);
      const lnArg = arg.d === 1n ? `ln ${fmt(arg)}` : `ln(${fmt(arg)})`;
      if (text) {
        const ez = sub ? `e^(${at})` : 'e^z';
        steps.push(`${ez} = ${fmt(u)} ⇒ softplus(${at}) = ln(1 + ${ez}) = ${lnArg} ≈ ${fmtFixed(rounded, p.decimals)}.`);
        steps.push(`softplus′(${at}) = ${ez}/(1 + ${ez}) = σ(${at}) = ${par(u)}/${par(arg)} = ${fmt(u.div(arg))}.`);
      }
      return { value: { ln: arg, rounded, text: lnArg }, deriv: d, steps };
    }
    case 'relu':
    case 'leaky-relu': {
      const r = q((pt as { z: string }).z);
      const leaky = p.activation === 'leaky-relu' && flaw !== 'leaky-slope-forgotten';
      const alpha = leaky ? q(p.alpha!) : ZERO;
      const pos = r.compare(ZERO) > 0;
      const v = pos ? r : alpha.mul(r);
      const d = pos || flaw === 'deriv-one-for-negative' ? ONE : alpha;
      if (text) {
        if (p.activation === 'relu') steps.push(pos ? `${at} = ${fmt(r)} > 0: ReLU(${at}) = ${fmt(r)}, ReLU′(${at}) = 1.` : `${at} = ${fmt(r)} < 0: ReLU(${at}) = 0, ReLU′(${at}) = 0.`);
        else {
          const a = q(p.alpha!);
          steps.push(pos ? `${at} = ${fmt(r)} > 0: ${f}(${at}) = ${fmt(r)}, ${f}′(${at}) = 1.` : `${at} = ${fmt(r)} < 0: ${f}(${at}) = α·${at} = ${fmt(a)}·${par(r)} = ${fmt(a.mul(r))}, ${f}′(${at}) = α = ${fmt(a)}.`);
        }
      }
      return { ...exactValue(v, ''), deriv: d, steps };
    }
    case 'elu': {
      const alpha = flaw === 'elu-forgot-alpha' ? ONE : q(p.alpha!);
      const a = q(p.alpha!);
      if ('z' in pt) {
        const r = q(pt.z);
        if (text) steps.push(`${at} = ${fmt(r)} > 0: ELU(${at}) = ${fmt(r)}, ELU′(${at}) = 1.`);
        return { ...exactValue(r, ''), deriv: ONE, steps };
      }
      const u = q((pt as { lnOf: string }).lnOf);
      const v = alpha.mul(u.sub(ONE));
      const d = flaw === 'elu-deriv-alpha' ? alpha : flaw === 'elu-deriv-is-value' ? v : alpha.mul(u);
      if (text) {
        const ez = sub ? `e^(${at})` : 'e^z';
        steps.push(`${at} = ${lnText(u)} < 0, ${ez} = ${fmt(u)}: ELU(${at}) = α(${ez} − 1) = ${par(a)}·(${fmt(u)} − 1) = ${fmt(a.mul(u.sub(ONE)))}, ELU′(${at}) = α·${ez} = ELU(${at}) + α = ${fmt(a.mul(u))}.`);
      }
      return { ...exactValue(v, ''), deriv: d, steps };
    }
    case 'hard-sigmoid': {
      const conv = flaw === 'hard-sigmoid-other-convention' ? (p.hardSigmoid === 'keras2' ? 'pytorch' : 'keras2') : p.hardSigmoid!;
      const s = hardSlope(conv);
      const r = q((pt as { z: string }).z);
      const lin = s.mul(r).add(q(1, 2));
      const clip = flaw !== 'hard-sigmoid-no-clip';
      const inside = r.abs().compare(hardCut(conv)) < 0;
      const v = !clip || inside ? lin : r.compare(ZERO) > 0 ? ONE : ZERO;
      const d = !clip || inside ? s : ZERO;
      if (text) {
        const rs = hardSlope(p.hardSigmoid!);
        const rl = rs.mul(r).add(q(1, 2));
        const rin = r.abs().compare(hardCut(p.hardSigmoid!)) < 0;
        steps.push(
          rin
            ? `${at} = ${fmt(r)}: ${fmt(rs)}·${par(r)} + 1/2 = ${fmt(rl)} ∈ (0, 1) ⇒ hσ(${at}) = ${fmt(rl)}, hσ′(${at}) = ${fmt(rs)}.`
            : `${at} = ${fmt(r)}: ${fmt(rs)}·${par(r)} + 1/2 = ${fmt(rl)} is clipped ⇒ hσ(${at}) = ${r.compare(ZERO) > 0 ? 1 : 0}, hσ′(${at}) = 0.`,
        );
      }
      return { ...exactValue(v, ''), deriv: d, steps };
    }
  }
}

function solveWith(p: ActivationDerivativeParams, flaw?: FlawId): Solution {
  const n = p.points.length;
  const sub = (i: number) => (n === 1 ? '' : `_${i + 1}`);
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const results = p.points.map((pt, i) => evalPoint(p, pt, sub(i), flaw));
  const steps = results.flatMap((r) => r.steps);
  const f = SYMBOL[p.activation];
  const parts: Part[] = [];
  const idx = n === 1 ? '(z)' : `(z_i), i = 1…${n}`;

  if (results.every((r) => r.value)) {
    const values = results.map((r) => r.value!);
    const rounded = values.some((v) => 'ln' in v);
    const vs = values.map((v) => ('ln' in v ? v.rounded : v.exact));
    const unit = 10 ** -p.decimals;
    parts.push({
      id: 'f',
      label: `${f}${idx}`,
      answer: n === 1 ? scalar(vs[0]!) : vector(vs),
      ...(rounded ? { decimals: p.decimals, tolerance: { abs: 0.6 * unit }, rounded: { exactText: n === 1 ? values[0]!.text : `[${values.map((v) => v.text).join(', ')}]` } } : {}),
    });
  }
  const derivs = results.map((r) => r.deriv);
  parts.push({ id: 'df', label: `${f}′${idx}`, answer: n === 1 ? scalar(derivs[0]!) : vector(derivs) });

  if (p.upstream) {
    const g = p.upstream.map((x) => q(x));
    const dLdz = results.map((r, i) => {
      const gi = g[i]!;
      if (flaw === 'chain-forgot-upstream') return r.deriv;
      if (flaw === 'chain-used-value' && r.known) return gi.mul(r.known);
      return gi.mul(r.deriv);
    });
    if (text)
      results.forEach((r, i) => {
        const right = g[i]!.mul(r.deriv);
        steps.push(`∂L/∂z${sub(i)} = ∂L/∂a${sub(i)} · ${f}′(z${sub(i)}) = ${par(g[i]!)}·${par(r.deriv)} = ${fmt(right)}.`);
      });
    parts.push({ id: 'dLdz', label: n === 1 ? '∂L/∂z' : `∂L/∂z_i, i = 1…${n}`, answer: n === 1 ? scalar(dLdz[0]!) : vector(dLdz) });
  }
  return { parts, steps };
}

// ---------- generation ----------

const SIG_GIVEN = ['1/2', '1/4', '3/4', '1/5', '4/5', '1/3', '2/3', '2/5', '3/5', '1/10', '9/10', '3/10', '7/10'];
const TANH_GIVEN = ['0', '1/2', '-1/2', '1/3', '-1/3', '3/5', '-3/5', '4/5', '-4/5', '1/4', '-3/4', '2/3'];
const LN_U = ['2', '3', '4', '5', '9', '1/2', '1/3', '1/4', '3/2', '2/3', '1/9', '7'];
const ELU_NEG_U = ['1/2', '1/3', '1/4', '1/5', '2/3', '3/4', '1/10', '2/5'];
const POS = ['1', '2', '3', '4', '5', '1/2', '3/2', '5/2', '3/10', '2/5', '7/4'];
const NEG = ['-1', '-2', '-3', '-4', '-5', '-1/2', '-3/2', '-5/2', '-3/10', '-2/5', '-7/4'];
const UPSTREAM = ['1', '2', '3', '-1', '-2', '1/2', '-1/2', '3/2', '4'];
const HARD_IN: Record<'keras2' | 'pytorch', string[]> = {
  keras2: ['1', '-1', '2', '-2', '1/2', '-1/2', '3/2', '-3/2', '5/4'],
  pytorch: ['1', '-1', '2', '-2', '3/2', '-3/2', '1/2', '-1/2', '12/5', '-9/4'],
};
const HARD_OUT: Record<'keras2' | 'pytorch', string[]> = { keras2: ['3', '-3', '4', '-4', '5', '-5'], pytorch: ['4', '-4', '5', '-5', '7/2', '-7/2'] };

function candidate(rng: Rng, difficulty: Difficulty): ActivationDerivativeParams {
  const activation: Activation =
    difficulty === 1
      ? rng.weighted<Activation>([['sigmoid', 3], ['tanh', 2], ['relu', 1.5], ['leaky-relu', 2]])
      : rng.weighted<Activation>([['sigmoid', 2], ['tanh', 2], ['relu', 0.5], ['leaky-relu', 1.5], ['elu', 2], ['softplus', 1.5], ['hard-sigmoid', 1.5]]);
  const n = difficulty === 1 ? rng.int(1, 2) : difficulty === 2 ? rng.int(1, 3) : 3;
  const base = { activation, decimals: 3 as const };
  let points: ActivationPoint[];
  let extra: Partial<ActivationDerivativeParams> = {};
  switch (activation) {
    case 'sigmoid':
    case 'tanh': {
      const useGiven = difficulty === 1 || rng.bool(0.45);
      if (useGiven) points = rng.sample(activation === 'sigmoid' ? SIG_GIVEN : TANH_GIVEN, difficulty === 1 ? 1 : n).map((g) => ({ given: g }));
      else points = rng.sample(LN_U, n).map((u) => ({ lnOf: u }));
      break;
    }
    case 'softplus':
      points = rng.sample(['1', ...LN_U], n).map((u) => (u === '1' ? { z: '0' } : { lnOf: u }));
      break;
    case 'relu':
    case 'leaky-relu': {
      const k = Math.max(n, 2);
      // At least one negative point (where the variants differ) and one positive one.
      const neg = rng.pick(NEG);
      const pos = rng.pick(POS);
      const rest = rng.sample([...POS, ...NEG].filter((r) => r !== neg && r !== pos), k - 2);
      points = rng.shuffle([neg, pos, ...rest]).map((r) => ({ z: r }));
      if (activation === 'leaky-relu') extra = { alpha: rng.pick(['1/10', '1/100', '1/5', '1/20', '3/10', '1/2']) };
      break;
    }
    case 'elu': {
      const k = Math.max(n, 2);
      const negs = rng.sample(ELU_NEG_U, rng.int(1, k - 1)).map((u) => ({ lnOf: u }));
      const poss = rng.sample(POS, k - negs.length).map((r) => ({ z: r }));
      points = rng.shuffle([...negs, ...poss]);
      extra = { alpha: rng.pick(['1', '1', '1/2', '2', '3/2']) };
      break;
    }
    case 'hard-sigmoid': {
      const v = rng.pick(['keras2', 'pytorch'] as const);
      const k = Math.max(n, 2);
      points = rng.shuffle([...rng.sample(HARD_OUT[v], 1), ...rng.sample(HARD_IN[v], k - 1)]).map((r) => ({ z: r }));
      extra = { hardSigmoid: v };
      break;
    }
  }
  const upstream = difficulty === 3 ? points.map(() => rng.pick(UPSTREAM)) : undefined;
  return { ...base, ...extra, points, ...(upstream ? { upstream } : {}) } as ActivationDerivativeParams;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ActivationDerivativeParams {
  for (let attempt = 0; attempt < 100; attempt++) {
    const parsed = paramsSchema.safeParse(candidate(rng.fork(attempt), o.difficulty));
    if (!parsed.success) continue;
    const p = parsed.data;
    // Every f′ = 0 (all units dead or saturated) makes the derivative parts trivial.
    const df = solveWith(p).parts.find((x) => x.id === 'df')!.answer;
    if (df.kind === 'vector' && df.value.every((v) => v.coef.n === 0n)) continue;
    return p;
  }
  throw new GenerationError('activation-derivative: no valid instance in 100 attempts');
}

// ---------- statement ----------

/** The activation's formula, written to end a sentence. */
function definition(p: ActivationDerivativeParams): string {
  switch (p.activation) {
    case 'sigmoid':
      return 'σ(z) = 1/(1 + e^(−z)) (the logistic sigmoid)';
    case 'tanh':
      return 'tanh(z) = (e^z − e^(−z))/(e^z + e^(−z))';
    case 'relu':
      return 'ReLU(z) = max(0, z)';
    case 'leaky-relu':
      return `LeakyReLU(z) = z for z > 0 and α·z for z < 0, with α = ${fmt(q(p.alpha!))}`;
    case 'elu':
      return `ELU(z) = z for z > 0 and α(e^z − 1) for z < 0, with α = ${fmt(q(p.alpha!))}`;
    case 'softplus':
      return 'softplus(z) = ln(1 + e^z)';
    case 'hard-sigmoid':
      return p.hardSigmoid === 'keras2' ? 'hσ(z) = clip(0.2·z + 0.5, 0, 1) (hard sigmoid)' : 'hσ(z) = clip(z/6 + 1/2, 0, 1) = ReLU6(z + 3)/6 (hard sigmoid)';
  }
}

function statement(p: ActivationDerivativeParams): Statement {
  const n = p.points.length;
  const f = SYMBOL[p.activation];
  const given = p.points.some((pt) => 'given' in pt);
  const askValue = !given;
  const rounded = p.activation === 'softplus';
  const asks: string[] = [];
  const letters = 'abc';
  if (askValue) asks.push(n === 1 ? `${f}(z)` : `${f}(z_i) for each unit`);
  asks.push(n === 1 ? `the derivative ${f}′(z)` : `the derivatives ${f}′(z_i)`);
  if (p.upstream) asks.push(n === 1 ? '∂L/∂z' : '∂L/∂z_i for each unit');
  const ask = asks.length === 1 ? asks[0]! : asks.map((a, i) => `(${letters[i]}) ${a}`).join(', ');
  const precision = rounded
    ? ` Give the derivatives exactly (fractions) and the values to ${p.decimals} decimal places.`
    : ' Give exact values (fractions, not decimals).';
  let text: string;
  let blocks: Statement['blocks'];
  const where = p.points.some((pt) => 'lnOf' in pt) ? ' (ln is the natural logarithm)' : '';
  const uses = `use${n === 1 ? 's' : ''} the activation function ${definition(p)}.`;
  if (n === 1) {
    const pt = p.points[0]!;
    const lead = given
      ? `A unit ${p.upstream ? `a = ${f}(z) ` : ''}${uses} Its pre-activation z is not known, but its output is ${pointText(p, pt, '')}.`
      : `A unit ${p.upstream ? `a = ${f}(z) ` : ''}${uses} Its pre-activation is ${pointText(p, pt, '')}${where}.`;
    const up = p.upstream ? ` In backpropagation the gradient arriving from above is ∂L/∂a = ${fmt(q(p.upstream[0]!))}.` : '';
    text = `${lead}${up} Compute ${ask}.${precision}`;
  } else {
    const header = ['unit i', given ? `${f}(z_i) (given)` : 'z_i', ...(p.upstream ? ['∂L/∂a_i'] : [])];
    const rows = p.points.map((pt, i) => {
      const shown = 'given' in pt ? fmt(q(pt.given)) : 'lnOf' in pt ? lnText(q(pt.lnOf)) : fmt(q(pt.z));
      return [String(i + 1), shown, ...(p.upstream ? [fmt(q(p.upstream[i]!))] : [])];
    });
    blocks = [{ kind: 'table', header, rows }];
    const lead = given
      ? `${n} units ${p.upstream ? `a_i = ${f}(z_i) ` : ''}${uses} Their pre-activations z_i are not known, but their outputs are given in the table.`
      : `${n} units ${p.upstream ? `a_i = ${f}(z_i) ` : ''}${uses} Their pre-activations z_i are given in the table${where}.`;
    const up = p.upstream ? ' The table also gives the upstream gradients ∂L/∂a_i arriving in backpropagation.' : '';
    text = `${lead}${up} Compute ${ask}.${precision}`;
  }
  return { text, ...(blocks ? { blocks } : {}), convention: convention(p) };
}

function convention(p: ActivationDerivativeParams): string {
  const common = 'ln = natural logarithm; f′ is the derivative with respect to the pre-activation z.';
  switch (p.activation) {
    case 'hard-sigmoid':
      return p.hardSigmoid === 'keras2'
        ? `Hard sigmoid as in Keras 2 and TensorFlow.js: clip(0.2z + 0.5, 0, 1), linear for |z| < 2.5 (PyTorch and Keras 3 use z/6 + 1/2 instead). ${common}`
        : `Hard sigmoid as in PyTorch nn.Hardsigmoid and Keras 3: ReLU6(z + 3)/6, linear for |z| < 3 (Keras 2 / TensorFlow.js use 0.2z + 0.5 instead). ${common}`;
    case 'leaky-relu':
      return `Leaky ReLU with negative slope α (Keras LeakyReLU, PyTorch negative_slope). ${common}`;
    case 'elu':
      return `ELU(z) = z for z > 0 and α(e^z − 1) for z ≤ 0 (Keras, PyTorch; both default α = 1). ${common}`;
    default:
      return common;
  }
}

// ---------- verification (independent: float z, real tf ops, tf.grad) ----------

const floatOf = (s: string) => {
  const [a, b = '1'] = s.split('/');
  return Number(a) / Number(b);
};

/** The float pre-activation each point stands for, recovered from how it is stated. */
function floatZ(p: ActivationDerivativeParams, pt: ActivationPoint): number {
  if ('z' in pt) return floatOf(pt.z);
  if ('lnOf' in pt) {
    const [a, b = '1'] = pt.lnOf.split('/');
    return Math.log(Number(a)) - Math.log(Number(b));
  }
  const [a, b = '1'] = pt.given.split('/');
  const v = Number(a) / Number(b);
  return p.activation === 'sigmoid' ? Math.log(v / (1 - v)) : Math.atanh(v);
}

let keras2HardSigmoid: { apply(x: unknown): unknown } | undefined;

function activationOp(p: ActivationDerivativeParams, tf: TF): (x: import('@tensorflow/tfjs').Tensor) => import('@tensorflow/tfjs').Tensor {
  switch (p.activation) {
    case 'sigmoid':
      return (x) => tf.sigmoid(x);
    case 'tanh':
      return (x) => tf.tanh(x);
    case 'relu':
      return (x) => tf.relu(x);
    case 'leaky-relu':
      return (x) => tf.leakyRelu(x, floatOf(p.alpha!));
    case 'elu': {
      const a = floatOf(p.alpha!);
      // tf.elu has α = 1 (and tf.layers.elu rejects other α): scale its negative branch.
      return a === 1 ? (x) => tf.elu(x) : (x) => tf.add(tf.relu(x), tf.mul(a, tf.elu(tf.minimum(x, 0))));
    }
    case 'softplus':
      return (x) => tf.softplus(x);
    case 'hard-sigmoid':
      if (p.hardSigmoid === 'keras2') {
        // The real Keras-2-style activation of tf.layers (no weights; one instance serves every call).
        keras2HardSigmoid ??= tf.layers.activation({ activation: 'hardSigmoid' });
        const layer = keras2HardSigmoid;
        return (x) => layer.apply(x) as import('@tensorflow/tfjs').Tensor;
      }
      return (x) => tf.div(tf.relu6(tf.add(x, 3)), 6);
  }
}


async function verify(p: ActivationDerivativeParams, s: Solution, tf: TF): Promise<Check> {
  const zs = p.points.map((pt) => floatZ(p, pt));
  const act = activationOp(p, tf);
  const n = zs.length;
  const computed: Record<string, Numeric> = {};
  const shape = (xs: number[]): Numeric => (n === 1 ? xs[0]! : xs);
  tf.tidy(() => {
    const x = tf.tensor1d(zs);
    if (s.parts.some((pt) => pt.id === 'f')) computed['f'] = shape(Array.from(act(x).dataSync()));
    computed['df'] = shape(Array.from(tf.grad(act)(x).dataSync()));
    if (p.upstream) computed['dLdz'] = shape(Array.from(tf.grad(act)(x, tf.tensor1d(p.upstream.map(floatOf))).dataSync()));
  });
  const op = { sigmoid: 'tf.sigmoid', tanh: 'tf.tanh', relu: 'tf.relu', 'leaky-relu': 'tf.leakyRelu', elu: 'tf.elu', softplus: 'tf.softplus', 'hard-sigmoid': p.hardSigmoid === 'keras2' ? "tf.layers.activation('hardSigmoid')" : 'tf.relu6(z + 3)/6' }[p.activation];
  return compareParts(s, computed, `${op} on the float z (ln u / logit / atanh recovered from the statement); f′ and ∂L/∂z by tf.grad`);
}

export const activationDerivative: Family<ActivationDerivativeParams> = {
  id: 'activation-derivative',
  title: 'Activation functions: values and derivatives',
  topic: 'activations',
  description: 'Value and derivative of sigmoid, tanh, ReLU, leaky ReLU, ELU, softplus or hard sigmoid at exact points (σ′ = σ(1 − σ), tanh′ = 1 − tanh²), optionally times an upstream gradient.',
  params: paramsSchema,
  answerKinds: ['scalar', 'vector'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
