/** Embedded open fonts (DejaVu, from the dejavu-fonts-ttf npm package): σ ∂ √ ≥ × ⌊⌋ and subscripts render. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { CODE_ALPHABET } from '../../exam/codes.js';
import type { Ascii } from './ascii.js';
import { Memo, MemoGroup } from '../../core/memo.js';

const require = createRequire(import.meta.url);
const ttf = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

export const FONTS = {
  sans: join(ttf, 'DejaVuSans.ttf'),
  bold: join(ttf, 'DejaVuSans-Bold.ttf'),
  italic: join(ttf, 'DejaVuSans-Oblique.ttf'),
  mono: join(ttf, 'DejaVuSansMono.ttf'),
  monoBold: join(ttf, 'DejaVuSansMono-Bold.ttf'),
} as const;

export type FontName = keyof typeof FONTS;
const NAMES = Object.keys(FONTS) as FontName[];

/**
 * What this module relies on in pdfkit 0.20's EmbeddedFont (js/pdfkit.js, class EmbeddedFont): the
 * document's font object for a registered fontkit font. `layoutRun(word)` shapes one space-delimited
 * word with fontkit and scales the positions to 1/1000 em; `layoutCached` memoises it per document.
 */
interface EmbeddedFont {
  font: unknown;
  scale: number;
  widths: number[];
  unicode: number[][];
  subset: TTFSubset;
  layoutRun(text: string, features?: unknown): Run;
  layoutCached(text: string): Run;
  layout(text: string, features?: unknown, onlyWidth?: boolean): Run;
  encode(text: string, features?: unknown): [string[], Position[]];
  /** Writes the font's objects at doc.end(); its first `document.ref()` is the font file stream. */
  embed(): unknown;
  /** Writes the ToUnicode map (called by embed); its first `document.ref()` is the map's stream. */
  toUnicodeCmap(): unknown;
  document: { ref(data?: object): PdfReference };
}

/** pdfkit's PDFReference (an indirect object; a stream when written to), as far as used here. */
interface PdfReference {
  data: Record<string, unknown>;
  compress: boolean;
  write(chunk: unknown): void;
  end(chunk?: unknown): unknown;
  finalize(): unknown;
}

interface Glyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}
type Position = Record<string, number>;
/** A shaped string: glyphs and their positions in 1/1000 em (pdfkit's EmbeddedFont.layout result). */
interface Run {
  glyphs: Glyph[];
  positions: Position[];
  advanceWidth: number;
}

/**
 * fontkit 2's TTFSubset (dist/module.mjs): `includeGlyph` numbers the glyphs in the order the
 * document first uses them; `encode()` calls `_addGlyph(gid)` for each (components of composite glyphs
 * are included as they are met) and writes the subset font file.
 */
interface TTFSubset {
  font: FontkitFont;
  cff?: unknown;
  /** Font glyph ids in subset order (index = the glyph's number in this document). */
  glyphs: number[];
  encode(): Uint8Array;
  glyf: Uint8Array[];
  loca: { offsets: number[] };
  hmtx: { metrics: { advance: number; bearing: number }[] };
  offset: number;
  includeGlyph(gid: number): number;
  _addGlyph(gid: number): number;
}

interface FontkitFont {
  loca: { offsets: number[] };
  /** Glyph objects by id, made by getGlyph (with the characters of the first layout that met them). */
  _glyphs?: Record<number, unknown>;
  _variationProcessor?: unknown;
  _getTableStream(tag: string): { pos: number; readBuffer(n: number): Uint8Array };
  getGlyph(gid: number): {
    advanceWidth: number;
    _decode(): { numberOfContours: number; components?: { glyphID: number; pos: number }[] } | null;
    _getMetrics(): { leftBearing: number };
  };
}

/** A glyph's entry in a subset font, as fontkit's `_addGlyph` derives it from the font file. */
interface GlyphRecord {
  /** The glyph's bytes in the glyf table (a view of the font file: never written to). */
  data: Uint8Array;
  /** Composite glyph: its components' glyph ids and where each id sits in `data`. */
  components: { glyphID: number; pos: number }[] | null;
  advance: number;
  bearing: number;
}

/** One parsed font per process and the shaping results of its words, shared by every document. */
interface SharedFont {
  font: unknown;
  /** Shaped words (pdfkit shapes a string word by word, each word with its trailing space). */
  runs: Memo<string, WordRun>;
  /** Shaped strings: the words' runs joined, as pdfkit's layout joins them. */
  strings: Memo<string, Run>;
  glyphs: Map<number, GlyphRecord>;
  /** Subset font files by their glyph list (a paper's bold or italic glyphs often repeat exactly). */
  files: Memo<string, Uint8Array>;
  /** The parts of a subset font file that do not depend on the glyphs (null: use fontkit's encoder). */
  template?: SubsetTemplate | null;
  /** Characters whose words are shaped by joining their own runs (see simpleCharacters; null: none). */
  simple?: Map<number, { glyph: Glyph; position: Position }> | null;
  /** The glyphs every document's subset of this font starts with (see STABLE), made on first use. */
  stable?: Glyph[];
}

/** pdfkit's toHex: the low 16 bits of `n` as four lower-case hex digits (a glyph code, a UTF-16 code unit). */
const hex4 = (n: number) => `0000${n.toString(16)}`.slice(-4);

const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const LIGATURES = ['ff', 'fi', 'fl', 'ffi', 'ffl'];

