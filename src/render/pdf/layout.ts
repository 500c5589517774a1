/**
 * A tiny block layout on top of pdfkit: every element can measure its height before it is drawn,
 * so a question is moved to the next page as a whole instead of being split.
 */
import PDFDocument from 'pdfkit';
import { closeSync, createWriteStream, open, writeSync } from 'node:fs';
import { PageContent } from './content.js';
import { registerFonts, type FontName } from './fonts.js';
import { drawText, heightOfText } from './lines.js';
import { typeset } from './richtext.js';

export const INK = '#111111';
export const MUTED = '#555555';
export const ACCENT = '#0b4f9c'; // answers in keys
export const RULE = '#999999';

export interface Element {
  height(doc: PDFKit.PDFDocument, width: number): number;
  draw(doc: PDFKit.PDFDocument, x: number, y: number, width: number): void;
}

export function text(s: string, o: { font?: FontName; size?: number; color?: string; indent?: number; gapAfter?: number; align?: 'left' | 'center' | 'right' } = {}): Element {
  const font = o.font ?? 'sans';
  const size = o.size ?? 10;
  const indent = o.indent ?? 0;
  const body = typeset(s);
  const opts = (width: number) => ({ width: width - indent, lineGap: 1.5, align: o.align ?? 'left' });
  // Text layout is the expensive part of a page; an element is measured at one width several times.
  const memo = new Map<number, number>();
  return {
    height(doc, width) {
      let h = memo.get(width);
      if (h === undefined) {
        doc.font(font).fontSize(size);
        h = heightOfText(doc, body, opts(width)) + (o.gapAfter ?? 0);
        memo.set(width, h);
      }
      return h;
    },
    draw(doc, x, y, width) {
      doc.font(font).fontSize(size).fillColor(o.color ?? INK);
      drawText(doc, body, x + indent, y, opts(width));
    },
  };
}

export function spacer(h: number): Element {
  return { height: () => h, draw: () => {} };
}

/** Elements stacked vertically. */
export function stack(items: Element[], gap = 4): Element {
  return {
    height(doc, width) {
      return items.reduce((a, e) => a + e.height(doc, width), 0) + gap * Math.max(0, items.length - 1);
    },
    draw(doc, x, y, width) {
      let cy = y;
      for (const e of items) {
        e.draw(doc, x, cy, width);
        cy += e.height(doc, width) + gap;
      }
    },
  };
}

/** Fixed-width column on the left, the rest on the right; height = the taller one. */
export function row(left: Element, leftWidth: number, right: Element, gap = 8): Element {
  return {
    height: (doc, width) => Math.max(left.height(doc, leftWidth), right.height(doc, width - leftWidth - gap)),
    draw(doc, x, y, width) {
      left.draw(doc, x, y, leftWidth);
      right.draw(doc, x + leftWidth + gap, y, width - leftWidth - gap);
    },
  };
}

/** Draw square brackets around a box (matrices, vectors). */
export function brackets(doc: PDFKit.PDFDocument, x: number, y: number, w: number, h: number, color = INK): void {
  const t = 4;
  doc.save().lineWidth(0.9).strokeColor(color);
  doc.moveTo(x + t, y).lineTo(x, y).lineTo(x, y + h).lineTo(x + t, y + h).stroke();
  doc.moveTo(x + w - t, y).lineTo(x + w, y).lineTo(x + w, y + h).lineTo(x + w - t, y + h).stroke();
  doc.restore();
}

export interface PageSetup {
  size: 'A4' | 'Letter';
  margin: number;
  /** Fixed dates make the output byte-identical across runs and machines. */
  date: Date;
  title: string;
  subject: string;
  footer: (page: number, pages: number) => { left: string; center: string; right: string };
}

