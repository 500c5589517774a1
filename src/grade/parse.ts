/**
 * What students type → a parsed answer, liberally ("245,32", "(None, 245, 32)", "1/4", "0,25",
 * "2.5×10^-1", "2√5/5", "[[1,2],[3,4]]", "1 2; 3 4", "option B", "A and D", "none").
 *
 * parseAnswer never throws: it returns the parsed value, a blank, or a message for that one field.
 * Numbers stay exact (see expr.ts); every step is bounded (input length, digits, exponents, nesting).
 *
 * Rules worth knowing (all of them: src/grade/README.md):
 *  - Minus signs: "-", "−", "–", "—", "﹣", "－". Superscripts: "10⁻³" = 10^-3.
 *  - "a ≈ b": the exact side a is used when it evaluates exactly, otherwise the decimal side b.
 *  - Scalars only: "73,856", "73 856", "1,234,567" are thousands separators; "0,5" or "12,25" (a
 *    comma not followed by exactly three digits) is a decimal comma; "9,315" (exactly three digits)
 *    is 9315 unless the part asks for decimals, then it is 9.315. Lists never use decimal commas.
 *  - "25%" is 1/4 only where the part allows percentages (ctx.percent).
 *  - Shapes: "(245, 32)", "245,32", "245 x 32", "245×32", "[245, 32]", "torch.Size([1, 2])"; the
 *    batch dimension may be None/null/?/-1/batch/N or left out.
 *  - Vectors: commas, semicolons, new lines or spaces ("1 -2" is two entries, "1 - 2" is one).
 *  - Matrices: "[[1,2],[3,4]]", "[1 2; 3 4]", rows on separate lines, or a flat list of rows×cols
 *    numbers read row by row.
 */
import { realEquals } from '../core/exact.js';
import type { AnswerJson, PartJson } from '../core/answer.js';
import { GradeInputError, mul, rational } from './arith.js';
import { decimalLiteral, evaluate, evaluateSimple, formatNum, type Num } from './expr.js';

export type { Num };

/** Longest answer read at all (characters); a 16×16 matrix of fractions fits easily. */
export const MAX_INPUT_LENGTH = 4000;
/** Most entries in one vector, matrix or set. */
export const MAX_ENTRIES = 1024;
/** Largest tensor dimension accepted in a shape. */
const MAX_DIM = 1e12;
/** Bracket nesting allowed in lists ("[[1,2],[3,4]]" is depth 2). */
const MAX_NESTING = 6;

export type AnswerKind = AnswerJson['kind'];

/** What the part expects, beyond its kind: enough to read the input, never the answer itself. */
export interface ParseContext {
  /** choice / labels: the valid values ("A"…"D", or "+1", "−1"). */
  options?: readonly string[];
  /** Multiple choice: the printed option texts in letter order, so typing the text also works. */
  optionTexts?: readonly string[];
  /** shape: number of dimensions, counting the batch dimension. */
  rank?: number;
  /** shape: the expected shape starts with the batch dimension (None); it may then be left out. */
  batch?: boolean;
  /** vector: number of entries. */
  length?: number;
  /** matrix: rows and columns. */
  rows?: number;
  cols?: number;
  /** scalar: "25%" allowed (read as 1/4). */
  percent?: boolean;
  /** scalar: the part asks for decimals, so "9,315" reads as 9.315 (not 9315). */
  decimalComma?: boolean;
}

export type Parsed =
  | { kind: 'scalar'; value: Num }
  | { kind: 'vector'; value: Num[] }
  | { kind: 'set'; value: Num[] }
  | { kind: 'matrix'; value: Num[][] }
  /** null = the batch dimension. */
  | { kind: 'shape'; value: (number | null)[] }
  | { kind: 'choice'; value: string }
  | { kind: 'labels'; value: string[] };

export type ParseResult =
  | { ok: true; blank: false; value: Parsed; /** How an ambiguous input was read ("73,856 read as 73856"). */ notes: string[] }
  | { ok: true; blank: true }
  | { ok: false; error: string };

// ---------- text normalisation ----------

const SUPERSCRIPTS: Record<string, string> = { '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', '⁻': '-', '⁺': '+' };

/**
 * Whether the fast paths below are used (they give the same results as the general code; tests
 * switch them off to compare the two). Not for production use.
 */
let fastPaths = true;
export function setParseFastPaths(enabled: boolean): void {
  fastPaths = enabled;
}