/**
 * The characters whose glyphs every document's subset of a font starts with, in this order (then
 * the glyphs the document uses besides them, in first-use order). A subset used to hold only what
 * its document used, in first-use order, so every document embedded a font file of its own, built
 * and deflated again (about a sixth of the time a document took). Documents of an exam draw on
 * nearly the same characters: printable ASCII, the ligatures, and the symbols, Greek letters and
 * sub/superscripts the families write (collected from all families' questions and keys). Starting
 * from them makes the subset — its font file, widths and ToUnicode map — the same in most
 * documents, so it is built and deflated once per thread (SharedFont.files, deflatedFiles,
 * deflatedMaps); a document whose text needs another glyph adds it and gets a file of its own, as
 * before. The glyph codes of these characters are then the same in every document too, and so are
 * the bytes of a line of them (lines.ts keeps them). Cost: the glyphs a document does not use (a
 * paper of bench/bench-spec.yaml grew from 72 to 97 kB, its key from 91 to 115 kB).
 */
const STABLE: Record<FontName, readonly string[]> = {
  sans: [...PRINTABLE_ASCII, ...LIGATURES, ...'°±²³·¹½×÷ŷΣαβγδεηθλμσφᵀᵗᵢᵣᵤᵥ–—‖’“”…′₀₁₂₃₄₅₆₇₈₉₊₋ₒₓₕₖₙₛₜ←→⇒∂∇∈−∓∗∘√∞≈≤≥⊙⋆⌈⌉⌊⌋○●☐☑✓ⱼ'],
  bold: [...PRINTABLE_ASCII, ...LIGATURES, ...'°²·×ŷησᵢ—…′₁₂₋ₕₙₜ∂−√≈≤●'],
  italic: [...PRINTABLE_ASCII, ...LIGATURES, ...'§°²·½×Σαβγδελημσᵀᵢᵤ–—‖’“”…′₀₁₂₃₄₅₊₋ₒₓₕₖₙₛₜ←−√∞≈≤≥⌈⌉⌊⌋ⱼ'],
  mono: [...CODE_ALPHABET], // the overview's variant codes
  monoBold: [...CODE_ALPHABET, ...' Variant'], // the code box and the footer's "Variant <code>"
};

/** The font's glyphs for STABLE[name], each once (the first text that shapes to it gives its characters), .notdef left out. */
function stableGlyphs(name: FontName, word: (text: string) => WordRun): Glyph[] {
  const seen = new Set<number>([0]);
  const out: Glyph[] = [];
  for (const t of STABLE[name])
    for (const g of word(t).glyphs)
      if (!seen.has(g.id)) {
        seen.add(g.id);
        out.push(g);
      }
  return out;
}

// Parsing a 700 kB TrueType file is most of the cost of a small PDF: parse each font once per
// process and hand pdfkit the parsed fontkit object (it accepts any object with layout()).
const parsed = new Map<FontName, SharedFont>();

function shared(name: FontName): SharedFont {
  let f = parsed.get(name);
  if (!f) {
    f = { font: fontkit.create(readFileSync(FONTS[name])), runs: new Memo(WORDS), strings: new Memo(STRINGS), glyphs: new Map(), files: new Memo(FILES) };
    parsed.set(name, f);
  }
  return f;
}

/**
 * Entries per generation, all fonts together (see src/core/memo.ts; at most twice as many are kept).
 * What all documents share — instructions, labels, headers, common words and numbers — stays; a
 * variant's own texts are only needed again by its key right after its paper.
 */
const WORDS = new MemoGroup(6000);
const STRINGS = new MemoGroup(1500);
const FILES = new MemoGroup(24);

/**
 * OpenType shaping (fontkit's layout: GSUB/GPOS lookups per word) was the largest single cost of a
 * page, and pdfkit repeats it in every document; pdfkit then joins the words' runs again for every
 * width it measures and every line it writes. A shaped word or string (glyph ids, advances, offsets,
 * all in 1/1000 em) depends only on the font and the text, so all documents share one cache per
 * font. The runs are never mutated by pdfkit (it copies positions before adding word spacing).
 * What depends on the document — the subset's glyph numbers, the widths and ToUnicode entries — is
 * still built per document, in the same order as pdfkit's own encode(). Clearing a cache cannot
 * change any output: a run is recomputed to the same value.
 */
function shareShaping(ef: EmbeddedFont, f: SharedFont, name: FontName): void {
  const own = { layout: ef.layout, layoutRun: ef.layoutRun, layoutCached: ef.layoutCached, encode: ef.encode };
  if (Object.values(own).some((m) => typeof m !== 'function') || typeof ef.subset?.includeGlyph !== 'function') return; // another pdfkit: its own code
  const { runs, strings } = f;
  // A word's run as a plain object: fontkit's GlyphRun sums its advances on every `advanceWidth` read.
  const word = (text: string): WordRun => {
    let run = runs.get(text);
    if (run === undefined) {
      f.simple ??= simpleCharacters((t) => ef.layoutRun(t));
      run = runs.set(text, (f.simple && joinedRun(text, f.simple)) || plainRun(ef.layoutRun(text)));
    }
    return run;
  };
  /** pdfkit's EmbeddedFont.layout without features: the pieces' runs (see pieceEnd) joined. */
  const shape = (text: string): Run => {
    const glyphs: Glyph[] = [];
    const positions: Position[] = [];
    let advanceWidth = 0;
    for (let at = 0, end = 0; at < text.length; at = end) {
      end = pieceEnd(text, at);
      const run = word(text.slice(at, end));
      for (const g of run.glyphs) glyphs.push(g);
      for (const p of run.positions) positions.push(p);
      advanceWidth += run.advanceWidth;
    }
    return { glyphs, positions, advanceWidth };
  };
  const widthOf = (text: string): number => {
    let advanceWidth = 0;
    for (let at = 0, end = 0; at < text.length; at = end) {
      end = pieceEnd(text, at);
      advanceWidth += word(text.slice(at, end)).advanceWidth;
    }
    return advanceWidth;
  };
  ef.layoutCached = word;
  ef.layout = (text, features, onlyWidth) => {
    if (features) return own.layout.call(ef, text, features, onlyWidth);
    // One piece (no space or tab before its last character): the word's own run, as shape() would
    // return it (same glyphs, positions and width); most measurements are of single words.
    const tab = text.indexOf('\t');
    const space = text.indexOf(' ');
    if ((space < 0 || space === text.length - 1) && (tab < 0 || tab === text.length - 1) && text.length > 0) return word(text);
    // A width (widthOfString): the pieces' widths summed in pdfkit's order, as pdfkit's layout does
    // with `onlyWidth` (no glyphs or positions): measured strings — a table cell, an overview
    // answer — are not joined and kept only to be measured.
    if (onlyWidth) return { glyphs: null, positions: null, advanceWidth: widthOf(text) } as unknown as Run;
    return strings.get(text) ?? strings.set(text, shape(text));
  };
  const use = new FontUse(ef, word, () => (f.stable ??= stableGlyphs(name, word)));
  uses.set(ef, use);
  ef.encode = (text, features) => {
    const { glyphs, positions } = ef.layout(text, features);
    const res: string[] = new Array<string>(glyphs.length);
    for (let i = 0; i < glyphs.length; i++) res[i] = use.code(glyphs[i]!);
    return [res, positions];
  };
}

