/**
 * The service's per-request middleware, made cheap: every request pays for these, and the
 * submission route is the hot path.
 *  - securityHeaders: helmet's headers for our options, worked out once by helmet itself and set
 *    as constants (helmet recomputes them on every request, through a chain of 13 middlewares);
 *  - FixedWindow / IpRateLimiter / ipRateLimit: express-rate-limit's semantics (a fixed window per
 *    client from its first hit, IPv6 clients keyed by /56, draft-7 RateLimit headers, Retry-After
 *    and a JSON 429) without its promise chain per request;
 *  - jsonBody: the JSON body of a plain `application/json` request (isPlainJson) read and parsed
 *    directly (readPlainJson); every other request (another charset, a Content-Encoding, no
 *    Content-Length, over the limit) goes to express.json() as before, so errors and limits are
 *    body-parser's own (413, 400, 415 JSON).
 * The lean submission path (app.ts) uses the same pieces outside express.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** The headers helmet(options) sets (and removes), captured once by running helmet itself. */
export function helmetHeaders(options: Readonly<HelmetOptions>): { set: [string, string][]; removed: string[] } {
  const constant = (v: unknown): boolean => typeof v !== 'function' && (v === null || typeof v !== 'object' || Object.values(v).every(constant));
  if (!constant(options)) throw new Error('helmetHeaders: the options hold a function (per-request values such as nonces): not a constant header set');
  const set: [string, string][] = [];
  const removed: string[] = [];
  const res = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new Error(`helmetHeaders: header ${name} is not a constant string`);
      set.push([name, value]);
      return res;
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let done = false;
  let failed: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => {
    done = true;
    failed = err;
  });
  if (!done || failed) throw new Error(`helmetHeaders: helmet did not finish synchronously (${String(failed)})`);
  return { set, removed };
}

/** A function setting helmet's headers (captured by helmetHeaders) on a response. */
export function securityHeaderSetter({ set, removed }: ReturnType<typeof helmetHeaders>): (res: ServerResponse) => void {
  return (res) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
  };
}

/** securityHeaderSetter as middleware: helmet's headers on every response. Options must be constants (no nonce functions). */
export function securityHeaders(options: Readonly<HelmetOptions>): RequestHandler {
  const setHeaders = securityHeaderSetter(helmetHeaders(options));
  return (_req, res, next) => {
    setHeaders(res);
    next();
  };
}

interface Window {
  hits: number;
  /** Epoch ms when this window ends. */
  reset: number;
}

/**
 * Fixed-window counters: a key's window starts at its first hit and lasts windowMs; the next hit
 * after it starts a new one. Memory stays bounded by the keys active in the last two windows (the
 * same two-generation scheme as express-rate-limit's MemoryStore).
 */
export class FixedWindow {
  private current = new Map<string, Window>();
  private previous = new Map<string, Window>();
  private rotateAt: number;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    now = Date.now(),
  ) {
    this.rotateAt = now + windowMs;
  }

  /** Counts a hit; the key's window afterwards (hits > limit: refuse). */
  hit(key: string, now = Date.now()): Readonly<Window> {
    if (now >= this.rotateAt) {
      // Keys not seen for a whole window have expired: dropped in bulk.
      this.previous = this.current;
      this.current = new Map();
      this.rotateAt = now + this.windowMs;
    }
    let w = this.current.get(key);
    if (!w) {
      w = this.previous.get(key);
      if (w) this.previous.delete(key);
      else w = { hits: 0, reset: now + this.windowMs };
      this.current.set(key, w);
    }
    if (w.reset <= now) {
      w.hits = 0;
      w.reset = now + this.windowMs;
    }
    w.hits++;
    return w;
  }

  /** Whether a hit now is within the limit (counts it). */
  take(key: string, now = Date.now()): boolean {
    return this.hit(key, now).hits <= this.limit;
  }
}

/** A request counted by IpRateLimiter: its RateLimit header, and, over the limit, the seconds until its window resets. */
export interface IpCount {
  rateLimit: string;
  /** Set when the request is over the limit (then it is answered 429). */
  retryAfter: number | undefined;
}

/**
 * Requests per window per client address: express-rate-limit's behaviour with
 * `standardHeaders: 'draft-7', legacyHeaders: false` — RateLimit-Policy and RateLimit headers on
 * every response, Retry-After and status 429 with `message` as JSON when over the limit. Counting
 * (`count`) and answering (`answer`) are apart, so that the service's lean submission path
 * (app.ts) counts a request once, when it arrives, and its answer carries the headers of that count.
 */
export class IpRateLimiter {
  readonly policy: string;
  private readonly counters: FixedWindow;
  private readonly body: string;

  constructor(private readonly o: { limit: number; windowMs: number; message: object }) {
    this.counters = new FixedWindow(o.limit, o.windowMs);
    this.policy = `${o.limit};w=${Math.ceil(o.windowMs / 1000)}`;
    this.body = JSON.stringify(o.message);
  }

