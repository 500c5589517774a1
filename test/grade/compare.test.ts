import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labels, matrix, numberSet, scalar, shape, vector, type Answer } from '../../src/core/answer.js';
import { parseRealExact, q, type Real } from '../../src/core/exact.js';
import { compareParsed, judgeNumber, placesNeeded, type NumberPolicy } from '../../src/grade/compare.js';
import { genericHints } from '../../src/grade/feedback.js';
import { parseAnswer, type AnswerKind, type ParseContext, type Parsed } from '../../src/grade/parse.js';

const EXACT: NumberPolicy = { minPlaces: 3 };
const r = (s: string): Real => parseRealExact(s)!;

function num(text: string) {
  const p = parseAnswer(text, 'scalar');
  assert.ok(p.ok && !p.blank && p.value.kind === 'scalar', text);
  return p.value.value;
}

function parsed(text: string, kind: AnswerKind, ctx: ParseContext = {}): Parsed {
  const p = parseAnswer(text, kind, ctx);
  assert.ok(p.ok && !p.blank, `${text}: ${p.ok ? 'blank' : p.error}`);
  return p.value;
}

const ok = (text: string, v: string, pol: NumberPolicy = EXACT) => judgeNumber(num(text), r(v), pol).ok;

test('exact parts: exact notation and terminating decimals equal to the value', () => {
  assert.ok(ok('7/4', '7/4'));
  assert.ok(ok('14/8', '7/4'));
  assert.ok(ok('1.75', '7/4'));
  assert.ok(ok('1.750', '7/4'));
  assert.ok(ok('175e-2', '7/4'));
  assert.ok(ok('2√5/5', '2√5/5'));
  assert.ok(ok('2/√5', '2√5/5'));
  assert.ok(ok('0.4*sqrt(5)', '2√5/5'));
  assert.ok(ok('2624.0', '2624'));
  assert.ok(!ok('7/5', '7/4'));
  // 5/4 terminates: only 1.25 counts, a rounded 1.3 does not
  assert.ok(ok('1.25', '5/4'));
  assert.ok(!ok('1.3', '5/4'));
  assert.ok(!ok('1.2', '5/4'));
});

test('exact parts: non-terminating values typed as decimals need ≥ P places, within ½·10⁻ᴾ', () => {
  assert.equal(placesNeeded(r('1/3')), Infinity);
  assert.equal(placesNeeded(r('√2')), Infinity);
  assert.equal(placesNeeded(r('1393/625')), 4);
  assert.equal(placesNeeded(r('7/4')), 2);
  assert.ok(ok('0.333', '1/3'));
  assert.ok(ok('0.3333', '1/3'));
  assert.ok(ok('0.33333333', '1/3'));
  assert.ok(ok('.333', '1/3'));
  assert.ok(ok('0.667', '2/3'));
  assert.ok(!ok('0.666', '2/3')); // truncated, not rounded: off by 0.00067
  assert.ok(!ok('0.334', '1/3'));
  assert.ok(!ok('0.33', '1/3'));
  assert.ok(judgeNumber(num('0.33'), r('1/3'), EXACT).tooFewPlaces);
  assert.ok(!judgeNumber(num('0.34'), r('1/3'), EXACT).tooFewPlaces);
  assert.ok(ok('0.841', '95/113'));
  assert.ok(ok('1.414', '√2'));
  assert.ok(!ok('1.41', '√2'));
  // a long terminating value may be rounded too: 1393/625 = 2.2288
  assert.ok(ok('2.2288', '1393/625'));
  assert.ok(ok('2.229', '1393/625'));
  assert.ok(!ok('2.23', '1393/625'));
  // the exam's decimals raise P: with 4 decimals, 0.333 is not enough
  assert.ok(!ok('0.333', '1/3', { minPlaces: 4 }));
  assert.ok(ok('0.3333', '1/3', { minPlaces: 4 }));
  // floats from ln/exp count when they agree to 1e-9
  assert.ok(ok('ln(e)', '1'));
  assert.ok(ok('√2 + √8 - √18', '0'));
});

test('declared tolerances: abs (exact at the boundary), rel, and decimals without a tolerance', () => {
  const abs: NumberPolicy = { tolerance: { abs: 0.0005 }, minPlaces: 3 };
  assert.ok(ok('1.789', '4√5/5', abs));
  assert.ok(ok('1.7885', '4√5/5', abs));
  assert.ok(!ok('1.79', '4√5/5', abs));
  assert.ok(ok('4√5/5', '4√5/5', abs));
  // boundary: |1.235 − 1.2345| = 0.0005 exactly → accepted; 1.2351 is not
  assert.ok(ok('1.235', '2469/2000', abs));
  assert.ok(!ok('1.2351', '2469/2000', abs));
  const rel: NumberPolicy = { tolerance: { rel: 0.01 }, minPlaces: 3 };
  assert.ok(ok('101', '100', rel));
  assert.ok(!ok('101.5', '100', rel));
  const dec: NumberPolicy = { decimals: 2, minPlaces: 3 };
  assert.ok(ok('0.33', '1/3', dec));
  assert.ok(!ok('0.34', '1/3', dec));
  assert.ok(ok('0.3', '3/10', dec));
  // rounded answers (a logarithm stored as its 3-decimal value) accept the symbolic form
  const log: NumberPolicy = { tolerance: { abs: 0.0006 }, decimals: 3, minPlaces: 3 };
  assert.ok(ok('ln 2', '693/1000', log));
  assert.ok(ok('0.6931', '693/1000', log));
  assert.ok(!ok('0.69', '693/1000', log));
  assert.ok(judgeNumber(num('0.69'), r('693/1000'), log).close);
});

