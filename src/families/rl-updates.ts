/**
 * Reinforcement-learning updates computed by hand (Sutton & Barto, 2nd ed., 2018, notation):
 *
 * - `returns`: discounted returns G_t = R_{t+1} + γR_{t+2} + … of one finished episode (G_T = 0),
 *   either G_0 only or every G_t.
 * - `td`: one tabular Q-learning or SARSA update from a Q-table and one transition (s, a, r, s′, a′):
 *   the TD target, the TD error δ and the new Q(s, a). Both methods are shown the next action a′
 *   the behaviour policy took, so the on-/off-policy difference is what the question tests.
 * - `value-iteration`: one synchronous sweep V_1(s) = max_a Σ_s′ P(s′|s,a)[R(s,a) + γV_0(s′)] on a
 *   tiny MDP (optionally "slippery": the move fails with probability ε and the agent stays put),
 *   and the greedy action in every non-terminal state.
 *
 * Exactness: rewards, Q-values, α, γ and ε are exact rationals (decimals read from their text).
 *
 * verify() never uses the solver's recursions: returns — a discount matrix D[t][k] = γ^{k−t}
 * (k ≥ t) built with tf.pow and applied with tf.matMul; TD — a tf.variable Q-table updated by a
 * real tf.train.sgd(α) step on ½(target − Q(s,a))² (the semi-gradient TD update), target from
 * tf.max / tf.gather; value iteration — transition tensors P[a] (rows of probabilities), the Bellman
 * backup R + γ·P·V_0 with tf.matMul, tf.max and tf.argMax over actions.
 */
import { z } from 'zod';
import { choice, scalar, vector, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtQ, q, real, sum, ZERO, ONE, type Fraction } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mistakesFromMutants, mutantSolver, type Flaw } from './mutants.js';
import { entry, rationalText, toQ } from './schemas.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const probability = (what: string) =>
  rationalText.refine((s) => {
    const x = q(s);
    return x.compare(ZERO) >= 0 && x.compare(ONE) <= 0;
  }, `${what} must lie in [0, 1]`);

const actionName = z.string().regex(/^[a-z][a-z0-9]{0,7}$/, 'an action name is a lower-case word of up to 8 letters or digits');

const returnsSchema = z.object({
  kind: z.literal('returns'),
  /** R_1 … R_T: the rewards of one episode, in order; the episode ends after R_T. */
  rewards: z.array(entry).min(2).max(8),
  /** Discount factor γ in (0, 1]. */
  gamma: probability('the discount factor γ'),
  /** first: G_0 only; all: G_0 … G_{T−1}. */
  ask: z.enum(['first', 'all']).default('all'),
});

const tdSchema = z.object({
  kind: z.literal('td'),
  method: z.enum(['q-learning', 'sarsa']),
  /** Action names: the columns of the Q-table. */
  actions: z.array(actionName).min(2).max(4),
  /** The Q-table: one row per state s1, s2, …, one column per action. */
  Q: z.array(z.array(entry).min(2).max(4)).min(2).max(5),
  /** The transition: state s (1-based), action a, reward r, next state s′ (1-based), next action a′. */
  state: z.number().int().min(1),
  action: actionName,
  reward: entry,
  next: z.number().int().min(1),
  nextAction: actionName,
  alpha: probability('the learning rate α'),
  gamma: probability('the discount factor γ'),
});

const viSchema = z.object({
  kind: z.literal('value-iteration'),
  actions: z.array(actionName).min(2).max(3),
  /** next[s][a]: the state (1-based) that action a leads to from state s (ignored for terminal states). */
  next: z.array(z.array(z.number().int().min(1))).min(2).max(5),
  /** reward[s][a]: the reward R(s, a) for taking action a in state s (ignored for terminal states). */
  reward: z.array(z.array(entry)).min(2).max(5),
  /** Terminal (absorbing) states, 1-based: their value is 0 and stays 0. */
  terminal: z.array(z.number().int().min(1)).max(2).default([]),
  /** Probability ε that the chosen move fails and the agent stays where it is (0 = deterministic). */
  slip: probability('the slip probability ε').default('0'),
  /** The current value estimates V_0, one per state (0 for terminal states). */
  V0: z.array(entry).min(2).max(5),
  gamma: probability('the discount factor γ'),
});