/** pdfkit's `number()` (PDFObject.number) as text, or undefined where pdfkit would throw. */
export function pdfNumber(n: number): string | undefined {
  return n > -1e21 && n < 1e21 ? String(Math.round(n * 1e6) / 1e6) : undefined;
}

/**
 * What pdfkit 0.20's `_fragment` (js/pdfkit.js, TextMixin) writes to show a line without word or
 * character spacing, as far as it depends on the font and the text alone, is one `[<…> n <…> n] TJ`
 * whose strings break after every glyph whose advance differs from its width (kerning), `n` being
 * `number(-(xAdvance − advanceWidth))` of the string's last glyph in 1/1000 em (so independent of
 * the size); only the glyph codes depend on the document. A word's share of that: where its strings
 * break, relative to the word, and the numbers after them; null: not shown by writeLine.
 */
interface Breaks {
  ends: number[];
  adjust: string[];
}

/** A word's run as shared by all documents; its breaks once it was shown. */
interface WordRun extends Run {
  breaks: Breaks | null | undefined;
}

/** A run of pdfkit's layoutRun as a plain object (fontkit's GlyphRun sums its advances on every `advanceWidth` read). */
function plainRun(r: Run): WordRun {
  return { glyphs: r.glyphs, positions: r.positions, advanceWidth: r.advanceWidth, breaks: undefined };
}

/**
 * Words made only of these characters are most of what a variant adds to a page (its numbers:
 * "−3/4", "0.4167", "(245,", "[2,", "⌊(219", "{80}.", "½·(−7/8)²"), and shaping each new one with
 * fontkit (cmap, GSUB and GPOS lookups) was the largest cost left in measuring text. In a font
 * where none of them takes part in a substitution or a kerning pair with another, such a word's run
 * is its characters' runs side by side. Characters are admitted per font, only after checks against
 * fontkit itself (see simpleCharacters); everything else is shaped by fontkit. The ellipsis of
 * recurring decimals ("0.4166…", "[−1/12,…") and the signs of keys and conditions ("≈", "≤", "±",
 * "∂", "⁻¹") were half of the words still shaped by fontkit (200 variants of bench/bench-spec.yaml:
 * 6659 → 3656; all DejaVu fonts admit them; the PDFs are byte for byte the same). Each candidate
 * makes those checks longer, once per font and printing thread (every pair of candidates is shaped):
 * 18 more signs (< > | _ * ^ ! ? # & ~ ∞ ∓ ∇ ∑ Σ ′) saved only 80 more words and cost ~45 ms.
 */
const SIMPLE_CANDIDATES = '0123456789 .,;:+-−=/()[]{}⌊⌋⌈⌉·×%√²³½…≈±≤≥∂⁻¹';

/** A deterministic PRNG for the random-word check (mulberry32): the admitted set never varies between runs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sameRun = (a: Run, b: Run): boolean =>
  a.glyphs.length === b.glyphs.length &&
  a.positions.length === b.positions.length &&
  a.advanceWidth === b.advanceWidth &&
  a.glyphs.every((g, i) => g === b.glyphs[i]) &&
  a.positions.every((p, i) => {
    const q = b.positions[i]!;
    const keys = Object.keys(p);
    return keys.length === Object.keys(q).length && keys.every((k) => Object.is(p[k], q[k]));
  });

/**
 * A de Bruijn sequence of order 2 over `chars` (Fredricksen–Kessler–Maiorana), made linear: every
 * ordered pair of characters, the same one twice included, occurs in it exactly once.
 */
export function everyPair(chars: readonly number[]): string {
  const k = chars.length;
  const a = new Array<number>(3).fill(0);
  const out: number[] = [];
  const db = (t: number, p: number): void => {
    if (t > 2) {
      if (2 % p === 0) for (let j = 1; j <= p; j++) out.push(a[j]!);
      return;
    }
    a[t] = a[t - p]!;
    db(t + 1, p);
    for (let j = a[t - p]! + 1; j < k; j++) {
      a[t] = j;
      db(t + 1, t);
    }
  };
  db(1, 1);
  out.push(out[0]!);
  return String.fromCharCode(...out.map((i) => chars[i]!));
}

