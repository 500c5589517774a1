/**
 * parseAnswer against random and hostile input: it must never throw, always answer ok/blank/error
 * with a message, and answer quickly (the work is bounded by length, digit, exponent and nesting
 * limits). Also round trips: what students type for exact values reads back exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatParsed, parseAnswer, MAX_INPUT_LENGTH, type AnswerKind, type ParseContext } from '../../src/grade/parse.js';
import { q, realEquals, real, sqrtQ, mulQ } from '../../src/core/exact.js';
import { fmtShape } from '../../src/core/answer.js';

const KINDS: [AnswerKind, ParseContext][] = [
  ['scalar', {}],
  ['scalar', { percent: true, decimalComma: true }],
  ['vector', {}],
  ['vector', { length: 3 }],
  ['matrix', {}],
  ['matrix', { rows: 2, cols: 2 }],
  ['shape', {}],
  ['shape', { rank: 4, batch: true }],
  ['set', {}],
  ['choice', { options: ['A', 'B', 'C', 'D'], optionTexts: ['100', '2880', '970', '2890'] }],
  ['choice', { options: ['+1', '−1'] }],
  ['labels', { options: ['A', 'B', 'C', 'D', 'E'] }],
];

/** Slowest single call seen (ms), for the bound below and the log. */
let slowest = { ms: 0, input: '' };
const LIMIT_MS = 250;

function check(input: string): void {
  for (const [kind, ctx] of KINDS) {
    const t0 = performance.now();
    let r;
    try {
      r = parseAnswer(input, kind, ctx);
    } catch (e) {
      assert.fail(`parseAnswer threw on ${JSON.stringify(input.slice(0, 80))} (${kind}): ${(e as Error).stack}`);
    }
    let ms = performance.now() - t0;
    // A pause from GC or a busy machine is not the parser: a genuinely slow input is slow every time.
    for (let retry = 0; retry < 2 && ms > LIMIT_MS; retry++) {
      const t1 = performance.now();
      parseAnswer(input, kind, ctx);
      ms = Math.min(ms, performance.now() - t1);
    }
    if (ms > slowest.ms) slowest = { ms, input: input.slice(0, 60) };
    assert.ok(ms < LIMIT_MS, `${kind} took ${ms.toFixed(1)} ms on ${JSON.stringify(input.slice(0, 80))}`);
    assert.equal(typeof r.ok, 'boolean');
    if (!r.ok) {
      assert.equal(typeof r.error, 'string');
      assert.ok(r.error.length > 0 && r.error.length < 400, `error message: ${r.error}`);
    } else if (!r.blank) {
      // Whatever was read can be shown back.
      assert.equal(typeof formatParsed(r.value), 'string');
      for (const n of numbersOf(r.value)) assert.ok(Number.isFinite(n), `non-finite number read from ${JSON.stringify(input.slice(0, 80))}`);
    }
  }
}

function numbersOf(p: import('../../src/grade/parse.js').Parsed): number[] {
  switch (p.kind) {
    case 'scalar':
      return [p.value.approx];
    case 'vector':
    case 'set':
      return p.value.map((v) => v.approx);
    case 'matrix':
      return p.value.flat().map((v) => v.approx);
    default:
      return [];
  }
}

const TOKENS = [
  ...'0123456789',
  '.', ',', ' ', ' ', '-', '−', '–', '+', '*', '×', '·', '/', '÷', '^', '√', '(', ')', '[', ']', '{', '}', '%', '\n', ';', '≈', '~', 'e', 'E', 'x', 'X', '_', '?', '⁻', '¹', '²', '½', '١', '٫',
  'None', 'null', 'sqrt', 'ln', 'log', 'exp', 'tanh', 'abs', 'pi', 'π', 'A', 'b', 'option', 'and', 'none', '∅', '1e999', '1e-999', '0/0', '1/0', 'NaN', 'Infinity', '__proto__', 'constructor',
  '9999999999999999999999999', '10^', '2^64', '\u200B', '\uFEFF', '\uD800', '🙂', 'ﬁ', '\u0000',
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((xs) => xs.join(''));

const VALID = ['-7/4', '0.25', '2.5e-1', '2√5/5', '(None, 50, 50, 8)', '[[1, 2], [3, 4]]', '1 2; 3 4', '[1/3, -1/2, 2]', 'option B', 'A and D', '{-10, -5}', '73,856', '3 - √6', 'ln(10/9) ≈ 0.105'];

/** A valid answer with random characters inserted. */
const mutated = fc
  .tuple(fc.constantFrom(...VALID), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...TOKENS)), { maxLength: 6 }))
  .map(([s, edits]) => edits.reduce((acc, [at, tok]) => acc.slice(0, at % (acc.length + 1)) + tok + acc.slice(at % (acc.length + 1)), s));

const numbersAsText = fc.oneof(
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 80n), max: 10n ** 80n }).map(String),
  fc.tuple(fc.bigInt(), fc.bigInt()).map(([a, b]) => `${a}/${b}`),
  fc.tuple(fc.integer(), fc.integer({ min: -400, max: 400 })).map(([m, e]) => `${m}e${e}`),
);

const hostile = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }), weight: 1 },
  { arbitrary: tokenSoup, weight: 6 },
  { arbitrary: mutated, weight: 4 },
  { arbitrary: numbersAsText, weight: 2 },
);

test('fast-check: 10,000 random and hostile strings × every kind — never throws, always answers quickly', () => {
  fc.assert(fc.property(hostile, (s) => check(s)), { numRuns: 10_000, seed: 20261210 });
  console.log(`slowest call: ${slowest.ms.toFixed(2)} ms on ${JSON.stringify(slowest.input)}`);
});