const paramsSchema = z.discriminatedUnion('kind', [returnsSchema, tdSchema, viSchema]).superRefine((p, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (q(p.gamma).compare(ZERO) <= 0) issue(['gamma'], 'the discount factor γ must be positive');
  if (p.kind === 'td') {
    const n = p.Q.length;
    p.Q.forEach((row, i) => {
      if (row.length !== p.actions.length) issue(['Q', i], `row ${i + 1} has ${row.length} entries but there are ${p.actions.length} actions`);
    });
    if (new Set(p.actions).size !== p.actions.length) issue(['actions'], 'action names must be distinct');
    if (p.state > n) issue(['state'], `state ${p.state} does not exist (the Q-table has ${n} states)`);
    if (p.next > n) issue(['next'], `state ${p.next} does not exist (the Q-table has ${n} states)`);
    if (!p.actions.includes(p.action)) issue(['action'], `unknown action "${p.action}" (actions: ${p.actions.join(', ')})`);
    if (!p.actions.includes(p.nextAction)) issue(['nextAction'], `unknown action "${p.nextAction}" (actions: ${p.actions.join(', ')})`);
    if (q(p.alpha).compare(ZERO) <= 0) issue(['alpha'], 'the learning rate α must be positive');
  }
  if (p.kind === 'value-iteration') {
    const n = p.V0.length;
    if (new Set(p.actions).size !== p.actions.length) issue(['actions'], 'action names must be distinct');
    if (p.next.length !== n) issue(['next'], `"next" has ${p.next.length} rows but V0 has ${n} states`);
    if (p.reward.length !== n) issue(['reward'], `"reward" has ${p.reward.length} rows but V0 has ${n} states`);
    p.next.forEach((row, s) => {
      if (row.length !== p.actions.length) issue(['next', s], `state ${s + 1} lists ${row.length} next states but there are ${p.actions.length} actions`);
      row.forEach((t, a) => t > n && issue(['next', s, a], `state ${t} does not exist (there are ${n} states)`));
    });
    p.reward.forEach((row, s) => {
      if (row.length !== p.actions.length) issue(['reward', s], `state ${s + 1} lists ${row.length} rewards but there are ${p.actions.length} actions`);
    });
    for (const t of p.terminal) {
      if (t > n) issue(['terminal'], `terminal state ${t} does not exist (there are ${n} states)`);
      else if (toQ(p.V0[t - 1]!).compare(ZERO) !== 0) issue(['V0', t - 1], `terminal state s${t} must have V0 = 0`);
    }
    if (p.terminal.length >= n) issue(['terminal'], 'at least one state must be non-terminal');
    if (q(p.slip).compare(ONE) >= 0) issue(['slip'], 'the slip probability ε must be below 1');
  }
});

export type RlParams = z.output<typeof paramsSchema>;
type ReturnsParams = Extract<RlParams, { kind: 'returns' }>;
type TdParams = Extract<RlParams, { kind: 'td' }>;
type ViParams = Extract<RlParams, { kind: 'value-iteration' }>;

// ---------- the solver, with switches for typical mistakes ----------