/**
 * The characters of SIMPLE_CANDIDATES whose words this font shapes as the characters' own runs put
 * side by side, each with its glyph and position, or null. A character is admitted when fontkit
 * shapes it alone as one glyph with no offset and no adjustment. Then the admitted characters'
 * pairs are checked, all in one string that holds every ordered pair (a kerning pair or a ligature
 * between two of them shows there; if one does, each pair is shaped alone and both characters of a
 * pair that differs are dropped), and 100 random words of 3–10 admitted characters must come out of
 * fontkit exactly as joined (glyph objects, every position field, the width): if one does not (a
 * contextual rule over three or more glyphs), no character is admitted.
 */
export function simpleCharacters(layoutRun: (text: string) => Run): Map<number, { glyph: Glyph; position: Position }> | null {
  try {
    const single = new Map<number, { glyph: Glyph; position: Position }>();
    for (const c of SIMPLE_CANDIDATES) {
      const r = layoutRun(c);
      const p = r.positions[0];
      if (r.glyphs.length !== 1 || r.positions.length !== 1 || !p || p['xOffset'] || p['yOffset'] || p['yAdvance'] || p['xAdvance'] !== p['advanceWidth']) continue;
      single.set(c.charCodeAt(0), { glyph: r.glyphs[0]!, position: p });
    }
    if (single.size === 0) return null;
    const joinedAsShaped = (text: string) => sameRun(layoutRun(text), joinedRun(text, single)!);
    if (!joinedAsShaped(everyPair([...single.keys()]))) {
      const dropped = new Set<number>();
      for (const a of single.keys()) for (const b of single.keys()) if (!joinedAsShaped(String.fromCharCode(a, b))) dropped.add(a).add(b);
      for (const c of dropped) single.delete(c);
      if (single.size === 0) return null;
    }
    const chars = [...single.keys()];
    const random = mulberry32(0x5eed);
    for (let i = 0; i < 100; i++) {
      const n = 3 + Math.floor(random() * 8);
      if (!joinedAsShaped(String.fromCharCode(...Array.from({ length: n }, () => chars[Math.floor(random() * chars.length)]!)))) return null;
    }
    return single;
  } catch {
    return null;
  }
}

/**
 * `text`'s run from its characters' runs when every character is admitted (else undefined): the
 * characters' glyph objects (fontkit keeps one per glyph id, as its layout returns them) and
 * position objects (shared: pdfkit never writes to a shaped run's positions), the width summed in
 * order as fontkit's GlyphRun.advanceWidth sums it.
 */
function joinedRun(text: string, simple: ReadonlyMap<number, { glyph: Glyph; position: Position }>): WordRun | undefined {
  if (text.length === 0) return undefined;
  const glyphs: Glyph[] = new Array<Glyph>(text.length);
  const positions: Position[] = new Array<Position>(text.length);
  let advanceWidth = 0;
  for (let i = 0; i < text.length; i++) {
    const s = simple.get(text.charCodeAt(i));
    if (s === undefined) return undefined;
    glyphs[i] = s.glyph;
    positions[i] = s.position;
    advanceWidth += s.position['xAdvance']!;
  }
  return { glyphs, positions, advanceWidth, breaks: undefined };
}

const NO_BREAKS: Breaks = { ends: [], adjust: [] };

/**
 * The breaks of a word: after every glyph whose advance differs from its width (_fragment's
 * addSegment(i + 1)), with that glyph's adjustment; null when a glyph has an x or y offset or a
 * number is one pdfkit rejects (see runsOf). Positions are read once per word: fontkit's position
 * objects come in many shapes, which makes reading them slow.
 */
function breaksOf(run: Run): Breaks | null {
  const { glyphs, positions } = run;
  if (glyphs.length !== positions.length) return null;
  let breaks = NO_BREAKS;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (p['xOffset'] || p['yOffset']) return null;
    if (p['xAdvance']! - p['advanceWidth']! !== 0) {
      const n = adjustmentOf(p);
      if (n === undefined) return null;
      if (breaks === NO_BREAKS) breaks = { ends: [], adjust: [] };
      breaks.ends.push(i + 1);
      breaks.adjust.push(n);
    }
  }
  return breaks;
}

/** Adjustments as text, one string per value (the fonts' kerning has a few hundred values). */
const adjustments = new Memo<number, string>(1000);

/**
 * pdfkit's EmbeddedFont.layout (without features) shapes a string in pieces, each ending after a
 * space or a tab (or at the end): where the piece starting at `from` ends.
 */
function pieceEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) return i + 1;
  }
  return text.length;
}

/** The adjustment after a string ending with the glyph at `p` (see Breaks), or undefined where pdfkit would throw. */
function adjustmentOf(p: Position): string | undefined {
  const a = -(p['xAdvance']! - p['advanceWidth']!);
  let n = adjustments.get(a);
  if (n === undefined) {
    n = pdfNumber(a);
    if (n !== undefined) adjustments.set(a, n); // Map keys: −0 is 0, whose text is the same
  }
  return n;
}

/**
 * One font in one document: the subset numbers of the glyphs it used so far — the stable glyphs
 * (see STABLE), then the others on first use — given as pdfkit's own encode() gives them
 * (`subset.includeGlyph`, then the width and ToUnicode entries), so the subset font and its widths
 * are byte for byte what pdfkit writes for that glyph order.
 */
export class FontUse {
  /** Subset number + 1 by font glyph id (0: not used yet); made on first use, for all the font's glyphs. */
  private gids = new Uint16Array(0);
  private readonly glyphCount: number;
  /** 4-hex-digit codes by subset number, for encode(). */
  private readonly codes: string[] = [];
  /** Subset numbers below this are the stable glyphs' (−1: not included yet; 0: being included). */
  private stableCount = -1;

  constructor(
    private readonly ef: EmbeddedFont,
    private readonly word: (text: string) => WordRun,
    private readonly stable: () => Glyph[],
  ) {
    const n = (ef.font as { numGlyphs?: unknown }).numGlyphs;
    this.glyphCount = typeof n === 'number' && n > 0 && n <= 65536 ? n : 256;
  }

