import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextForPart, formatParsed, parseAnswer, type AnswerKind, type ParseContext, type Parsed } from '../../src/grade/parse.js';
import { fmtReal } from '../../src/core/exact.js';

/** Canonical reading, or "ERR: message", or "BLANK". */
function read(text: string, kind: AnswerKind, ctx: ParseContext = {}): string {
  const r = parseAnswer(text, kind, ctx);
  if (!r.ok) return `ERR: ${r.error}`;
  return r.blank ? 'BLANK' : formatParsed(r.value);
}

function value(text: string, kind: AnswerKind, ctx: ParseContext = {}): Parsed {
  const r = parseAnswer(text, kind, ctx);
  assert.ok(r.ok && !r.blank, `${text}: ${r.ok ? 'blank' : r.error}`);
  return r.value;
}

function scalarOf(text: string, ctx: ParseContext = {}) {
  const p = value(text, 'scalar', ctx);
  assert.equal(p.kind, 'scalar');
  return p.value;
}

const cases = (kind: AnswerKind, ctx: ParseContext, table: [string, string][]) => {
  for (const [input, want] of table) assert.equal(read(input, kind, ctx), want, `${kind} ${JSON.stringify(input)}`);
};

test('scalars: integers, negatives with every minus sign, fractions, decimals', () => {
  cases('scalar', {}, [
    ['42', '42'],
    ['  42  ', '42'],
    ['-7/4', '-7/4'],
    ['−7/4', '-7/4'],
    ['–7/4', '-7/4'],
    ['—3', '-3'],
    ['－3', '-3'],
    ['7 / 4', '7/4'],
    ['14/8', '7/4'],
    ['+5', '5'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['0.250', '0.250'],
    ['-0.25', '-0.25'],
    ['(1/3)', '1/3'],
    ['-(7/4)', '-7/4'],
    ['1/2/2', '1/4'],
    ['3/6 + 1/4', '3/4'],
    ['0.1+0.2', '0.3'],
    ['2 * 3', '6'],
    ['2·3', '6'],
    ['2×3', '6'],
    ['6÷4', '3/2'],
    ['2^10', '1024'],
    ['2**3', '8'],
    ['2^-3', '1/8'],
    ['10^-3', '1/1000'],
    ['２５', '25'],
  ]);
});

test('scalars: scientific notation in its usual spellings', () => {
  cases('scalar', {}, [
    ['2.5e-1', '0.25'],
    ['2.5E-1', '0.25'],
    ['2.5e+2', '250'],
    ['2.5×10^-1', '0.25'],
    ['2.5 x 10^-1', '0.25'],
    ['2.5*10^(-1)', '0.25'],
    ['2.5·10⁻¹', '0.25'],
    ['3.3333e-1', '0.33333'],
    ['1e3', '1000'],
  ]);
  // places are counted as typed: "2.5e-1" carries two decimals, "3.3333e-1" five
  assert.equal(scalarOf('2.5e-1').places, 2);
  assert.equal(scalarOf('3.3333e-1').places, 5);
  assert.equal(scalarOf('7/4').places, null);
  assert.equal(scalarOf('0.250').places, 3);
});

test('scalars: thousands separators and the decimal comma', () => {
  cases('scalar', {}, [
    ['73,856', '73856'],
    ['73 856', '73856'],
    ['73 856', '73856'],
    ["73'856", '73856'],
    ['1,234,567', '1234567'],
    ['1,234.5', '1234.5'],
    ['-73,856', '-73856'],
    ['0,5', '0.5'],
    ['12,25', '12.25'],
    ['9,315', '9315'],
    ['93562 params', '93562'],
    ['2,624 parameters', '2624'],
  ]);
  // A part that asks for decimals reads "9,315" with a decimal comma.
  assert.equal(read('9,315', 'scalar', { decimalComma: true }), '9.315');
  assert.equal(read('1,234,567', 'scalar', { decimalComma: true }), '1234567');
  const r = parseAnswer('73,856', 'scalar');
  assert.ok(r.ok && !r.blank && r.notes.some((n) => n.includes('thousands')));
});

test('scalars: percentages only where the part allows them', () => {
  assert.equal(read('25%', 'scalar', { percent: true }), '1/4');
  assert.equal(read('33.3 %', 'scalar', { percent: true }), '0.333');
  assert.equal(scalarOf('12.5%', { percent: true }).places, 3);
  assert.match(read('25%', 'scalar'), /^ERR: percentages are not accepted here/);
});

test('scalars: roots typed as students type them, kept exact', () => {
  cases('scalar', {}, [
    ['2√5/5', '2√5/5'],
    ['2*sqrt(5)/5', '2√5/5'],
    ['2 sqrt(5) / 5', '2√5/5'],
    ['sqrt(2)', '√2'],
    ['sqrt 2', '√2'],
    ['√(20)', '2√5'],
    ['√20', '2√5'],
    ['2/√5', '2√5/5'],
    ['1/sqrt(2)', '√2/2'],
    ['√6563/4', '√6563/4'],
    ['-29√1041/347', '-29√1041/347'],
    ['3 - √6', '3 - √6'],
    ['167/4 - 5√6563/8', '167/4 - 5√6563/8'],
    ['(3 - √6)*2', '6 - 2√6'],
    ['√2·√8', '4'],
    ['√2*√3', '√6'],
    ['(1 + √2)(1 - √2)', '-1'],
    ['1/(1 + √2)', '-1 + √2'],
    ['4^(1/2)', '2'],
    ['abs(-3/4)', '3/4'],
    ['ln(1)', '0'],
  ]);
  const v = scalarOf('2√5/5');
  assert.equal(fmtReal(v.exact!), '2√5/5');
  assert.equal(v.places, null);
});

test('scalars: values outside the exact form keep a float (ln, exp, unlike roots)', () => {
  const ln = scalarOf('ln(10/9)');
  assert.equal(ln.exact, undefined);
  assert.ok(Math.abs(ln.approx - Math.log(10 / 9)) < 1e-15);
  assert.ok(Math.abs(scalarOf('log 2').approx - Math.LN2) < 1e-15);
  assert.ok(Math.abs(scalarOf('log10(1000)').approx - 3) < 1e-12);
  assert.ok(Math.abs(scalarOf('√2 + √3').approx - (Math.SQRT2 + Math.sqrt(3))) < 1e-12);
  assert.ok(Math.abs(scalarOf('e^2').approx - Math.E ** 2) < 1e-12);
  assert.ok(Math.abs(scalarOf('tanh(0.5)').approx - Math.tanh(0.5)) < 1e-15);
  assert.ok(Math.abs(scalarOf('2π').approx - 2 * Math.PI) < 1e-15);
});

test('scalars: "exact ≈ decimal" reads the exact side when it is exact, else the decimal side', () => {
  assert.equal(read('4√5/5 ≈ 1.789', 'scalar'), '4√5/5');
  assert.equal(read('ln(10/9) ≈ 0.105', 'scalar'), '0.105');
  assert.equal(read('≈ 0.105', 'scalar'), '0.105');
  assert.equal(read('0.333 ≈ 1/3', 'scalar'), '1/3');
  assert.equal(read('~0.5', 'scalar'), '0.5');
  assert.equal(read('1/3 ≈ garbage', 'scalar'), '1/3');
});

test('scalars: errors are clear and specific', () => {
  const err = (t: string, re: RegExp, ctx: ParseContext = {}) => assert.match(read(t, 'scalar', ctx), re, t);
  err('1 2', /^ERR: expected a single number/);
  err('1, 2', /^ERR: expected a single number; got 2 values/);
  err('[5]', /^ERR: expected a single number, not a list/);
  err('1/0', /division by zero/);
  err('0^-1', /division by zero/);
  err('NaN', /"NaN" is not a number/);
  err('Infinity', /"Infinity" is not a number/);
  err('-inf', /is not a number/);
  err('1e999999', /exponent out of range/);
  err('9^9^9', /too large/);
  err('10^1000', /too large/);
  err('√-4', /unexpected|negative/);
  err('sqrt(-4)', /square root of a negative number/);
  err('ln(0)', /logarithm/);
  err('x + 1', /unknown name "x"/);
  err('__proto__', /^ERR:/);
  err('(1 + 2', /missing "\)"/);
  err('1 + 2)', /unbalanced "\)"/);
  err('1 +', /ends in the middle/);
  err('1'.repeat(100), /too many digits/);
  err('(-8)^(1/3)', /negative number raised to a fractional power/);
  err('a'.repeat(5000), /too long/);
});

test('blanks are blanks, not errors', () => {
  for (const kind of ['scalar', 'vector', 'matrix', 'shape', 'set', 'choice', 'labels'] as const) {
    assert.equal(read('', kind), 'BLANK');
    assert.equal(read('   \n\t ', kind), 'BLANK');
    assert.equal(read('\u200B', kind), 'BLANK');
  }
  assert.equal(read('≈', 'scalar'), 'BLANK');
});

test('shapes: tuples, lists, x and ×, the batch dimension', () => {
  const two = { rank: 2 };
  cases('shape', two, [
    ['(245, 32)', '(245, 32)'],
    ['245,32', '(245, 32)'],
    ['245, 32', '(245, 32)'],
    ['245 x 32', '(245, 32)'],
    ['245x32', '(245, 32)'],
    ['245X32', '(245, 32)'],
    ['245×32', '(245, 32)'],
    ['245 * 32', '(245, 32)'],
    ['[245, 32]', '(245, 32)'],
    ['245 32', '(245, 32)'],
    ['(245, 32,)', '(245, 32)'],
    ['torch.Size([245, 32])', '(245, 32)'],
    ['TensorShape([245, 32])', '(245, 32)'],
    ['(None, 245, 32)', '(245, 32)'],
  ]);
  const batch = { rank: 3, batch: true };
  cases('shape', batch, [
    ['(None, 245, 32)', '(None, 245, 32)'],
    ['(none, 245, 32)', '(None, 245, 32)'],
    ['(null, 245, 32)', '(None, 245, 32)'],
    ['(?, 245, 32)', '(None, 245, 32)'],
    ['(-1, 245, 32)', '(None, 245, 32)'],
    ['(batch, 245, 32)', '(None, 245, 32)'],
    ['None x 245 x 32', '(None, 245, 32)'],
    ['(245, 32)', '(None, 245, 32)'],
    ['(32, 245, 32)', '(32, 245, 32)'],
  ]);
  assert.equal(read('(5,)', 'shape', { rank: 1 }), '(5,)');
  assert.equal(read('5', 'shape', { rank: 1 }), '(5,)');
  assert.equal(read('(None, 10)', 'shape', { rank: 2, batch: true }), '(None, 10)');
  assert.equal(read('10', 'shape', { rank: 2, batch: true }), '(None, 10)');
  const r = parseAnswer('(245, 32)', 'shape', batch);
  assert.ok(r.ok && !r.blank && r.notes.some((n) => n.includes('batch dimension')));
});

test('shapes: errors name what is wrong', () => {
  assert.equal(read('(245, 32, 16)', 'shape', { rank: 2 }), 'ERR: expected a shape like (245, 32); got 3 numbers where 2 are needed');
  assert.equal(read('(7,)', 'shape', { rank: 3 }), 'ERR: expected a shape like (245, 32, 16); got 1 number where 3 are needed');
  assert.match(read('(None, 7)', 'shape', { rank: 4, batch: true }), /expected a shape like \(None, 245, 32, 16\); got 2 numbers where 4 \(or 3 without the batch dimension\) are needed/);
  assert.match(read('(24.5, 32)', 'shape', { rank: 2 }), /"24.5" is not a whole number/);
  assert.match(read('(-3, 32)', 'shape', { rank: 2 }), /negative/);
  assert.match(read('(abc, 32)', 'shape', { rank: 2 }), /"abc" is not a dimension/);
  assert.match(read('((1, 2), 3)', 'shape', { rank: 2 }), /nested brackets/);
  assert.match(read('(1e99, 2)', 'shape', { rank: 2 }), /is not a dimension/);
  assert.match(read(`(${'9'.repeat(30)}, 2)`, 'shape', { rank: 2 }), /too large/);
  assert.match(read('(245, 32', 'shape', { rank: 2 }), /missing "\)"/);
});

test('vectors: brackets, commas, semicolons, spaces, new lines, numpy printing', () => {
  cases('vector', {}, [
    ['[1, 2]', '[1, 2]'],
    ['1, 2', '[1, 2]'],
    ['1 2', '[1, 2]'],
    ['(1, 2)', '[1, 2]'],
    ['1; 2', '[1, 2]'],
    ['1\n2', '[1, 2]'],
    ['[ 1. -2.5]', '[1, -2.5]'],
    ['1 -2', '[1, -2]'],
    ['1 - 2', '[-1]'],
    ['[-1/2, -1]', '[-1/2, -1]'],
    ['[−1/2, −1]', '[-1/2, -1]'],
    ['[1/3 , 2√5/5]', '[1/3, 2√5/5]'],
    ['[(1/2), (3/4)]', '[1/2, 3/4]'],
    ['[[1], [2]]', '[1, 2]'],
    ['[[1, 2]]', '[1, 2]'],
    ['np.array([1, 2])', '[1, 2]'],
    ['[167/4 - 5√6563/8, 167/4 + 5√6563/8]', '[167/4 - 5√6563/8, 167/4 + 5√6563/8]'],
    ['[ln 2, ln 6] ≈ [0.693, 1.792]', '[0.693, 1.792]'],
    ['7', '[7]'],
  ]);
  assert.equal(read('1, 2', 'vector', { length: 3 }), 'ERR: expected a vector of 3 numbers like [1, 2, 3]; got 2 numbers');
  assert.match(read('[1, , 2]', 'vector'), /entry is empty/);
  assert.match(read('[1, x]', 'vector'), /^ERR: entry 2: unknown name "x"/);
  assert.match(read('[[1, 2], [3, 4]]', 'vector'), /expected a vector \(one list of numbers\); got 2 rows/);
  assert.match(read('[1, 2', 'vector'), /missing "\]"/);
  assert.match(read('[1, 2)', 'vector'), /closes a bracket opened with "\["/);
});

test('matrices: nested lists, semicolons, new lines, MATLAB and numpy notation, flat row-major lists', () => {
  const ctx = { rows: 2, cols: 2 };
  cases('matrix', ctx, [
    ['[[1,2],[3,4]]', '[[1, 2], [3, 4]]'],
    ['[[1, 2], [3, 4]]', '[[1, 2], [3, 4]]'],
    ['((1, 2), (3, 4))', '[[1, 2], [3, 4]]'],
    ['[1, 2], [3, 4]', '[[1, 2], [3, 4]]'],
    ['[1 2] [3 4]', '[[1, 2], [3, 4]]'],
    ['[[1 2]\n [3 4]]', '[[1, 2], [3, 4]]'],
    ['1 2; 3 4', '[[1, 2], [3, 4]]'],
    ['1, 2; 3, 4', '[[1, 2], [3, 4]]'],
    ['[1 2; 3 4]', '[[1, 2], [3, 4]]'],
    ['1 2\n3 4', '[[1, 2], [3, 4]]'],
    ['1 2\r\n\r\n3 4\n', '[[1, 2], [3, 4]]'],
    ['1, 2, 3, 4', '[[1, 2], [3, 4]]'],
    ['1 2 3 4', '[[1, 2], [3, 4]]'],
    ['[[-1/4, 0.5], [√2, 3 - √6]]', '[[-1/4, 0.5], [√2, 3 - √6]]'],
    ['[[−12, 23], [−3, 2]]', '[[-12, 23], [-3, 2]]'],
  ]);
  assert.equal(read('[[1, 2, 3]]', 'matrix', { rows: 1, cols: 3 }), '[[1, 2, 3]]');
  assert.equal(read('[[1], [2], [3]]', 'matrix', { rows: 3, cols: 1 }), '[[1], [2], [3]]');
  assert.equal(read('1; 2; 3', 'matrix', { rows: 3, cols: 1 }), '[[1], [2], [3]]');
  assert.equal(read('[[1,2],[3]]', 'matrix'), 'ERR: row 2 has 1 entry but row 1 has 2');
  assert.equal(read('[[1,2,3],[4,5,6]]', 'matrix', ctx), 'ERR: expected a 2×2 matrix (2 rows of 2); got 2×3');
  assert.equal(read('1 2 3', 'matrix', ctx), 'ERR: expected a 2×2 matrix (2 rows of 2); got 1×3');
  assert.match(read('[[1, 2], [3, y]]', 'matrix', ctx), /^ERR: row 2, column 2: unknown name "y"/);
});

test('multiple choice: letters in every common spelling, option texts, ±1 options', () => {
  const abcd = { options: ['A', 'B', 'C', 'D'] };
  cases('choice', abcd, [
    ['b', 'B'],
    ['B', 'B'],
    ['B)', 'B'],
    ['b)', 'B'],
    ['(B)', 'B'],
    ['[b]', 'B'],
    ['B.', 'B'],
    ['option B', 'B'],
    ['Option: b', 'B'],
    ['answer: (c)', 'C'],
    ['B) cut the number of channels', 'B'],
    ['E', 'ERR: "E" is not one of the options A–D'],
    ['A, B', 'ERR: choose one option (A–D)'],
    ['A and B', 'ERR: choose one option (A–D)'],
    ['AB', 'ERR: choose one option (A–D)'],
    ['banana', 'ERR: expected one of the options A–D'],
  ]);
  const texts = { ...abcd, optionTexts: ['100', '2880', '970', '2890'] };
  assert.equal(read('2890', 'choice', texts), 'D');
  assert.equal(read('2,890', 'choice', texts), 'D');
  assert.equal(read('  2880 ', 'choice', texts), 'B');
  const words = { ...abcd, optionTexts: ['Cut the number of channels', 'Halve the map', 'Detect edges', 'Enlarge the field'] };
  assert.equal(read('halve the map', 'choice', words), 'B');
  const side = { options: ['+1', '−1'] };
  cases('choice', side, [
    ['+1', '+1'],
    ['1', '+1'],
    ['-1', '−1'],
    ['−1', '−1'],
    ['-1.0', '−1'],
    ['negative', '−1'],
    ['positive class', '+1'],
    ['0', 'ERR: expected one of: +1, −1'],
  ]);
});

test('labels: lists, sets, "and", run-together letters, none', () => {
  const ctx = { options: ['A', 'B', 'C', 'D', 'E'] };
  cases('labels', ctx, [
    ['A, D', '{A, D}'],
    ['{A,D}', '{A, D}'],
    ['D, A', '{A, D}'],
    ['a d', '{A, D}'],
    ['A and D', '{A, D}'],
    ['A & D', '{A, D}'],
    ['[A, C, D]', '{A, C, D}'],
    ['AD', '{A, D}'],
    ['A, A, D', '{A, D}'],
    ['none', '{} (none)'],
    ['{}', '{} (none)'],
    ['∅', '{} (none)'],
    ['{} (none)', '{} (none)'],
    ['points A and D', '{A, D}'],
    ['the support vectors are C, E', '{C, E}'],
    ['A, F', 'ERR: "F" is not one of the labels A–E'],
  ]);
});

test('number sets: lists, braces, none/{}/∅', () => {
  cases('set', {}, [
    ['{-11}', '{-11}'],
    ['-11', '{-11}'],
    ['{-10, -5}', '{-10, -5}'],
    ['-10, -5', '{-10, -5}'],
    ['-10 and -5', '{-10, -5}'],
    ['[-10; -5]', '{-10, -5}'],
    ['none', '{} (none)'],
    ['None', '{} (none)'],
    ['no outliers', '{} (none)'],
    ['{}', '{} (none)'],
    ['{ }', '{} (none)'],
    ['∅', '{} (none)'],
    ['{} (none)', '{} (none)'],
  ]);
});

test('contextForPart gives dimensions and options, never values', () => {
  assert.deepEqual(contextForPart({ answer: { kind: 'shape', value: [null, 50, 50, 8] } }), { rank: 4, batch: true });
  assert.deepEqual(contextForPart({ answer: { kind: 'matrix', exact: [['1', '2'], ['3', '4'], ['5', '6']], value: [] } }), { rows: 3, cols: 2 });
  assert.deepEqual(contextForPart({ answer: { kind: 'vector', exact: ['1', '2'], value: [1, 2] } }), { length: 2 });
  assert.deepEqual(contextForPart({ answer: { kind: 'scalar', exact: '1/3', value: 1 / 3 }, decimals: 3 }, { percent: true }), { decimalComma: true, percent: true });
  assert.deepEqual(contextForPart({ answer: { kind: 'choice', value: 'B', options: ['A', 'B'] } }, { optionTexts: ['x', 'y'] }), { options: ['A', 'B'], optionTexts: ['x', 'y'] });
});

test('parseAnswer never throws on non-string input', () => {
  for (const bad of [undefined, null, 42, {}, [], Symbol('x')] as unknown[]) {
    const r = parseAnswer(bad as string, 'scalar');
    assert.equal(r.ok, false);
  }
});
