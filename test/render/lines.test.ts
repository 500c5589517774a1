import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import seedrandom from 'seedrandom';
import { registerFonts, type FontName } from '../../src/render/pdf/fonts.js';
import { collectOutput, Flow, text } from '../../src/render/pdf/layout.js';
import { drawLabel, drawText, type DrawOptions } from '../../src/render/pdf/lines.js';
import { tempDir } from '../tmp.js';

type Fragment = (text: string, x: number, y: number, options: object) => void;
const pdfkitFragment = (PDFDocument.prototype as unknown as { _fragment: Fragment })._fragment;

/**
 * Lines through pdfkit's own `_fragment`: a document whose `_fragment` is not pdfkit's (here a
 * wrapper calling pdfkit's) never takes drawText's fast path.
 */
function usePdfkitFragment(doc: PDFKit.PDFDocument): { calls: number } {
  const count = { calls: 0 };
  (doc as unknown as { _fragment: Fragment })._fragment = function (this: PDFKit.PDFDocument, ...args: Parameters<Fragment>) {
    count.calls++;
    return pdfkitFragment.apply(this, args);
  };
  return count;
}

/** Content-stream strings as drawing methods hand them to pdfkit (a fast-path line is one string). */
function recordContent(doc: PDFKit.PDFDocument): string[] {
  const d = doc as unknown as { addContent(s: string): unknown };
  const addContent = d.addContent;
  const writes: string[] = [];
  d.addContent = function (s: string) {
    writes.push(s);
    return addContent.call(this, s);
  };
  return writes;
}

const isFastLine = (s: string) => /^q\n1 0 0 -1 0 [\d.]+ cm\nBT\n1 0 0 1 \S+ \S+ Tm\n\/F\d+ [\d.]+ Tf\n(\[<.*\] TJ\n)?ET\nQ$/s.test(s);

function newDoc(compress: boolean): PDFKit.PDFDocument {
  const doc = new PDFDocument({ font: null as unknown as string, compress, bufferPages: true, info: { CreationDate: new Date(0), ModDate: new Date(0) } });
  registerFonts(doc);
  return doc;
}

/** The pages' content streams as written so far (uncompressed documents). */
function content(doc: PDFKit.PDFDocument): string[] {
  const pages = (doc as unknown as { _pageBuffer: { content: { buffer: Uint8Array[] } }[] })._pageBuffer;
  return pages.map((p) => Buffer.concat(p.content.buffer).toString('latin1'));
}

function finish(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

const WORDS = [
  'AV', 'To', 'WAVE', 'Yo', 'LT', "P.", 'Te', 'r.', 'ff', 'fi', 'kerning', 'AWAY', 'Vy', 'T,', 'F.',
  'σ', '∂L/∂w', 'θ', 'λ=0.01', 'ΣΔΩ', 'αβγ', 'μ', 'η', 'X₁₁', 'Wₓₕ', 'x²', 'hₜ', 'Xᵀ', 'eⁿ', '10⁻³',
  '−3', '2×3', '√2', 'x≥0', '⌊x⌋', '⌈y⌉', '≤', '≠', '∞', '·', '→', '½', 'é', 'ñ', 'ü', '中', '(a)', '[b]',
  'the', 'output', 'of', 'a', 'convolution', 'layer', 'with', 'stride', '2', 'and', 'padding', '1', 'is',
  '3.14159', '1,024', '0.5', 'ReLU(x)', 'softmax', 'tanh', 'x\tb',
];
const FONT_NAMES: FontName[] = ['sans', 'bold', 'italic', 'mono', 'monoBold'];
const SIZES = [7, 8, 9.5, 10, 11.37, 14];
const ALIGNS = ['left', 'center', 'right'] as const;

function sentence(rng: () => number): string {
  const n = 1 + Math.floor(rng() * 30);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rng() * WORDS.length)]!);
  let s = words.join(rng() < 0.2 ? '  ' : ' ');
  if (rng() < 0.15) s += '   '; // trailing spaces: right alignment measures the text without them
  if (rng() < 0.1) s = ` ${s}`;
  return s;
}

/** The same drawings in a document with the fast path and in one whose lines all go through pdfkit's `_fragment`. */
type Draw = { font: FontName; size: number; s: string; x: number; y: number; o: DrawOptions; newPage?: boolean };

async function drawBoth(draws: Draw[]): Promise<void> {
  const fast = newDoc(false);
  const own = newDoc(false);
  const writes = recordContent(fast);
  const count = usePdfkitFragment(own);
  for (const doc of [fast, own])
    for (const dr of draws) {
      if (dr.newPage) doc.addPage();
      doc.font(dr.font).fontSize(dr.size);
      drawText(doc, dr.s, dr.x, dr.y, dr.o);
    }
  assert.ok(count.calls > 0, 'the reference document writes its lines with pdfkit’s _fragment');
  assert.ok(writes.filter(isFastLine).length > draws.length / 2, 'the fast path is in use');
  assert.ok(content(fast).length > 1, 'several pages');
  assert.deepEqual(content(fast), content(own), 'content streams');
  const [a, b] = await Promise.all([finish(fast), finish(own)]);
  assert.ok(a.equals(b), 'finished PDFs (fonts, widths, ToUnicode maps) are byte-identical');
}

