/**
 * A content-stream string built byte by byte: a line of text is one piece (`view()` or `take()`)
 * instead of a string per operator and per glyph code. Characters are stored as their low byte, as pdfkit writes
 * content strings (and latin1 reads them back).
 */
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

export class Ascii {
  private bytes = Buffer.allocUnsafe(2048);
  private length = 0;

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
}