/** Printable ASCII without "~" (which becomes ≈): only runs of spaces and the ends change. */
const PLAIN_ASCII = /^[\x20-\x7d]*$/;

/** Unicode → the ASCII-ish forms the readers below expect (keeps √, ×, π, ≈, ∅). */
export function normaliseText(raw: string): string {
  if (fastPaths && PLAIN_ASCII.test(raw)) return (raw.includes('  ') ? raw.replace(/ {2,}/g, ' ') : raw).trim();
  return raw
    .replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+/g, (m) => `^(${[...m].map((c) => SUPERSCRIPTS[c]).join('')})`)
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/[−–—‒﹣－]/g, '-')
    .replace(/[⁄∕]/g, '/')
    .replace(/[≃≅]|~=|~/g, '≈')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00A0\u2000-\u200A\u202F\u205F\u3000]+/g, ' ')
    .replace(/ ?\n[\n ]*/g, '\n')
    .trim();
}

// ---------- bracket structure ----------

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE = new Set([')', ']', '}']);

/** Index of the bracket closing the one at `start`, or -1. Linear; checks nesting depth. */
function matching(s: string, start: number): number {
  const stack: string[] = [];
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (OPEN[c]) {
      stack.push(OPEN[c]);
      if (stack.length > MAX_NESTING + 40) throw new GradeInputError('too many nested brackets');
    } else if (CLOSE.has(c)) {
      if (stack.pop() !== c) throw new GradeInputError(`unbalanced "${c}"`);
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

function checkBalanced(s: string): void {
  const stack: string[] = [];
  let listDepth = 0;
  for (const c of s) {
    if (OPEN[c]) {
      stack.push(OPEN[c]);
      if (c !== '(') listDepth++;
      if (stack.length > MAX_NESTING + 40 || listDepth > MAX_NESTING) throw new GradeInputError('too many nested brackets');
    } else if (CLOSE.has(c)) {
      const want = stack.pop();
      if (want === undefined) throw new GradeInputError(`unbalanced "${c}"`);
      if (want !== c) throw new GradeInputError(`"${c}" closes a bracket opened with "${Object.keys(OPEN).find((k) => OPEN[k] === want)}"`);
      if (c !== ')') listDepth--;
    }
  }
  if (stack.length > 0) throw new GradeInputError(`missing "${stack[stack.length - 1]}"`);
}

/** The inside of s when s is one bracket group "[…]", "(…)", "{…}"; else undefined. */
function unwrap(s: string): string | undefined {
  const t = s.trim();
  if (!OPEN[t[0] ?? '']) return undefined;
  return matching(t, 0) === t.length - 1 ? t.slice(1, -1) : undefined;
}

/** Splits at top-level characters for which isSep is true (brackets protect their content). */
function splitTop(s: string, isSep: (c: string) => boolean): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (OPEN[c]) depth++;
    else if (CLOSE.has(c)) depth--;
    else if (depth === 0 && isSep(c)) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
    if (out.length > MAX_ENTRIES) throw new GradeInputError(`too many entries (at most ${MAX_ENTRIES})`);
  }
  out.push(s.slice(start));
  return out;
}

/** s as a run of top-level bracket groups ("[1,2],[3,4]", "[1 2] [3 4]"), or undefined. */
function groups(s: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === ',' || c === ';' || c === '\n') {
      i++;
      continue;
    }
    if (!OPEN[c]) return undefined;
    const end = matching(s, i);
    if (end < 0) return undefined;
    out.push(s.slice(i, end + 1));
    i = end + 1;
    if (out.length > MAX_ENTRIES) throw new GradeInputError(`too many entries (at most ${MAX_ENTRIES})`);
  }
  return out.length > 0 ? out : undefined;
}

const FUNCTION_NAMES = /^(sqrt|ln|log|log10|log2|exp|tanh|abs)$/i;

/**
 * Entries of one row. Commas (or semicolons) separate entries when present; otherwise spaces do,
 * except around a free-standing operator: "1 -2" → [1, −2], "1 - 2" → [−1], "2 * 3" → [6].
 */
