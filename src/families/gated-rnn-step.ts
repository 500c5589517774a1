/**
 * One time step of an LSTM or a GRU cell with 1 unit (2 when pinned or at difficulty 3) and a 1–2
 * dimensional input: the gates (LSTM i, f, g, o; GRU z, r, h̃), the new cell state c_t (LSTM) and
 * the new hidden state h_t.
 *
 * Conventions stated with every question (CONVENTIONS.md #4, #5, #14):
 *   - gate activation σ: the hard sigmoid clip(0.2z + 0.5, 0, 1) (Keras 2 / TensorFlow.js default
 *     recurrent_activation) or the logistic sigmoid (TF2 Keras / PyTorch);
 *   - activation φ of the candidate and of the cell output: tanh (the usual), or 'linear' / 'relu'
 *     (Keras `activation=`), which keep everything rational;
 *   - GRU update: Keras/PyTorch h = z ⊙ h_prev + (1 − z) ⊙ h̃, or Cho et al. (2014)
 *     h = (1 − z) ⊙ h_prev + z ⊙ h̃; reset before the recurrent product (Keras reset_after=False,
 *     the original GRU) or after it with a separate recurrent bias (reset_after=True, TF2 default and
 *     PyTorch: h̃ = φ(W_h x + b_h + r ⊙ (U_h h + b_hh)));
 *   - weight layout: textbook W·x (W of shape units × inputs) or Keras x·W (inputs × units), per gate.
 *
 * Exactness: with the hard sigmoid and a linear/ReLU activation every value is rational. Whenever a
 * tanh or a logistic σ meets a non-zero argument the value is transcendental: such parts are asked
 * to `decimals` places and the key holds the correctly rounded value computed with 32-digit decimal
 * arithmetic (see rnn-steps.ts); the tolerance (1.5 units in the last place) accepts a student who
 * rounds the gates before combining them — the generator checks that this moves no answer by more
 * than one unit.
 *
 * verify(): c_t and h_t from a real tf.layers.lstm / tf.layers.gru (resetAfter false; Keras kernel
 * layout with gate order i, f, c, o / z, r, h; setWeights via `weights`, initialState [h, c]; the
 * Cho update is run on the same layer with the update-gate weights negated, since 1 − σ(a) = σ(−a)
 * for both sigmoids); the gates from tf ops with the real Keras activations
 * (tf.layers.activation). A reset_after=True GRU is built from tf ops (tfjs throws on
 * resetAfter: true).
 */
import { z } from 'zod';
import { scalar, vector, type Answer, type Numeric, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { q, real, ONE, type Fraction } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import { compareParts, type Check, type TF } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import { AmbiguousValueError, fmtExact, fmtNum, nAdd, nApply, nMul, nSum, numQ, par, roundNum, type Fn, type Num } from '../core/approx.js';
import { entry, toQ, type Entry } from './schemas.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const LSTM_GATES = ['i', 'f', 'g', 'o'] as const;
const GRU_GATES = ['z', 'r', 'hTilde'] as const;
type Gate = (typeof LSTM_GATES)[number] | (typeof GRU_GATES)[number];

const matrixSchema = z.array(z.array(entry).min(1).max(3)).min(1).max(3);
const gateSchema = z
  .object({
    /** Input weights in the stated layout: textbook (units × inputs) or Keras (inputs × units). */
    W: matrixSchema,
    /** Recurrent weights (units × units) in the stated layout. */
    U: matrixSchema,
    b: z.array(entry).min(1).max(2),
    /** GRU reset_after=True only, candidate only: the recurrent bias b_hh inside r ⊙ (U_h·h + b_hh). */
    bRec: z.array(entry).min(1).max(2).optional(),
  })
  .strict();

const paramsSchema = z
  .object({
    cell: z.enum(['lstm', 'gru']),
    layout: z.enum(['textbook', 'keras']).default('textbook'),
    /** Gate activation σ: Keras-2/TensorFlow.js hard sigmoid clip(0.2z + 0.5, 0, 1), or the logistic sigmoid. */
    recurrentActivation: z.enum(['hardSigmoid', 'sigmoid']),
    /** φ: candidate and cell-output activation. */
    activation: z.enum(['tanh', 'linear', 'relu']),
    /** GRU: 'keras' h = z⊙h_prev + (1−z)⊙h̃ (Keras, PyTorch); 'cho' h = (1−z)⊙h_prev + z⊙h̃ (Cho et al. 2014). */
    gruUpdate: z.enum(['keras', 'cho']).default('keras'),
    /** GRU: reset gate applied after the recurrent product, with a recurrent bias (Keras reset_after=True, PyTorch). */
    resetAfter: z.boolean().default(false),
    x: z.array(entry).min(1).max(3),
    /** Previous hidden state h_{t−1}; its length is the number of units. */
    h0: z.array(entry).min(1).max(2),
    /** LSTM: previous cell state c_{t−1}. */
    c0: z.array(entry).min(1).max(2).optional(),
    /** Per-gate weights: LSTM i, f, g (candidate), o; GRU z, r, hTilde (candidate). */
    gates: z
      .object({ i: gateSchema, f: gateSchema, g: gateSchema, o: gateSchema, z: gateSchema, r: gateSchema, hTilde: gateSchema })
      .partial()
      .strict(),
    /** Non-rational answers are rounded to this many decimals. */
    decimals: z.int().min(2).max(4).default(3),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[] | string, message: string) => ctx.addIssue({ code: 'custom', path: Array.isArray(path) ? path : [path], message });
    const u = p.h0.length;
    const d = p.x.length;
    const keras = p.layout === 'keras';
    const lstm = p.cell === 'lstm';
    const want: readonly Gate[] = lstm ? LSTM_GATES : GRU_GATES;
    const cellName = lstm ? 'an LSTM' : 'a GRU';
    const hasShape = (m: readonly (readonly unknown[])[], rows: number, cols: number) => m.length === rows && m.every((r) => r.length === cols);
    let ok = true;
    for (const g of [...LSTM_GATES, ...GRU_GATES]) {
      const w = p.gates[g];
      if (want.includes(g) && !w) {
        issue(['gates', g], `${cellName} needs weights for gate "${g}" (gates: ${want.join(', ')})`);
        ok = false;
      }
      if (!want.includes(g) && w) {
        issue(['gates', g], `${cellName} has no gate "${g}" (gates: ${want.join(', ')})`);
        ok = false;
      }
      if (!w || !want.includes(g)) continue;
      if (!hasShape(w.W, keras ? d : u, keras ? u : d)) {
        issue(['gates', g, 'W'], keras ? `the Keras input kernel must be ${d}×${u} (inputs × units)` : `W must be ${u}×${d} (units × inputs)`);
        ok = false;
      }
      if (!hasShape(w.U, u, u)) {
        issue(['gates', g, 'U'], `U must be ${u}×${u} (units × units; units = length of h0)`);
        ok = false;
      }
      if (w.b.length !== u) {
        issue(['gates', g, 'b'], `b must have one entry per unit (${u})`);
        ok = false;
      }
      if (w.bRec && !(g === 'hTilde' && p.resetAfter)) issue(['gates', g, 'bRec'], 'a separate recurrent bias exists only for the GRU candidate with resetAfter: true');
      if (w.bRec && w.bRec.length !== u) {
        issue(['gates', g, 'bRec'], `bRec must have one entry per unit (${u})`);
        ok = false;
      }
    }
    if (lstm && !p.c0) {
      issue('c0', 'an LSTM step needs the previous cell state c0');
      ok = false;
    }
    if (lstm && p.c0 && p.c0.length !== u) {
      issue('c0', `c0 must have one entry per unit (${u})`);
      ok = false;
    }
    if (!lstm && p.c0) issue('c0', 'a GRU has no cell state');
    if (lstm && (p.gruUpdate !== 'keras' || p.resetAfter)) issue(p.resetAfter ? 'resetAfter' : 'gruUpdate', 'gruUpdate and resetAfter apply to GRU cells only');
    if (!ok) return;
    try {
      solveWith(p as GatedParams, undefined, false);
    } catch (e) {
      if (e instanceof AmbiguousValueError) issue('x', `degenerate instance: ${e.message}; change the weights or inputs`);
      else throw e;
    }
  });