type FlawId =
  | 'no-discount'
  | 'discount-first-reward'
  | 'discount-reversed'
  | 'other-td-target'
  | 'forgot-alpha'
  | 'max-current-state'
  | 'sign-error'
  | 'in-place-sweep'
  | 'average-actions'
  | 'ignored-v0'
  | 'ignored-slip';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'no-discount',
    label: 'forgot the discount factor γ',
    feedback: 'Every reward k steps in the future is weighted by γ^k (and every bootstrapped value by γ): without γ, distant rewards count as much as immediate ones.',
  },
  {
    id: 'discount-first-reward',
    label: 'discounted the first reward too',
    feedback: 'G_t = R_{t+1} + γR_{t+2} + γ²R_{t+3} + …: the first reward after time t carries γ⁰ = 1, not γ.',
  },
  {
    id: 'discount-reversed',
    label: 'discounted from the end of the episode',
    feedback: 'The discount grows with the distance from time t into the future: the NEXT reward is undiscounted and the last reward of the episode carries the highest power of γ.',
  },
  {
    id: 'other-td-target',
    label: 'mixed up the Q-learning and SARSA targets',
    feedback: 'Q-learning (off-policy) bootstraps from the best next action, r + γ·max_a′ Q(s′, a′); SARSA (on-policy) from the next action actually taken, r + γ·Q(s′, a′).',
  },
  {
    id: 'forgot-alpha',
    label: 'replaced Q(s, a) by the target (forgot the learning rate α)',
    feedback: 'The update moves Q(s, a) only a fraction α of the way to the target: Q(s, a) + α·δ, not the target itself.',
  },
  {
    id: 'max-current-state',
    label: 'bootstrapped from the current state s instead of the next state s′',
    feedback: 'The target looks one step ahead: it uses the Q-values of the state s′ the agent landed in, not of the state s it left.',
  },
  {
    id: 'sign-error',
    label: 'subtracted the TD error',
    feedback: 'δ = target − Q(s, a) and the update is Q(s, a) ← Q(s, a) + α·δ: a positive δ (better than expected) raises the estimate.',
  },
  {
    id: 'in-place-sweep',
    label: 'updated the values in place during the sweep',
    feedback: 'A synchronous sweep computes every V_1(s) from the old values V_0; using values already updated in the same sweep is the in-place (Gauss–Seidel) variant, which the question does not use.',
  },
  {
    id: 'average-actions',
    label: 'averaged over the actions instead of taking the maximum',
    feedback: 'Value iteration takes the best action, V(s) = max_a […]; averaging evaluates the uniformly random policy instead.',
  },
  {
    id: 'ignored-v0',
    label: 'used only the immediate reward (ignored V_0)',
    feedback: 'The Bellman backup adds the discounted value of the successor state: R(s, a) + γ·V_0(s′).',
  },
  {
    id: 'ignored-slip',
    label: 'ignored the slip probability',
    feedback: 'With probability ε the move fails and the agent stays in s: the backup is the expectation (1 − ε)·V_0(s′) + ε·V_0(s), weighted by the transition probabilities.',
  },
];

function solveWith(p: RlParams, flaw?: FlawId): Solution | undefined {
  if (p.kind === 'returns') return solveReturns(p, flaw);
  if (p.kind === 'td') return solveTd(p, flaw);
  return solveVi(p, flaw);
}

/** "(-3)" when a negative number follows an operator. */
const paren = (x: Fraction) => (x.s < 0n && x.n !== 0n ? `(${fmtQ(x)})` : fmtQ(x));
const pow = (x: Fraction, k: number): Fraction => {
  let r = ONE;
  for (let i = 0; i < k; i++) r = r.mul(x);
  return r;
};

function solveReturns(p: ReturnsParams, flaw?: FlawId): Solution | undefined {
  const R = p.rewards.map(toQ);
  const T = R.length;
  const g = flaw === 'no-discount' ? ONE : q(p.gamma);
  if (flaw === 'no-discount' && q(p.gamma).equals(ONE)) return undefined;
  const steps: string[] = [];
  const G: Fraction[] = new Array<Fraction>(T).fill(ZERO);
  if (flaw === 'discount-reversed' || flaw === 'discount-first-reward') {
    // Direct sums with the flawed exponent.
    for (let t = 0; t < T; t++) {
      G[t] = sum(R.slice(t).map((r, k) => r.mul(pow(g, flaw === 'discount-first-reward' ? k + 1 : T - 1 - t - k))));
    }
    steps.push(`G_t = ${flaw === 'discount-first-reward' ? 'Σ_k γ^(k+1)·R_{t+k+1}' : 'Σ_k γ^(T−t−k−1)·R_{t+k+1}'}: [${G.map(fmtQ).join(', ')}].`);
  } else {
    steps.push(`Work backwards from the end of the episode (G_${T} = 0) with G_t = R_{t+1} + γ·G_{t+1}${flaw === 'no-discount' ? ' (γ taken as 1)' : `, γ = ${fmtQ(g)}`}:`);
    let next = ZERO;
    for (let t = T - 1; t >= 0; t--) {
      G[t] = R[t]!.add(g.mul(next));
      steps.push(`  G_${t} = R_${t + 1} + γ·G_${t + 1} = ${fmtQ(R[t]!)} + ${fmtQ(g)}·${paren(next)} = ${fmtQ(G[t]!)}`);
      next = G[t]!;
    }
  }
  if (p.ask === 'first') {
    steps.push(`Check: G_0 = ${R.map((r, k) => (k === 0 ? fmtQ(r) : `${g.d === 1n ? fmtQ(g) : `(${fmtQ(g)})`}${k === 1 ? "" : `^${k}`}·${paren(r)}`)).join(' + ')} = ${fmtQ(G[0]!)}.`);
    return { parts: [{ id: 'G0', label: 'Discounted return G_0', answer: scalar(G[0]!) }], steps };
  }
  return { parts: [{ id: 'G', label: `Returns (G_0, …, G_${T - 1})`, answer: vector(G) }], steps };
}