const cmp = (text: string, kind: AnswerKind, a: Answer, ctx: ParseContext = {}, pol = EXACT) => compareParsed(parsed(text, kind, ctx), a, pol);

test('partial credit: vector and matrix entries, shape dimensions (batch not counted)', () => {
  assert.equal(cmp('[1, 2, 4]', 'vector', vector([1, 2, 3])).credit, 2 / 3);
  const m = matrix([
    [1, q(-1, 4)],
    [0, 2],
  ]);
  const c = cmp('[[1, -0.25], [0, 3]]', 'matrix', m, { rows: 2, cols: 2 });
  assert.equal(c.credit, 3 / 4);
  assert.deepEqual(c.components, [
    { at: '[1,1]', correct: true },
    { at: '[1,2]', correct: true },
    { at: '[2,1]', correct: true },
    { at: '[2,2]', correct: false },
  ]);
  const s = shape([null, 50, 50, 8]);
  assert.equal(cmp('(None, 50, 50, 8)', 'shape', s, { rank: 4, batch: true }).credit, 1);
  assert.equal(cmp('(50, 50, 8)', 'shape', s, { rank: 4, batch: true }).credit, 1);
  assert.equal(cmp('(32, 50, 50, 8)', 'shape', s, { rank: 4, batch: true }).credit, 1);
  assert.equal(cmp('(None, 49, 49, 8)', 'shape', s, { rank: 4, batch: true }).credit, 1 / 3);
  assert.deepEqual(
    cmp('(None, 49, 50, 8)', 'shape', s, { rank: 4, batch: true }).components?.map((x) => x.at),
    ['dim 2', 'dim 3', 'dim 4'],
  );
});

test('sets and labels: Jaccard credit |S∩E| / |S∪E|', () => {
  assert.equal(cmp('{16}', 'set', numberSet([16])).credit, 1);
  assert.equal(cmp('{16, 20}', 'set', numberSet([16])).credit, 1 / 2);
  assert.equal(cmp('{-10}', 'set', numberSet([-10, -5])).credit, 1 / 2);
  assert.equal(cmp('{-5, -10}', 'set', numberSet([-10, -5])).credit, 1);
  assert.equal(cmp('none', 'set', numberSet([])).credit, 1);
  assert.equal(cmp('{3}', 'set', numberSet([])).credit, 0);
  assert.equal(cmp('none', 'set', numberSet([16])).credit, 0);
  const sv = labels(['A', 'C', 'D'], ['A', 'B', 'C', 'D', 'E']);
  const ctx = { options: ['A', 'B', 'C', 'D', 'E'] };
  assert.equal(cmp('A, C', 'labels', sv, ctx).credit, 2 / 3);
  assert.equal(cmp('A, C, D, E', 'labels', sv, ctx).credit, 3 / 4);
  assert.equal(cmp('B, E', 'labels', sv, ctx).credit, 0);
  assert.equal(cmp('d c a', 'labels', sv, ctx).credit, 1);
});

const hints = (text: string, kind: AnswerKind, a: Answer, ctx: ParseContext = {}, pol = EXACT) => {
  const p = parsed(text, kind, ctx);
  return genericHints(p, a, pol, compareParsed(p, a, pol)).join(' ');
};

test('generic feedback: sign, reciprocal, factor of ten, transpose, order of dimensions, rounding', () => {
  assert.match(hints('7/4', 'scalar', scalar(q(-7, 4))), /Sign error/);
  assert.match(hints('4/7', 'scalar', scalar(q(7, 4))), /reciprocal/);
  assert.match(hints('25', 'scalar', scalar(q(1, 4))), /factor of 100.*percentage/);
  assert.match(hints('0.175', 'scalar', scalar(q(7, 4))), /factor of 1\/10/);
  assert.match(hints('[1, -2, 3]', 'vector', vector([1, 2, 3])), /Wrong sign in \[2\]/);
  assert.match(hints('[-1, -2, -3]', 'vector', vector([1, 2, 3])), /Sign error/);
  assert.match(hints('[[1, 3], [2, 4]]', 'matrix', matrix([[1, 2], [3, 4]]), { rows: 2, cols: 2 }), /transpose/);
  assert.match(hints('(128, 50)', 'shape', shape([50, 128]), { rank: 2 }), /wrong order/);
  assert.match(hints('(49, 128)', 'shape', shape([50, 128]), { rank: 2 }), /Off by one in dim 1/);
  assert.match(hints('0.33', 'scalar', scalar(q(1, 3))), /at least 3 decimal places/);
  assert.match(hints('0.69', 'scalar', scalar(q(693, 1000)), {}, { tolerance: { abs: 0.0006 }, decimals: 3, minPlaces: 3 }), /rounding too early.*3 decimal places/);
  assert.match(hints('1.24', 'scalar', scalar(q(5, 4))), /close but not exact/);
  assert.doesNotMatch(hints('2624.5', 'scalar', scalar(2624)), /close/);
  assert.match(hints('{16, 20}', 'set', numberSet([16])), /1 value in your answer does not belong/);
  assert.match(hints('{}', 'set', numberSet([16])), /1 value is missing/);
  // no hint leaks the answer, and a right answer has none
  assert.equal(hints('7/4', 'scalar', scalar(q(7, 4))), '');
  assert.doesNotMatch(hints('5', 'scalar', scalar(q(7, 4))), /7\/4|1\.75/);
});