  /** The glyph's number in this document's subset (what its code is written from). */
  gid(glyph: Glyph): number {
    const known = this.gids[glyph.id] ?? 0;
    return known !== 0 ? known - 1 : this.include(glyph);
  }

  /**
   * Puts the stable glyphs (see STABLE) in the subset, first, if they are not yet: done with the
   * document's first glyph of this font, so a font a document never shows stays empty.
   */
  useStable(): void {
    if (this.stableCount >= 0) return;
    this.stableCount = 0;
    for (const g of this.stable()) this.gid(g);
    this.stableCount = this.ef.subset.glyphs.length;
  }

  private include(glyph: Glyph): number {
    if (this.stableCount < 0) {
      this.useStable();
      const known = this.gids[glyph.id] ?? 0;
      if (known !== 0) return known - 1;
    }
    const ef = this.ef;
    const gid = ef.subset.includeGlyph(glyph.id);
    if (ef.widths[gid] == null) ef.widths[gid] = glyph.advanceWidth * ef.scale;
    if (ef.unicode[gid] == null) ef.unicode[gid] = glyph.codePoints;
    if (glyph.id >= this.gids.length) {
      const grown = new Uint16Array(Math.max(this.glyphCount, 2 * this.gids.length, glyph.id + 1));
      grown.set(this.gids);
      this.gids = grown;
    }
    // Subset numbers go up to the font's glyph count; one that would not fit is looked up again.
    if (gid < 0xffff) this.gids[glyph.id] = gid + 1;
    return gid;
  }

  /** pdfkit's code for `glyph`: its subset number as hex4 gives it. */
  code(glyph: Glyph): string {
    const gid = this.gid(glyph);
    return (this.codes[gid] ??= hex4(gid));
  }

  /**
   * The runs of `text`'s pieces (see pieceEnd) with their breaks known, or null when pdfkit writes
   * more than one TJ for it: a glyph with an x or y offset (combining marks) gets its own Tm and TJ,
   * left to pdfkit; so is a number pdfkit rejects. What showRuns writes from them is the same in
   * every document but for the glyph codes. A line keeps its runs (lines.ts): a few references,
   * where a line's own list of glyphs and breaks was garbage the collector had to carry.
   */
  runsOf(text: string): LineRuns | null {
    const runs: WordRun[] = [];
    let last: WordRun | undefined;
    for (let at = 0, end = 0; at < text.length; at = end) {
      end = pieceEnd(text, at);
      const run = this.word(text.slice(at, end));
      const breaks = run.breaks === undefined ? (run.breaks = breaksOf(run)) : run.breaks;
      if (breaks === null) return null;
      runs.push(run);
      if (run.glyphs.length > 0) last = run;
    }
    if (last !== undefined && finalFlush(last) === undefined) return null;
    return runs;
  }

  /**
   * Writes the TJ of a line (runsOf its text) as `_fragment` writes it in this document, its glyphs
   * numbered in order. 'none': there is no glyph (pdfkit writes no TJ then); 'stable': stable glyphs
   * only, so the bytes written are the same in every document; 'own': the TJ of this document.
   */
  showRuns(runs: LineRuns, out: Ascii): 'none' | 'stable' | 'own' {
    let glyphCount = 0;
    let last: WordRun | undefined;
    for (const run of runs) {
      glyphCount += run.glyphs.length;
      if (run.glyphs.length > 0) last = run;
    }
    if (last === undefined) return 'none';
    out.text('[<');
    let written = 0;
    let highest = 0;
    for (const run of runs) {
      const { ends, adjust } = run.breaks!;
      const glyphs = run.glyphs;
      let k = 0;
      for (let i = 0; i < glyphs.length; i++) {
        const gid = this.gid(glyphs[i]!);
        if (gid > highest) highest = gid;
        out.hex4(gid);
        written++;
        if (k < ends.length && ends[k] === i + 1) {
          out.text('> ');
          out.text(adjust[k++]!);
          out.text(written < glyphCount ? ' <' : '] TJ');
        }
      }
    }
    const flush = finalFlush(last);
    if (flush) {
      out.text('> ');
      out.text(flush);
      out.text('] TJ');
    }
    return highest < this.stableCount ? 'stable' : 'own';
  }
}

/** A line's pieces' runs, their breaks known (FontUse.runsOf). */
export type LineRuns = readonly WordRun[];

/**
 * The adjustment of _fragment's final flush (the glyphs after the last break, and the last glyph's
 * adjustment) after `last`, the last run with glyphs of a line: '' when its last glyph ends a
 * string itself (no flush), undefined where pdfkit would throw.
 */
function finalFlush(last: WordRun): string | undefined {
  const ends = last.breaks!.ends;
  if (ends.length > 0 && ends[ends.length - 1]! >= last.glyphs.length) return '';
  return adjustmentOf(last.positions[last.positions.length - 1]!);
}

/** Each document's fonts (pdfkit's EmbeddedFont objects) as this module set them up. */
const uses = new WeakMap<object, FontUse>();

/** The document's current font (`doc._font`) as set up by registerFonts, else undefined. */
export function fontUse(font: unknown): FontUse | undefined {
  return typeof font === 'object' && font !== null ? uses.get(font) : undefined;
}

/**
 * Writing the subset font file decoded every glyph's outline again in every document (fontkit's
 * `_addGlyph` decodes the whole glyph to learn whether it is composite). The same steps, with what
 * is read from the font file kept per process: the subset's glyph order, its composite remapping and
 * so its bytes are exactly what fontkit writes (checked byte for byte when this was written).
 */
