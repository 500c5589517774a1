/**
 * The cheap middleware (src/server/middleware.ts) behaves like what it replaces: helmet's headers,
 * express-rate-limit's counting, headers and 429, express.json's bodies and errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { HELMET_OPTIONS, RATE_LIMIT_MESSAGE } from '../../src/server/app.js';
import { FixedWindow, helmetHeaders, ipRateLimit, jsonBody, securityHeaders } from '../../src/server/middleware.js';

async function serve(...handlers: RequestHandler[]): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(...handlers);
  app.all('/{*any}', (req, res) => {
    res.json({ body: req.body === undefined ? '(undefined)' : (req.body as unknown) });
  });
  // The service's mapping of body-parser errors (app.ts).
  app.use((err: { status?: number; type?: string; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    void _next;
    const status = err.type === 'entity.too.large' ? 413 : err.type === 'entity.parse.failed' ? 400 : typeof err.status === 'number' && err.status < 500 ? err.status : 500;
    res.status(status).json({ error: err.type ?? 'error' });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const headersOf = (r: globalThis.Response, skip: RegExp) =>
  Object.fromEntries([...r.headers.entries()].filter(([k]) => !skip.test(k)).sort(([a], [b]) => a.localeCompare(b)));

describe('security headers', () => {
  test('exactly the headers helmet sets with the service options, on every response', async () => {
    const a = await serve(helmet(HELMET_OPTIONS));
    const b = await serve(securityHeaders(HELMET_OPTIONS));
    try {
      for (const path of ['/', '/x?y=1']) {
        const skip = /^(date|etag|connection|keep-alive)$/;
        const [ra, rb] = await Promise.all([fetch(a.url + path), fetch(b.url + path)]);
        assert.deepEqual(headersOf(rb, skip), headersOf(ra, skip));
      }
      const { set } = helmetHeaders(HELMET_OPTIONS);
      assert.ok(set.some(([k, v]) => k === 'Content-Security-Policy' && /default-src 'self'/.test(v)));
      assert.ok(set.length >= 10, JSON.stringify(set));
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('options with per-request values are refused', () => {
    assert.throws(() => helmetHeaders({ contentSecurityPolicy: { directives: { 'script-src': [() => "'nonce-x'"] } } }), /not a constant/);
  });
});

describe('per-IP rate limit', () => {
  test('same statuses, headers and 429 body as express-rate-limit (draft-7 headers)', async () => {
    const limit = 3;
    const a = await serve(rateLimit({ windowMs: 60_000, limit, standardHeaders: 'draft-7', legacyHeaders: false, message: RATE_LIMIT_MESSAGE }));
    const b = await serve(ipRateLimit({ windowMs: 60_000, limit, message: RATE_LIMIT_MESSAGE }));
    try {
      for (let i = 1; i <= 5; i++) {
        const [ra, rb] = await Promise.all([fetch(`${a.url}/api/x`), fetch(`${b.url}/api/x`)]);
        assert.equal(rb.status, ra.status, `request ${i}`);
        assert.equal(rb.status, i <= limit ? 200 : 429);
        const skip = /^(date|etag|connection|keep-alive|content-length)$/;
        assert.deepEqual(headersOf(rb, skip), headersOf(ra, skip), `request ${i}`);
        assert.deepEqual(await rb.json(), await ra.json());
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('fixed windows per key: from the first hit, reset after the window, stale keys dropped', () => {
    const t0 = 1_000_000;
    const w = new FixedWindow(2, 1000, t0);
    assert.deepEqual([w.take('a', t0), w.take('a', t0 + 10), w.take('a', t0 + 20), w.take('b', t0 + 500)], [true, true, false, true]);
    assert.equal(w.hit('a', t0 + 999).hits, 4);
    assert.equal(w.take('a', t0 + 1000), true); // a's window (from t0) is over
    assert.equal(w.hit('b', t0 + 1400).hits, 2); // b's window started at t0 + 500
    assert.equal(w.hit('b', t0 + 1500).hits, 1);
    // Keys idle for two rotations are gone; memory is bounded by the keys of the last two windows.
    w.take('c', t0 + 1600);
    w.take('d', t0 + 2100);
    w.take('e', t0 + 3200);
    const sizes = w as unknown as { current: Map<string, unknown>; previous: Map<string, unknown> };
    assert.deepEqual([...sizes.current.keys(), ...sizes.previous.keys()].sort(), ['d', 'e']);
  });
});

describe('JSON body', () => {
  let general: Awaited<ReturnType<typeof serve>>;
  let lean: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    general = await serve(express.json({ limit: '1kb', strict: true }));
    lean = await serve(jsonBody('1kb'));
  });
  after(async () => {
    await general.close();
    await lean.close();
  });

  test('every body reads as express.json reads it: values, empty, BOM, strictness, errors, limits, charsets, encodings', async () => {
    const json = { 'content-type': 'application/json' };
    const cases: { body?: string | Blob; headers?: Record<string, string> }[] = [
      { body: '{"a":1,"b":["x",null,true],"c":{"d":"é🙂"}}', headers: json },
      { body: '[1,2,3]', headers: json },
      { body: '  \n {"a": 1}  ', headers: json },
      { body: '\uFEFF{"bom":1}', headers: json },
      { body: '', headers: json },
      { body: 'null', headers: json },
      { body: '"text"', headers: json },
      { body: '123', headers: json },
      { body: '{"a":', headers: json },
      { body: '{"__proto__":{"x":1},"a":1}', headers: json },
      { body: JSON.stringify({ big: 'x'.repeat(2000) }), headers: json },
      { body: '{"a":1}', headers: { 'content-type': 'application/json; charset=utf-8' } },
      { body: '{"a":1}', headers: { 'content-type': 'Application/JSON; Charset="UTF-8"' } },
      { body: '{"a":1}', headers: { 'content-type': 'application/json; charset=latin1' } },
      { body: '{"a":1}', headers: { 'content-type': 'text/plain' } },
      { body: '{"a":1}', headers: {} },
      { body: new Blob([new Uint8Array(gzipSync('{"zipped":true}'))]), headers: { ...json, 'content-encoding': 'gzip' } },
      { body: new Blob([new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])]), headers: json },
    ];
    for (const c of cases) {
      const send = (url: string) => fetch(`${url}/api/x`, { method: 'POST', ...(c.headers ? { headers: c.headers } : {}), ...(c.body !== undefined ? { body: c.body } : {}) });
      const [rg, rl] = await Promise.all([send(general.url), send(lean.url)]);
      const label = `${JSON.stringify(c.headers)} ${String(c.body).slice(0, 40)}`;
      assert.equal(rl.status, rg.status, label);
      assert.deepEqual(await rl.json(), await rg.json(), label);
    }
  });

  test('a chunked body (no Content-Length) is read by express.json, with its limit', async () => {
    for (const size of [10, 5000]) {
      const chunks = ['{"a":"', 'y'.repeat(size), '"}'];
      const stream = () =>
        new ReadableStream({
          start(ctrl) {
            for (const c of chunks) ctrl.enqueue(new TextEncoder().encode(c));
            ctrl.close();
          },
        });
      const send = (url: string) => fetch(`${url}/api/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream(), duplex: 'half' } as RequestInit);
      const [rg, rl] = await Promise.all([send(general.url), send(lean.url)]);
      assert.equal(rl.status, rg.status);
      assert.equal(rl.status, size > 1000 ? 413 : 200);
      assert.deepEqual(await rl.json(), await rg.json());
    }
  });
});

describe('the service', () => {
  test('the per-IP limit covers every route and answers 429 with a JSON error; production defaults stay protective', async () => {
    const { createApp } = await import('../../src/server/app.js');
    const { ExamRegistry } = await import('../../src/server/exams.js');
    const { openStorage } = await import('../../src/server/storage/index.js');
    const storage = await openStorage(':memory:');
    const app = createApp({ exams: new ExamRegistry(), storage, perIpPerMinute: 3 });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const statuses = [];
      for (const path of ['/healthz', '/', '/api/submissions', '/healthz']) {
        const r = await fetch(url + path, path === '/api/submissions' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' } : {});
        statuses.push(r.status);
        assert.equal(r.headers.get('ratelimit-policy'), '3;w=60');
        if (r.status === 429) {
          assert.deepEqual(await r.json(), RATE_LIMIT_MESSAGE);
          assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
        } else await r.arrayBuffer();
      }
      assert.deepEqual(statuses, [200, 200, 400, 429]);
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await storage.close();
    }
    // Without options: 300 requests a minute per address.
    const defaults = createApp({ exams: new ExamRegistry(), storage: await openStorage(':memory:') });
    const s2 = await new Promise<Server>((resolve) => {
      const s = defaults.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const r = await fetch(`http://127.0.0.1:${(s2.address() as AddressInfo).port}/healthz`);
      assert.equal(r.headers.get('ratelimit-policy'), '300;w=60');
    } finally {
      await new Promise<void>((resolve) => {
        s2.close(() => resolve());
        s2.closeAllConnections();
      });
    }
  });
});
