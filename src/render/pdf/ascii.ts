/**
 * Content-stream bytes built in one growing buffer: a line of text is one piece (`view()` or
 * `take()`) instead of a string per operator and per glyph code, and a page's content is one buffer
 * (content.ts). Characters are stored as their low byte, as pdfkit writes content strings (and
 * latin1 reads them back).
 */
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

export class Ascii {
  private bytes: Buffer;
  private length = 0;

  /** `capacity`: bytes allocated at first (the buffer doubles as needed). */
  constructor(capacity = 2048) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  /** Bytes built so far. */
  get size(): number {
    return this.length;
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.length + n));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  text(s: string): void {
    this.room(s.length);
    const b = this.bytes;
    let at = this.length;
    for (let i = 0; i < s.length; i++) b[at++] = s.charCodeAt(i);
    this.length = at;
  }

  /** Bytes as they are. */
  append(b: Uint8Array): void {
    this.room(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }

  /** A newline. */
  newline(): void {
    this.room(1);
    this.bytes[this.length++] = 10;
  }

  /** `n`'s low 16 bits as four lower-case hex digits: pdfkit's `` `0000${n.toString(16)}`.slice(-4) ``. */
  hex4(n: number): void {
    this.room(4);
    const b = this.bytes;
    const at = this.length;
    b[at] = HEX[(n >>> 12) & 15]!;
    b[at + 1] = HEX[(n >>> 8) & 15]!;
    b[at + 2] = HEX[(n >>> 4) & 15]!;
    b[at + 3] = HEX[n & 15]!;
    this.length = at + 4;
  }

  /** The string built so far; starts a new one. */
  take(): string {
    const s = this.bytes.toString('latin1', 0, this.length);
    this.length = 0;
    return s;
  }

  /** The bytes built so far (a view, valid until the next change); `clear()` starts a new string. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Drops what was built. */
  clear(): void {
    this.length = 0;
  }

  /** Drops what was built and gives its memory back. */
  free(): void {
    this.bytes = Buffer.allocUnsafe(0);
    this.length = 0;
  }
}