const tdIndex = (p: TdParams) => ({ s: p.state - 1, a: p.actions.indexOf(p.action), n: p.next - 1, na: p.actions.indexOf(p.nextAction) });

function maxOf(xs: readonly Fraction[]): Fraction {
  return xs.reduce((m, x) => (x.compare(m) > 0 ? x : m));
}

function solveTd(p: TdParams, flaw?: FlawId): Solution | undefined {
  if (flaw === 'no-discount' && q(p.gamma).equals(ONE)) return undefined;
  const Q = p.Q.map((row) => row.map(toQ));
  const { s, a, n, na } = tdIndex(p);
  const alpha = q(p.alpha);
  const gamma = flaw === 'no-discount' ? ONE : q(p.gamma);
  const r = toQ(p.reward);
  const useMax = (p.method === 'q-learning') !== (flaw === 'other-td-target');
  const from = flaw === 'max-current-state' ? s : n;
  const boot = useMax ? maxOf(Q[from]!) : Q[from]![na]!;
  const bootText = useMax ? `max_a′ Q(s${from + 1}, a′) = max(${Q[from]!.map(fmtQ).join(', ')}) = ${fmtQ(boot)}` : `Q(s${from + 1}, ${p.nextAction}) = ${fmtQ(boot)}`;
  const target = r.add(gamma.mul(boot));
  const old = Q[s]![a]!;
  const delta = target.sub(old);
  const newQ = flaw === 'forgot-alpha' ? target : flaw === 'sign-error' ? old.sub(alpha.mul(delta)) : old.add(alpha.mul(delta));
  const steps = [
    `${p.method === 'q-learning' ? 'Q-learning bootstraps from the best action in s′' : 'SARSA bootstraps from the action a′ actually taken in s′'}: ${bootText}.`,
    `TD target = r + γ·(that value) = ${fmtQ(r)} + ${fmtQ(gamma)}·${paren(boot)} = ${fmtQ(target)}.`,
    `TD error δ = target − Q(s${s + 1}, ${p.action}) = ${fmtQ(target)} − ${paren(old)} = ${fmtQ(delta)}.`,
    flaw === 'forgot-alpha'
      ? `New Q(s${s + 1}, ${p.action}) = target = ${fmtQ(newQ)}.`
      : `New Q(s${s + 1}, ${p.action}) = Q + ${flaw === 'sign-error' ? '(−α)' : 'α'}·δ = ${fmtQ(old)} ${flaw === 'sign-error' ? '−' : '+'} ${fmtQ(alpha)}·${paren(delta)} = ${fmtQ(newQ)}.`,
  ];
  const parts: Part[] = [
    { id: 'target', label: 'TD target', answer: scalar(target) },
    { id: 'delta', label: 'TD error δ', answer: scalar(delta) },
    { id: 'newQ', label: `Updated Q(s${s + 1}, ${p.action})`, answer: scalar(newQ) },
  ];
  return { parts, steps };
}

