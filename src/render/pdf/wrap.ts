/**
 * pdfkit 0.20.2's LineWrapper (js/pdfkit.js, class LineWrapper: eachWord, wrap, canFit, wordWidth)
 * without its machinery, for the one way dlexam runs it: `_text(s, x, y, { width, height: Infinity })`
 * with no indent, columns, characterSpacing, wordSpacing, ellipsis, continued text or scaling. The
 * lines (text, textWidth, wordCount) are pdfkit's to the bit; what is gone is the cost around them —
 * an EventEmitter with `firstLine`/`lastLine`/`line` listeners added and removed per line, an
 * options object and closures per call, a fresh per-call word-width object — and the same word is
 * measured once per process instead of once per string.
 *
 * What stays pdfkit's: the break opportunities (the `linebreak` package's LineBreaker, UAX #14, the
 * one pdfkit uses) and every number — the word widths are the ones LineWrapper.wordWidth computes
 * (the caller's `wordWidth`, see lines.ts), and they are added and subtracted in pdfkit's order.
 *
 * With those options the listeners pdfkit runs change nothing that reaches the lines: `firstLine`
 * adds and later removes an indent of 0 (the line width is unchanged), `lastLine` adds a paragraph
 * gap of 0, the height limit (PDFNumber(y + Infinity)) is never reached, so there is never an
 * ellipsis, a column or a page break, and wordSpacing is 0 (the constructor's
 * `(options.wordSpacing === 0) * …` is 0 when it is undefined). What remains is below, statement for
 * statement in pdfkit's order, including its quirks (kept on purpose: the lines must be pdfkit's):
 * - a word wider than the whole line is cut into pieces by characters: first guess
 *   `Math.ceil(spaceLeft / (w / word.length))` characters, then grow or shrink one at a time; a
 *   piece that ends up empty on an empty line takes one character anyway, with the width measured
 *   for the empty piece (0);
 * - a required break (after a newline) whose word does not fit ends the line before the word and
 *   puts the word on a line of its own;
 * - a line ending in a soft hyphen (U+00AD) shows a hyphen instead; a word ending in one fits only
 *   if a hyphen fits after it — and a word that ends in one, does not fit and is followed by a
 *   required break is dropped (pdfkit does so);
 * - trailing spaces stay in the line text and its width (the break is after the space);
 * - an empty string has no lines.
 */
import LineBreaker from 'linebreak';

export interface Line {
  text: string;
  textWidth: number;
  wordCount: number;
}

/** What measures a word for the wrapper: LineWrapper.wordWidth's value for the current font and size. */
export interface WordWidth {
  wordWidth(word: string): number;
}

const SOFT_HYPHEN = 0xad;
const HYPHEN = '-';

const fArray = new Float32Array(1);
const uArray = new Uint32Array(fArray.buffer);

/**
 * pdfkit's PDFNumber (js/pdfkit.js): the float32 nearest `n` that is not above it. LineWrapper rounds
 * every word width with it.
 */
export function float32Below(n: number): number {
  const rounded = Math.fround(n);
  if (rounded <= n) return rounded;
  fArray[0] = n;
  if (n <= 0) uArray[0]! += 1;
  else uArray[0]! -= 1;
  return fArray[0]!;
}

/**
 * The state of one wrap (the LineWrapper's spaceLeft and the `wrap` closure's buffer, textWidth and
 * word count). Wrapping is synchronous and does not nest, so one instance serves every call.
 */
class Fitter {
  lineWidth = 0;
  spaceLeft = 0;
  buffer = '';
  textWidth = 0;
  wc = 0;
  lines: Line[] = [];
  measure: WordWidth = { wordWidth: () => 0 };

  start(lineWidth: number, measure: WordWidth): void {
    this.lineWidth = lineWidth;
    this.spaceLeft = lineWidth;
    this.buffer = '';
    this.textWidth = 0;
    this.wc = 0;
    this.lines = [];
    this.measure = measure;
  }

  /** LineWrapper.canFit. */
  canFit(word: string, w: number): boolean {
    if (word.charCodeAt(word.length - 1) !== SOFT_HYPHEN) return w <= this.spaceLeft;
    return w + this.measure.wordWidth(HYPHEN) <= this.spaceLeft;
  }

