/**
 * JSON of plain data, checked, with the JSON of deep-frozen subtrees remembered — as text
 * (jsonText) or as UTF-8 bytes (jsonBytes).
 *
 * jsonText(v) is JSON.stringify(v), and jsonBytes(v) its UTF-8 encoding, when v is plain JSON
 * data — null, booleans, finite numbers, well-formed strings, arrays without holes or undefined
 * entries, plain objects (prototype Object.prototype or null; properties whose value is undefined
 * are left out, as JSON does) — nested at most `maxDepth` levels; otherwise undefined (the caller
 * explains or refuses).
 *
 * A deep-frozen subtree (frozen plain objects and arrays with data properties only, all the way
 * down) cannot change, so its JSON is made once, and its UTF-8 bytes once, and reused: the
 * grader's shared, frozen question and part grades are serialised and encoded once per process,
 * not once per submission. (Their feedback is full of "−", "σ", "∂": text that V8 keeps as two-byte
 * strings, slow to measure and encode again and again.)
 */

interface Remembered {
  text: string;
  /** The UTF-8 encoding of text, made on first use. */
  bytes?: Uint8Array;
  /** Levels below the subtree's root (0 for a container of primitives). */
  height: number;
}

const remembered = new WeakMap<object, Remembered>();

type WellFormed = (s: string) => boolean;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** String.prototype.isWellFormed where the runtime has it. */
const isWellFormed: WellFormed =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/** A primitive JSON represents as it is: null, a boolean, a finite number, a well-formed string. */
function primitive(x: unknown): boolean {
  switch (typeof x) {
    case 'string':
      return isWellFormed(x);
    case 'number':
      return Number.isFinite(x);
    case 'boolean':
      return true;
    default:
      return x === null;
  }
}

function dataOnly(o: object): boolean {
  for (const d of Object.values(Object.getOwnPropertyDescriptors(o))) if (!('value' in d)) return false;
  return true;
}

/** The JSON being written: fresh text, and remembered subtrees between it. */
class Out {
  pieces: (string | Remembered)[] = [];
  private fresh = '';
  text(s: string): void {
    this.fresh += s;
  }
  subtree(r: Remembered): void {
    if (this.fresh) {
      this.pieces.push(this.fresh);
      this.fresh = '';
    }
    this.pieces.push(r);
  }
  append(o: Out): void {
    for (const p of o.done()) {
      if (typeof p === 'string') this.text(p);
      else this.subtree(p);
    }
  }
  done(): (string | Remembered)[] {
    if (this.fresh) {
      this.pieces.push(this.fresh);
      this.fresh = '';
    }
    return this.pieces;
  }
  string(): string {
    let s = '';
    for (const p of this.done()) s += typeof p === 'string' ? p : p.text;
    return s;
  }
}

const FAIL = -1;

/** The JSON of a primitive that primitive() accepted (numbers are finite: the digits JSON.stringify writes). */
function leaf(x: unknown): string {
  switch (typeof x) {
    case 'number':
      return `${x}`;
    case 'boolean':
      return x ? 'true' : 'false';
    case 'string':
      return JSON.stringify(x);
    default:
      return 'null';
  }
}

/** `"key":` for the keys containers are written with, made once per key (short keys, a bounded number of them). */
const quotedKeys = new Map<string, string>();

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (k.length <= 32 && quotedKeys.size < 1024) quotedKeys.set(k, q);
  }
  return q;
}

/**
 * Writes v's JSON to out. Returns FAIL, or the subtree's height × 2, plus 1 when the subtree is
 * fixed (deep-frozen, data properties only: its JSON can never change).
 */
