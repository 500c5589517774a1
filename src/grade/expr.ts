/**
 * One number as a student types it: "-7/4", "0.25", "2.5e-1", "2√5/5", "2*sqrt(5)/5", "3 - √6",
 * "ln(10/9)", "2^-3". A small recursive-descent evaluator (no eval, no mathjs parser: every step is
 * bounded) that keeps the value exact (core/exact.ts Real) whenever the expression stays in the
 * form rat + coef·√rad, and otherwise keeps a float only (ln, exp, tanh, sums of unlike roots).
 *
 * Grammar (usual precedence; implicit multiplication before "(", "√", names and constants, so "2√5"
 * and "2 sqrt(5)" work; "log" is the natural logarithm as in ML texts):
 *   expr   := term (("+" | "-") term)*
 *   term   := unary (("*" | "/") unary | implicit unary)*
 *   unary  := ("+" | "-") unary | power
 *   power  := atom ("^" unary)?                       right-associative: 2^-1, 2^3^2 = 2^9
 *   atom   := number | constant | "(" expr ")" | "√" atom | function atom
 */
import { fmtReal, q, realValue, type Fraction, type Real } from '../core/exact.js';
import { add, div, GradeInputError, isRat, mul, neg, powInt, ratOf, rational, sqrt, sub } from './arith.js';

/** A typed number: exact where possible, always a finite float, and how it was written. */
export interface Num {
  /** Exact value when the expression evaluates exactly (rationals and single roots). */
  exact?: Real;
  /** Float value (always finite). */
  approx: number;
  /**
   * Decimal places the student wrote when a decimal literal was used ("0.25" → 2, "2.5e-1" → 2,
   * "3." → 0); null when the number was written in exact notation (integers, fractions, roots).
   */
  places: number | null;
}

/** Digits allowed in one literal, and the largest power of ten in scientific notation. */
const MAX_LITERAL_DIGITS = 60;
const MAX_SCI_EXPONENT = 60;
const MAX_TOKENS = 400;
const MAX_DEPTH = 40;

type Tok = { t: 'num'; text: string; value: Fraction; places: number | null } | { t: 'id'; name: string } | { t: 'op'; op: string };

const NUMBER = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?/;

/** "12.50" → 1250/100 with 2 places; "2.5e-1" → 1/4 with 2 places; "7" → 7 (exact notation). */
export function decimalLiteral(text: string): { value: Fraction; places: number | null } {
  const m = NUMBER.exec(text);
  if (!m || m[0] !== text || (m[1] === '' && (m[2] ?? '') === '')) throw new GradeInputError(`"${clip(text)}" is not a number`);
  const int = m[1] ?? '';
  const frac = m[2] ?? '';
  const digits = (int + frac).replace(/^0+/, '');
  if (digits.length > MAX_LITERAL_DIGITS) throw new GradeInputError(`"${clip(text)}" has too many digits (at most ${MAX_LITERAL_DIGITS})`);
  const expText = m[3];
  if (expText !== undefined && (expText.replace(/^[+-]?0*/, '').length > 3 || Math.abs(Number(expText)) > MAX_SCI_EXPONENT))
    throw new GradeInputError(`"${clip(text)}": exponent out of range (at most ±${MAX_SCI_EXPONENT})`);
  const exp = expText === undefined ? 0 : Number(expText);
  const mantissa = BigInt(digits === '' ? '0' : digits);
  const scale = frac.length - exp;
  const value = scale >= 0 ? q(mantissa, 10n ** BigInt(scale)) : q(mantissa * 10n ** BigInt(-scale), 1n);
  const decimal = m[2] !== undefined || expText !== undefined;
  return { value, places: decimal ? Math.max(0, scale) : null };
}

const clip = (s: string, n = 24) => (s.length > n ? `${s.slice(0, n)}…` : s);

const FUNCTIONS = new Set(['sqrt', 'ln', 'log', 'log10', 'log2', 'exp', 'tanh', 'abs']);
const CONSTANTS = new Set(['pi', 'π', 'e']);

function tokenize(s: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    if (toks.length > MAX_TOKENS) throw new GradeInputError('this answer is too long');
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && s[i + 1] !== undefined && s[i + 1]! >= '0' && s[i + 1]! <= '9')) {
      // Take digits, one point, and an exponent only when digits follow it (so "2e" is 2·e).
      const m = /^\d*(?:\.\d*)?(?:[eE][+-]?\d+)?/.exec(s.slice(i, i + 200))!;
      const text = m[0];
      toks.push({ t: 'num', text, ...decimalLiteral(text) });
      i += text.length;
      continue;
    }
    if (/[A-Za-zπ]/.test(c)) {
      const m = /^(?:π|[A-Za-z]+)/.exec(s.slice(i, i + 40))!;
      let name = m[0].toLowerCase();
      // "log10(" and "log2(" are the named bases; "log2" elsewhere reads as log 2 (natural log of 2).
      const after = s.slice(i + m[0].length);
      if (name === 'log' && /^(10|2)\s*\(/.test(after)) name += /^10/.test(after) ? '10' : '2';
      if (!FUNCTIONS.has(name) && !CONSTANTS.has(name)) {
        if (name === 'nan' || name === 'infinity' || name === 'inf') throw new GradeInputError(`"${clip(m[0])}" is not a number`);
        throw new GradeInputError(`unknown name "${clip(m[0], 16)}" (numbers, + − × /, ^, √ or sqrt(), ln(), exp() are understood)`);
      }
      toks.push({ t: 'id', name });
      i += name === 'log10' || name === 'log2' ? name.length : m[0].length;
      continue;
    }
    if ('+-*/^()√'.includes(c)) {
      toks.push({ t: 'op', op: c });
      i++;
      continue;
    }
    throw new GradeInputError(`unexpected character "${clip(c)}"`);
  }
  return toks;
}