function solveVi(p: ViParams, flaw?: FlawId): Solution | undefined {
  const slip = q(p.slip);
  if (flaw === 'ignored-slip' && slip.equals(ZERO)) return undefined;
  if (flaw === 'no-discount' && q(p.gamma).equals(ONE)) return undefined;
  if (flaw === 'ignored-v0' && p.V0.every((v) => toQ(v).equals(ZERO))) return undefined;
  const gamma = flaw === 'no-discount' ? ONE : q(p.gamma);
  const eps = flaw === 'ignored-slip' ? ZERO : slip;
  const terminal = new Set(p.terminal.map((t) => t - 1));
  const V0 = p.V0.map(toQ);
  const V = [...V0];
  const policy: string[] = [];
  const steps: string[] = [
    `Synchronous sweep${flaw === 'in-place-sweep' ? ' (in place: later states use the values already updated)' : ''}: V_1(s) = ${flaw === 'average-actions' ? 'mean' : 'max'}_a ${
      flaw === 'ignored-v0' ? 'R(s, a)' : eps.equals(ZERO) ? `[R(s, a) + ${fmtQ(gamma)}·V_0(s′)]` : `[R(s, a) + ${fmtQ(gamma)}·((1 − ${fmtQ(eps)})·V_0(s′) + ${fmtQ(eps)}·V_0(s))]`
    }.`,
  ];
  const src = flaw === 'in-place-sweep' ? V : V0;
  for (let s = 0; s < V0.length; s++) {
    if (terminal.has(s)) {
      steps.push(`  s${s + 1} is terminal: V_1(s${s + 1}) = 0.`);
      V[s] = ZERO;
      policy.push('');
      continue;
    }
    const values = p.actions.map((_, a) => {
      const R = toQ(p.reward[s]![a]!);
      if (flaw === 'ignored-v0') return { R, v: R, text: fmtQ(R) };
      const to = p.next[s]![a]! - 1;
      const expect = ONE.sub(eps).mul(src[to]!).add(eps.mul(src[s]!));
      const v = R.add(gamma.mul(expect));
      const text = eps.equals(ZERO)
        ? `${fmtQ(R)} + ${fmtQ(gamma)}·${paren(src[to]!)} = ${fmtQ(v)}`
        : `${fmtQ(R)} + ${fmtQ(gamma)}·(${fmtQ(ONE.sub(eps))}·${paren(src[to]!)} + ${fmtQ(eps)}·${paren(src[s]!)}) = ${fmtQ(v)}`;
      return { R, v, text };
    });
    const best = maxOf(values.map((x) => x.v));
    const value = flaw === 'average-actions' ? sum(values.map((x) => x.v)).div(q(values.length)) : best;
    const bestActions = p.actions.filter((_, a) => values[a]!.v.equals(best));
    // A question is only generated with a unique greedy action; a mutant may tie (then it has no single answer).
    policy.push(bestActions.length === 1 ? bestActions[0]! : '');
    steps.push(
      `  s${s + 1}: ${p.actions.map((name, a) => `${name}: ${values[a]!.text}`).join('; ')} → V_1(s${s + 1}) = ${fmtQ(value)}, ${bestActions.length === 1 ? `greedy action ${bestActions[0]}` : `tie between ${bestActions.join(' and ')}`}.`,
    );
    V[s] = value;
  }
  const parts: Part[] = [{ id: 'V1', label: 'V_1 (all states, in order)', answer: vector(V) }];
  for (let s = 0; s < V0.length; s++) {
    if (terminal.has(s)) continue;
    if (policy[s] === '') continue; // a tie: no single greedy action to ask for (generated questions never tie)
    parts.push({ id: `policy.s${s + 1}`, label: `greedy action in s${s + 1}`, answer: choice(policy[s]!, p.actions) });
  }
  return { parts, steps };
}

// ---------- generation ----------

const GAMMAS: Record<Difficulty, string[]> = { 1: ['1/2', '9/10'], 2: ['1/2', '9/10', '4/5', '3/4'], 3: ['9/10', '2/3', '4/5', '3/4'] };

function draftReturns(rng: Rng, d: Difficulty): ReturnsParams {
  const T = d === 1 ? 3 : d === 2 ? 4 : 5;
  const rewards = Array.from({ length: T }, (_, i) => (d === 3 ? rng.int(-3, 6) : i === T - 1 ? rng.int(1, 10) : rng.int(0, 4)));
  return { kind: 'returns', rewards, gamma: rng.pick(GAMMAS[d]), ask: d === 1 ? 'first' : 'all' };
}

const ACTION_SETS = [['left', 'right'], ['up', 'down'], ['stay', 'go'], ['left', 'right', 'stay'], ['a1', 'a2', 'a3']];

function draftTd(rng: Rng, d: Difficulty): TdParams {
  const actions = d === 3 ? rng.pick(ACTION_SETS) : rng.pick(ACTION_SETS.slice(0, 3));
  const nStates = d === 1 ? 2 : rng.int(3, 4);
  const cell = () => (d === 3 && rng.bool(0.4) ? rng.int(-20, 40) / 10 : rng.int(d === 1 ? 0 : -3, 8));
  const Q = Array.from({ length: nStates }, () => actions.map(cell));
  return {
    kind: 'td',
    method: rng.pick(['q-learning', 'sarsa'] as const),
    actions,
    Q,
    state: rng.int(1, nStates),
    action: rng.pick(actions),
    reward: rng.int(d === 1 ? 0 : -2, 5),
    next: rng.int(1, nStates),
    nextAction: rng.pick(actions),
    alpha: rng.pick(d === 1 ? ['1/2'] : ['1/2', '1/10', '1/4', '1/5']),
    gamma: rng.pick(d === 1 ? ['1', '1/2', '9/10'] : GAMMAS[d]),
  };
}