test('drawText’s line writer writes what pdfkit’s _fragment writes (texts, fonts, sizes, alignments)', async () => {
  const rng = seedrandom('fragment');
  const draws: Draw[] = [];
  let y = 40;
  for (let k = 0; k < 400; k++) {
    const font = FONT_NAMES[Math.floor(rng() * FONT_NAMES.length)]!;
    const size = SIZES[Math.floor(rng() * SIZES.length)]!;
    const align = ALIGNS[Math.floor(rng() * ALIGNS.length)]!;
    const width = 40 + rng() * 400;
    const x = 20 + rng() * 100 + (rng() < 0.5 ? 1 / 3 : 0);
    y += 1 + rng() * 30;
    const newPage = y > 700;
    if (newPage) y = 40 + rng() * 10;
    draws.push({ font, size, s: sentence(rng), x, y, newPage, o: { width, align, lineGap: rng() < 0.5 ? 1.5 : 0 } });
  }
  await drawBoth(draws);
});

test('drawText’s line writer: empty, whitespace-only and single-glyph lines, kerning at the line ends', async () => {
  const texts = ['', ' ', '   ', '\t', 'A', 'AV', 'VA', 'To', ' AV ', 'AVAVAVAV', 'T', '¹', 'x₁', '−', 'Yo, To. AV', '中文', 'ā'];
  const draws: Draw[] = [];
  let y = 30;
  for (const s of texts)
    for (const align of ALIGNS)
      for (const font of ['sans', 'mono'] as FontName[]) {
        const newPage = y > 700;
        if (newPage) y = 30;
        draws.push({ font, size: 10, s, x: 50.123456789, y, newPage, o: { width: 200, align, lineBreak: false } });
        y += 7;
      }
  await drawBoth(draws);
});

test('drawLabel writes what pdfkit’s text(s, x, y, { lineBreak: false }) writes, and leaves x and y where pdfkit does', () => {
  const labels = ['Question 12', '(', 'None', ',', ')', 'W_xh =', 'AV', 'x̄ = 1', 'σ(z) ≥ ½', '', ' ', 'Student ID'];
  const fast = newDoc(false);
  const own = newDoc(false);
  const writes = recordContent(fast);
  usePdfkitFragment(own);
  let y = 40;
  for (const s of labels)
    for (const font of FONT_NAMES) {
      y += 12;
      const x = 30 + (y % 7) / 3;
      for (const doc of [fast, own]) {
        doc.font(font).fontSize(9.5 + (y % 5));
        if (doc === fast) drawLabel(doc, s, x, y);
        else doc.text(s, x, y, { lineBreak: false });
      }
      assert.deepEqual([fast.x, fast.y], [own.x, own.y], `x and y after ${JSON.stringify(s)} in ${font}`);
    }
  assert.ok(writes.filter(isFastLine).length > labels.length * 3, 'labels take the fast path');
  assert.deepEqual(content(fast), content(own));
});

test('lines drawText leaves to pdfkit: glyph offsets (combining marks), justify, a font not set up by registerFonts, another _fragment', async () => {
  const doc = newDoc(false);
  const writes = recordContent(doc);
  doc.font('sans').fontSize(10);
  drawText(doc, 'x̄ = 1', 50, 50, { width: 200 }); // U+0304: a mark positioned by GPOS (x and y offsets)
  assert.ok(writes.includes('BT') && !writes.some(isFastLine), 'a line with offsets is written by _fragment');
  writes.length = 0;
  drawText(doc, 'plain text', 50, 80, { width: 200 });
  assert.ok(writes.some(isFastLine), 'the next line is written by the fast path');
  writes.length = 0;
  drawText(doc, 'justified text here', 50, 110, { width: 300, align: 'justify' as 'left' });
  assert.ok(writes.includes('BT') && !writes.some(isFastLine), 'justify goes to _fragment');
  writes.length = 0;
  doc.font('Helvetica');
  drawText(doc, 'standard font', 50, 140, { width: 200 });
  assert.ok(writes.includes('BT') && !writes.some(isFastLine), 'a standard font goes to _fragment');

  // A pdfkit whose _fragment is not the one writeLine copies (here a subclass's): _fragment for every line.
  class OtherPdfkit extends PDFDocument {
    _fragment(...args: Parameters<Fragment>): void {
      pdfkitFragment.apply(this, args);
    }
  }
  const other = new OtherPdfkit({ font: null as unknown as string });
  registerFonts(other);
  const otherWrites = recordContent(other);
  drawText(other, 'plain text', 50, 80, { width: 200 });
  assert.ok(otherWrites.includes('BT') && !otherWrites.some(isFastLine), 'another _fragment: no fast path');

  // The same drawings entirely through pdfkit: the same stream.
  const own = newDoc(false);
  usePdfkitFragment(own);
  own.font('sans').fontSize(10);
  drawText(own, 'x̄ = 1', 50, 50, { width: 200 });
  drawText(own, 'plain text', 50, 80, { width: 200 });
  drawText(own, 'justified text here', 50, 110, { width: 300, align: 'justify' as 'left' });
  own.font('Helvetica');
  drawText(own, 'standard font', 50, 140, { width: 200 });
  assert.deepEqual(content(doc), content(own));
});