function shareGlyphData(subset: TTFSubset, f: SharedFont): void {
  const { glyphs, files } = f;
  const font = subset.font;
  if (subset.cff != null || font._variationProcessor || typeof subset._addGlyph !== 'function' || typeof subset.encode !== 'function' || !Array.isArray(subset.glyphs)) return; // fontkit's own path
  // The file is a function of the glyph list alone (composite glyphs' components are appended in
  // a fixed order while encoding), so an identical list gets the identical bytes.
  const encode = subset.encode;
  subset.encode = function (this: TTFSubset): Uint8Array {
    const key = this.glyphs.join(',');
    let file = files.get(key);
    if (file === undefined) {
      const template = templateOf(f, this, encode);
      file = files.set(key, template ? writeSubset(this, template) : encode.call(this));
    }
    return file;
  };
  subset._addGlyph = function (this: TTFSubset, gid: number): number {
    let g = glyphs.get(gid);
    if (!g) {
      // fontkit caches glyph objects per font, and this process shares the font between documents:
      // a glyph made here (without the characters a layout would give it) must not be the one a
      // later layout finds, or that document's ToUnicode entry for it would be empty.
      const cached = font._glyphs?.[gid];
      const glyph = font.getGlyph(gid);
      if (cached === undefined && font._glyphs) delete font._glyphs[gid];
      const glyf = glyph._decode();
      const start = font.loca.offsets[gid]!;
      const stream = font._getTableStream('glyf');
      stream.pos += start;
      const data = stream.readBuffer(font.loca.offsets[gid + 1]! - start);
      const components = glyf && glyf.numberOfContours < 0 ? (glyf.components ?? []).map((c) => ({ glyphID: c.glyphID, pos: c.pos })) : null;
      g = { data, components, advance: glyph.advanceWidth, bearing: glyph._getMetrics().leftBearing };
      glyphs.set(gid, g);
    }
    let data = g.data;
    if (g.components) {
      data = new Uint8Array(data); // a copy: component ids are this subset's numbers
      const view = new DataView(data.buffer);
      for (const c of g.components) view.setUint16(c.pos, this.includeGlyph(c.glyphID));
    }
    this.glyf.push(data);
    this.loca.offsets.push(this.offset);
    this.hmtx.metrics.push({ advance: g.advance, bearing: g.bearing });
    this.offset += data.length;
    return this.glyf.length - 1;
  };
}

/**
 * A subset font file as fontkit 2's TTFSubset.encode writes it (restructure's Directory): a table
 * directory (tag 'true', checksums 0) followed by the tables in the order head, hhea, loca, maxp,
 * cvt , prep, glyf, hmtx, fpgm (absent ones skipped), unpadded. Only loca, glyf and hmtx and two
 * counts (hhea.numberOfMetrics, maxp.numGlyphs) depend on the glyphs; restructure's generic struct
 * encoder rebuilt everything for every document. The constant tables are taken once per font from a
 * file fontkit itself wrote, and the result is compared with fontkit's bytes before it is trusted.
 */
interface SubsetTemplate {
  tags: string[];
  /** Bytes of each table not built per subset (head, hhea, maxp, cvt , prep, fpgm). */
  fixed: Map<string, Uint8Array>;
  /** loca format: 0 = uint16 offsets / 2, 1 = uint32 offsets. */
  locaVersion: number;
}

type Encode = (this: TTFSubset) => Uint8Array;

function readTables(file: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const tables = new Map<string, Uint8Array>();
  const n = view.getUint16(4);
  for (let i = 0; i < n; i++) {
    const at = 12 + 16 * i;
    const tag = String.fromCharCode(file[at]!, file[at + 1]!, file[at + 2]!, file[at + 3]!);
    tables.set(tag, file.subarray(view.getUint32(at + 8), view.getUint32(at + 8) + view.getUint32(at + 12)));
  }
  return tables;
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The template of `subset`'s font, from a file fontkit encodes for a probe subset (the .notdef glyph
 * and the glyphs `subset` holds so far), or null when fontkit's layout is not the one expected: then
 * fontkit keeps encoding every file itself.
 */
function subsetTemplate(subset: TTFSubset, encode: Encode): SubsetTemplate | null {
  try {
    const Subset = subset.constructor as new (font: FontkitFont) => TTFSubset;
    const probe = (glyphs: number[]) => {
      const s = new Subset(subset.font);
      for (const g of glyphs) s.includeGlyph(g);
      s._addGlyph = subset._addGlyph; // the shared glyph data (same bytes as fontkit's own)
      return s;
    };
    const sample = [...new Set([0, ...subset.glyphs])];
    const reference = encode.call(probe(sample));
    const tables = readTables(reference);
    const tags = [...tables.keys()];
    const order = ['head', 'hhea', 'loca', 'maxp', 'cvt ', 'prep', 'glyf', 'hmtx', 'fpgm'];
    if (tags.some((t) => !order.includes(t)) || tags.join() !== order.filter((t) => tags.includes(t)).join()) return null;
    if (!tables.has('loca') || !tables.has('glyf') || !tables.has('hmtx') || !tables.has('hhea') || !tables.has('maxp') || !tables.has('head')) return null;
    const head = tables.get('head')!;
    const template: SubsetTemplate = { tags, fixed: new Map(), locaVersion: new DataView(head.buffer, head.byteOffset).getInt16(50) };
    for (const t of ['head', 'hhea', 'maxp', 'cvt ', 'prep', 'fpgm']) if (tables.has(t)) template.fixed.set(t, tables.get(t)!.slice());
    // Trust the template only if it reproduces fontkit's bytes (this probe and a larger one).
    if (!equalBytes(writeSubset(probe(sample), template), reference)) return null;
    const larger = [...new Set([0, ...subset.glyphs, ...Array.from({ length: 60 }, (_, i) => 3 + i * 7)])];
    if (!equalBytes(writeSubset(probe(larger), template), encode.call(probe(larger)))) return null;
    return template;
  } catch {
    return null;
  }
}