/** A corridor s1 … sn: "left"/"right" move one cell (walls keep the agent in place); the last state is the goal. */
function draftVi(rng: Rng, d: Difficulty): ViParams {
  const n = d === 1 ? 3 : 4;
  const goal = n - 1;
  const actions = ['left', 'right'];
  const next = Array.from({ length: n }, (_, s) => [Math.max(0, s - 1) + 1, Math.min(n - 1, s + 1) + 1]);
  const stepCost = d === 1 ? -1 : rng.pick([-1, -2, 0]);
  const reward = Array.from({ length: n }, (_, s) =>
    actions.map((_, a) => {
      const to = next[s]![a]! - 1;
      if (to === goal && s !== goal) return rng.int(5, 10);
      return d === 3 && rng.bool(0.3) ? rng.int(-3, 3) : stepCost;
    }),
  );
  const V0 = Array.from({ length: n }, (_, s) => (s === goal ? 0 : d === 1 ? rng.int(0, 4) : rng.int(-2, 6)));
  return {
    kind: 'value-iteration',
    actions,
    next,
    reward,
    terminal: [goal + 1],
    slip: d === 3 ? rng.pick(['1/5', '1/4', '1/10']) : '0',
    V0,
    gamma: rng.pick(GAMMAS[d]),
  };
}

/** Every instance must show its key misconceptions and have a unique answer. */
function niceEnough(p: RlParams): boolean {
  const s = solveWith(p);
  if (!s) return false;
  const m = new Set(mistakesFromMutants(s, FLAWS, (f) => solveWith(p, f)).map((x) => x.id));
  if (p.kind === 'returns') return m.has('no-discount') && m.has('discount-first-reward');
  if (p.kind === 'td') {
    const Q = p.Q.map((row) => row.map(toQ));
    const { s: si, n } = tdIndex(p);
    const delta = s.parts.find((x) => x.id === 'delta')!.answer;
    const zeroDelta = delta.kind === 'scalar' && delta.value.coef.n === 0n;
    // a′ differs from the greedy action in s′ (the two methods disagree) and s ≠ s′ keeps "used s" visible.
    return !zeroDelta && m.has('other-td-target') && si !== n && maxOf(Q[si]!).compare(maxOf(Q[n]!)) !== 0;
  }
  // value iteration: a clear (unique) greedy action everywhere; the backup must matter.
  return s.parts.length === 1 + p.V0.length - p.terminal.length && m.has('ignored-v0') && (p.slip === '0' || m.has('ignored-slip'));
}

function generate(rng: Rng, o: { difficulty: Difficulty }): RlParams {
  const kind = rng.fork('kind').pick(['returns', 'td', 'value-iteration'] as const);
  for (let attempt = 0; attempt < 300; attempt++) {
    const r = rng.fork(attempt);
    const draft = kind === 'returns' ? draftReturns(r, o.difficulty) : kind === 'td' ? draftTd(r, o.difficulty) : draftVi(r, o.difficulty);
    const parsed = paramsSchema.safeParse(draft);
    if (!parsed.success) continue;
    try {
      if (niceEnough(parsed.data)) return parsed.data;
    } catch (e) {
      if (!(e instanceof GenerationError)) throw e;
    }
  }
  throw new GenerationError(`rl-updates: no valid ${kind} instance in 300 attempts`);
}

// ---------- statement ----------

/** A given number as the instructor wrote it: 3.7 stays "3.7", "1/3" stays "1/3". */
const shown = (e: number | string): string => (typeof e === 'number' ? String(e) : fmtQ(toQ(e)));

