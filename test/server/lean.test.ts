/**
 * The lean submission path (app.ts, createService().listener): POST /api/submissions with a plain
 * JSON body is answered outside express, everything else by express. Over real HTTP, the service's
 * listener and the express app alone (each with its own database, the same exams and limits) must
 * give the same answers — status, headers, body — to the same requests, and only the usual valid
 * submission may stay off express.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createService } from '../../src/server/app.js';
import { ExamRegistry } from '../../src/server/exams.js';
import { openStorage, type Storage } from '../../src/server/storage/index.js';
import { ADMIN, keyAnswers, startFixture, type Fixture } from './helpers.js';

let fx: Fixture;
before(async () => {
  fx = await startFixture();
});
after(async () => {
  await fx.server.close();
});

interface Running {
  url: string;
  /** Requests express handled (app.handle calls): lean answers do not count. */
  expressCalls: () => number;
  storage: Storage;
  close: () => Promise<void>;
}

let dbSeq = 0;
/** The service on a fresh database: through its listener (`lean`) or through the express app alone. */
async function start(kind: 'lean' | 'express', limits: { perIpPerMinute?: number; perStudentPerMinute?: number }): Promise<Running> {
  const exams = ExamRegistry.load(join(fx.dir, 'out'));
  const storage = await openStorage(join(fx.dir, `lean-${kind}-${++dbSeq}.sqlite`));
  for (const e of exams.list()) await storage.upsertExam({ id: e.id, title: e.doc.exam.title, mode: e.doc.exam.mode, sha256: e.sha256 });
  const { app, listener } = createService({ exams, storage, adminToken: ADMIN, ...limits });
  // Every request express sees goes through app.handle (the app is `(req, res) => app.handle(req, res)`).
  let calls = 0;
  const counted = app as unknown as { handle: (...a: unknown[]) => unknown };
  const handle = counted.handle.bind(app);
  counted.handle = (...a) => {
    calls++;
    return handle(...a);
  };
  const server = await new Promise<Server>((resolve) => {
    const s = createServer(kind === 'lean' ? listener : app);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    expressCalls: () => calls,
    storage,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await storage.close();
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One raw HTTP request (any method, headers, chunked or not), its answer with the headers that do not vary by time or socket. */
function send(url: string, o: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.from(o.body);
    const headers = { ...o.headers, ...(body && !o.chunked ? { 'content-length': String(body.length) } : {}) };
    const req = request(`${url}${o.path ?? '/api/submissions'}`, { method: o.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = Object.fromEntries(Object.entries(res.headers).filter(([k]) => !/^(date|connection|keep-alive)$/.test(k)).map(([k, v]) => [k, String(v)]));
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    if (body && o.chunked) {
      // Two writes without a Content-Length: Transfer-Encoding: chunked.
      req.write(body.subarray(0, 5));
      req.end(body.subarray(5));
    } else req.end(body);
  });
}

const json = { 'content-type': 'application/json' };
const submission = (student: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ exam: 'srv-practice', code: fx.practice.variants[0]!.code, student, answers: keyAnswers(fx.practice), ...extra });

/** Sends each request to both services, in order, and checks the answers are the same. */
async function sameAnswers(limits: { perIpPerMinute?: number; perStudentPerMinute?: number }, requests: (Parameters<typeof send>[1] & { expect: number })[]) {
  const lean = await start('lean', limits);
  const plain = await start('express', limits);
  try {
    const answers: Answer[] = [];
    for (const r of requests) {
      const [a, b] = [await send(lean.url, r), await send(plain.url, r)];
      const label = `${r.method ?? 'POST'} ${r.path ?? '/api/submissions'} ${JSON.stringify(r.headers)} ${String(r.body).slice(0, 60)}`;
      assert.equal(a.status, r.expect, `${label}: ${a.body.slice(0, 200)}`);
      assert.deepEqual(a, b, label);
      answers.push(a);
    }
    return { answers, lean, plain };
  } finally {
    await lean.close();
    await plain.close();
  }
}

describe('the lean submission path', () => {
  test('valid submissions: the same status, headers and body as through express, and express is not involved', async () => {
    const lean = await start('lean', {});
    const plain = await start('express', {});
    try {
      const requests = [
        { headers: json, body: submission('lena') },
        { headers: { 'content-type': 'application/json; charset=utf-8' }, body: submission('lena') },
        { headers: { 'content-type': 'Application/JSON; Charset="UTF-8"' }, body: `\uFEFF${submission('omar')}` },
        { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: fx.exam.variants[0]!.code.toLowerCase(), student: ' pat ', answers: { '1.shape': '(1, 2, 3)' } }) },
      ];
      for (const r of requests) {
        const [a, b] = [await send(lean.url, r), await send(plain.url, r)];
        assert.equal(a.status, 201, a.body);
        assert.deepEqual(a, b);
        assert.equal(a.headers['x-content-type-options'], 'nosniff');
        assert.match(a.headers['content-security-policy'] ?? '', /default-src 'self'/);
        assert.equal(a.headers['ratelimit-policy'], '300;w=60');
        assert.equal(a.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(a.headers['etag'], undefined);
      }
      assert.equal(lean.expressCalls(), 0, 'the lean path answered every one of them');
      assert.equal(plain.expressCalls(), requests.length);
      // Stored the same way, durably, before the answer.
      const [x, y] = [await lean.storage.listSubmissions('srv-practice'), await plain.storage.listSubmissions('srv-practice')];
      assert.deepEqual(
        x.map((s) => [s.student, s.attempt, s.answers, s.result]),
        y.map((s) => [s.student, s.attempt, s.answers, s.result]),
      );
      assert.equal(x.length, 3);
    } finally {
      await lean.close();
      await plain.close();
    }
  });

  test('refusals and errors on the hot route are answered as by express (body, validation, unknown, attempts, limits)', async () => {
    const exam = fx.exam.variants[0]!.code;
    const { lean } = await sameAnswers({ perStudentPerMinute: 3 }, [
      { headers: json, body: '{"exam": ', expect: 400 },
      { headers: json, body: '123', expect: 400 },
      { headers: json, body: '', expect: 400 },
      { headers: json, body: '{"exam":"srv-exam"}', expect: 400 },
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: exam, student: 'x y', answers: {} }), expect: 400 },
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: exam, student: 'dan', answers: { '9.shape': '1' } }), expect: 400 },
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: exam, student: 'dan', answers: { a: '\uD800' } }).replace('\uD800', '\\ud800'), expect: 400 },
      { headers: json, body: JSON.stringify({ exam: 'nope', code: exam, student: 'dan', answers: {} }), expect: 404 },
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: 'ZZZZZZ', student: 'dan', answers: {} }), expect: 404 },
      // Two attempts in exam mode, then 409; the per-student limit (3 a minute), then 429.
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: exam, student: 'eve', answers: {} }), expect: 201 },
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: exam, student: 'eve', answers: {} }), expect: 201 },
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: exam, student: 'eve', answers: {} }), expect: 409 },
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: exam, student: 'eve', answers: {} }), expect: 429 },
    ]);
    // Every refusal was handed over to express (its error handler answered); the 201s were not.
    assert.equal(lean.expressCalls(), 11);
  });

  test('requests the lean path leaves to express: other bodies, spellings and methods', async () => {
    const body = submission('kim');
    const { lean } = await sameAnswers({}, [
      { headers: { 'content-type': 'application/json; charset=latin1' }, body, expect: 415 },
      { headers: { 'content-type': 'text/plain' }, body, expect: 415 },
      { headers: {}, body, expect: 415 },
      { headers: json, body: JSON.stringify({ exam: 'srv-exam', code: 'X', student: 'kim', answers: { a: 'x'.repeat(70_000) } }), expect: 413 },
      { headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync(body), expect: 201 },
      { headers: json, body: submission('kim2'), chunked: true, expect: 201 },
      { headers: json, path: '/api/submissions/', body: submission('kim3'), expect: 201 },
      { headers: json, path: '/API/Submissions', body: submission('kim4'), expect: 201 },
      { headers: json, path: '/api/submissions?x=1', body: submission('kim5'), expect: 201 },
      { headers: json, path: '/api/submissions/', body: '{"exam": ', expect: 400 },
      { method: 'PUT', headers: json, body, expect: 404 },
      { method: 'GET', expect: 404 },
      { method: 'HEAD', expect: 404 },
      { method: 'OPTIONS', expect: 404 },
      { method: 'GET', path: '/healthz', expect: 200 },
    ]);
    assert.equal(lean.expressCalls(), 15);
  });

  test('the per-IP limit counts lean and express requests together, once each; its 429 is the same', async () => {
    const { answers, lean } = await sameAnswers({ perIpPerMinute: 4 }, [
      { headers: json, body: submission('ivy1'), expect: 201 },
      { method: 'GET', path: '/healthz', expect: 200 },
      { headers: json, body: '{"exam": ', expect: 400 },
      { headers: json, body: submission('ivy2'), expect: 201 },
      { headers: json, body: submission('ivy3'), expect: 429 },
      { method: 'GET', path: '/healthz', expect: 429 },
    ]);
    assert.deepEqual(
      answers.map((a) => a.headers['ratelimit']?.replace(/reset=\d+/, 'reset=*')),
      [3, 2, 1, 0, 0, 0].map((n) => `limit=4, remaining=${n}, reset=*`),
    );
    assert.deepEqual(JSON.parse(answers[4]!.body), { error: 'too many requests from this address; wait a minute' });
    assert.match(answers[4]!.headers['retry-after'] ?? '', /^\d+$/);
    // healthz, the malformed body and both 429s went to express; the two good submissions did not.
    assert.equal(lean.expressCalls(), 4);
  });
});
