import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rlUpdates as F, type RlParams } from '../../src/families/rl-updates.js';
import { parseParams, runInstance } from '../../src/families/run.js';
import { loadTf } from '../../src/verify/tensor.js';
import { fuzzFamily } from '../../src/verify/fuzz.js';
import { formatAnswer, type Solution } from '../../src/core/answer.js';

const params = (raw: Record<string, unknown>) => parseParams(F, raw) as RlParams;
const exact = (s: Solution) => Object.fromEntries(s.parts.map((p) => [p.id, formatAnswer(p.answer)]));
const mistakes = (p: RlParams) =>
  Object.fromEntries(F.mistakes(p).map((m) => [m.id, Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, formatAnswer(a)]))]));

const RETURNS = { kind: 'returns', rewards: [1, 0, 2, 4], gamma: '1/2', ask: 'all' };

test('discounted returns, worked backwards: G_t = R_{t+1} + γ·G_{t+1}', () => {
  // G3 = 4; G2 = 2 + 4/2 = 4; G1 = 0 + 4/2 = 2; G0 = 1 + 2/2 = 2
  const p = params(RETURNS);
  assert.deepEqual(exact(F.solve(p)), { G: '[2, 2, 4, 4]' });
  const m = mistakes(p);
  assert.deepEqual(m['no-discount'], { G: '[7, 6, 6, 4]' });
  // Σ γ^(k+1)·R: every return halves.
  assert.deepEqual(m['discount-first-reward'], { G: '[1, 1, 2, 2]' });
  // Last reward undiscounted: G0 = 1/8 + 0 + 2/2 + 4 = 41/8.
  assert.deepEqual(m['discount-reversed'], { G: '[41/8, 5, 5, 4]' });
  assert.deepEqual(exact(F.solve(params({ ...RETURNS, ask: 'first', gamma: '0.9' }))), { G0: '692/125' }); // 1 + 0 + 0.81·2 + 0.729·4 = 5.536
});

const TD = { kind: 'td', actions: ['left', 'right'], Q: [[0, 2], [4, 1]], state: 1, action: 'right', reward: 1, next: 2, nextAction: 'right', alpha: '1/2', gamma: '0.9' };

test('Q-learning bootstraps from max_a′ Q(s′, a′)', () => {
  // target = 1 + 0.9·4 = 23/5; δ = 23/5 − 2 = 13/5; Q = 2 + 13/10 = 33/10
  const p = params({ ...TD, method: 'q-learning' });
  assert.deepEqual(exact(F.solve(p)), { target: '23/5', delta: '13/5', newQ: '33/10' });
  const m = mistakes(p);
  assert.deepEqual(m['other-td-target'], { target: '19/10', delta: '-1/10', newQ: '39/20' });
  assert.deepEqual(m['forgot-alpha'], { newQ: '23/5' });
  assert.deepEqual(m['max-current-state'], { target: '14/5', delta: '4/5', newQ: '12/5' });
  assert.deepEqual(m['sign-error'], { newQ: '7/10' });
  assert.deepEqual(m['no-discount'], { target: '5', delta: '3', newQ: '7/2' });
});

test('SARSA bootstraps from the next action actually taken', () => {
  // target = 1 + 0.9·Q(s2, right) = 1 + 0.9 = 19/10; δ = −1/10; Q = 2 − 1/20 = 39/20
  const p = params({ ...TD, method: 'sarsa' });
  assert.deepEqual(exact(F.solve(p)), { target: '19/10', delta: '-1/10', newQ: '39/20' });
  assert.deepEqual(mistakes(p)['other-td-target'], { target: '23/5', delta: '13/5', newQ: '33/10' });
  assert.match(F.statement(p).text, /SARSA/);
  assert.match(F.statement(p).convention, /SARSA target r \+ γ·Q\(s′, a′\)/);
});

const SLIPPERY = {
  kind: 'value-iteration',
  actions: ['left', 'right'],
  next: [[1, 2], [1, 3], [2, 4], [3, 4]],
  reward: [[-1, 1], [-1, 2], [-1, 5], [1, -1]],
  terminal: [4],
  slip: '1/10',
  V0: [3, 1, 5, 0],
  gamma: '3/4',
};