function entries(row: string): string[] {
  const t = row.trim();
  if (t === '') return [];
  let pieces: string[] = splitTop(t, (c) => c === ',');
  if (pieces.length === 1) pieces = splitTop(t, (c) => c === ';');
  if (pieces.length > 1) {
    if (pieces[pieces.length - 1]!.trim() === '') pieces.pop(); // "(5,)" and "1, 2,"
    pieces = pieces.map((p) => p.trim());
    if (pieces.some((p) => p === '')) throw new GradeInputError('an entry is empty (two separators in a row)');
    return pieces;
  }
  const words = splitTop(t, (c) => c === ' ' || c === '\n').filter((w) => w !== '');
  const out: string[] = [];
  for (const w of words) {
    const prev = out[out.length - 1];
    const joins = prev !== undefined && (/[-+*/^√(×·≈]$/.test(prev) || FUNCTION_NAMES.test(prev) || /^[*/^)×·]/.test(w) || w === '+' || w === '-');
    if (joins) out[out.length - 1] = `${prev} ${w}`;
    else out.push(w);
  }
  return out;
}

/** Rows of entry texts from any of the matrix notations. */
function rowsOf(text: string): string[][] {
  const t = stripCall(text.trim());
  const inner = unwrap(t);
  if (inner !== undefined) {
    const g = groups(inner);
    if (g) return g.map((x) => entries(unwrap(x) ?? x));
    return rowsSplit(inner);
  }
  const g = groups(t);
  if (g && g.length > 1) return g.map((x) => entries(unwrap(x) ?? x));
  return rowsSplit(t);
}

function rowsSplit(s: string): string[][] {
  const commaRows = splitTop(s, (c) => c === ';' || c === '\n')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (commaRows.length > 1) return commaRows.map((r) => entries(unwrap(r) ?? r));
  return [entries(s)];
}