export type GatedParams = z.output<typeof paramsSchema>;

// ---------- exact solver ----------

type FlawId =
  | 'no-bias'
  | 'sigmoid-swap'
  | 'h-from-c'
  | 'h-tanh-c'
  | 'no-forget'
  | 'no-input-gate'
  | 'gru-update-swapped'
  | 'no-reset'
  | 'reset-placement'
  | 'transposed'
  | 'round-gates';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'no-bias', label: 'forgot the bias', feedback: 'Every gate and the candidate add their bias b to the weighted inputs before the activation.' },
  {
    id: 'sigmoid-swap',
    label: 'confused the hard sigmoid with the logistic sigmoid',
    feedback: 'Use the gate activation the question states: the hard sigmoid is clip(0.2z + 0.5, 0, 1) (Keras 2 / TensorFlow.js), the logistic sigmoid is 1/(1 + e^(−z)) (TF2 Keras / PyTorch).',
  },
  { id: 'h-from-c', label: 'used c_t instead of φ(c_t) for h_t', feedback: 'The hidden state is h_t = o_t ⊙ φ(c_t): the cell state goes through the activation (tanh) before the output gate scales it.' },
  {
    id: 'h-tanh-c',
    label: 'applied tanh to c_t although the activation is not tanh',
    feedback: 'h_t = o_t ⊙ φ(c_t) with the layer\'s activation φ: with activation="linear" that is o_t ⊙ c_t; with ReLU it is o_t ⊙ max(0, c_t).',
  },
  { id: 'no-forget', label: 'forgot the forget-gate term f_t ⊙ c_{t−1}', feedback: 'The new cell state keeps part of the old one: c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t.' },
  { id: 'no-input-gate', label: 'forgot the input gate', feedback: 'The candidate is scaled by the input gate before it is added: c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t.' },
  {
    id: 'gru-update-swapped',
    label: 'swapped the roles of z and 1 − z',
    feedback: 'Keras/PyTorch keep the old state with weight z: h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃_t; Cho et al. (2014) write h_t = (1 − z) ⊙ h_{t−1} + z ⊙ h̃_t. Use the convention the question states.',
  },
  { id: 'no-reset', label: 'forgot the reset gate', feedback: 'The candidate sees the previous state only through the reset gate: r_t ⊙ h_{t−1} (or r_t ⊙ (U_h h_{t−1} + b_hh) with reset_after).' },
  {
    id: 'reset-placement',
    label: 'applied the reset gate at the wrong place',
    feedback: 'reset_after=False: U_h·(r_t ⊙ h_{t−1}); reset_after=True (TF2 default, PyTorch): r_t ⊙ (U_h·h_{t−1} + b_hh). They differ as soon as U_h mixes units or b_hh ≠ 0.',
  },
  {
    id: 'transposed',
    label: 'used the transposed weight matrices',
    feedback: 'Check the layout: textbook W·x uses rows for units, the Keras kernel x·W uses columns for units.',
  },
];

