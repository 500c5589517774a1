/**
 * Wrapped text measured once per process: where pdfkit breaks a string into lines depends only on
 * the font, the size, the width and the string, yet `heightOfString` and `text` ran pdfkit's line
 * wrapper (line-break opportunities, a width per word) again for every measurement, every drawing
 * and every document. Here the lines of each distinct (font, size, width, string) are computed once
 * — by wrap.ts, pdfkit's LineWrapper without its event machinery, or by pdfkit itself where that
 * does not apply — and drawing writes each remembered line as pdfkit's line writer (`_fragment`)
 * writes it, exactly as `doc.text` writes it, but in one piece per line (writeLine), or with
 * `_fragment` itself.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ascii } from './ascii.js';
import { PageContent } from './content.js';
import { Memo, MemoGroup } from '../../core/memo.js';
import { fontUse, pdfNumber, type FontUse, type LineRuns } from './fonts.js';
import { float32Below, wrapText, type Line as WrappedLine, type WordWidth } from './wrap.js';

/**
 * pdfkit 0.20's text internals this module uses (js/pdfkit.js, TextMixin): `_text` runs the line
 * wrapper and calls `lineCallback(line, options)` for every line, `options.textWidth` and
 * `options.wordCount` describing that line; `_fragment` writes one line at (x, y) — what
 * `doc.text` calls for each line of a wrapped string. `_wrapper` and `_textOptions` are set between
 * the parts of a `continued` text (the next part reuses that wrapper and inherits those options).
 * What `_fragment` uses (VectorMixin, PDFPage, PDFFont): the current transformation matrix `_ctm`
 * and the stack `save()` pushes it on, `addContent` (appends an operator to the page's content
 * stream), the page's font resources and the font's resource name `id`, `ascender` (1/1000 em) and
 * `ref()`.
 */
interface PdfkitText {
  x: number;
  y: number;
  page: { maxY(): number; height: number; fonts: Record<string, unknown> };
  _font: { name: string; id: string; ascender: number; ref(): unknown } | null;
  _fontSize: number;
  _wrapper: unknown;
  _textOptions: unknown;
  _ctm: number[];
  _ctmStack: number[][];
  addContent(s: string): unknown;
  transform: unknown;
  _text(text: string, x: number | undefined, y: number | undefined, options: object, lineCallback: (line: string, options: LineOptions) => void): unknown;
  _fragment(text: string, x: number, y: number, options: object): void;
  widthOfString(text: string, options: object): number;
}

interface LineOptions {
  textWidth: number;
  wordCount: number;
}

/** A wrapped line (wrap.ts) and what drawing it needs once measured. */
interface Line extends WrappedLine {
  /** Its width without trailing white space (where align: 'right' puts it), once measured. */
  trimmedWidth?: number;
  /** Its words' runs in its font, once written (null: pdfkit's `_fragment` writes it). */
  runs?: LineRuns | null;
  /** Its TJ operator (and line break) once written, when it shows stable glyphs only: the same bytes in every document (see FontUse.showRuns). */
  shown?: Uint8Array;
}

export interface WrapOptions {
  width: number;
  lineGap?: number;
  align?: 'left' | 'center' | 'right';
}

/**
 * doc.text options this module draws itself. `lineBreak: false` with `ellipsis: true` keeps the text
 * on one line, cut to the width with "…" (fitLine); pdfkit itself wraps any text given a width, even
 * with `lineBreak: false`, and applies `ellipsis` only with a `height`.
 */
export interface DrawOptions extends WrapOptions {
  lineBreak?: boolean;
  ellipsis?: boolean | string;
  height?: number;
}

const internal = (doc: PDFKit.PDFDocument) => doc as unknown as PdfkitText;

/** True when this pdfkit has the internals above; otherwise everything goes through `doc.text`. */
function supported(doc: PDFKit.PDFDocument): boolean {
  const d = internal(doc);
  return typeof d._text === 'function' && typeof d._fragment === 'function' && d._font != null;
}

