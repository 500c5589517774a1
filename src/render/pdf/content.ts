/**
 * Page content streams kept as bytes: pdfkit 0.20 turns every drawing operator into its own byte
 * array (about twenty per line of text) and joins them at `doc.end()`. Here each page's operators
 * are appended to one growing buffer (ascii.ts) as they come — pdfkit's strings by their
 * characters' low bytes, the text lines of lines.ts straight from the bytes they were built in —
 * and the buffer is deflated once when the page is finished. Same bytes as pdfkit's: each operator
 * followed by a newline, the low byte of each UTF-16 unit (latin1).
 */
import { deflateSync } from 'node:zlib';
import { Ascii } from './ascii.js';

/**
 * A page's content stream as pdfkit 0.20 holds it until `doc.end()` (js/pdfkit.js, PDFReference):
 * `write(string)` appends the string and a newline as one byte array; at `end()` the arrays are
 * joined and deflated unless `compress` is off.
 */
interface ContentStream {
  compress: boolean;
  buffer: Uint8Array[];
  data: { Filter?: unknown };
  write(chunk: unknown): void;
}

/** The PageContent of each page content stream this module took over. */
const ofStream = new WeakMap<object, PageContent>();

export class PageContent {
  /** The page's operators so far (pdfkit's and lines.ts's, in order). */
  private readonly bytes = new Ascii(16384);
  private readonly write: (chunk: unknown) => void;

  private constructor(private readonly stream: ContentStream) {
    // What pdfkit already wrote (a new page's first operator) comes first.
    for (const c of stream.buffer) this.bytes.append(c);
    stream.buffer = [];
    this.write = stream.write.bind(stream);
    stream.write = (chunk: unknown) => {
      if (typeof chunk === 'string') this.addOperator(chunk);
      else {
        this.flush();
        this.write(chunk);
      }
    };
    ofStream.set(stream, this);
  }

  /** An operator — a string pdfkit writes (its characters' low bytes) or bytes lines.ts built — then a newline. */
  addOperator(op: string | Uint8Array): void {
    if (typeof op === 'string') this.bytes.text(op);
    else this.bytes.append(op);
    this.bytes.newline();
  }

  /** Hands what was collected to pdfkit's stream (before it is given bytes itself, or at the end). */
  private flush(): void {
    if (this.bytes.size === 0) return;
    this.write(Buffer.from(this.bytes.view()));
    this.bytes.clear();
  }

  /**
   * Deflate the finished stream now, at zlib level 1, and tell pdfkit it is done (pdfkit deflates
   * every stream at zlib's default level 6, which took twice as long for ~9 % smaller content
   * streams: drawing operators compress well at any level). The stream stays /FlateDecode; pdfkit
   * writes the bytes and their length as they are.
   */
  finish(): void {
    const c = this.stream;
    // A stream pdfkit compresses has no filter of its own (pdfkit sets /FlateDecode on its first write).
    if (c.compress !== true || (c.data.Filter !== undefined && c.data.Filter !== 'FlateDecode') || c.buffer.length > 0 || this.bytes.size === 0) {
      this.flush();
      return;
    }
    c.buffer = [deflateSync(this.bytes.view(), { level: 1 })];
    c.compress = false;
    c.data.Filter = 'FlateDecode';
    this.bytes.free();
  }

  /** Takes over the page's stream if this pdfkit keeps it as described above, else undefined (pdfkit's own path). */
  static of(page: PDFKit.PDFPage): PageContent | undefined {
    const c = (page as unknown as { content?: ContentStream }).content;
    if (!c || typeof c.write !== 'function' || !Array.isArray(c.buffer) || typeof c.compress !== 'boolean' || typeof c.data !== 'object') return undefined;
    return new PageContent(c);
  }

  /** The PageContent that took over this page's stream, if any (lines.ts hands it a line's bytes). */
  static taken(page: unknown): PageContent | undefined {
    const c = (page as { content?: object } | undefined)?.content;
    return c ? ofStream.get(c) : undefined;
  }
}