/** "np.array([...])", "torch.tensor([...])", "torch.Size([...])", "array(...)" → the argument. */
function stripCall(s: string): string {
  const m = /^(?:(?:np|numpy|torch|tf)\s*\.\s*)?(?:array|tensor|Tensor|Size|TensorShape|matrix)\s*(?=\()/i.exec(s);
  if (!m) return s;
  const rest = s.slice(m[0].length);
  return unwrap(rest) ?? s;
}

// ---------- numbers ----------

function parseNumber(text: string): Num {
  const t = text.trim();
  if (t === '') throw new GradeInputError('an entry is empty');
  return (fastPaths ? evaluateSimple(t) : undefined) ?? evaluate(t);
}

const UNIT_WORDS = /\s*(?:params?|parameters?|weights?|macs?|mults?|multiplications?|flops?|units?)\.?$/i;

function parseScalar(text: string, ctx: ParseContext, notes: string[]): Num {
  let t = text.replace(UNIT_WORDS, '').trim();
  let percent = false;
  if (/%$/.test(t)) {
    if (!ctx.percent) throw new GradeInputError('percentages are not accepted here: write the number as a fraction or decimal (e.g. 1/4 or 0.25)');
    percent = true;
    t = t.slice(0, -1).trim();
  }
  const sign = /^[+-]/.test(t) ? t[0]! : '';
  const body = sign ? t.slice(1).trim() : t;
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(body)) {
    if (ctx.decimalComma && /^\d{1,3},\d{3}$/.test(body)) {
      t = `${sign}${body.replace(',', '.')}`;
      notes.push(`read "${body}" as ${body.replace(',', '.')} (decimal comma)`);
    } else {
      t = `${sign}${body.replace(/,/g, '')}`;
      notes.push(`read "${body}" as ${body.replace(/,/g, '')} (thousands separators)`);
    }
  } else if (/^\d+,\d+$/.test(body)) {
    t = `${sign}${body.replace(',', '.')}`;
    notes.push(`read "${body}" as ${body.replace(',', '.')} (decimal comma)`);
  } else if (/^\d{1,3}([ '’]\d{3})+(\.\d+)?$/.test(body)) {
    t = `${sign}${body.replace(/[ '’]/g, '')}`;
  } else if (splitTop(body, (c) => c === ',' || c === ';').length > 1) {
    const n = splitTop(body, (c) => c === ',' || c === ';').length;
    throw new GradeInputError(`expected a single number; got ${n} values separated by commas`);
  }
  const unwrapped = unwrap(t);
  if (unwrapped !== undefined && /^[[{]/.test(t)) throw new GradeInputError('expected a single number, not a list');
  const v = parseNumber(t);
  if (!percent) return v;
  const exact = v.exact && mul(v.exact, rational(decimalLiteral('0.01').value));
  return {
    ...(exact ? { exact } : {}),
    approx: v.approx / 100,
    places: v.places === null ? null : v.places + 2,
  };
}

// ---------- kinds ----------

function countText(n: number, what = 'number'): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function parseList(text: string, what: 'vector' | 'set'): Num[] {
  const rows = rowsOf(text);
  let flat: string[];
  if (rows.length === 1) flat = rows[0]!;
  else if (rows.every((r) => r.length === 1)) flat = rows.map((r) => r[0]!);
  else throw new GradeInputError(`expected a ${what} (one list of numbers); got ${rows.length} rows`);
  if (flat.length > MAX_ENTRIES) throw new GradeInputError(`too many entries (at most ${MAX_ENTRIES})`);
  return flat.map((e, i) => {
    try {
      return parseNumber(e);
    } catch (err) {
      throw entryError(err, flat.length > 1 ? `entry ${i + 1}` : undefined);
    }
  });
}

function entryError(err: unknown, where: string | undefined): unknown {
  if (err instanceof GradeInputError && where) return new GradeInputError(`${where}: ${err.message}`);
  return err;
}

function parseVector(text: string, ctx: ParseContext): Num[] {
  const v = parseList(text, 'vector');
  if (ctx.length !== undefined && v.length !== ctx.length) {
    const example = `[${[1, 2, 3, 4, 5, 6].slice(0, Math.min(ctx.length, 3)).join(', ')}${ctx.length > 3 ? ', …' : ''}]`;
    throw new GradeInputError(`expected a vector of ${countText(ctx.length)} like ${example}; got ${countText(v.length)}`);
  }
  return v;
}

function parseMatrix(text: string, ctx: ParseContext, notes: string[]): Num[][] {
  let rows = rowsOf(text);
  const count = rows.reduce((a, r) => a + r.length, 0);
  if (count > MAX_ENTRIES) throw new GradeInputError(`too many entries (at most ${MAX_ENTRIES})`);
  const r = ctx.rows;
  const c = ctx.cols;
  if (r !== undefined && c !== undefined) {
    const flat = rows.length === 1 || rows.every((x) => x.length === 1);
    if ((rows.length !== r || rows.some((x) => x.length !== c)) && flat && count === r * c) {
      const all = rows.flat();
      rows = Array.from({ length: r }, (_, i) => all.slice(i * c, (i + 1) * c));
      if (r > 1) notes.push(`read the ${count} numbers row by row as a ${r}×${c} matrix`);
    }
  }
  const width = rows[0]?.length ?? 0;
  const ragged = rows.findIndex((x) => x.length !== width);
  if (ragged >= 0) throw new GradeInputError(`row ${ragged + 1} has ${rows[ragged]!.length} ${rows[ragged]!.length === 1 ? 'entry' : 'entries'} but row 1 has ${width}`);
  if (r !== undefined && c !== undefined && (rows.length !== r || width !== c))
    throw new GradeInputError(`expected a ${r}×${c} matrix (${countText(r, 'row')} of ${c}); got ${rows.length}×${width}`);
  return rows.map((row, i) =>
    row.map((e, j) => {
      try {
        return parseNumber(e);
      } catch (err) {
        throw entryError(err, `row ${i + 1}, column ${j + 1}`);
      }
    }),
  );
}

const BATCH_WORDS = /^(none|null|nil|\?|_|-1|-|batch|batch_size|bs|n|b|\*)$/i;

function parseShape(text: string, ctx: ParseContext, notes: string[]): (number | null)[] {
  let t = stripCall(text.trim());
  for (let k = 0; k < 2; k++) t = unwrap(t) ?? t;
  if (/[[\](){}]/.test(t)) throw new GradeInputError('expected one shape like (245, 32), not nested brackets');
  // "245 x 32", "245x32", "245×32", "245*32": an x between two dimensions separates them.
  const tokens = t
    .split(/[\s,;×*]+/)
    .filter((x) => x !== '' && x !== 'x' && x !== 'X')
    .flatMap((x) => (/^(?:\d+|none|null|\?)(?:[xX](?:\d+|none|null|\?))+$/i.test(x) ? x.split(/[xX]/) : [x]));
  if (tokens.length > 64) throw new GradeInputError('too many dimensions');
  const dims: (number | null)[] = tokens.map((tok) => {
    if (BATCH_WORDS.test(tok)) return null;
    if (/^\d+$/.test(tok)) {
      const n = Number(tok);
      if (n > MAX_DIM) throw new GradeInputError(`dimension ${tok.length > 15 ? `${tok.slice(0, 12)}…` : tok} is too large`);
      return n;
    }
    if (/^\d*\.\d+$|^\d+\.\d*$/.test(tok)) throw new GradeInputError(`dimension "${tok}" is not a whole number`);
    if (/^-\d/.test(tok)) throw new GradeInputError(`dimension "${tok.slice(0, 12)}" is negative`);
    throw new GradeInputError(`"${tok.length > 16 ? `${tok.slice(0, 16)}…` : tok}" is not a dimension (write whole numbers, and None for the batch dimension)`);
  });
  if (dims.length === 0) throw new GradeInputError('no dimensions given');
  const rank = ctx.rank;
  if (rank === undefined) return dims;
  if (ctx.batch && dims.length === rank - 1 && dims.every((d) => d !== null)) {
    notes.push('the batch dimension (None) was left out; it is not graded');
    return [null, ...dims];
  }
  if (!ctx.batch && dims.length === rank + 1 && dims[0] === null) {
    notes.push('ignored the leading batch dimension; this question asks for the shape without it');
    return dims.slice(1);
  }
  if (dims.length !== rank) {
    const example = shapeExample(rank, !!ctx.batch);
    const alt = ctx.batch ? ` (or ${rank - 1} without the batch dimension)` : '';
    throw new GradeInputError(`expected a shape like ${example}; got ${countText(dims.length)} where ${rank}${alt} ${rank === 1 ? 'is' : 'are'} needed`);
  }
  return dims;
}

function shapeExample(rank: number, batch: boolean): string {
  const sample = [245, 32, 16, 8, 4, 2, 1];
  const dims = batch ? ['None', ...sample.slice(0, Math.max(0, rank - 1)).map(String)] : sample.slice(0, rank).map(String);
  return `(${dims.join(', ')}${rank === 1 ? ',' : ''})`;
}

const simple = (s: string) => normaliseText(s).toLowerCase().replace(/\s+/g, ' ').replace(/[.!]$/, '').trim();

function letterRange(options: readonly string[]): string {
  return options.length > 2 && options.every((o) => /^[A-Z]$/.test(o)) ? `${options[0]}–${options[options.length - 1]}` : options.join(', ');
}

function parseChoice(text: string, ctx: ParseContext): string {
  const options = ctx.options ?? [];
  if (options.length === 0) throw new GradeInputError('this question has no options to choose from');
  const t = text.trim().replace(/^(?:the\s+)?(?:option|answer|choice|ans|alternative)\s*[:.=-]?\s*/i, '').trim();
  if (options.every((o) => /^[A-Za-z]$/.test(o))) {
    const letter = (s: string) => options.find((o) => o.toUpperCase() === s.toUpperCase());
    // "B", "b", "(B)", "[B]", "B)", "B.", "B) the option text"
    const bare = (unwrap(t) ?? t).trim();
    const m = /^([A-Za-z])$/.exec(bare) ?? /^\(?([A-Za-z])\s*[).:\]](?:\s+.*)?$/s.exec(t);
    if (m) {
      const hit = letter(m[1]!);
      if (hit) return hit;
      throw new GradeInputError(`"${m[1]!.toUpperCase()}" is not one of the options ${letterRange(options)}`);
    }
    if (/^[A-Za-z](?:(?:\s*[,;&/]\s*|\s+(?:and|or)\s+|\s+)[A-Za-z])+$/i.test(bare) || (/^[A-Za-z]{2,4}$/.test(bare) && [...bare].every((c) => letter(c))))
      throw new GradeInputError(`choose one option (${letterRange(options)})`);
    const texts = ctx.optionTexts ?? [];
    const byText = texts.findIndex((o) => simple(o) === simple(t));
    if (byText >= 0 && options[byText]) return options[byText];
    const byValue = numericMatch(t, texts);
    if (byValue >= 0 && options[byValue]) return options[byValue];
    throw new GradeInputError(`expected one of the options ${letterRange(options)}`);
  }
  const direct = options.find((o) => simple(o) === simple(t));
  if (direct) return direct;
  const byValue = numericMatch(t, options);
  if (byValue >= 0) return options[byValue]!;
  const pm = options.map((o) => simple(o));
  if (pm.length === 2 && pm.includes('+1') && pm.includes('-1')) {
    if (/^(\+|pos|positive|positive class|plus|class \+1)$/i.test(simple(t))) return options[pm.indexOf('+1')]!;
    if (/^(-|neg|negative|negative class|minus|class -1)$/i.test(simple(t))) return options[pm.indexOf('-1')]!;
  }
  throw new GradeInputError(`expected one of: ${options.join(', ')}`);
}

/** Index of the only option whose text is the same number as t ("2,890" = "2890", "1" = "+1"), or -1. */
function numericMatch(t: string, texts: readonly string[]): number {
  const read = (s: string): Num | undefined => {
    try {
      const n = normaliseText(s);
      return n.length > 200 ? undefined : parseScalar(n, {}, []);
    } catch {
      return undefined;
    }
  };
  const v = read(t);
  if (!v?.exact) return -1;
  const hits = texts.map((o, i) => ({ w: read(o), i })).filter(({ w }) => w?.exact && realEquals(w.exact, v.exact!));
  return hits.length === 1 ? hits[0]!.i : -1;
}

const EMPTY_SET = /^(?:\{\s*\}|\[\s*\]|\(\s*\)|∅|ø|none|empty|the empty set|empty set|no outliers?|nothing|no points|no values|no support vectors|no one|nil|null)$/i;

function isEmptySet(t: string): boolean {
  const s = t.replace(/\s*\(\s*(?:none|empty)\s*\)\s*$/i, '').trim();
  return EMPTY_SET.test(s);
}

/** Words around labels that carry nothing: "points A and D", "the support vectors are C, E". */
const LABEL_FILLER = /^(?:points?|the|are|is|support|vectors?|svs?|only|labels?)$/i;

function parseLabels(text: string, ctx: ParseContext): string[] {
  const options = ctx.options ?? [];
  let t = text.trim();
  if (isEmptySet(t)) return [];
  t = (unwrap(t) ?? t).trim();
  if (/[[\](){}]/.test(t)) throw new GradeInputError('expected labels like A, D');
  const tokens = t
    .replace(/\band\b|&|\+/gi, ',')
    .split(/[\s,;]+/)
    .filter((x) => x !== '' && !LABEL_FILLER.test(x));
  if (tokens.length > MAX_ENTRIES) throw new GradeInputError(`too many labels (at most ${MAX_ENTRIES})`);
  const find = (tok: string) => options.find((o) => o.toLowerCase() === tok.toLowerCase());
  const out = new Set<string>();
  for (const tok of tokens) {
    const hit = find(tok);
    if (hit) {
      out.add(hit);
      continue;
    }
    // "AD" → A, D when every letter is a single-letter label.
    const chars = [...tok];
    if (chars.length > 1 && chars.every((c) => find(c) !== undefined) && options.every((o) => o.length === 1)) {
      for (const c of chars) out.add(find(c)!);
      continue;
    }
    const shown = tok.length > 12 ? `${tok.slice(0, 12)}…` : tok;
    throw new GradeInputError(options.length ? `"${shown}" is not one of the labels ${letterRange(options)}` : `"${shown}" is not a label`);
  }
  return [...out].sort();
}

function parseSet(text: string): Num[] {
  const t = text.trim();
  if (isEmptySet(t)) return [];
  const inner = unwrap(t);
  if (inner !== undefined && inner.trim() === '') return [];
  return parseList(t.replace(/\band\b|&/gi, ','), 'set');
}

// ---------- the entry point ----------

function parseKind(text: string, kind: AnswerKind, ctx: ParseContext, notes: string[]): Parsed {
  switch (kind) {
    case 'scalar':
      return { kind, value: parseScalar(text, ctx, notes) };
    case 'vector':
      return { kind, value: parseVector(text, ctx) };
    case 'set':
      return { kind, value: parseSet(text) };
    case 'matrix':
      return { kind, value: parseMatrix(text, ctx, notes) };
    case 'shape':
      return { kind, value: parseShape(text, ctx, notes) };
    case 'choice':
      return { kind, value: parseChoice(text, ctx) };
    case 'labels':
      return { kind, value: parseLabels(text, ctx) };
    default:
      throw new GradeInputError(`unknown answer kind "${String(kind)}"`);
  }
}

const allExact = (p: Parsed): boolean => {
  switch (p.kind) {
    case 'scalar':
      return !!p.value.exact && p.value.places === null;
    case 'vector':
    case 'set':
      return p.value.every((v) => !!v.exact && v.places === null);
    case 'matrix':
      return p.value.every((r) => r.every((v) => !!v.exact && v.places === null));
    default:
      return true;
  }
};

/** Reads what a student typed into one answer box. Never throws. */
export function parseAnswer(text: string, kind: AnswerKind, ctx: ParseContext = {}): ParseResult {
  try {
    if (typeof text !== 'string') return { ok: false, error: 'the answer must be text' };
    if (text.length > MAX_INPUT_LENGTH) return { ok: false, error: `this answer is too long (${text.length} characters; at most ${MAX_INPUT_LENGTH})` };
    if (fastPaths && kind === 'scalar') {
      // "42", "-0.25", "7/4": nothing to normalise, no separators, units or percent sign, one side,
      // so the general path below would read exactly this number, with no notes.
      const v = evaluateSimple(text);
      if (v) return { ok: true, blank: false, value: { kind, value: v }, notes: [] };
    }
    const t = normaliseText(text);
    if (t === '') return { ok: true, blank: true };
    if (kind !== 'choice' && kind !== 'labels') checkBalanced(t);
    const numeric = kind === 'scalar' || kind === 'vector' || kind === 'matrix' || kind === 'set';
    const sides = numeric ? t.split('≈').map((s) => s.trim()) : kind === 'shape' ? [t.replace(/≈/g, ' ').trim()] : [t];
    if (sides.length > 3) return { ok: false, error: 'too many "≈" signs' };
    const present = sides.filter((s) => s !== '');
    if (present.length === 0) return { ok: true, blank: true };
    // "exact ≈ decimal": the exact side when it evaluates exactly, else the last side that reads.
    let firstError: string | undefined;
    const readings: { value: Parsed; notes: string[] }[] = [];
    for (const side of present) {
      const notes: string[] = [];
      try {
        readings.push({ value: parseKind(side, kind, ctx, notes), notes });
      } catch (e) {
        if (!(e instanceof GradeInputError)) throw e;
        firstError ??= e.message;
      }
    }
    if (readings.length === 0) return { ok: false, error: firstError! };
    const chosen = allExact(readings[0]!.value) ? readings[0]! : readings[readings.length - 1]!;
    return { ok: true, blank: false, value: chosen.value, notes: chosen.notes };
  } catch (e) {
    if (e instanceof GradeInputError) return { ok: false, error: e.message };
    if (e instanceof RangeError) return { ok: false, error: 'this answer is too complex to read' };
    return { ok: false, error: 'could not read this answer' };
  }
}

/** The reading context of one exam part: options, dimensions, percent and decimal-comma rules. */
export function contextForPart(part: Pick<PartJson, 'answer' | 'decimals' | 'tolerance'>, extra: { optionTexts?: readonly string[]; percent?: boolean } = {}): ParseContext {
  const a = part.answer;
  const ctx: ParseContext = {};
  switch (a.kind) {
    case 'choice':
    case 'labels':
      ctx.options = a.options;
      if (extra.optionTexts) ctx.optionTexts = extra.optionTexts;
      break;
    case 'shape':
      ctx.rank = a.value.length;
      ctx.batch = a.value[0] === null;
      break;
    case 'vector':
      ctx.length = a.exact.length;
      break;
    case 'matrix':
      ctx.rows = a.exact.length;
      ctx.cols = a.exact[0]?.length ?? 0;
      break;
    case 'scalar':
      if (part.decimals !== undefined) ctx.decimalComma = true;
      if (extra.percent) ctx.percent = true;
      break;
    default:
      break;
  }
  return ctx;
}

/** What the grader read, as canonical text ("(None, 50, 50, 8)", "7/4", "0.25", "{A, D}"). */
export function formatParsed(p: Parsed): string {
  switch (p.kind) {
    case 'scalar':
      return formatNum(p.value);
    case 'vector':
      return `[${p.value.map(formatNum).join(', ')}]`;
    case 'set':
      return p.value.length === 0 ? '{} (none)' : `{${p.value.map(formatNum).join(', ')}}`;
    case 'matrix':
      return `[${p.value.map((r) => `[${r.map(formatNum).join(', ')}]`).join(', ')}]`;
    case 'shape':
      return `(${p.value.map((d) => (d === null ? 'None' : String(d))).join(', ')}${p.value.length === 1 ? ',' : ''})`;
    case 'choice':
      return p.value;
    case 'labels':
      return p.value.length === 0 ? '{} (none)' : `{${p.value.join(', ')}}`;
  }
}