/** The font's template, made on first use (null, once decided: fontkit encodes every file). */
function templateOf(f: SharedFont, subset: TTFSubset, encode: Encode): SubsetTemplate | null {
  if (f.template === undefined) f.template = subsetTemplate(subset, encode);
  return f.template;
}

/** The subset font file of `subset` (its glyph list) from `template`: fontkit's encode(), byte for byte. */
function writeSubset(subset: TTFSubset, template: SubsetTemplate): Uint8Array {
  subset.glyf = [];
  subset.offset = 0;
  subset.loca = { offsets: [] };
  subset.hmtx = { metrics: [] };
  for (let i = 0; i < subset.glyphs.length; i++) subset._addGlyph(subset.glyphs[i]!);
  subset.loca.offsets.push(subset.offset);
  const count = subset.glyf.length;
  const { offsets } = subset.loca;
  const short = template.locaVersion === 0;
  const sizes = new Map<string, number>();
  for (const t of template.tags) {
    if (t === 'loca') sizes.set(t, offsets.length * (short ? 2 : 4));
    else if (t === 'glyf') sizes.set(t, subset.offset);
    else if (t === 'hmtx') sizes.set(t, count * 4);
    else sizes.set(t, template.fixed.get(t)!.length);
  }
  const n = template.tags.length;
  const dirSize = 12 + 16 * n;
  let total = dirSize;
  for (const size of sizes.values()) total += size;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set([0x74, 0x72, 0x75, 0x65], 0); // 'true'
  const maxPower = 2 ** Math.floor(Math.log2(n));
  view.setUint16(4, n);
  view.setUint16(6, maxPower * 16);
  view.setUint16(8, Math.log2(maxPower));
  view.setUint16(10, n * 16 - maxPower * 16);
  let at = dirSize;
  template.tags.forEach((t, i) => {
    const entry = 12 + 16 * i;
    for (let c = 0; c < 4; c++) out[entry + c] = t.charCodeAt(c);
    view.setUint32(entry + 8, at);
    view.setUint32(entry + 12, sizes.get(t)!);
    if (t === 'loca') {
      for (let k = 0; k < offsets.length; k++) {
        if (short) view.setUint16(at + 2 * k, offsets[k]! >>> 1);
        else view.setUint32(at + 4 * k, offsets[k]!);
      }
    } else if (t === 'glyf') {
      let p = at;
      for (const g of subset.glyf) {
        out.set(g, p);
        p += g.length;
      }
    } else if (t === 'hmtx') {
      subset.hmtx.metrics.forEach((m, k) => {
        view.setUint16(at + 4 * k, m.advance);
        view.setInt16(at + 4 * k + 2, m.bearing);
      });
    } else {
      out.set(template.fixed.get(t)!, at);
      if (t === 'hhea') view.setUint16(at + 34, count);
      else if (t === 'maxp') view.setUint16(at + 4, count);
    }
    at += sizes.get(t)!;
  });
  return out;
}

/** Deflated font files, by the (cached, so identical) file bytes they were made from. */
const deflatedFiles = new WeakMap<Uint8Array, Uint8Array>();
/** Deflated ToUnicode maps by their text: most documents' subsets start alike (see STABLE), and so do their maps. */
const deflatedMaps = new Memo<string, Uint8Array>(FILES);

/**
 * pdfkit deflates the subset font file of every font of every document. Here a file reused by an
 * identical glyph list — most documents' (see STABLE) — is deflated once, as pdfkit would (zlib's
 * default level).
 */
function deflatedFontFile(chunk: unknown): Uint8Array | undefined {
  if (!(chunk instanceof Uint8Array)) return undefined;
  let z = deflatedFiles.get(chunk);
  if (z === undefined) deflatedFiles.set(chunk, (z = deflateSync(chunk)));
  return z;
}

/** A ToUnicode map as pdfkit deflates it (the text and a line break, zlib's default level: the same bytes), once per text. */
function deflatedMap(chunk: unknown): Uint8Array | undefined {
  if (typeof chunk !== 'string') return undefined;
  return deflatedMaps.get(chunk) ?? deflatedMaps.set(chunk, deflateSync(Buffer.from(`${chunk}\n`, 'latin1')));
}

/** Ends stream `r` with `z`, bytes already deflated, written as pdfkit writes a stream it deflated (/Length, then /Filter /FlateDecode). */
function endDeflated(r: PdfReference, z: Uint8Array): unknown {
  r.compress = false;
  r.write(z);
  r.data['Filter'] = 'FlateDecode';
  return r.finalize();
}

/** Whether `r` is a new pdfkit stream endDeflated can end. */
const deflatable = (r: PdfReference) => r.compress === true && typeof r.end === 'function' && typeof r.write === 'function' && typeof r.finalize === 'function';

/**
 * While `ef[method]` runs, the first stream it makes (`document.ref()` without data: the font file
 * in embed(), the map in toUnicodeCmap()) is ended with the bytes `deflated` gives for what pdfkit
 * would deflate itself (see endDeflated); with undefined, pdfkit's own end().
 */
function deflateFirstStream(ef: EmbeddedFont, method: 'embed' | 'toUnicodeCmap', deflated: (chunk: unknown) => Uint8Array | undefined): void {
  const own = ef[method];
  const doc = ef.document;
  if (typeof own !== 'function' || typeof doc?.ref !== 'function') return;
  ef[method] = function (this: EmbeddedFont) {
    const ref = doc.ref;
    doc.ref = function (data?: object) {
      doc.ref = ref;
      const r = ref.call(doc, data);
      const end = r.end;
      if (data === undefined && deflatable(r))
        r.end = function (chunk?: unknown) {
          const z = deflated(chunk);
          return z === undefined ? end.call(r, chunk) : endDeflated(r, z);
        };
      return r;
    };
    try {
      return own.call(this);
    } finally {
      doc.ref = ref;
    }
  };
}