test('value iteration on a slippery corridor: one synchronous sweep and the greedy actions', () => {
  // s1: left −1 + 3/4·(0.9·3 + 0.1·3) = 5/4; right 1 + 3/4·(0.9·1 + 0.1·3) = 19/10
  // s2: left −1 + 3/4·(0.9·3 + 0.1·1) = 11/10; right 2 + 3/4·(0.9·5 + 0.1·1) = 109/20
  // s3: left −1 + 3/4·(0.9·1 + 0.1·5) = 1/20; right 5 + 3/4·(0.9·0 + 0.1·5) = 43/8
  const p = params(SLIPPERY);
  assert.deepEqual(exact(F.solve(p)), { V1: '[19/10, 109/20, 43/8, 0]', 'policy.s1': 'right', 'policy.s2': 'right', 'policy.s3': 'right' });
  const m = mistakes(p);
  assert.deepEqual(m['ignored-slip'], { V1: '[7/4, 23/4, 5, 0]' }); // 1 + 3/4·1, 2 + 3/4·5, 5 + 0
  assert.deepEqual(m['ignored-v0'], { V1: '[1, 2, 5, 0]' });
  assert.deepEqual(m['average-actions'], { V1: '[63/40, 131/40, 217/80, 0]' }); // (5/4 + 19/10)/2, …
});

test('in-place sweeps differ from synchronous ones; a tie asks for no greedy action', () => {
  // Synchronous: s1 = max(−1 + 0, −1 + 0) … from V0 = [0, 0, 8, 0]: s2 right = −1 + 8/2 = 3, s1 = −1 (tie).
  const p = params({ kind: 'value-iteration', actions: ['left', 'right'], next: [[1, 2], [1, 3], [2, 4], [3, 4]], reward: [[-1, -1], [-1, -1], [-1, 6], [0, 0]], terminal: [4], V0: [0, 0, 8, 0], gamma: '1/2' });
  const s = exact(F.solve(p));
  assert.deepEqual(s, { V1: '[-1, 3, 6, 0]', 'policy.s2': 'right', 'policy.s3': 'right' });
  assert.match(F.solve(p).steps.join('\n'), /tie between left and right/);
  // In place, s1 is updated first (−1), then s2 left sees V(s1) = −1 but right still wins; s1 is unchanged.
  assert.deepEqual(mistakes(p)['in-place-sweep'], undefined);
  const q2 = params({ kind: 'value-iteration', actions: ['left', 'right'], next: [[2, 1], [3, 1], [3, 3]], reward: [[0, 0], [0, 0], [0, 0]], terminal: [3], V0: [0, 4, 0], gamma: '1/2' });
  // s1 → s2 (left) uses the new V(s2) in place: synchronous [2, 0, 0]; in place s1 first: 2, then s2: max(0, 1/2·2) = 1.
  assert.deepEqual(exact(F.solve(q2)), { V1: '[2, 0, 0]', 'policy.s1': 'left' });
  assert.deepEqual(mistakes(q2)['in-place-sweep'], { V1: '[2, 1, 0]' });
});

test('invalid params name the field', () => {
  assert.throws(() => params({ ...TD, method: 'q-learning', state: 5 }), /state: state 5 does not exist/);
  assert.throws(() => params({ ...TD, method: 'q-learning', nextAction: 'jump' }), /nextAction: unknown action "jump"/);
  assert.throws(() => params({ ...TD, method: 'q-learning', Q: [[0, 2, 3], [4, 1]] }), /Q\.0: row 1 has 3 entries/);
  assert.throws(() => params({ ...TD, method: 'q-learning', alpha: '3/2' }), /alpha: the learning rate α must lie in \[0, 1\]/);
  assert.throws(() => params({ ...SLIPPERY, V0: [3, 1, 5, 2] }), /V0\.3: terminal state s4 must have V0 = 0/);
  assert.throws(() => params({ ...SLIPPERY, next: [[1, 2], [1, 3], [2, 9], [3, 4]] }), /next\.2\.1: state 9 does not exist/);
  assert.throws(() => params({ ...RETURNS, gamma: '0' }), /gamma: the discount factor γ must be positive/);
});

test('tensor check agrees on the fixtures, without leaking tensors or variables', async () => {
  const tf = await loadTf();
  const fixtures = [RETURNS, { ...RETURNS, ask: 'first', gamma: '0.9' }, { ...TD, method: 'q-learning' }, { ...TD, method: 'sarsa' }, { ...TD, method: 'q-learning', next: 1 }, SLIPPERY];
  const before = tf.memory().numTensors;
  for (const raw of fixtures) {
    const inst = await runInstance(F, params(raw), tf);
    assert.ok(inst.check.ok, JSON.stringify(inst.check.parts));
  }
  assert.equal(tf.memory().numTensors, before);
});

test('property: solver agrees with the tensor computation on 1,000 seeds', async () => {
  const r = await fuzzFamily(F, await loadTf(), { seeds: 1000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.distinctAnswers > 700, `only ${r.distinctAnswers} distinct answers`);
});