function encode(v: unknown, depth: number, maxDepth: number, out: Out): number {
  if (v === null || typeof v !== 'object') {
    if (v === undefined || !primitive(v)) return FAIL;
    out.text(leaf(v));
    return 1;
  }
  const o = v as object;
  const known = remembered.get(o);
  if (known) {
    if (depth + known.height >= maxDepth) return FAIL;
    out.subtree(known);
    return known.height * 2 + 1;
  }
  if (depth >= maxDepth) return FAIL;
  const frozen = Object.isFrozen(o);
  // A frozen container is written on its own, to be remembered if all of it turns out fixed.
  const into = frozen ? new Out() : out;
  // Children's results folded in: all fixed so far (bit 0), and the height (the rest).
  let kids = 1;
  let leafOnly = true;
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const x: unknown = o[i];
      if (x === undefined) return FAIL;
      if (x !== null && typeof x === 'object') leafOnly = false;
      else if (!primitive(x)) return FAIL;
    }
    if (leafOnly) into.text(JSON.stringify(o));
    else {
      into.text('[');
      for (let i = 0; i < o.length; i++) {
        if (i) into.text(',');
        kids = child(o[i], depth, maxDepth, into, kids);
        if (kids === FAIL) return FAIL;
      }
      into.text(']');
    }
  } else {
    const proto = Object.getPrototypeOf(o) as unknown;
    if (proto !== Object.prototype && proto !== null) return FAIL;
    const rec = o as Record<string, unknown>;
    const keys = Object.keys(rec);
    for (const k of keys) {
      if (!isWellFormed(k)) return FAIL;
      const x = rec[k];
      if (x !== null && typeof x === 'object') leafOnly = false;
      else if (x !== undefined && !primitive(x)) return FAIL;
    }
    if (leafOnly) into.text(JSON.stringify(o));
    else {
      into.text('{');
      let first = true;
      for (const k of keys) {
        const x = rec[k];
        if (x === undefined) continue;
        if (!first) into.text(',');
        into.text(quotedKey(k));
        first = false;
        kids = child(x, depth, maxDepth, into, kids);
        if (kids === FAIL) return FAIL;
      }
      into.text('}');
    }
  }
  const height = kids >> 1;
  if (!frozen) return height * 2;
  // Remembered only when nothing below can change: frozen, and no getters anywhere.
  if ((kids & 1) === 1 && dataOnly(o)) {
    const text = into.string();
    // One flat string instead of a rope of pieces: fewer objects to keep (and mark) for as long as
    // the subtree lives. (ToNumber flattens a string; the number itself is of no use.)
    void Number(text);
    const r: Remembered = { text, height };
    remembered.set(o, r);
    out.subtree(r);
    return height * 2 + 1;
  }
  out.append(into);
  return height * 2;
}

/**
 * One child of a container at `depth` written into `into` (a leaf directly; its checks were done by
 * the container's first pass): FAIL, or the container's running fold `kids` with the child folded in.
 */
function child(x: unknown, depth: number, maxDepth: number, into: Out, kids: number): number {
  if (x === null || typeof x !== 'object') {
    into.text(leaf(x));
    return kids;
  }
  const r = encode(x, depth + 1, maxDepth, into);
  return r === FAIL ? FAIL : fold(kids, r);
}

/** A container's running fold of its children's encode results: fixed if all are, height = max + 1. */
function fold(kids: number, r: number): number {
  const height = Math.max(kids >> 1, (r >> 1) + 1);
  return height * 2 + (kids & r & 1);
}

function pieces(v: unknown, maxDepth: number): Out | undefined {
  const out = new Out();
  return encode(v, 0, maxDepth, out) === FAIL ? undefined : out;
}

/** JSON.stringify(v) for plain JSON data nested at most maxDepth levels; undefined for anything else. */
export function jsonText(v: unknown, maxDepth = 64): string | undefined {
  return pieces(v, maxDepth)?.string();
}

/** Pieces of fresh text up to this length are measured and copied here when they are ASCII (the usual keys, numbers, punctuation): no call into C++ per piece. */
const SHORT = 48;

/** UTF-8 length of a fresh piece. */
function utf8Length(s: string): number {
  if (s.length <= SHORT) {
    let i = 0;
    while (i < s.length && s.charCodeAt(i) < 0x80) i++;
    if (i === s.length) return i;
  }
  return Buffer.byteLength(s, 'utf8');
}

/** Writes a fresh piece at `at`; the bytes written. */
function writeText(bytes: Buffer, s: string, at: number): number {
  if (s.length <= SHORT) {
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[at + i] = c;
    }
    if (i === s.length) return i;
  }
  return bytes.write(s, at, 'utf8');
}

/** The UTF-8 bytes of jsonText(v) (a Buffer, possibly a slice of Node's pool); undefined for anything else. */
export function jsonBytes(v: unknown, maxDepth = 64): Buffer | undefined {
  const out = pieces(v, maxDepth);
  if (!out) return undefined;
  const parts = out.done();
  // Plain data with no remembered subtree (answers, say): its text, encoded in one go.
  if (parts.length === 1 && typeof parts[0] === 'string') return Buffer.from(parts[0], 'utf8');
  let n = 0;
  for (const p of parts) n += typeof p === 'string' ? utf8Length(p) : (p.bytes ??= Buffer.from(p.text, 'utf8')).length;
  const bytes = Buffer.allocUnsafe(n);
  n = 0;
  for (const p of parts) {
    if (typeof p === 'string') n += writeText(bytes, p, n);
    else {
      bytes.set(p.bytes!, n);
      n += p.bytes!.length;
    }
  }
  return bytes;
}