  /** Counts a request from this client address (IPv6 by /56). */
  count(ip: string | undefined, now = Date.now()): IpCount {
    const w = this.counters.hit(ip ? ipKeyGenerator(ip) : '', now);
    const resetSeconds = Math.max(0, Math.ceil((w.reset - now) / 1000));
    const limit = this.o.limit;
    return { rateLimit: `limit=${limit}, remaining=${Math.max(limit - w.hits, 0)}, reset=${resetSeconds}`, retryAfter: w.hits <= limit ? undefined : resetSeconds };
  }

  /** Sets a counted request's headers; over the limit, answers 429 (JSON) and returns false. */
  answer(res: Response, c: IpCount): boolean {
    res.setHeader('RateLimit-Policy', this.policy);
    res.setHeader('RateLimit', c.rateLimit);
    if (c.retryAfter === undefined) return true;
    res.setHeader('Retry-After', String(c.retryAfter));
    res.status(429).type('json').send(this.body);
    return false;
  }
}

/** IpRateLimiter as middleware, for the client address req.ip (trust proxy decides). */
export function ipRateLimit(o: { limit: number; windowMs: number; message: object }): RequestHandler {
  const limiter = new IpRateLimiter(o);
  return (req, res, next) => {
    if (limiter.answer(res, limiter.count(req.ip))) next();
  };
}

/** "1kb", "64kb", "1mb" or a number of bytes → bytes (as body-parser reads its limit). */
export function bytes(limit: string | number): number {
  if (typeof limit === 'number') return limit;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!m) throw new Error(`body limit "${limit}" is not a size like "64kb"`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  return Math.floor(Number(m[1]) * unit);
}

const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** An error the app's error handler reads like body-parser's (status and type). */
function bodyError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, type, expose: true });
}

/** A body being read by readPlainJson (kept on the request: no closures per request). */
interface Reading {
  expected: number;
  received: number;
  chunks: Buffer[];
  next: (err?: Error) => void;
}

const READING = Symbol('dlexam.jsonBody');
/** A request whose body readPlainJson reads: the parsed JSON goes to `body`. */
export type BodyRequest = IncomingMessage & { body?: unknown };
type ReadingRequest = BodyRequest & { [READING]?: Reading };

function onData(this: ReadingRequest, chunk: Buffer): void {
  const r = this[READING]!;
  r.received += chunk.length;
  r.chunks.push(chunk);
}

function onEnd(this: ReadingRequest): void {
  finishReading(this);
}

function onError(this: ReadingRequest, e: Error): void {
  finishReading(this, bodyError(400, 'request.aborted', e.message));
}

function onAborted(this: ReadingRequest): void {
  finishReading(this, bodyError(400, 'request.aborted', 'request aborted'));
}

function finishReading(req: ReadingRequest, err?: Error): void {
  const r = req[READING];
  if (!r) return;
  req[READING] = undefined;
  req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
  if (err) {
    r.next(err);
    return;
  }
  if (r.received !== r.expected) {
    r.next(bodyError(400, 'request.size.invalid', 'request size did not match content length'));
    return;
  }
  let text = (r.chunks.length === 1 ? r.chunks[0]! : Buffer.concat(r.chunks, r.received)).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) {
    req.body = {};
    r.next();
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    r.next(Object.assign(bodyError(400, 'entity.parse.failed', (e as Error).message), { body: text.slice(0, 200) }));
    return;
  }
  if (body === null || typeof body !== 'object') {
    r.next(bodyError(400, 'entity.parse.failed', 'strict JSON: the body must be an object or an array'));
    return;
  }
  req.body = body;
  r.next();
}

/**
 * Whether readPlainJson reads this request's body: Content-Type application/json (UTF-8), a
 * Content-Length within `max` bytes, no Content-Encoding. (Anything else is express.json's.)
 */
export function isPlainJson(h: IncomingHttpHeaders, max: number): boolean {
  const length = h['content-length'];
  const encoding = h['content-encoding'];
  const type = h['content-type'];
  return length !== undefined && (encoding === undefined || encoding.toLowerCase() === 'identity') && type !== undefined && PLAIN_JSON.test(type) && /^\d{1,15}$/.test(length) && Number(length) <= max;
}

/**
 * Reads and parses the body of a request isPlainJson accepted, as express.json({ strict: true })
 * would: `req.body` is the JSON (an empty body is {}); or `done(err)` with body-parser's errors
 * (malformed or not an object/array: 400 entity.parse.failed; 400 request.size.invalid, 400
 * request.aborted).
 */
export function readPlainJson(req: BodyRequest, done: (err?: Error) => void): void {
  (req as ReadingRequest)[READING] = { expected: Number(req.headers['content-length']), received: 0, chunks: [], next: done };
  req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
}

/**
 * express.json({ limit, strict: true }) for every request, with the usual one (isPlainJson) read
 * and parsed by readPlainJson: the same body, the same errors.
 */
export function jsonBody(limit: string | number): RequestHandler {
  const max = bytes(limit);
  const general = express.json({ limit, strict: true });
  return (req: Request, res: Response, next: NextFunction) => {
    if (isPlainJson(req.headers, max)) readPlainJson(req, next);
    else general(req, res, next);
  };
}