/** A glyph's ToUnicode entry as pdfkit writes it (`<hhhh hhhh>`, UTF-16 code units), by its characters' array (a glyph's own). */
const unicodeEntries = new WeakMap<readonly number[], string>();

function unicodeEntry(codePoints: readonly number[]): string {
  let e = unicodeEntries.get(codePoints);
  if (e === undefined) {
    const encoded: string[] = [];
    for (let value of codePoints) {
      if (value > 0xffff) {
        value -= 0x10000;
        encoded.push(hex4(((value >>> 10) & 0x3ff) | 0xd800));
        value = 0xdc00 | (value & 0x3ff);
      }
      encoded.push(hex4(value));
    }
    unicodeEntries.set(codePoints, (e = `<${encoded.join(' ')}>`));
  }
  return e;
}

/**
 * pdfkit 0.20's toUnicodeCmap text for `unicode` (subset number → characters), its per-glyph
 * entries made once per glyph instead of once per document: pdfkit builds them all again for every
 * font of every document (the largest allocation of a document once its subsets were shared).
 * Undefined where pdfkit's own would not run (a missing entry).
 */
function unicodeMapText(unicode: readonly (readonly number[])[]): string | undefined {
  const ranges: string[] = [];
  for (let start = 0; start < unicode.length; start += 256) {
    const end = Math.min(start + 256, unicode.length);
    let range = `<${hex4(start)}> <${hex4(end - 1)}> [`;
    for (let i = start; i < end; i++) {
      const codePoints = unicode[i];
      if (!Array.isArray(codePoints)) return undefined;
      range += i > start ? ` ${unicodeEntry(codePoints)}` : unicodeEntry(codePoints);
    }
    ranges.push(`${range}]`);
  }
  return `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo <<
  /Registry (Adobe)
  /Ordering (UCS)
  /Supplement 0
>> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000><ffff>
endcodespacerange
${ranges.length} beginbfrange
${ranges.join('\n')}
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end`;
}

/** Whether unicodeMapText gives pdfkit's text: decided by the first map of the thread, made both ways. */
let mapsTrusted: boolean | undefined;

/**
 * The font's ToUnicode map from unicodeMapText, deflated once per text (deflatedMap). The first map
 * of the thread is pdfkit's own, compared with ours: if they differ (another pdfkit), pdfkit makes
 * every map (still deflated once per text).
 */
function shareUnicodeMaps(ef: EmbeddedFont): void {
  const own = ef.toUnicodeCmap;
  const doc = ef.document;
  if (typeof own !== 'function' || typeof doc?.ref !== 'function') return;
  deflateFirstStream(ef, 'toUnicodeCmap', (text) => {
    if (mapsTrusted === undefined) mapsTrusted = text === unicodeMapText(ef.unicode);
    return deflatedMap(text);
  });
  const pdfkits = ef.toUnicodeCmap;
  ef.toUnicodeCmap = function (this: EmbeddedFont) {
    const text = mapsTrusted ? unicodeMapText(this.unicode) : undefined;
    if (text === undefined) return pdfkits.call(this);
    const r = doc.ref();
    if (!deflatable(r)) {
      r.end(text);
      return r;
    }
    endDeflated(r, deflatedMap(text)!);
    return r;
  };
}

/**
 * Register the DejaVu fonts under their short names and open them in a fixed order (resource names
 * F1…F5 in every document; a font no text uses is not embedded). The document must be created
 * with `font: null`, else pdfkit loads and parses its default Helvetica metrics for every document.
 */
export function registerFonts(doc: PDFKit.PDFDocument): void {
  for (const name of NAMES) {
    const f = shared(name);
    doc.registerFont(name, f.font as string);
    doc.font(name);
    const ef = (doc as unknown as { _font: EmbeddedFont })._font;
    shareShaping(ef, f, name);
    if (ef.subset) shareGlyphData(ef.subset, f);
    deflateFirstStream(ef, 'embed', deflatedFontFile);
    shareUnicodeMaps(ef);
  }
  doc.font('sans');
}

/**
 * For tests: the subset font file of `glyphs` (font glyph ids, in first-use order) written by this
 * module's writer and by fontkit's own encoder; `ours` is null when the writer fell back to fontkit.
 */
export function subsetFilesForTest(name: FontName, glyphs: number[]): { ours: Uint8Array | null; fontkit: Uint8Array } {
  const f = shared(name);
  const font = f.font as { createSubset(): TTFSubset };
  const make = () => {
    const s = font.createSubset();
    for (const g of glyphs) s.includeGlyph(g);
    return s;
  };
  const reference = make();
  const glyphCache = (f.font as FontkitFont)._glyphs ?? {};
  const before = new Set(Object.keys(glyphCache));
  const fontkit = reference.encode();
  for (const k of Object.keys(glyphCache)) if (!before.has(k)) delete glyphCache[Number(k)]; // fontkit's own encoder caches glyphs without characters
  const probe = make();
  shareGlyphData(probe, f);
  const template = templateOf(f, probe, reference.encode);
  return { ours: template ? writeSubset(probe, template) : null, fontkit };
}

/** For tests: the characters whose words `name` shapes by joining their runs (see simpleCharacters), in code order. */
export function simpleCharactersForTest(name: FontName): string {
  const f = shared(name);
  return f.simple ? String.fromCharCode(...[...f.simple.keys()].sort((a, b) => a - b)) : '';
}

/** For tests: this module's ToUnicode map text for `unicode` (undefined: pdfkit's own is used). */
export const unicodeMapTextForTest = unicodeMapText;
