/**
 * Wrapped text measured once per process: where pdfkit breaks a string into lines depends only on
 * the font, the size, the width and the string, yet `heightOfString` and `text` ran pdfkit's line
 * wrapper (line-break opportunities, a width per word) again for every measurement, every drawing
 * and every document. Here the wrapper runs once per distinct (font, size, width, string); drawing
 * writes each remembered line with pdfkit's own line writer, exactly as `doc.text` writes it.
 */
import { Memo, MemoGroup } from './cache.js';

/**
 * pdfkit 0.20's text internals this module uses (js/pdfkit.js, TextMixin): `_text` runs the line
 * wrapper and calls `lineCallback(line, options)` for every line, `options.textWidth` and
 * `options.wordCount` describing that line; `_fragment` writes one line at (x, y) — what
 * `doc.text` calls for each line of a wrapped string.
 */
interface PdfkitText {
  x: number;
  y: number;
  page: { maxY(): number };
  _font: { name: string } | null;
  _fontSize: number;
  _text(text: string, x: number | undefined, y: number | undefined, options: object, lineCallback: (line: string, options: LineOptions) => void): unknown;
  _fragment(text: string, x: number, y: number, options: object): void;
}

interface LineOptions {
  textWidth: number;
  wordCount: number;
}

interface Line {
  text: string;
  textWidth: number;
  wordCount: number;
}

export interface WrapOptions {
  width: number;
  lineGap?: number;
  align?: 'left' | 'center' | 'right';
}

/** doc.text options this module draws itself; `ellipsis` and `lineBreak` only matter with a `height`. */
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

/** Wrapped strings per generation, all fonts, sizes and widths together (see cache.ts). */
const WRAPPED = new MemoGroup(4000);
/** Font name and size → width → string → lines (the string itself is the key, so V8 hashes it once). */
const cache = new Map<string, Map<number, Memo<string, Line[]>>>();

/** The lines pdfkit's wrapper makes of `s` in the current font and size at `width`. */
function wrap(doc: PDFKit.PDFDocument, s: string, width: number): Line[] {
  const d = internal(doc);
  const font = `${d._font!.name} ${d._fontSize}`;
  let byWidth = cache.get(font);
  if (byWidth === undefined) cache.set(font, (byWidth = new Map()));
  let byText = byWidth.get(width);
  if (byText === undefined) byWidth.set(width, (byText = new Memo(WRAPPED)));
  let lines = byText.get(s);
  if (lines === undefined) {
    const out: Line[] = [];
    const { x, y } = d;
    // As heightOfString does: no height limit, so the wrapper never starts a new page.
    d._text(s, x, y, { width, height: Infinity }, (text, o) => out.push({ text, textWidth: o.textWidth, wordCount: o.wordCount }));
    d.x = x;
    d.y = y;
    lines = byText.set(s, out);
  }
  return lines;
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
 * `doc.text(s, x, y, { width, lineGap, align })` in the current font, size and colour: the same
 * content-stream operators. Falls back to `doc.text` where pdfkit would start a new page or cut
 * the text at a height.
 */
export function drawText(doc: PDFKit.PDFDocument, s: string, x: number, y: number, o: DrawOptions): void {
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
  let cy = y;
  for (const line of lines) {
    d._fragment(line.text, x, cy, { width: o.width, lineWidth: o.width, align, textWidth: line.textWidth, wordCount: line.wordCount });
    cy += step;
  }
  d.x = x;
  d.y = cy;
}