function statement(p: RlParams): Statement {
  if (p.kind === 'returns') {
    const T = p.rewards.length;
    const list = p.rewards.map((r, i) => `R_${i + 1} = ${fmtQ(toQ(r))}`).join(', ');
    return {
      text:
        `An episode of ${T} steps gives the rewards ${list}, after which the episode ends. With discount factor γ = ${p.gamma}, compute ` +
        (p.ask === 'first' ? 'the discounted return G_0.' : `the discounted returns G_0, G_1, …, G_${T - 1} (as a vector, in that order).`) +
        ' Give exact values (fractions or exact decimals).',
      convention: `Sutton & Barto (2018): the reward for the action at time t is R_{t+1}, and G_t = R_{t+1} + γR_{t+2} + γ²R_{t+3} + … = R_{t+1} + γ·G_{t+1}, with G_${T} = 0 at the end of the episode.`,
    };
  }
  if (p.kind === 'td') {
    const header = ['Q(s, a)', ...p.actions];
    const rows = p.Q.map((row, i) => [`s${i + 1}`, ...row.map(shown)]);
    const blocks: Block[] = [{ kind: 'table', header, rows }];
    const name = p.method === 'q-learning' ? 'Q-learning' : 'SARSA';
    return {
      text:
        `A tabular agent learns with ${name}, learning rate α = ${p.alpha} and discount factor γ = ${p.gamma}; its current Q-table is below. ` +
        `In state s${p.state} it takes action ${p.action}, receives the reward r = ${shown(p.reward)} and lands in state s${p.next} (not terminal), where its ε-greedy behaviour policy then picks the action ${p.nextAction}. ` +
        `Compute (a) the TD target, (b) the TD error δ and (c) the updated value Q(s${p.state}, ${p.action}). Give exact values.`,
      blocks,
      convention:
        'Tabular TD control (Sutton & Barto, 2018): Q-learning target r + γ·max_a′ Q(s′, a′); SARSA target r + γ·Q(s′, a′) with a′ the next action actually taken; δ = target − Q(s, a); Q(s, a) ← Q(s, a) + α·δ.',
    };
  }
  const n = p.V0.length;
  const terminal = new Set(p.terminal);
  const slip = !q(p.slip).equals(ZERO);
  const rows: string[][] = [];
  for (let s = 0; s < n; s++) {
    if (terminal.has(s + 1)) continue;
    p.actions.forEach((a, ai) => rows.push([`s${s + 1}`, a, fmtQ(toQ(p.reward[s]![ai]!)), `s${p.next[s]![ai]!}`]));
  }
  const termText = p.terminal.length ? ` ${p.terminal.map((t) => `s${t}`).join(' and ')} ${p.terminal.length === 1 ? 'is a terminal state' : 'are terminal states'} (value 0, no actions).` : '';
  return {
    text:
      `A small MDP has the states ${Array.from({ length: n }, (_, i) => `s${i + 1}`).join(', ')} and the actions ${p.actions.join(' and ')}; the table gives the reward R(s, a) and the state s′ each action leads to.${termText}` +
      (slip ? ` The floor is slippery: with probability ε = ${p.slip} the move fails and the agent stays where it is (it still receives R(s, a)).` : ' Transitions are deterministic.') +
      ` The current value estimates are V_0 below, and γ = ${p.gamma}. Perform one synchronous sweep of value iteration: give V_1 for all states (as a vector, s1 first) and the greedy action in every non-terminal state. Give exact values.`,
    blocks: [
      { kind: 'table', header: ['s', 'a', 'R(s, a)', 's′'], rows },
      { kind: 'vector', name: 'V_0', value: p.V0.map((v) => real(toQ(v))) },
    ],
    convention: `Value iteration (Sutton & Barto, 2018, §4.4), synchronous: V_1(s) = max_a Σ_s′ P(s′|s, a)·[R(s, a) + γ·V_0(s′)], every V_1 computed from V_0; the reward depends only on (s, a)${slip ? ', and a failed move leaves the agent in s' : ''}.`,
  };
}

// ---------- independent check ----------

const num = (e: string | number): number => (typeof e === 'number' ? e : Number(toQ(e).valueOf()));