  /** wrap's emitLine: `textWidth + wordSpacing * (wc - 1)` with wordSpacing 0, as pdfkit adds it. */
  emit(): void {
    this.lines.push({ text: this.buffer, textWidth: this.textWidth + 0 * (this.wc - 1), wordCount: this.wc });
  }

  /**
   * The callback LineWrapper.wrap hands eachWord, for one word (or piece of a long word) `word` of
   * width `w`; `required`: its break is required; `first`: it starts a line (pdfkit's
   * `last == null || last.required`, when it emits firstLine and resets spaceLeft).
   */
  place(word: string, w: number, required: boolean, first: boolean): void {
    if (first) this.spaceLeft = this.lineWidth;
    // pdfkit calls canFit twice; nothing it reads changes in between.
    const fits = this.canFit(word, w);
    if (fits) {
      this.buffer += word;
      this.textWidth += w;
      this.wc++;
    }
    if (required || !fits) {
      if (required && w > this.spaceLeft) {
        this.emit();
        this.buffer = word;
        this.textWidth = w;
        this.wc = 1;
      }
      // pdfkit also subtracts the hyphen's width from spaceLeft here, which is set anew below
      // before anything reads it.
      if (this.buffer.charCodeAt(this.buffer.length - 1) === SOFT_HYPHEN) this.buffer = this.buffer.slice(0, -1) + HYPHEN;
      this.emit();
      if (required) {
        this.spaceLeft = this.lineWidth;
        this.buffer = '';
        this.textWidth = 0;
        this.wc = 0;
      } else {
        this.spaceLeft = this.lineWidth - w;
        this.buffer = word;
        this.textWidth = w;
        this.wc = 1;
      }
    } else this.spaceLeft -= w;
  }
}

const fitter = new Fitter();

/**
 * The lines pdfkit's `_text(text, x, y, { width, height: Infinity }, cb)` passes to `cb` (the line
 * and options.textWidth, options.wordCount), for `width` > 0; `measure` gives LineWrapper.wordWidth
 * in the current font and size.
 */
export function wrapText(text: string, width: number, measure: WordWidth): Line[] {
  const f = fitter;
  // _initOptions: max(width, 0); LineWrapper: (width × scaling / 100 − columnGap × (columns − 1)) / columns,
  // with scaling 100 and one column (the product and quotient are not always the width itself).
  f.start((Math.max(width, 0) * 100) / 100, measure);
  const breaker = new LineBreaker(text);
  let lastPosition = 0;
  let lastRequired = true; // no previous break: the first word starts a line
  // A `var` in pdfkit's loop, so it keeps its value between pieces (always false when read anew).
  let mightGrow = false;
  for (let bk = breaker.nextBreak(); bk !== null; bk = breaker.nextBreak()) {
    let word = text.slice(lastPosition, bk.position);
    let w = measure.wordWidth(word);
    if (w > f.lineWidth + 0) {
      // eachWord's long-word loop: pieces of the word, each on the line it fits (continuedX is 0).
      let first = lastRequired;
      while (word.length) {
        let l: number;
        if (w > f.spaceLeft) {
          l = Math.ceil(f.spaceLeft / (w / word.length));
          w = measure.wordWidth(word.slice(0, l));
          mightGrow = w <= f.spaceLeft && l < word.length;
        } else l = word.length;
        let mustShrink = w > f.spaceLeft && l > 0;
        while (mustShrink || mightGrow) {
          if (mustShrink) {
            w = measure.wordWidth(word.slice(0, --l));
            mustShrink = w > f.spaceLeft && l > 0;
          } else {
            w = measure.wordWidth(word.slice(0, ++l));
            mustShrink = w > f.spaceLeft && l > 0;
            mightGrow = w <= f.spaceLeft && l < word.length;
          }
        }
        if (l === 0 && f.spaceLeft === f.lineWidth) l = 1;
        f.place(word.slice(0, l), w, bk.required || l < word.length, first);
        first = false; // pdfkit's `lbk = { required: false }`
        word = word.slice(l);
        w = measure.wordWidth(word);
      }
    } else f.place(word, w, bk.required, lastRequired);
    lastPosition = bk.position;
    lastRequired = bk.required;
  }
  if (f.wc > 0) f.emit();
  const lines = f.lines;
  f.lines = [];
  return lines;
}