const inexact = (approx: number, places: number | null): Num => finite({ approx, places });

function finite(n: Num): Num {
  if (!Number.isFinite(n.approx)) throw new GradeInputError('a number in this answer is too large or undefined');
  return n;
}

function fromExact(exact: Real | undefined, approx: number, places: number | null): Num {
  return exact ? finite({ exact, approx: realValue(exact), places }) : inexact(approx, places);
}

const minPlaces = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

function binary(a: Num, b: Num, op: string): Num {
  const places = minPlaces(a.places, b.places);
  const both = a.exact && b.exact;
  switch (op) {
    case '+':
      return fromExact(both ? add(a.exact!, b.exact!) : undefined, a.approx + b.approx, places);
    case '-':
      return fromExact(both ? sub(a.exact!, b.exact!) : undefined, a.approx - b.approx, places);
    case '*':
      return fromExact(both ? mul(a.exact!, b.exact!) : undefined, a.approx * b.approx, places);
    case '/':
      if (b.exact ? isRat(b.exact) && ratOf(b.exact).n === 0n : b.approx === 0) throw new GradeInputError('division by zero');
      return fromExact(both ? div(a.exact!, b.exact!) : undefined, a.approx / b.approx, places);
    default:
      return power(a, b);
  }
}

function power(a: Num, b: Num): Num {
  const places = minPlaces(a.places, b.places);
  if (b.exact && isRat(b.exact)) {
    const k = ratOf(b.exact);
    if (k.d === 1n && a.exact) {
      const kn = Number(k.s * k.n);
      if (Math.abs(kn) <= 64) return fromExact(powInt(a.exact, kn), Math.pow(a.approx, kn), places);
    }
    if (k.d === 2n && k.n === 1n && a.exact) return fromExact(k.s > 0n ? sqrt(a.exact) : undefined, Math.pow(a.approx, k.valueOf()), places);
  }
  const v = Math.pow(a.approx, b.approx);
  if (Number.isNaN(v)) throw new GradeInputError('a negative number raised to a fractional power');
  return inexact(v, places);
}

function apply(name: string, x: Num): Num {
  const v = x.approx;
  const isZero = x.exact !== undefined && isRat(x.exact) && ratOf(x.exact).n === 0n;
  const isOne = x.exact !== undefined && isRat(x.exact) && ratOf(x.exact).equals(q(1));
  switch (name) {
    case 'sqrt':
      if (v < 0) throw new GradeInputError('square root of a negative number');
      return fromExact(x.exact && sqrt(x.exact), Math.sqrt(v), x.places);
    case 'abs':
      return fromExact(x.exact && (v < 0 ? neg(x.exact) : x.exact), Math.abs(v), x.places);
    case 'ln':
    case 'log':
    case 'log10':
    case 'log2':
      if (v <= 0) throw new GradeInputError('logarithm of a number ≤ 0');
      if (isOne) return fromExact(rational(q(0)), 0, x.places);
      return inexact(name === 'log10' ? Math.log10(v) : name === 'log2' ? Math.log2(v) : Math.log(v), x.places);
    case 'exp':
      if (isZero) return fromExact(rational(q(1)), 1, x.places);
      return inexact(Math.exp(v), x.places);
    case 'tanh':
      if (isZero) return fromExact(rational(q(0)), 0, x.places);
      return inexact(Math.tanh(v), x.places);
    default:
      throw new GradeInputError(`unknown function "${name}"`);
  }
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[]) {}

  parse(): Num {
    if (this.toks.length === 0) throw new GradeInputError('no number given');
    const v = this.expr();
    const rest = this.toks[this.i];
    if (rest) throw new GradeInputError(rest.t === 'op' && rest.op === ')' ? 'unbalanced ")"' : `unexpected "${show(rest)}"`);
    return v;
  }

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t?.t === 'op' && t.op === op;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new GradeInputError('this answer is nested too deeply');
  }

  private expr(): Num {
    this.enter();
    let v = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.toks[this.i++] as { op: string }).op;
      v = binary(v, this.term(), op);
    }
    this.depth--;
    return v;
  }

  private term(): Num {
    let v = this.unary();
    for (;;) {
      const t = this.peek();
      if (t?.t === 'op' && (t.op === '*' || t.op === '/')) {
        this.i++;
        v = binary(v, this.unary(), t.op);
      } else if (t && ((t.t === 'op' && (t.op === '(' || t.op === '√')) || t.t === 'id')) {
        v = binary(v, this.unary(), '*');
      } else if (t?.t === 'num') {
        throw new GradeInputError(`expected a single number; found two numbers with nothing between them (at "${clip(t.text, 12)}")`);
      } else return v;
    }
  }

  private unary(): Num {
    if (this.isOp('-') || this.isOp('+')) {
      const minus = this.isOp('-');
      this.i++;
      this.enter();
      const v = this.unary();
      this.depth--;
      return minus ? fromExact(v.exact && neg(v.exact), -v.approx, v.places) : v;
    }
    return this.power();
  }

  private power(): Num {
    const base = this.atom();
    if (!this.isOp('^')) return base;
    this.i++;
    this.enter();
    const exponent = this.unary();
    this.depth--;
    return power(base, exponent);
  }

  private atom(): Num {
    const t = this.toks[this.i++];
    if (!t) throw new GradeInputError('the answer ends in the middle of a calculation');
    if (t.t === 'num') return fromExact(rational(t.value), t.value.valueOf(), t.places);
    if (t.t === 'id') {
      if (t.name === 'pi' || t.name === 'π') return inexact(Math.PI, null);
      if (t.name === 'e') return inexact(Math.E, null);
      this.enter();
      const arg = this.atomOrPower();
      this.depth--;
      return apply(t.name, arg);
    }
    if (t.op === '(') {
      this.enter();
      const v = this.expr();
      this.depth--;
      if (!this.isOp(')')) throw new GradeInputError('missing ")"');
      this.i++;
      return v;
    }
    if (t.op === '√') {
      this.enter();
      const v = this.atom();
      this.depth--;
      return apply('sqrt', v);
    }
    throw new GradeInputError(`unexpected "${show(t)}"`);
  }

  /** A function's argument: "ln(2)", "ln 2", "sqrt 5"; "ln 2^3" takes the power. */
  private atomOrPower(): Num {
    return this.power();
  }
}

