import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReal, divReal, fmtDecimal, fmtQ, fmtReal, q, real, realValue, sqrtQ, sum, toInt } from '../../src/core/exact.js';

test('fractions format without "/1" and parse exact decimals', () => {
  assert.equal(fmtQ(q(4, 2)), '2');
  assert.equal(fmtQ(q('-7/4')), '-7/4');
  assert.equal(fmtQ(q('0.25')), '1/4');
  assert.equal(fmtQ(q(0)), '0');
  assert.equal(fmtQ(sum([q(1, 3), q(1, 6)])), '1/2');
  assert.equal(toInt(q(12, 4)), 3);
  assert.throws(() => toInt(q(1, 2)), /expected an integer/);
  assert.throws(() => q(0.1), /non-integer/);
});

test('square roots stay exact: √(n/d) = √(nd)/d with squares pulled out', () => {
  assert.equal(fmtReal(sqrtQ(q(16))), '4');
  assert.equal(fmtReal(sqrtQ(q(8))), '2√2');
  assert.equal(fmtReal(sqrtQ(q(1, 5))), '√5/5');
  assert.equal(fmtReal(sqrtQ(q(9, 4))), '3/2');
  assert.equal(fmtReal(sqrtQ(q(50, 3))), '5√6/3');
  assert.ok(Math.abs(realValue(sqrtQ(q(50, 3))) - Math.sqrt(50 / 3)) < 1e-12);
  assert.throws(() => sqrtQ(q(-1)), /negative/);
});

test('division of surds and exact comparison', () => {
  // 2/√5 = 2√5/5 (an SVM margin)
  assert.equal(fmtReal(divReal(real(2), sqrtQ(q(5)))), '2√5/5');
  // (3/2) / (√2) = 3√2/4
  assert.equal(fmtReal(divReal(real(q(3, 2)), sqrtQ(q(2)))), '3√2/4');
  assert.equal(compareReal(sqrtQ(q(2)), real(q(141, 100))), 1);
  assert.equal(compareReal(sqrtQ(q(2)), real(q(142, 100))), -1);
  assert.equal(compareReal({ coef: q(-1), rad: 3n }, real(-2)), 1); // −√3 > −2
});

test('decimal rounding is half away from zero', () => {
  assert.equal(fmtDecimal(0.125, 2), '0.13');
  assert.equal(fmtDecimal(-0.125, 2), '-0.13');
  assert.equal(fmtDecimal(2 / Math.sqrt(5), 3), '0.894');
  assert.equal(fmtDecimal(-0.0001, 2), '0.00');
});

test('rational plus surd (μ ± tσ) formats, parses back and compares exactly', async () => {
  const { addQ, mulQ, parseRealExact, realEquals } = await import('../../src/core/exact.js');
  const sigma = sqrtQ(q(63881, 100)); // √63881/10
  const hi = addQ(mulQ(sigma, q(49, 25)), q(897, 10));
  const lo = addQ(mulQ(sigma, q(-49, 25)), q(897, 10));
  assert.equal(fmtReal(hi), '897/10 + 49√63881/250');
  assert.equal(fmtReal(lo), '897/10 - 49√63881/250');
  assert.ok(Math.abs(realValue(hi) - 139.2389) < 1e-3);
  for (const x of [hi, lo, sigma, real(q(-7, 4)), { coef: q(-1), rad: 3n }]) assert.ok(realEquals(parseRealExact(fmtReal(x))!, x), fmtReal(x));
  // hi = 139.23839…: decided exactly, even this close
  assert.equal(compareReal(hi, real(q(139238, 1000))), 1);
  assert.equal(compareReal(hi, real(q(139239, 1000))), -1);
  assert.equal(compareReal(lo, hi), -1);
});

test('realEquals: equal values in every form (signed zero, offsets, rad 1 with an offset, surds) and unequal ones', async () => {
  const { addQ, realEquals } = await import('../../src/core/exact.js');
  const yes: [Parameters<typeof realEquals>[0], Parameters<typeof realEquals>[1]][] = [
    [real(q(-3, 4)), real(q('-0.75'))],
    [real(q(0)), real(q(0).neg())],
    [real(q(6, 8)), { coef: q(3, 4), rad: 1n, rat: q(0) }],
    [real(q(5, 4)), { coef: q(1), rad: 1n, rat: q(1, 4) }],
    [{ coef: q(0), rad: 7n, rat: q(2) }, real(q(2))],
    [addQ({ coef: q(2), rad: 3n }, q(1)), { coef: q(4, 2), rad: 3n, rat: q(1) }],
  ];
  for (const [a, b] of yes) {
    assert.ok(realEquals(a, b), `${fmtReal(a)} = ${fmtReal(b)}`);
    assert.ok(realEquals(b, a), `${fmtReal(b)} = ${fmtReal(a)}`);
  }
  const no: typeof yes = [
    [real(q(3, 4)), real(q(-3, 4))],
    [real(q(3, 4)), real(q(3, 5))],
    [real(q(1)), { coef: q(1), rad: 2n }],
    [{ coef: q(1), rad: 2n }, { coef: q(1), rad: 3n }],
    [addQ({ coef: q(1), rad: 2n }, q(1)), { coef: q(1), rad: 2n }],
  ];
  for (const [a, b] of no) {
    assert.ok(!realEquals(a, b), `${fmtReal(a)} ≠ ${fmtReal(b)}`);
    assert.ok(!realEquals(b, a), `${fmtReal(b)} ≠ ${fmtReal(a)}`);
  }
});

test('nPowQ: integer exponents stay exact; p/2^m exponents (square roots) agree with decimal.js exp(e·ln x) to 30 digits', async () => {
  const { nPowQ } = await import('../../src/core/approx.js');
  const { Decimal } = await import('decimal.js');
  const exact = nPowQ(q(2, 3), q(-3));
  assert.equal(exact.q?.toFraction(), '27/8');
  const B = Decimal.clone({ precision: 40 });
  for (const [n, d] of [[1, 1], [2, 1], [3, 10], [51, 20], [7, 3], [1000, 7]] as const)
    for (const [en, ed] of [[-3, 4], [-1, 2], [1, 4], [3, 8], [5, 2], [1, 3]] as const) {
      const got = nPowQ(q(n, d), q(en, ed)).b!;
      const ref = new B(n).div(d).pow(new B(en).div(ed));
      assert.ok(new B(got).minus(ref).abs().div(ref).lt('1e-30'), `${n}/${d} ^ ${en}/${ed}: ${got} vs ${ref}`);
    }
  assert.equal(nPowQ(q(16), q(-3, 4)).b!.toString(), '0.125');
});