/**
 * Skip fill-colour operators that set the colour already in effect. Every text element sets its
 * colour (two operators and ~70 bytes per line drawn in pdfkit's output, mostly repeating the
 * colour before). Exact bookkeeping: only a colour set outside any save()/restore() pair is
 * remembered, and only for the page it was set on (a new page, or switching back to an earlier one,
 * starts from "unknown"); colours with an opacity, gradients and patterns always go through.
 */
function skipRepeatedFillColors(doc: PDFKit.PDFDocument): void {
  const d = doc as unknown as { page: unknown; fillColor(color: unknown, opacity?: number): unknown; save(): unknown; restore(): unknown };
  const { fillColor, save, restore } = d;
  let depth = 0;
  let page: unknown;
  let color: string | undefined;
  d.save = function () {
    depth++;
    return save.call(this);
  };
  d.restore = function () {
    depth = Math.max(0, depth - 1);
    return restore.call(this);
  };
  d.fillColor = function (c: unknown, opacity?: number) {
    if (depth === 0 && opacity === undefined && typeof c === 'string' && c === color && d.page === page) return this;
    const r = fillColor.call(this, c, opacity);
    if (depth === 0) {
      page = d.page;
      color = opacity === undefined && typeof c === 'string' ? c : undefined;
    }
    return r;
  };
}

/**
 * What pdfkit 0.20's PDFDocument (js/pdfkit.js) writes through: `_write(data)` turns a string into
 * bytes (`data + '\n'`, one byte per character) with a JavaScript loop, pushes every piece — a few
 * per object, ~1,000 per document — through its Readable stream, and counts `_offset` (the xref's
 * byte offsets). With `bufferPages` almost all of a document is written by `end()`, synchronously.
 */
interface PdfkitOutput {
  _write(data: string | Uint8Array): void;
  _offset: number;
}

/**
 * Collects a document's output itself: `_write` keeps the pieces (strings as they are) and counts
 * the same offsets; `bytes()` copies them into one buffer, the strings with Buffer's native latin1
 * encoder. The file is then written with one call, not piped chunk by chunk through two streams and
 * the thread pool. Null for another pdfkit (its own stream is used then).
 */
export function collectOutput(doc: PDFKit.PDFDocument): { bytes(): Buffer } | null {
  const d = doc as unknown as PdfkitOutput;
  if (typeof d._write !== 'function' || typeof d._offset !== 'number') return null;
  // What the constructor wrote (the header) waits in the stream's buffer.
  const head = doc.read() as Buffer | null;
  const parts: (string | Uint8Array)[] = head ? [head] : [];
  d._write = (data) => {
    parts.push(data);
    d._offset += typeof data === 'string' ? data.length + 1 : data.length;
  };
  return {
    bytes() {
      const out = Buffer.allocUnsafe(d._offset);
      let at = 0;
      for (const p of parts) {
        if (typeof p === 'string') {
          at += out.write(p, at, 'latin1');
          out[at++] = 10;
        } else {
          out.set(p, at);
          at += p.length;
        }
      }
      parts.length = 0;
      if (at !== out.length) throw new Error(`PDF output: ${at} bytes written of ${out.length} counted`);
      return out;
    },
  };
}