const gatesOf = (p: GatedParams): readonly Gate[] => (p.cell === 'lstm' ? LSTM_GATES : GRU_GATES);
const tr = <T>(m: T[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
const isSymmetric = (m: Fraction[][]) => m.every((r, i) => r.every((v, j) => v.equals(m[j]![i]!)));

/** Per-gate weights in textbook orientation: A (units × inputs), H (units × units). */
function gateWeights(p: GatedParams, g: Gate, transposed: boolean) {
  const w = p.gates[g]!;
  const Wq = w.W.map((r) => r.map(toQ));
  const Uq = w.U.map((r) => r.map(toQ));
  const keras = p.layout === 'keras';
  let A = keras ? tr(Wq) : Wq;
  let H = keras ? tr(Uq) : Uq;
  if (transposed) {
    H = tr(H);
    if (A.length === A[0]!.length) A = tr(A);
  }
  return { A, H, b: w.b.map(toQ), bRec: w.bRec?.map(toQ) };
}

const GATE_NAME: Record<Gate, string> = { i: 'i_t', f: 'f_t', g: 'g_t', o: 'o_t', z: 'z_t', r: 'r_t', hTilde: 'h̃_t' };
const GATE_ROLE: Record<Gate, string> = { i: 'input gate', f: 'forget gate', g: 'candidate', o: 'output gate', z: 'update gate', r: 'reset gate', hTilde: 'candidate' };
const SUB: Record<Gate, string> = { i: 'i', f: 'f', g: 'g', o: 'o', z: 'z', r: 'r', hTilde: 'h' };
const FN_OF: Record<GatedParams['activation'], Fn> = { tanh: 'tanh', linear: 'identity', relu: 'relu' };
const PHI_NAME: Record<GatedParams['activation'], string> = { tanh: 'tanh', linear: 'φ', relu: 'ReLU' };

function solveWith(p: GatedParams, flaw?: FlawId, withSteps = flaw === undefined): Solution | undefined {
  const lstm = p.cell === 'lstm';
  const u = p.h0.length;
  const keras = p.layout === 'keras';
  const steps: string[] = [];
  const say = withSteps ? (line: () => string) => void steps.push(line()) : () => {};
  // Mutants that do not apply to this instance.
  if (lstm && (flaw === 'gru-update-swapped' || flaw === 'no-reset' || flaw === 'reset-placement')) return undefined;
  if (!lstm && (flaw === 'h-from-c' || flaw === 'h-tanh-c' || flaw === 'no-forget' || flaw === 'no-input-gate')) return undefined;
  if (flaw === 'h-from-c' && p.activation === 'linear') return undefined;
  if (flaw === 'h-tanh-c' && p.activation === 'tanh') return undefined;
  if (flaw === 'transposed' && u === 1) return undefined;
  const sigma: Fn = (p.recurrentActivation === 'hardSigmoid') !== (flaw === 'sigmoid-swap') ? 'hardSigmoid' : 'sigmoid';
  const phi = FN_OF[p.activation];
  const roundGates = flaw === 'round-gates';
  const rounded = (v: Num) => (roundGates && !v.q ? numQ(roundNum(v, p.decimals)) : v);
  const noBias = flaw === 'no-bias';
  const x = p.x.map((v) => numQ(toQ(v)));
  const h0 = p.h0.map((v) => numQ(toQ(v)));
  const vecT = (xs: readonly Num[]) => (xs.length === 1 ? fmtNum(xs[0]!) : `(${xs.map((v) => fmtNum(v)).join(', ')})`);
  const sigmaName = p.recurrentActivation === 'hardSigmoid' ? 'σ_hard' : 'σ';
  let anyTransposed = false;

  /** W·x + U·(hIn) + b for one gate, as Num per unit, with its worked line. */
  const preact = (g: Gate, hIn: readonly Num[], withBias = true) => {
    const { A, H, b } = gateWeights(p, g, flaw === 'transposed');
    if (flaw === 'transposed' && !isSymmetric(H)) anyTransposed = true;
    const xPart = A.map((row) => nSum(row.map((w, j) => nMul(numQ(w), x[j]!))));
    const hPart = H.map((row) => nSum(row.map((w, j) => nMul(numQ(w), hIn[j]!))));
    const bias = b.map((v) => numQ(noBias || !withBias ? q(0) : v));
    return { hIn, xPart, hPart, bias, a: xPart.map((v, i) => nAdd(nAdd(v, hPart[i]!), bias[i]!)) };
  };
  /** Operand text: a scalar in parentheses when negative, a vector as a tuple. */
  const opnd = (xs: readonly Num[]) => (xs.length === 1 ? par(fmtNum(xs[0]!)) : vecT(xs));
  const dot = u === 1 ? '·' : ' ⊙ ';
  /** "σ(1·2 + (−1)·0.5 + 0) = σ(1.5)" or "σ(W_z·x_t + U_z·h_{t−1} + b_z) = σ((…) + (…) + (…)) = σ((…))". */
  const applied = (fname: string, g: Gate, hName: string, pre: ReturnType<typeof preact>) => {
    const s = SUB[g];
    if (u === 1 && p.x.length === 1) {
      const { A, H } = gateWeights(p, g, false);
      return `${fname}(${par(fmtExact(A[0]![0]!))}·${opnd(x)} + ${par(fmtExact(H[0]![0]!))}·${opnd(pre.hIn)} + ${opnd(pre.bias)}) = ${fname}(${fmtNum(pre.a[0]!)})`;
    }
    const xs = keras ? `x_t·W_${s}` : `W_${s}·x_t`;
    const hs = keras ? `${hName}·U_${s}` : `U_${s}·${hName}`;
    return `${fname}(${xs} + ${hs} + b_${s}) = ${fname}(${opnd(pre.xPart)} + ${opnd(pre.hPart)} + ${opnd(pre.bias)}) = ${fname}(${vecT(pre.a)})`;
  };

  const gateVals: Partial<Record<Gate, Num[]>> = {};
  const gate = (g: Gate) => {
    const pre = preact(g, h0);
    const v = pre.a.map((a) => rounded(nApply(sigma, a)));
    gateVals[g] = v;
    say(() => `${GATE_ROLE[g]}: ${GATE_NAME[g]} = ${applied(sigmaName, g, 'h_{t−1}', pre)} = ${vecT(v)}.`);
    return v;
  };

  let c: Num[] | undefined;
  let h: Num[];
  if (lstm) {
    const i = gate('i');
    const f = gate('f');
    const preG = preact('g', h0);
    const g = preG.a.map((a) => rounded(nApply(phi, a)));
    gateVals.g = g;
    say(() => `candidate: g_t = ${applied(PHI_NAME[p.activation], 'g', 'h_{t−1}', preG)} = ${vecT(g)}.`);
    const o = gate('o');
    const c0 = p.c0!.map((v) => numQ(toQ(v)));
    const forget = c0.map((cv, k) => (flaw === 'no-forget' ? numQ(q(0)) : nMul(f[k]!, cv)));
    const input = g.map((gv, k) => (flaw === 'no-input-gate' ? gv : nMul(i[k]!, gv)));
    const cNew = forget.map((v, k) => nAdd(v, input[k]!));
    c = cNew;
    say(() => `c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t = ${opnd(f)}${dot}${opnd(c0)} + ${opnd(i)}${dot}${opnd(g)} = ${vecT(cNew)}.`);
    const outFn: Fn = flaw === 'h-from-c' ? 'identity' : flaw === 'h-tanh-c' ? 'tanh' : phi;
    const cAct = cNew.map((v) => rounded(nApply(outFn, v)));
    h = cAct.map((v, k) => nMul(o[k]!, v));
    const hNew = h;
    say(() =>
      p.activation === 'linear'
        ? `h_t = o_t ⊙ c_t (linear activation) = ${opnd(o)}${dot}${opnd(cNew)} = ${vecT(hNew)}.`
        : `h_t = o_t ⊙ ${PHI_NAME[p.activation]}(c_t) = ${opnd(o)}${dot}${PHI_NAME[p.activation]}(${vecT(cNew)}) = ${opnd(o)}${dot}${opnd(cAct)} = ${vecT(hNew)}.`,
    );
  } else {
    const zg = gate('z');
    const r = gate('r');
    const after = p.resetAfter !== (flaw === 'reset-placement');
    const noReset = flaw === 'no-reset';
    let hTilde: Num[];
    const { bRec } = gateWeights(p, 'hTilde', false);
    if (!after) {
      const rh = h0.map((hv, k) => (noReset ? hv : nMul(r[k]!, hv)));
      const pre = preact('hTilde', rh);
      hTilde = pre.a.map((a) => rounded(nApply(phi, a)));
      const ht = hTilde;
      say(() => `r_t ⊙ h_{t−1} = ${opnd(r)}${dot}${opnd(h0)} = ${vecT(rh)}; candidate: h̃_t = ${applied(PHI_NAME[p.activation], 'hTilde', '(r_t ⊙ h_{t−1})', pre)} = ${vecT(ht)}.`);
    } else {
      // reset_after: h̃ = φ(W_h x + b_h + r ⊙ (U_h h + b_hh)).
      const pre = preact('hTilde', h0);
      const rec = pre.hPart.map((v, k) => nAdd(v, numQ(noBias || !bRec ? q(0) : bRec[k]!)));
      const gated = rec.map((v, k) => (noReset ? v : nMul(r[k]!, v)));
      const a = pre.xPart.map((v, k) => nAdd(nAdd(v, pre.bias[k]!), gated[k]!));
      hTilde = a.map((v) => rounded(nApply(phi, v)));
      const ht = hTilde;
      const s = keras ? 'h_{t−1}·U_h' : 'U_h·h_{t−1}';
      const xs = keras ? 'x_t·W_h' : 'W_h·x_t';
      say(() => `${s} + b_hh = ${vecT(rec)}; r_t ⊙ (${s} + b_hh) = ${vecT(gated)}; ${xs} + b_h = ${vecT(pre.xPart.map((v, k) => nAdd(v, pre.bias[k]!)))}; candidate: h̃_t = ${PHI_NAME[p.activation]}(${xs} + b_h + r_t ⊙ (${s} + b_hh)) = ${PHI_NAME[p.activation]}(${vecT(a)}) = ${vecT(ht)}.`);
    }
    gateVals.hTilde = hTilde;
    const cho = (p.gruUpdate === 'cho') !== (flaw === 'gru-update-swapped');
    const one = numQ(ONE);
    const oneMinus = (v: Num) => nAdd(one, nMul(numQ(q(-1)), v));
    h = h0.map((hv, k) => {
      const keep = cho ? oneMinus(zg[k]!) : zg[k]!;
      const take = cho ? zg[k]! : oneMinus(zg[k]!);
      return nAdd(nMul(keep, hv), nMul(take, hTilde[k]!));
    });
    const hNew = h;
    say(() =>
      p.gruUpdate === 'cho'
        ? `h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t = ${opnd(zg.map(oneMinus))}${dot}${opnd(h0)} + ${opnd(zg)}${dot}${opnd(hTilde)} = ${vecT(hNew)}.`
        : `h_t = z_t ⊙ h_{t−1} + (1 − z_t) ⊙ h̃_t = ${opnd(zg)}${dot}${opnd(h0)} + ${opnd(zg.map(oneMinus))}${dot}${opnd(hTilde)} = ${vecT(hNew)}.`,
    );
  }
  if (flaw === 'transposed' && !anyTransposed) return undefined;

  const unit = 10 ** -p.decimals;
  const answerOf = (xs: readonly Num[]): Pick<Part, 'answer' | 'decimals' | 'tolerance' | 'rounded'> => {
    if (xs.every((v) => v.q)) {
      const vals = xs.map((v) => v.q!);
      return { answer: u === 1 ? scalar(vals[0]!) : vector(vals) };
    }
    const vals = xs.map((v) => roundNum(v, p.decimals));
    return { answer: u === 1 ? scalar(vals[0]!) : vector(vals), decimals: p.decimals, tolerance: { abs: 1.5 * unit }, rounded: {} };
  };
  const parts: Part[] = gatesOf(p).map((g) => ({ id: g, label: `${GATE_NAME[g]} (${GATE_ROLE[g]})`, ...answerOf(gateVals[g]!) }));
  if (c) parts.push({ id: 'c', label: 'new cell state c_t', ...answerOf(c) });
  parts.push({ id: 'h', label: 'new hidden state h_t', ...answerOf(h) });
  return { parts, steps };
}

const { solve, mistakes } = mutantSolver<GatedParams, FlawId>((p, f) => solveWith(p, f), FLAWS);

// ---------- generation ----------

type Mode = { recurrentActivation: GatedParams['recurrentActivation']; activation: GatedParams['activation'] };

interface Plan {
  cell: GatedParams['cell'];
  units: number;
  mode: Mode;
  cho: boolean;
  resetAfter: boolean;
}

/** The kind of question, drawn once per instance (before the retries, so that rarely-nice kinds keep their share). */
function pickPlan(rng: Rng, difficulty: Difficulty): Plan {
  const cell = rng.bool(0.5) ? 'lstm' : 'gru';
  const mode: Mode =
    difficulty === 1
      ? { recurrentActivation: 'hardSigmoid', activation: rng.bool(0.7) ? 'linear' : 'relu' }
      : rng.weighted<Mode>([
          [{ recurrentActivation: 'sigmoid', activation: 'tanh' }, 5],
          [{ recurrentActivation: 'hardSigmoid', activation: 'linear' }, 2.5],
          [{ recurrentActivation: 'hardSigmoid', activation: 'relu' }, 1.5],
          [{ recurrentActivation: 'hardSigmoid', activation: 'tanh' }, 1],
        ]);
  const gru = cell === 'gru';
  return {
    cell,
    units: difficulty === 3 && rng.bool(0.35) ? 2 : 1,
    mode,
    cho: gru && difficulty >= 2 && rng.bool(difficulty === 3 ? 0.5 : 0.3),
    resetAfter: gru && difficulty === 3 && rng.bool(0.4),
  };
}

function candidate(rng: Rng, difficulty: Difficulty, plan: Plan): GatedParams {
  const { cell, mode, units: u } = plan;
  const lstm = cell === 'lstm';
  const d = difficulty === 1 || u === 2 ? 1 : rng.pick([1, 1, 2]);
  const smooth = mode.recurrentActivation === 'sigmoid';
  const layout = u === 2 && rng.bool(0.5) ? 'keras' : 'textbook';
  const w = (): number =>
    smooth ? rng.pick([-1, -0.5, 0, 0.5, 1, 1]) : difficulty === 1 ? rng.int(-2, 2) : rng.bool(0.15) ? rng.pick([0.5, -0.5, 1.5]) : rng.int(-2, 2);
  const bias = (): number => (smooth ? rng.pick([-0.5, 0, 0, 0.5, 1]) : rng.int(-1, 1));
  const state = (): number => (smooth ? rng.pick([-1, -0.5, 0.5, 1]) : rng.nonZeroInt(-2, 2));
  const gate = () => {
    const A = Array.from({ length: u }, () => Array.from({ length: d }, w));
    const H = Array.from({ length: u }, (_, i) => Array.from({ length: u }, (_, j) => (u === 2 ? rng.pick(i === j ? [-1, 0, 1, 1] : [-1, 0, 0, 1]) : w())));
    return { W: layout === 'keras' ? tr(A) : A, U: layout === 'keras' ? tr(H) : H, b: Array.from({ length: u }, bias) };
  };
  const gates: GatedParams['gates'] = {};
  for (const g of lstm ? LSTM_GATES : GRU_GATES) gates[g] = gate();
  const { resetAfter } = plan;
  if (resetAfter) gates.hTilde = { ...gates.hTilde!, bRec: Array.from({ length: u }, () => (smooth ? rng.pick([-0.5, 0.5, 1]) : rng.nonZeroInt(-1, 1))) };
  return {
    cell,
    layout,
    ...mode,
    gruUpdate: plan.cho ? 'cho' : 'keras',
    resetAfter,
    x: Array.from({ length: d }, () => (smooth ? rng.pick([-1, 1, 2, -2, 0.5]) : rng.nonZeroInt(-2, 2))),
    h0: Array.from({ length: u }, state),
    ...(lstm ? { c0: Array.from({ length: u }, state) } : {}),
    gates,
    decimals: 3,
  };
}

const valuesOf = (a: Answer): Fraction[] => (a.kind === 'scalar' ? [a.value.coef] : a.kind === 'vector' ? a.value.map((r) => r.coef) : []);

/** A float run of the cell (cheap pre-filter for the generator; the exact solver decides). */
function simulate(p: GatedParams): { gates: Partial<Record<Gate, number[]>>; c?: number[]; h: number[] } {
  const f = (v: Entry) => toQ(v).valueOf();
  const x = p.x.map(f);
  const h0 = p.h0.map(f);
  const sig = p.recurrentActivation === 'hardSigmoid' ? (z: number) => Math.min(1, Math.max(0, 0.2 * z + 0.5)) : (z: number) => 1 / (1 + Math.exp(-z));
  const phi = p.activation === 'tanh' ? Math.tanh : p.activation === 'relu' ? (z: number) => Math.max(0, z) : (z: number) => z;
  const lin = (g: Gate, hIn: number[], withRec = true) => {
    const { A, H, b } = gateWeights(p, g, false);
    return A.map((row, k) => row.reduce((acc, w, j) => acc + w.valueOf() * x[j]!, b[k]!.valueOf()) + (withRec ? H[k]!.reduce((acc, w, j) => acc + w.valueOf() * hIn[j]!, 0) : 0));
  };
  const gates: Partial<Record<Gate, number[]>> = {};
  if (p.cell === 'lstm') {
    const [i, fg, g, o] = [lin('i', h0).map(sig), lin('f', h0).map(sig), lin('g', h0).map(phi), lin('o', h0).map(sig)];
    Object.assign(gates, { i, f: fg, g, o });
    const c0 = p.c0!.map(f);
    const c = c0.map((cv, k) => fg[k]! * cv + i[k]! * g[k]!);
    return { gates, c, h: c.map((cv, k) => o[k]! * phi(cv)) };
  }
  const z = lin('z', h0).map(sig);
  const r = lin('r', h0).map(sig);
  let hTilde: number[];
  if (p.resetAfter) {
    const { H, bRec } = gateWeights(p, 'hTilde', false);
    const rec = H.map((row, k) => row.reduce((acc, w, j) => acc + w.valueOf() * h0[j]!, bRec ? bRec[k]!.valueOf() : 0));
    hTilde = lin('hTilde', h0, false).map((v, k) => phi(v + r[k]! * rec[k]!));
  } else hTilde = lin('hTilde', h0.map((v, k) => r[k]! * v)).map(phi);
  Object.assign(gates, { z, r, hTilde });
  const cho = p.gruUpdate === 'cho';
  return { gates, h: h0.map((hv, k) => (cho ? (1 - z[k]!) * hv + z[k]! * hTilde[k]! : z[k]! * hv + (1 - z[k]!) * hTilde[k]!)) };
}

/** "Nice", in floats: every unit reads the input, informative gates (not saturated; the hard sigmoid may clip one gate from difficulty 2 on), small states. */
function roughlyNice(p: GatedParams, difficulty: Difficulty): boolean {
  const u = p.h0.length;
  const reads = Array.from({ length: u }, (_, k) => gatesOf(p).some((g) => gateWeights(p, g, false).A[k]!.some((w) => w.n !== 0n)));
  if (!reads.every(Boolean)) return false;
  const sim = simulate(p);
  const gv = (p.cell === 'lstm' ? (['i', 'f', 'o'] as const) : (['z', 'r'] as const)).flatMap((g) => sim.gates[g]!);
  const smooth = p.recurrentActivation === 'sigmoid';
  const clipped = gv.filter((v) => v === 0 || v === 1).length;
  if (clipped > (difficulty === 1 || smooth ? 0 : 1)) return false;
  if (gv.some((v) => v !== 0 && v !== 1 && (v < 0.05 || v > 0.95))) return false;
  const all = [...Object.values(sim.gates).flat(), ...(sim.c ?? []), ...sim.h];
  if (all.some((v) => Math.abs(v) > 10)) return false;
  const tiny = (v: number) => Math.abs(v) < 1e-9;
  if (sim.h.every(tiny)) return false;
  if (p.cell === 'lstm') {
    if (sim.c!.some(tiny) || sim.gates.g!.every(tiny)) return false;
  } else {
    // The update convention must matter: z ≠ 1/2 and h̃ ≠ h_{t−1}.
    if (sim.gates.z!.some((v) => Math.abs(v - 0.5) < 1e-9)) return false;
    if (sim.gates.hTilde!.every((v, k) => tiny(v - toQ(p.h0[k]!).valueOf()))) return false;
  }
  return true;
}

/** "Nice", exactly: short decimals, answers robust to rounding the gates, the stated conventions visible in the answer. */
function nice(p: GatedParams): boolean {
  const sol = solveWith(p, undefined, false)!;
  const smooth = p.recurrentActivation === 'sigmoid';
  if (!smooth && p.activation !== 'tanh' && sol.parts.some((x) => valuesOf(x.answer).some((v) => v.d > 1000n))) return false;
  const differs = (flaw: FlawId, id: string) => {
    const w = solveWith(p, flaw, false);
    const a = valuesOf(sol.parts.find((x) => x.id === id)!.answer);
    const b = w ? valuesOf(w.parts.find((x) => x.id === id)!.answer) : a;
    return a.some((v, i) => !v.equals(b[i]!));
  };
  if (p.gruUpdate === 'cho' && !differs('gru-update-swapped', 'h')) return false;
  if (p.resetAfter && !differs('reset-placement', 'hTilde')) return false;
  if (sol.parts.some((x) => x.rounded)) {
    const r = solveWith(p, 'round-gates', false)!;
    for (const part of sol.parts) {
      const a = valuesOf(part.answer);
      const b = valuesOf(r.parts.find((x) => x.id === part.id)!.answer);
      if (a.some((v, i) => v.sub(b[i]!).abs().compare(q(1, 10 ** p.decimals)) > 0)) return false;
    }
  }
  return true;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): GatedParams {
  const plan = pickPlan(rng.fork('plan'), o.difficulty);
  for (let attempt = 0; attempt < 400; attempt++) {
    const r = rng.fork(attempt);
    const c = candidate(r, o.difficulty, plan);
    // Cheap float checks first; the schema and the exact solver only see plausible candidates.
    if (!roughlyNice(c, o.difficulty)) continue;
    const parsed = paramsSchema.safeParse(c);
    if (parsed.success && nice(parsed.data)) return parsed.data;
  }
  throw new GenerationError('gated-rnn-step: no valid instance in 400 attempts');
}

// ---------- statement ----------

function statement(p: GatedParams): Statement {
  const lstm = p.cell === 'lstm';
  const u = p.h0.length;
  const d = p.x.length;
  const keras = p.layout === 'keras';
  const e = (v: Entry) => fmtExact(toQ(v));
  const vecE = (vs: readonly Entry[]) => (vs.length === 1 ? e(vs[0]!) : `(${vs.map(e).join(', ')})`);
  const lin = (s: string, hIn = 'h_{t−1}') => (keras ? `x_t·W_${s} + ${hIn}·U_${s} + b_${s}` : `W_${s}·x_t + U_${s}·${hIn} + b_${s}`);
  const sig = p.recurrentActivation === 'hardSigmoid' ? 'σ_hard' : 'σ';
  const phi = p.activation === 'tanh' ? 'tanh' : 'φ';
  const eqs: string[] = [];
  if (lstm) {
    eqs.push(`i_t = ${sig}(${lin('i')})`, `f_t = ${sig}(${lin('f')})`, `g_t = ${phi}(${lin('g')})`, `o_t = ${sig}(${lin('o')})`, 'c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t', `h_t = o_t ⊙ ${phi}(c_t)`);
  } else {
    eqs.push(`z_t = ${sig}(${lin('z')})`, `r_t = ${sig}(${lin('r')})`);
    if (p.resetAfter) eqs.push(`h̃_t = ${phi}(${keras ? 'x_t·W_h' : 'W_h·x_t'} + b_h + r_t ⊙ (${keras ? 'h_{t−1}·U_h' : 'U_h·h_{t−1}'} + b_hh))`);
    else eqs.push(`h̃_t = ${phi}(${lin('h', '(r_t ⊙ h_{t−1})')})`);
    eqs.push(p.gruUpdate === 'cho' ? 'h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t' : 'h_t = z_t ⊙ h_{t−1} + (1 − z_t) ⊙ h̃_t');
  }
  const sigText =
    p.recurrentActivation === 'hardSigmoid'
      ? 'σ_hard(z) = max(0, min(1, 0.2z + 0.5)) is the hard sigmoid'
      : 'σ(z) = 1/(1 + e^(−z)) is the logistic sigmoid';
  const phiText = p.activation === 'tanh' ? 'tanh is the hyperbolic tangent' : p.activation === 'linear' ? 'φ is the identity (activation="linear")' : 'φ = ReLU, φ(z) = max(0, z)';
  const states = lstm ? `states are h_{t−1} = ${vecE(p.h0)} and c_{t−1} = ${vecE(p.c0!)}` : `state is h_{t−1} = ${vecE(p.h0)}`;
  const name = lstm ? 'an LSTM' : 'a GRU';
  const gates = gatesOf(p);
  const blocks: Block[] = [];
  const showS = (g: Gate) => SUB[g];
  if (u === 1) {
    const cell = (m: readonly (readonly Entry[])[]) => (m.length === 1 && m[0]!.length === 1 ? e(m[0]![0]!) : `(${m.flat().map(e).join(', ')})`);
    const header = ['gate', `W (input weight${d > 1 ? 's' : ''})`, 'U (recurrent weight)', 'b (bias)', ...(p.resetAfter ? ['b_hh (recurrent bias)'] : [])];
    blocks.push({
      kind: 'table',
      header,
      rows: gates.map((g) => {
        const w = p.gates[g]!;
        return [`${GATE_NAME[g].replace('_t', '')} (${GATE_ROLE[g]}): W_${showS(g)}, U_${showS(g)}, b_${showS(g)}`, cell(w.W), cell(w.U), e(w.b[0]!), ...(p.resetAfter ? [w.bRec ? e(w.bRec[0]!) : '—'] : [])];
      }),
    });
  } else {
    const realsM = (m: readonly (readonly Entry[])[]) => m.map((r) => r.map((v) => real(toQ(v))));
    for (const g of gates) {
      const w = p.gates[g]!;
      const s = showS(g);
      blocks.push({ kind: 'matrix', name: `W_${s}`, value: realsM(w.W) }, { kind: 'matrix', name: `U_${s}`, value: realsM(w.U) }, { kind: 'vector', name: `b_${s}`, value: w.b.map((v) => real(toQ(v))) });
      if (w.bRec) blocks.push({ kind: 'vector', name: 'b_hh', value: w.bRec.map((v) => real(toQ(v))) });
    }
  }
  const xText = d === 1 ? `x_t = ${e(p.x[0]!)}` : `x_t = ${vecE(p.x)}`;
  const asks = lstm
    ? ['the input gate i_t', 'the forget gate f_t', 'the candidate g_t', 'the output gate o_t', 'the new cell state c_t', 'the new hidden state h_t']
    : ['the update gate z_t', 'the reset gate r_t', 'the candidate h̃_t', 'the new hidden state h_t'];
  const letters = 'abcdefgh';
  const text =
    `Compute one time step of ${name} layer with ${u} unit${u > 1 ? 's' : ''} and ${d}-dimensional input${u > 1 ? '' : ' (all states are scalars)'}. ` +
    `The previous ${states}; the input is ${xText}. The cell computes ${eqs.join(', ')}, where ${sigText} and ${phiText}` +
    `${u > 1 ? '; ⊙ is the element-wise product' : ''}. The weights are given below. ` +
    `Compute ${asks.map((a, i) => `(${letters[i]}) ${a}`).join(', ')}. Give exact values where they are rational; round the others to ${p.decimals} decimals.`;
  const layoutText =
    u === 1
      ? d === 1
        ? 'One unit and one input: every weight is a scalar.'
        : `One unit: W_k·x_t is the dot product of the weight vector W_k with x_t.`
      : keras
        ? 'Keras layout (CONVENTIONS #14): per gate, the input kernel W_k has shape (inputs, units) and the recurrent kernel U_k (units, units); row vectors are multiplied from the left (x_t·W_k).'
        : 'Textbook layout: per gate, W_k has shape (units, inputs) and U_k (units, units); column vectors are multiplied from the right (W_k·x_t).';
  const sigConv =
    p.recurrentActivation === 'hardSigmoid'
      ? 'Gate activation: the Keras 2 / TensorFlow.js hard sigmoid clip(0.2z + 0.5, 0, 1) (recurrent_activation="hard_sigmoid"; PyTorch’s Hardsigmoid z/6 + 1/2 is a different function).'
      : 'Gate activation: the logistic sigmoid (TF2 Keras and PyTorch default).';
  const gruConv = lstm
    ? 'LSTM as in Keras/PyTorch (no peepholes).'
    : `${p.gruUpdate === 'cho' ? 'GRU update as in Cho et al. (2014): z_t weights the candidate, (1 − z_t) the old state (Keras and PyTorch swap the roles).' : 'GRU update as in Keras and PyTorch: z_t weights the old state, (1 − z_t) the candidate (Cho et al. 2014 swap the roles).'} ` +
      (p.resetAfter
        ? 'Reset gate applied after the recurrent product, with a separate recurrent bias b_hh (Keras reset_after=True, the TF2 default; PyTorch).'
        : 'Reset gate applied to h_{t−1} before the recurrent product (Keras reset_after=False; the original GRU).');
  return { text, blocks, convention: `${layoutText} ${sigConv} ${gruConv}` };
}

// ---------- verification (real tf.layers.lstm / gru, gates by tf ops) ----------

async function verify(p: GatedParams, s: Solution, tf: TF): Promise<Check> {
  type Tensor = import('@tensorflow/tfjs').Tensor;
  const num = (v: Entry) => toQ(v).valueOf();
  const lstm = p.cell === 'lstm';
  const u = p.h0.length;
  const d = p.x.length;
  const gates = gatesOf(p);
  // Keras orientation per gate: W (inputs × units), U (units × units).
  const kerasW = (g: Gate) => {
    const w = p.gates[g]!;
    const W = w.W.map((r) => r.map(num));
    const U = w.U.map((r) => r.map(num));
    return p.layout === 'keras' ? { W, U } : { W: tr(W), U: tr(U) };
  };
  const bOf = (g: Gate) => p.gates[g]!.b.map(num);
  const computed: Record<string, Numeric> = {};
  const read = (t: Tensor): Numeric => {
    const row = (t.arraySync() as number[][])[0]!;
    return u === 1 ? row[0]! : row;
  };
  const owned: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  const sigmaLayer = tf.layers.activation({ activation: p.recurrentActivation });
  const phiLayer = tf.layers.activation({ activation: p.activation });
  let layer: import('@tensorflow/tfjs').layers.Layer | undefined;
  let method: string;
  try {
    const x = keep(tf.tensor2d([p.x.map(num)], [1, d]));
    const h0 = keep(tf.tensor2d([p.h0.map(num)], [1, u]));
    // Gates from tf ops: x·W + h·U + b through the real Keras activation.
    const pre = (g: Gate, hIn: Tensor = h0) => {
      const { W, U } = kerasW(g);
      return keep(tf.tidy(() => tf.add(tf.add(tf.matMul(x, tf.tensor2d(W, [d, u])), tf.matMul(hIn, tf.tensor2d(U, [u, u]))), tf.tensor1d(bOf(g)))));
    };
    const act = (l: typeof sigmaLayer, t: Tensor) => keep(l.apply(t) as Tensor);
    const gateT: Partial<Record<Gate, Tensor>> = {};
    for (const g of gates) if (g !== 'hTilde') gateT[g] = act(g === 'g' ? phiLayer : sigmaLayer, pre(g));
    if (!lstm) {
      const r = gateT.r!;
      if (p.resetAfter) {
        const { W, U } = kerasW('hTilde');
        const bRec = p.gates.hTilde!.bRec?.map(num) ?? Array.from({ length: u }, () => 0);
        gateT.hTilde = act(
          phiLayer,
          keep(
            tf.tidy(() =>
              tf.add(tf.add(tf.matMul(x, tf.tensor2d(W, [d, u])), tf.tensor1d(bOf('hTilde'))), tf.mul(r, tf.add(tf.matMul(h0, tf.tensor2d(U, [u, u])), tf.tensor1d(bRec)))),
            ),
          ),
        );
      } else {
        gateT.hTilde = act(phiLayer, pre('hTilde', keep(tf.mul(r, h0))));
      }
    }
    for (const g of gates) computed[g] = read(gateT[g]!);

    const x3 = keep(tf.tensor3d([[p.x.map(num)]], [1, 1, d]));
    if (lstm) {
      // Keras kernel (inputs, 4·units) in gate order i, f, c, o.
      const order: Gate[] = ['i', 'f', 'g', 'o'];
      const kernel = keep(tf.concat(order.map((g) => keep(tf.tensor2d(kerasW(g).W, [d, u]))), 1));
      const rec = keep(tf.concat(order.map((g) => keep(tf.tensor2d(kerasW(g).U, [u, u]))), 1));
      const bias = keep(tf.tensor1d(order.flatMap(bOf)));
      const l = tf.layers.lstm({ units: u, activation: p.activation, recurrentActivation: p.recurrentActivation, returnState: true, weights: [kernel, rec, bias] });
      layer = l;
      l.setFastWeightInitDuringBuild(true); // the given weights replace the initialisers' (no orthogonal QR)
      const c0 = keep(tf.tensor2d([p.c0!.map(num)], [1, u]));
      const out = (l.apply(x3, { initialState: [h0, c0] }) as Tensor[]).map(keep);
      computed['h'] = read(out[1]!);
      computed['c'] = read(out[2]!);
      method = `tf.layers.lstm (activation '${p.activation}', recurrentActivation '${p.recurrentActivation}', Keras kernel order i,f,c,o, initialState [h, c]) for c_t, h_t; gates by tf.matMul + tf.layers.activation`;
    } else if (!p.resetAfter) {
      // Keras kernel (inputs, 3·units) in gate order z, r, h. Cho's update = Keras' with z → 1 − z,
      // and 1 − σ(a) = σ(−a) for both sigmoids, so negating the update gate's weights converts it.
      const sign = p.gruUpdate === 'cho' ? -1 : 1;
      const order: Gate[] = ['z', 'r', 'hTilde'];
      const scaled = (g: Gate, m: number[][]) => (g === 'z' ? m.map((r) => r.map((v) => sign * v)) : m);
      const kernel = keep(tf.concat(order.map((g) => keep(tf.tensor2d(scaled(g, kerasW(g).W), [d, u]))), 1));
      const rec = keep(tf.concat(order.map((g) => keep(tf.tensor2d(scaled(g, kerasW(g).U), [u, u]))), 1));
      const bias = keep(tf.tensor1d(order.flatMap((g) => bOf(g).map((v) => (g === 'z' ? sign * v : v)))));
      // tfjs GRU is always reset_after=False (its args have no resetAfter; CONVENTIONS #4).
      const l = tf.layers.gru({ units: u, activation: p.activation, recurrentActivation: p.recurrentActivation, weights: [kernel, rec, bias] });
      layer = l;
      l.setFastWeightInitDuringBuild(true);
      const out = keep(l.apply(x3, { initialState: [h0] }) as Tensor);
      computed['h'] = read(out);
      method = `tf.layers.gru (resetAfter false, activation '${p.activation}', recurrentActivation '${p.recurrentActivation}', Keras kernel order z,r,h${p.gruUpdate === 'cho' ? ', update-gate weights negated for the Cho convention' : ''}) for h_t; gates by tf.matMul + tf.layers.activation`;
    } else {
      const z = gateT.z!;
      const hTilde = gateT.hTilde!;
      const h = keep(tf.tidy(() => (p.gruUpdate === 'cho' ? tf.add(tf.mul(tf.sub(1, z), h0), tf.mul(z, hTilde)) : tf.add(tf.mul(z, h0), tf.mul(tf.sub(1, z), hTilde)))));
      computed['h'] = read(h);
      method = 'GRU cell with reset_after=True written in tf ops (tfjs GRU throws on resetAfter: true): tf.matMul, tf.layers.activation, element-wise update';
    }
  } finally {
    tf.dispose(owned);
    for (const l of [layer, sigmaLayer, phiLayer]) if (l?.built) l.dispose();
  }
  return compareParts(s, computed, method);
}

export const gatedRnnStep: Family<GatedParams> = {
  id: 'gated-rnn-step',
  title: 'One LSTM / GRU step',
  topic: 'rnn',
  description: 'Gates, cell state and hidden state of one LSTM or GRU step (1–2 units): hard or logistic sigmoid gates, tanh/linear/ReLU activation, Keras or Cho GRU update, reset_after.',
  params: paramsSchema,
  answerKinds: ['scalar', 'vector'],
  generate,
  statement,
  solve,
  verify,
  mistakes,
};