/** The installed pdfkit's version (wrap.ts reproduces 0.20.2's LineWrapper), or undefined. */
function pdfkitVersion(): string | undefined {
  try {
    const main = createRequire(import.meta.url).resolve('pdfkit'); // …/pdfkit/js/pdfkit.js
    return (JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Wrapped strings per generation, all fonts, sizes and widths together (see src/core/memo.ts). */
const WRAPPED = new MemoGroup(4000);
/** Measured words per generation, all fonts and sizes together. */
const WIDTHS = new MemoGroup(8000);

/**
 * The options LineWrapper.wordWidth hands `doc.widthOfString(word, this)` — the wrapper itself,
 * of which widthOfString reads horizontalScaling (100), characterSpacing (0) and features (none).
 */
const WRAPPER = { horizontalScaling: 100, characterSpacing: 0, wordSpacing: 0, features: undefined };

/**
 * LineWrapper.wordWidth in one font and size, `PDFNumber(doc.widthOfString(word, wrapper) +
 * characterSpacing + wordSpacing)` with both spacings 0, remembered per word: the width is a function
 * of the font, the size and the word (pdfkit remembers it only within one string).
 */
class WordWidths implements WordWidth {
  /** The document being measured, only while wrap() runs (not kept after it). */
  doc: PdfkitText | undefined;
  private readonly memo = new Memo<string, number>(WIDTHS);

  wordWidth(word: string): number {
    let w = this.memo.get(word);
    if (w === undefined) w = this.memo.set(word, float32Below(this.doc!.widthOfString(word, WRAPPER) + 0 + 0));
    return w;
  }
}

/** One font and size: its word widths and its wrapped strings by width (the string itself is the key, so V8 hashes it once). */
interface Sized {
  widths: WordWidths;
  byWidth: Map<number, Memo<string, Line[]>>;
  /** fitLine's results by width (a footer's or a table cell's text, cut the same way on every page). */
  fitted?: Map<number, Memo<string, string>>;
  /** Labels (drawLabel: one line, no width), kept as wrapped lines are (their runs and TJ bytes). */
  labels?: Memo<string, Line>;
}

/** Font name → size → widths and lines. */
const cache = new Map<string, Map<number, Sized>>();

function sized(d: PdfkitText): Sized {
  let bySize = cache.get(d._font!.name);
  if (bySize === undefined) cache.set(d._font!.name, (bySize = new Map()));
  let s = bySize.get(d._fontSize);
  if (s === undefined) bySize.set(d._fontSize, (s = { widths: new WordWidths(), byWidth: new Map() }));
  return s;
}

/** The lines of pdfkit's own wrapper: `_text` as heightOfString runs it (no height limit, so it never starts a new page). */
function pdfkitLines(d: PdfkitText, s: string, width: number): Line[] {
  const out: Line[] = [];
  const { x, y } = d;
  d._text(s, x, y, { width, height: Infinity }, (text, o) => out.push({ text, textWidth: o.textWidth, wordCount: o.wordCount }));
  d.x = x;
  d.y = y;
  return out;
}

/** Strings the first wrap of a process compares (wrap.ts against pdfkit) before wrap.ts is trusted. */
const PROBES = ['Lorem ipsum dolor sit amet, consectetur adipiscing elit.  ', 'σ(x) = 1/(1 + e^−x) ≥ 0.5\nnext', 'Supercalifragilisticexpialidocious', 'hy\u00ADphen\u00ADated word\u00AD', ''];

/** Whether wrap.ts may replace pdfkit's wrapper: decided once (undefined: not yet). */
let trusted: boolean | undefined;

function ours(d: PdfkitText, widths: WordWidths, s: string, width: number): Line[] {
  widths.doc = d;
  try {
    return wrapText(s, width, widths);
  } finally {
    widths.doc = undefined;
  }
}

/**
 * wrap.ts applies: pdfkit 0.20.2 (its LineWrapper is the one reproduced), a positive width (with
 * none, `_text` splits at newlines instead of wrapping), no `continued` text in progress (its
 * wrapper and options would carry over), and — checked once per process — the same lines as
 * pdfkit's for a few probe strings and widths.
 */
function usable(d: PdfkitText, widths: WordWidths, width: number): boolean {
  if (!(width > 0) || d._wrapper != null || d._textOptions != null || typeof d.widthOfString !== 'function') return false;
  if (trusted === undefined) {
    trusted = pdfkitVersion() === '0.20.2';
    for (const p of PROBES)
      for (const w of [width, 30, 3])
        if (trusted && JSON.stringify(ours(d, widths, p, w)) !== JSON.stringify(pdfkitLines(d, p, w))) trusted = false;
  }
  return trusted;
}

/** The lines pdfkit's wrapper makes of `s` in the current font and size at `width`. */
function wrap(doc: PDFKit.PDFDocument, s: string, width: number): Line[] {
  const d = internal(doc);
  const at = sized(d);
  let byText = at.byWidth.get(width);
  if (byText === undefined) at.byWidth.set(width, (byText = new Memo(WRAPPED)));
  let lines = byText.get(s);
  if (lines === undefined) {
    recorder?.(doc, s, width);
    lines = byText.set(s, usable(d, at.widths, width) ? ours(d, at.widths, s, width) : pdfkitLines(d, s, width));
  }
  return lines;
}

/** Tests: called with every string wrapped (not found in the memo), in the font and size it is wrapped in. */
let recorder: ((doc: PDFKit.PDFDocument, s: string, width: number) => void) | undefined;

export function recordWrapsForTest(f: typeof recorder): void {
  recorder = f;
}

/**
 * Tests: the lines of `s` at `width` in the document's current font and size from wrap.ts (null
 * where it does not apply, see usable()) and from pdfkit's `_text`.
 */
export function wrapForTest(doc: PDFKit.PDFDocument, s: string, width: number): { ours: Line[] | null; pdfkit: Line[] } {
  const d = internal(doc);
  const at = sized(d);
  return { ours: usable(d, at.widths, width) ? ours(d, at.widths, s, width) : null, pdfkit: pdfkitLines(d, s, width) };
}

/** `doc.heightOfString(s, { width, lineGap })` in the current font and size. */
export function heightOfText(doc: PDFKit.PDFDocument, s: string, o: WrapOptions): number {
  if (!supported(doc)) return doc.heightOfString(s, o);
  const lines = wrap(doc, s, o.width);
  const step = doc.currentLineHeight(true) + (o.lineGap ?? 0);
  let h = 0;
  for (let i = 0; i < lines.length; i++) h += step;
  return h;
}

/**
 * The longest start of `s` that fits on one line of `width` in the document's current font and size,
 * ending in "…" when cut ('' when not even that fits).
 */
export function fitLine(doc: PDFKit.PDFDocument, s: string, width: number): string {
  if (doc.widthOfString(s) <= width) return s;
  const chars = Array.from(s); // never cut between the two halves of a surrogate pair
  const cut = (k: number) => `${chars.slice(0, k).join('').trimEnd()}…`;
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (doc.widthOfString(cut(mid)) <= width) lo = mid;
    else hi = mid - 1;
  }
  return doc.widthOfString(cut(lo)) <= width ? cut(lo) : '';
}

/** Cut texts per generation, all fonts, sizes and widths together (see src/core/memo.ts). */
const FITTED = new MemoGroup(1000);

/** fitLine, remembered per font, size and width: it measures a dozen cuts of the text. */
function fitLineOnce(doc: PDFKit.PDFDocument, s: string, width: number): string {
  const at = sized(internal(doc));
  at.fitted ??= new Map();
  let memo = at.fitted.get(width);
  if (memo === undefined) at.fitted.set(width, (memo = new Memo(FITTED)));
  return memo.get(s) ?? memo.set(s, fitLine(doc, s, width));
}

/**
 * `doc.text(s, x, y, { width, lineGap, align })` in the current font, size and colour: the same
 * content-stream operators. Falls back to `doc.text` where pdfkit would start a new page or cut
 * the text at a height.
 */
export function drawText(doc: PDFKit.PDFDocument, s: string, x: number, y: number, o: DrawOptions): void {
  if (o.lineBreak === false && o.ellipsis === true && o.height == null) s = supported(doc) ? fitLineOnce(doc, s, o.width) : fitLine(doc, s, o.width);
  if (!supported(doc) || o.height != null) {
    doc.text(s, x, y, o);
    return;
  }
  const d = internal(doc);
  const lines = wrap(doc, s, o.width);
  const lineHeight = doc.currentLineHeight(true);
  const step = lineHeight + (o.lineGap ?? 0);
  // pdfkit's wrapper moves to a new page when a line would start below the bottom margin; leave
  // such (rare) cases to it.
  const lastTop = y + step * Math.max(0, lines.length - 1);
  if (lastTop + lineHeight > d.page.maxY() - 0.01 || s.includes('\n')) {
    doc.text(s, x, y, o);
    return;
  }
  const align = o.align ?? 'left';
  const use = fastLines(doc, align) ? fontUse(d._font) : undefined;
  let cy = y;
  for (const line of lines) {
    if (use === undefined || !writeLine(d, use, line, x, cy, o.width, align))
      d._fragment(line.text, x, cy, { width: o.width, lineWidth: o.width, align, textWidth: line.textWidth, wordCount: line.wordCount });
    cy += step;
  }
  d.x = x;
  d.y = cy;
}

/** Labels per generation, all fonts and sizes together (see src/core/memo.ts). */
const LABELS = new MemoGroup(2000);

/**
 * `doc.text(s, x, y, { lineBreak: false })` — no width: the text as one line at (x, y), left-aligned
 * (a label, a bracket, a question number) — in the current font, size and colour: the same operators,
 * and pdfkit's x and y after it (x + the text's width, y).
 */
export function drawLabel(doc: PDFKit.PDFDocument, s: string, x: number, y: number): void {
  const d = internal(doc);
  const use = supported(doc) && !s.includes('\n') && d._textOptions == null && fastLines(doc, 'left') ? fontUse(d._font) : undefined;
  if (use !== undefined) {
    const memo = (sized(d).labels ??= new Memo(LABELS));
    const line = memo.get(s) ?? memo.set(s, { text: s, textWidth: 0, wordCount: 0 });
    if (writeLine(d, use, line, x, y, 0, 'left')) {
      d.x = x + doc.widthOfString(s);
      d.y = y;
      return;
    }
  }
  doc.text(s, x, y, { lineBreak: false });
}

/**
 * pdfkit 0.20.2's `_fragment` and the methods it calls that `writeLine` writes itself (save,
 * restore, transform), by the SHA-256 of their source: writeLine is a copy of what they write, so
 * it is used only with exactly these (any other pdfkit: its own `_fragment` for every line).
 */
const PDFKIT_SOURCES = '159fbf442abd9c8e12c6be8310ee4bd437456773503184202eaaf9b8801ab14a';
const checked = new WeakMap<object, boolean>();

function pdfkitAsExpected(doc: PDFKit.PDFDocument): boolean {
  const proto = Object.getPrototypeOf(doc) as Record<string, unknown>;
  let ok = checked.get(proto);
  if (ok === undefined) {
    const methods = [proto['_fragment'], proto['save'], proto['restore'], proto['transform']];
    ok = methods.every((m) => typeof m === 'function') && createHash('sha256').update(methods.map(String).join('\n')).digest('hex') === PDFKIT_SOURCES;
    checked.set(proto, ok);
  }
  const d = internal(doc);
  // The document's own _fragment and transform (its save and restore may be wrapped: layout.ts
  // counts their depth, which a q … Q pair leaves as it was).
  return ok && d._fragment === proto['_fragment'] && d.transform === proto['transform'] && Array.isArray(d._ctm) && Array.isArray(d._ctmStack);
}

/** Whether writeLine may write this drawing's lines (else pdfkit's `_fragment` writes them). */
function fastLines(doc: PDFKit.PDFDocument, align: string): boolean {
  return (align === 'left' || align === 'center' || align === 'right') && pdfkitAsExpected(doc);
}

/** widthOfString options without spacing, scaling or features (what it reads of _fragment's options). */
const NO_SPACING = Object.freeze({});
/** The line being written (its operators in one piece: see Ascii). */
const out = new Ascii();
/** Tm's x as text for the last x seen (most lines start at the same x as the line before). */
let lastX = NaN;
let lastXText: string | undefined;
/** `transform(1, 0, 0, -1, 0, h)`'s operator for the last page height seen. */
let cmHeight = NaN;
let cm = '';
/** The Tf operator for the last font and size seen. */
let tfFont = '';
let tfSize = NaN;
let tf = '';

/**
 * `d._fragment(text, x, y, o)` for a line of the wrapper (o.textWidth and o.wordCount given; align
 * left, center or right; no spacing, scaling, features, link, underline, strike, oblique, stroke or
 * baseline), writing the same operators in one piece (bytes handed to the page's content, content.ts):
 *
 *   q                                save(): pushes a copy of the CTM
 *   1 0 0 -1 0 <page height> cm      transform(): flips the y axis (numbers as PDFObject.number)
 *   BT
 *   1 0 0 1 <x> <y> Tm               y = page height − y − ascender / 1000 × size
 *   /<font id> <size> Tf
 *   [<…> n <…> n] TJ                 see Breaks and FontUse.showRuns (fonts.ts)
 *   ET
 *   Q                                restore(): pops the CTM saved by q
 *
 * The CTM and its stack end as they were (restore discards the matrix transform changed), so they
 * are not touched; the font is added to the page's resources as `_fragment` adds it. Returns false,
 * having done nothing, for a line pdfkit writes otherwise (see FontUse.runsOf) or would reject.
 */
function writeLine(d: PdfkitText, use: FontUse, line: Line, x: number, y: number, width: number, align: string): boolean {
  const text = line.text;
  if (text.length === 0) return true; // _fragment writes nothing
  // The options drawText gives _fragment: width and lineWidth = width; the line's textWidth. A
  // line is of one font and size (see wrap), so what depends on its text alone is kept with it.
  if (width) {
    if (align === 'right') x += width - (line.trimmedWidth ??= d.widthOfString(text.replace(/\s+$/, ''), NO_SPACING));
    else if (align === 'center') x += width / 2 - line.textWidth / 2;
  }
  const font = d._font!;
  const size = d._fontSize;
  const page = d.page;
  const height = page.height;
  const dy = (font.ascender / 1000) * size;
  const ty = height - y - dy;
  if (x !== lastX) {
    lastX = x;
    lastXText = pdfNumber(x);
  }
  const sx = lastXText;
  const sy = pdfNumber(ty);
  if (sx === undefined || sy === undefined || !(height > -1e21 && height < 1e21) || !(size > -1e21 && size < 1e21)) return false;
  if (line.runs === undefined) line.runs = use.runsOf(text);
  const runs = line.runs;
  if (runs === null) return false;
  if (height !== cmHeight) {
    cm = `1 0 0 -1 0 ${pdfNumber(height)!} cm`;
    cmHeight = height;
  }
  if (font.id !== tfFont || size !== tfSize) {
    tf = `/${font.id} ${pdfNumber(size)!} Tf`;
    tfFont = font.id;
    tfSize = size;
  }
  if (page.fonts[font.id] == null) page.fonts[font.id] = font.ref();
  out.clear(); // nothing left over from a line that threw half-way
  out.text('q\n');
  out.text(cm);
  out.text('\nBT\n1 0 0 1 ');
  out.text(sx);
  out.text(' ');
  out.text(sy);
  out.text(' Tm\n');
  out.text(tf);
  out.text('\n');
  if (line.shown !== undefined) {
    use.useStable();
    out.append(line.shown);
  } else {
    const from = out.size;
    const shown = use.showRuns(runs, out);
    if (shown !== 'none') out.text('\n');
    if (shown === 'stable') line.shown = new Uint8Array(out.view().subarray(from)); // a copy: the view is of the reused buffer
  }
  out.text('ET\nQ');
  // What addContent does (page.write → content.write), without the string: the page's content
  // takes the bytes as they are.
  const content = PageContent.taken(page);
  if (content) {
    content.addOperator(out.view());
    out.clear();
  } else d.addContent(out.take());
  return true;
}