test('a Flow’s PDF is byte-identical with and without the fast line writer (page content joining, colour skipping)', async () => {
  const dir = tempDir('lines');
  const rng = seedrandom('flow');
  const setup = {
    size: 'A4' as const,
    margin: 40,
    date: new Date(0),
    title: 'T',
    subject: 'S',
    footer: (p: number, n: number) => ({ left: 'left footer', center: `Page ${p} of ${n}`, right: 'AB-12' }),
  };
  const files = ['fast.pdf', 'pdfkit.pdf'].map((f) => join(dir, f));
  const texts = Array.from({ length: 120 }, () => ({
    s: sentence(rng),
    font: FONT_NAMES[Math.floor(rng() * FONT_NAMES.length)]!,
    size: SIZES[Math.floor(rng() * SIZES.length)]!,
    align: ALIGNS[Math.floor(rng() * ALIGNS.length)]!,
    color: rng() < 0.3 ? '#0b4f9c' : undefined,
  }));
  for (const [i, file] of files.entries()) {
    const flow = new Flow(file, setup);
    if (i === 1) usePdfkitFragment(flow.doc);
    for (const t of texts) flow.place(text(t.s, { font: t.font, size: t.size, align: t.align, color: t.color }), 3);
    await flow.finish();
  }
  assert.ok(readFileSync(files[0]!).equals(readFileSync(files[1]!)));
});

test('collectOutput gives the bytes pdfkit’s own stream gives (header, strings, deflated streams, fonts, xref offsets)', async () => {
  const rng = seedrandom('output');
  const texts = Array.from({ length: 60 }, () => sentence(rng));
  const make = (): PDFKit.PDFDocument => {
    const doc = new PDFDocument({ size: 'A4', info: { CreationDate: new Date(0), Title: 'T' }, font: null as unknown as string });
    registerFonts(doc);
    for (const [i, s] of texts.entries()) {
      if (i % 20 === 19) doc.addPage();
      doc.font(FONT_NAMES[i % FONT_NAMES.length]!).fontSize(10).text(`${s} ÿ €`, { width: 300 });
    }
    return doc;
  };
  const streamed = make();
  const chunks: Buffer[] = [];
  streamed.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => streamed.on('end', resolve));
  streamed.end();
  await ended;
  const collected = make();
  const output = collectOutput(collected);
  assert.ok(output, 'pdfkit 0.20 has the _write and _offset collectOutput relies on');
  collected.end();
  const bytes = output.bytes();
  assert.ok(bytes.subarray(0, 8).toString('latin1').startsWith('%PDF-1.'));
  assert.ok(bytes.equals(Buffer.concat(chunks)), `collected ${bytes.length} bytes, pdfkit streamed ${Buffer.concat(chunks).length}`);
});

test('a Flow whose file cannot be created rejects finish() with the system error (and leaves no unhandled rejection)', async () => {
  const dir = tempDir('lines');
  const setup = { size: 'A4' as const, margin: 40, date: new Date(0), title: 'T', subject: 'S', footer: () => ({ left: '', center: '', right: '' }) };
  const flow = new Flow(join(dir, 'missing', 'x.pdf'), setup);
  flow.place(text('some text', { font: 'sans', size: 10 }));
  await new Promise((r) => setTimeout(r, 20)); // the open has failed by now
  await assert.rejects(flow.finish(), { code: 'ENOENT' });
  await assert.rejects(new Flow(join(dir, 'missing', 'y.pdf'), setup).abandon(), { code: 'ENOENT' });
});

test('a Flow whose document cannot be ended rejects with that error and leaves no file descriptor open', async () => {
  const dir = tempDir('lines');
  const setup = { size: 'A4' as const, margin: 40, date: new Date(0), title: 'T', subject: 'S', footer: () => ({ left: '', center: '', right: '' }) };
  const open = () => readdirSync('/proc/self/fd').length;
  const before = open();
  const flow = new Flow(join(dir, 'x.pdf'), setup);
  flow.place(text('some text', { font: 'sans', size: 10 }));
  flow.doc.end = () => {
    throw new Error('cannot end');
  };
  await assert.rejects(flow.finish(), /cannot end/);
  assert.equal(open(), before);
});