/** The file, opened (created or truncated) on the thread pool while the document is made. */
function openForWriting(file: string): Promise<number> {
  return new Promise((resolve, reject) => open(file, 'w', (e, fd) => (e ? reject(e) : resolve(fd))));
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Flows elements down pages; an element that does not fit goes to the next page whole. */
export class Flow {
  readonly doc: PDFKit.PDFDocument;
  y: number;
  /** The document's bytes (null: pdfkit's stream is piped to the file, resolving `done`). */
  private readonly output: { bytes(): Buffer } | null;
  private readonly done: Promise<number | void>;

  constructor(
    readonly file: string,
    private readonly setup: PageSetup,
  ) {
    this.doc = new PDFDocument({
      size: setup.size,
      margins: { top: setup.margin, bottom: setup.margin + 14, left: setup.margin, right: setup.margin },
      bufferPages: true,
      autoFirstPage: true,
      font: null as unknown as string, // no default Helvetica: registerFonts opens the DejaVu fonts
      info: { Title: setup.title, Subject: setup.subject, Creator: 'dlexam', Producer: 'dlexam (pdfkit)', CreationDate: setup.date, ModDate: setup.date },
    });
    registerFonts(this.doc);
    skipRepeatedFillColors(this.doc);
    // Every page's content is kept as bytes (content.ts); finish() deflates each one.
    PageContent.of(this.doc.page);
    this.doc.on('pageAdded', () => PageContent.of(this.doc.page));
    this.output = collectOutput(this.doc);
    if (this.output) {
      this.done = openForWriting(file);
      this.done.catch(() => {}); // reported by finish() or abandon()
    } else {
      const out = createWriteStream(file);
      this.done = new Promise((resolve, reject) => {
        out.on('finish', resolve);
        out.on('error', reject);
      });
      this.doc.pipe(out);
    }
    this.y = this.top;
  }

  get top(): number {
    return this.setup.margin;
  }
  get bottom(): number {
    return this.doc.page.height - this.setup.margin - 14;
  }
  get left(): number {
    return this.setup.margin;
  }
  get width(): number {
    return this.doc.page.width - 2 * this.setup.margin;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = this.top;
  }

  /** Place an element; `keep` = never split (move to a new page if it does not fit). */
  place(e: Element, gapAfter = 0): void {
    const h = e.height(this.doc, this.width);
    if (this.y + h > this.bottom && this.y > this.top) this.newPage();
    e.draw(this.doc, this.left, this.y, this.width);
    this.y += h + gapAfter;
  }

  /** Place several elements that should stay together if they fit on one page, else flow one by one. */
  placeGroup(items: Element[], gap = 4, gapAfter = 0): void {
    const total = stack(items, gap).height(this.doc, this.width);
    const page = this.bottom - this.top;
    if (total <= page) return this.place(stack(items, gap), gapAfter);
    for (const it of items) this.place(it, gap);
    this.y += gapAfter;
  }

  /** Ends the document as it is (no footers), for a file that is to be deleted; resolves once it is closed. */
  abandon(): Promise<void> {
    return this.end(false);
  }

  async finish(): Promise<void> {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const f = this.setup.footer(i + 1, range.count);
      const y = this.doc.page.height - this.setup.margin + 2;
      const bottomMargin = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0; // writing below the margin would otherwise add a page
      this.doc.save().strokeColor(RULE).lineWidth(0.5).moveTo(this.left, y - 5).lineTo(this.left + this.width, y - 5).stroke().restore();
      this.doc.font('sans').fontSize(8).fillColor(MUTED);
      const third = this.width / 3;
      drawText(this.doc, f.left, this.left, y, { width: third * 1.25, lineBreak: false, ellipsis: true });
      drawText(this.doc, f.center, this.left + third * 1.25, y, { width: third * 0.75, align: 'center', lineBreak: false });
      this.doc.font('monoBold');
      drawText(this.doc, f.right, this.left + third * 2, y, { width: third, align: 'right', lineBreak: false });
      this.doc.page.margins.bottom = bottomMargin;
      PageContent.taken(this.doc.page)?.finish();
    }
    return this.end(true);
  }

  /** Ends the document and writes it out, unless abandoned (all of it is made by `doc.end()`; see PdfkitOutput). */
  private async end(write: boolean): Promise<void> {
    let ended = false;
    try {
      this.doc.end();
      ended = true;
    } finally {
      // The file's own error (it could not be created) unless ending the document failed first.
      const fd = ended ? await this.done : await this.done.catch(() => undefined);
      if (this.output && typeof fd === 'number') {
        try {
          if (write && ended) writeAll(fd, this.output.bytes());
        } finally {
          closeSync(fd); // also when the document could not be ended: no file descriptor is left open
        }
      }
    }
  }
}