function show(t: Tok): string {
  return t.t === 'num' ? clip(t.text) : t.t === 'id' ? t.name : t.op;
}

/** Normalises the operators of one number: "×", "·" → "*", "÷" → "/", "**" → "^", "2.5×10^-1" → "2.5e-1". */
export function normaliseOperators(s: string): string {
  return s
    .replace(/(?<![\d.])(\d+(?:\.\d*)?|\.\d+)\s*[*×·xX]\s*10\s*\^\s*\(?\s*([+-]?\d{1,4})\s*\)?(?![\d.])/g, '$1e$2')
    .replace(/[×·⋅∙]/g, '*')
    .replace(/\*\*/g, '^')
    .replace(/÷/g, '/');
}

/** Evaluates one number (throws GradeInputError with a message for the student). */
export function evaluate(text: string): Num {
  return new Parser(tokenize(normaliseOperators(text))).parse();
}

/**
 * The common inputs — "42", "-0.25", "3.", ".5", "7/4", "-7/4", "2.5/10" — without the tokenizer and
 * the parser, built from the same steps the parser takes (same literal reader, same exact
 * arithmetic), so the result is identical to evaluate(text). undefined for anything else (spaces,
 * exponents, names, a zero denominator…): the caller then uses evaluate().
 * At most 30 + 30 digits per literal, so the digit limit can never be hit here.
 */
const SIMPLE_NUMBER = /^([+-]?)(\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})(?:\/(\d{1,30}(?:\.\d{0,30})?|\.\d{1,30}))?$/;

export function evaluateSimple(text: string): Num | undefined {
  if (text.length > 64) return undefined;
  const m = SIMPLE_NUMBER.exec(text);
  if (!m) return undefined;
  const literal = (s: string): Num => {
    const d = decimalLiteral(s);
    return fromExact(rational(d.value), d.value.valueOf(), d.places);
  };
  let v = literal(m[2]!);
  if (m[1] === '-') v = fromExact(neg(v.exact!), -v.approx, v.places);
  if (m[3] === undefined) return v;
  const d = literal(m[3]);
  if (ratOf(d.exact!).n === 0n) return undefined;
  return binary(v, d, '/');
}

/** Canonical text of a typed number: "0.5" for "0,5", "7/4", "2√5/5", "≈ 0.6931" for ln 2. */
export function formatNum(n: Num): string {
  if (!n.exact) return `≈ ${Number(n.approx.toPrecision(10))}`;
  if (n.places !== null && isRat(n.exact)) {
    const r = ratOf(n.exact);
    const scaled = r.mul(q(10n ** BigInt(n.places), 1n));
    if (scaled.d === 1n) {
      const digits = (scaled.n).toString().padStart(n.places + 1, '0');
      const sign = r.s < 0n && r.n !== 0n ? '-' : '';
      return n.places === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -n.places)}.${digits.slice(-n.places)}`;
    }
  }
  return fmtReal(n.exact);
}