async function verify(p: RlParams, s: Solution, tf: TF) {
  if (p.kind === 'returns') {
    const T = p.rewards.length;
    const G = tf.tidy(() => {
      // D[t][k] = γ^(k−t) for k ≥ t, else 0; G = D·R.
      const t = tf.range(0, T).reshape([T, 1]);
      const k = tf.range(0, T).reshape([1, T]);
      const expo = tf.sub(k, t);
      const D = tf.where(tf.greaterEqual(expo, 0), tf.pow(tf.scalar(num(p.gamma)), tf.relu(expo)), tf.zerosLike(expo));
      return Array.from(tf.matMul(D, tf.tensor2d(p.rewards.map(num), [T, 1])).dataSync());
    });
    return compareParts(s, p.ask === 'first' ? { G0: G[0]! } : { G }, 'discount matrix D[t][k] = γ^(k−t) (tf.pow) times the reward vector (tf.matMul)');
  }
  if (p.kind === 'td') {
    const { s: si, a, n, na } = tdIndex(p);
    const Q = tf.tidy(() => tf.variable(tf.tensor2d(p.Q.map((row) => row.map(num)))));
    const opt = tf.train.sgd(num(p.alpha));
    try {
      const target = tf.tidy(() => {
        const nextRow = tf.gather(Q, n);
        const boot = p.method === 'q-learning' ? tf.max(nextRow) : tf.gather(nextRow, na);
        return tf.add(num(p.reward), tf.mul(num(p.gamma), boot));
      });
      const targetValue = target.dataSync()[0]!;
      const delta = tf.tidy(() => tf.sub(target, tf.gather(tf.gather(Q, si), a)).dataSync()[0]!);
      // One SGD step on ½(target − Q(s,a))², target held fixed: Q(s,a) += α·δ.
      opt.minimize(() => tf.mul(0.5, tf.square(tf.sub(target, tf.gather(tf.gather(Q, si), a)))) as never);
      const newQ = (Q.arraySync() as number[][])[si]![a]!;
      target.dispose();
      return compareParts(s, { target: targetValue, delta, newQ }, `tf.variable Q-table, target via ${p.method === 'q-learning' ? 'tf.max' : 'tf.gather'}, one tf.train.sgd(α) step on ½(target − Q(s, a))²`);
    } finally {
      Q.dispose();
      opt.dispose();
    }
  }
  const n = p.V0.length;
  const A = p.actions.length;
  const terminal = new Set(p.terminal.map((t) => t - 1));
  const eps = num(p.slip);
  // P[a][s][s′]: move with probability 1 − ε, stay with ε; terminal rows are all zero (absorbing, value 0).
  const P = p.actions.map((_, a) =>
    Array.from({ length: n }, (_, s) => {
      const row = new Array<number>(n).fill(0);
      if (terminal.has(s)) return row;
      row[p.next[s]![a]! - 1]! += 1 - eps;
      row[s]! += eps;
      return row;
    }),
  );
  const R = p.actions.map((_, a) => Array.from({ length: n }, (_, s) => (terminal.has(s) ? 0 : num(p.reward[s]![a]!))));
  const { V1, best, top2 } = tf.tidy(() => {
    const V0 = tf.tile(tf.tensor3d(p.V0.map(num), [1, n, 1]), [A, 1, 1]);
    const Qsa = tf.add(tf.tensor2d(R, [A, n]), tf.mul(num(p.gamma), tf.matMul(tf.tensor3d(P, [A, n, n]), V0).reshape([A, n])));
    const top = tf.topk(tf.transpose(Qsa), 2);
    return { V1: Array.from(tf.max(Qsa, 0).dataSync()), best: Array.from(tf.argMax(Qsa, 0).dataSync()), top2: top.values.arraySync() as number[][] };
  });
  const got: Record<string, number | number[] | string> = { V1: V1.map((v, i) => (terminal.has(i) ? 0 : v)) };
  // The greedy action of every non-terminal state whose best action is clear (a tie has no single answer).
  for (let i = 0; i < n; i++) if (!terminal.has(i) && Math.abs(top2[i]![0]! - top2[i]![1]!) > 1e-4) got[`policy.s${i + 1}`] = p.actions[best[i]!]!;
  return compareParts(s, got, 'transition tensors P[a] (tf.tensor3d), Bellman backup R + γ·P·V_0 (tf.matMul), tf.max / tf.argMax over actions');
}

export const rlUpdates: Family<RlParams> = {
  id: 'rl-updates',
  title: 'Reinforcement-learning updates: returns, Q-learning / SARSA, value iteration',
  topic: 'rl',
  description: 'Discounted returns of an episode, one tabular Q-learning or SARSA update, and one synchronous value-iteration sweep with the greedy policy.',
  params: paramsSchema,
  answerKinds: ['scalar', 'vector', 'choice'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