test('hand-picked hostile inputs: huge, deeply nested, degenerate', () => {
  const n = MAX_INPUT_LENGTH - 2;
  const inputs = [
    '1e999999', '1e-999999', '1E+99999999999999999999', '1/0', '0/0', '-0', 'NaN', 'Infinity', '-Infinity', '∞', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
    '', ' ', '\u0000', '\uD800', '\uDFFF\uD800', '🙂'.repeat(500),
    'x'.repeat(100_000), '1'.repeat(100_000), '['.repeat(100_000),
    '9'.repeat(n), '1'.repeat(n), '0'.repeat(n), '.'.repeat(n), '-'.repeat(n) + '1', '−'.repeat(n), '√'.repeat(n) + '2', '√'.repeat(n),
    '('.repeat(n / 2) + ')'.repeat(n / 2), '('.repeat(n), ')'.repeat(n), '['.repeat(n / 2) + ']'.repeat(n / 2), '[1,'.repeat(n / 3), '{'.repeat(n),
    '2^'.repeat(n / 2) + '2', '9^9^9^9', '(9^9)^9^9', '2^64^64', '10^(10^10)', '(10^300)*(10^300)', '1/'.repeat(n / 2) + '1', '1+'.repeat(n / 2) + '1',
    '1,'.repeat(n / 2), '1 '.repeat(n / 2), '1;'.repeat(n / 2), '1\n'.repeat(n / 2), 'A,'.repeat(n / 2), 'A '.repeat(n / 2), `${'A'.repeat(n)}`, ' \n'.repeat(n / 2) + 'A B',
    `[${'[1, 2], '.repeat(500)}[1, 2]]`, `${'1 '.repeat(1500)}`, 'sqrt('.repeat(n / 5), 'ln'.repeat(n / 2), 'e'.repeat(n), 'x'.repeat(n), '0x'.repeat(n / 2),
    `√${'9'.repeat(59)}`, `√(${'9'.repeat(59)}/${'7'.repeat(59)})`, `${'9'.repeat(59)}^64`, `(${'9'.repeat(59)}/7)^-64`, `√2^${'9'.repeat(59)}`,
    `(1+√2)^64`, `(1+√2)^-64`, '√2*√3*√5*√7*√11*√13*√17*√19*√23*√29*√31*√37*√41*√43*√47*√53*√59*√61*√67*√71',
    '1e60', '1e-60', '1e61', `${'1'.repeat(60)}.5e60`, '1.0000000000000000000000000000000000000000000000000000000001',
    '(None, None, None)', '(0, 0)', `(${'9'.repeat(12)}, 1)`, 'torch.Size(torch.Size(torch.Size([1])))', 'np.array(', 'array()',
    'option', 'option option B', '(', ')', 'B))', '((B)', '≈≈≈', '≈ ≈ ≈ ≈', '1 ≈ 2 ≈ 3 ≈ 4',
  ];
  for (const s of inputs) check(s);
});

test('round trip: exact fractions and roots typed in many spellings read back exactly', () => {
  const frac = fc.tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 6n }));
  fc.assert(
    fc.property(frac, fc.integer({ min: 1, max: 200 }), fc.constantFrom('-', '−', '–'), ([n, d], rad, minus) => {
      const want = q(n, d);
      const text = `${n < 0n ? minus : ''}${n < 0n ? -n : n}/${d}`;
      const r = parseAnswer(text, 'scalar');
      assert.ok(r.ok && !r.blank && r.value.kind === 'scalar' && r.value.value.exact, text);
      assert.ok(realEquals(r.value.value.exact, real(want)), text);
      // k·√rad/d in the "2√5/5" spelling and the "2*sqrt(5)/5" spelling
      const surd = mulQ(sqrtQ(q(rad, 1n)), q(n === 0n ? 1n : n, d));
      for (const t of [`${n === 0n ? 1n : n}√${rad}/${d}`, `${n === 0n ? 1n : n}*sqrt(${rad})/${d}`]) {
        const s = parseAnswer(t, 'scalar');
        assert.ok(s.ok && !s.blank && s.value.kind === 'scalar' && s.value.value.exact && realEquals(s.value.value.exact, surd), t);
      }
    }),
    { numRuns: 2000, seed: 7 },
  );
});

test('round trip: terminating decimals read exactly, with their places', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 12 }), (m, places) => {
      const neg = m < 0n;
      const digits = (neg ? -m : m).toString().padStart(places + 1, '0');
      const text = `${neg ? '-' : ''}${places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`}`;
      const r = parseAnswer(text, 'scalar');
      assert.ok(r.ok && !r.blank && r.value.kind === 'scalar' && r.value.value.exact, text);
      assert.ok(realEquals(r.value.value.exact, real(q(m, 10n ** BigInt(places)))), text);
      assert.equal(r.value.value.places, places === 0 ? null : places);
    }),
    { numRuns: 2000, seed: 11 },
  );
});

test('round trip: shapes in every separator style', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 5 }), fc.boolean(), (dims, batch) => {
      const full = batch ? [null, ...dims] : dims;
      const ctx = { rank: full.length, batch };
      const spellings = [fmtShape(full), full.map((d) => d ?? 'None').join(','), `[${full.map((d) => d ?? 'None').join(', ')}]`, full.map((d) => d ?? '?').join(' x '), full.map((d) => d ?? 'None').join('×')];
      if (batch) spellings.push(fmtShape(dims));
      for (const s of spellings) {
        const r = parseAnswer(s, 'shape', ctx);
        assert.ok(r.ok && !r.blank && r.value.kind === 'shape', `${s}: ${r.ok ? '' : r.error}`);
        assert.deepEqual(r.value.value, full, s);
      }
    }),
    { numRuns: 1000, seed: 3 },
  );
});
