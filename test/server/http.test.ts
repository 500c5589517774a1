import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { answerFromJson, formatAnswer } from '../../src/core/answer.js';
import { ADMIN, keyAnswers, startFixture, type Fixture } from './helpers.js';

let fx: Fixture;
before(async () => {
  fx = await startFixture({ perIpPerMinute: 100_000 });
});
after(async () => {
  await fx.server.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${fx.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${fx.server.url}${path}`, { headers });
const auth = { authorization: `Bearer ${ADMIN}` };

test('practice mode: the key scores full marks and the response has per-part feedback', async () => {
  const v = fx.practice.variants[0]!;
  const r = await post('/api/submissions', { exam: 'srv-practice', code: v.code.toLowerCase(), student: 'alice', answers: keyAnswers(fx.practice) });
  assert.equal(r.status, 201);
  const body = (await r.json()) as { status: string; attempt: number; score: { total: number; max: number }; questions: unknown[] };
  assert.equal(body.status, 'graded');
  assert.equal(body.attempt, 1);
  assert.equal(body.score.total, body.score.max);
  assert.equal(body.score.max, 16);
  assert.equal(body.questions.length, 4);
});

test('the stored score keeps per-question and per-part points, not labels or feedback texts', async () => {
  const v = fx.practice.variants[0]!;
  // One typical mistake's answer, so that the reply has feedback for it.
  const q = v.questions.find((x) => x.mistakes.some((m) => Object.keys(m.answers).length > 0))!;
  const [partId, wrong] = Object.entries(q.mistakes.find((m) => Object.keys(m.answers).length > 0)!.answers)[0]!;
  const answers = { ...keyAnswers(fx.practice), [`${q.number}.${partId}`]: formatAnswer(answerFromJson(wrong)) };
  const r = await post('/api/submissions', { exam: 'srv-practice', code: v.code, student: 'stored1', answers });
  assert.equal(r.status, 201);
  const reply = (await r.json()) as { id: number; questions: { number: number; points: number; parts: { id: string; points: number; feedback: string[] }[] }[] };
  const stored = (await fx.server.storage.getSubmission(reply.id))!;
  const detail = stored.result!.detail as { questions: { number: number; points: number; parts: Record<string, unknown>[] }[] };
  assert.deepEqual(
    detail.questions.map((q) => [q.number, q.points, q.parts.map((p) => [p['id'], p['points']])]),
    reply.questions.map((q) => [q.number, q.points, q.parts.map((p) => [p.id, p.points])]),
  );
  assert.ok(reply.questions.some((x) => x.parts.some((p) => p.feedback.length > 0)), 'the reply has feedback');
  assert.doesNotMatch(JSON.stringify(detail), /"feedback"|"label"/);
  assert.deepEqual(stored.answers, answers);
});

test('exam mode: only "received", never scores, answers or keys', async () => {
  const v = fx.exam.variants[1]!;
  const r = await post('/api/submissions', { exam: 'srv-exam', code: v.code, student: 'bob', answers: { '1.shape': '(1, 2, 3)' } });
  assert.equal(r.status, 201);
  const body = (await r.json()) as Record<string, unknown>;
  assert.equal(body['status'], 'received');
  assert.equal(body['score'], undefined);
  assert.doesNotMatch(JSON.stringify(body), /text|exact|answer/);
});

test('attempt limit: the third submission is refused with 409', async () => {
  const v = fx.exam.variants[0]!;
  for (const expected of [201, 201, 409]) {
    const r = await post('/api/submissions', { exam: 'srv-exam', code: v.code, student: 'carol', answers: {} });
    assert.equal(r.status, expected);
  }
});

test('invalid, malformed, oversized, unknown: 4xx with a JSON error body', async () => {
  const v = fx.exam.variants[0]!;
  const cases: [unknown, number, RegExp][] = [
    [{ exam: 'srv-exam' }, 400, /code/],
    [{ exam: 'srv-exam', code: v.code, student: 'x y', answers: {} }, 400, /student id may contain/],
    [{ exam: 'srv-exam', code: v.code, student: 'dan', answers: { '9.shape': '1' } }, 400, /unknown answer fields/],
    [{ exam: 'nope', code: v.code, student: 'dan', answers: {} }, 404, /unknown exam/],
    [{ exam: 'srv-exam', code: 'ZZZZZZ', student: 'dan', answers: {} }, 404, /unknown variant code/],
    ['{"exam": ', 400, /malformed JSON/],
    [{ exam: 'srv-exam', code: v.code, student: 'dan', answers: { '1.shape': 'x'.repeat(100_000) } }, 413, /too large/],
  ];
  for (const [body, status, msg] of cases) {
    const r = await post('/api/submissions', body);
    assert.equal(r.status, status, JSON.stringify(body).slice(0, 80));
    assert.match(r.headers.get('content-type') ?? '', /json/);
    const j = (await r.json()) as { error: string; details?: unknown };
    assert.match(JSON.stringify(j), msg);
    assert.doesNotMatch(JSON.stringify(j), /at .*\.ts:\d+/);
  }
  const text = await fetch(`${fx.server.url}/api/submissions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
  assert.equal(text.status, 415);
});

test('instructor routes need the token; results as JSON and CSV; item statistics', async () => {
  assert.equal((await get('/api/exams')).status, 401);
  assert.equal((await get('/api/exams', { authorization: 'Bearer wrong-token-0000000000' })).status, 401);
  const list = (await (await get('/api/exams', auth)).json()) as { id: string }[];
  assert.deepEqual(list.map((e) => e.id).sort(), ['srv-exam', 'srv-practice']);
  const csv = await (await get('/api/exams/srv-practice/results?format=csv', auth)).text();
  const [head, ...rows] = csv.trim().split('\n');
  assert.match(head!, /^student,code,attempt,attempts,total,max,Q1,Q2,Q3,Q4,submitted_at$/);
  assert.ok(rows.some((r) => r.startsWith('alice,')));
  const items = (await (await get('/api/exams/srv-practice/items', auth)).json()) as { items: { question: number; facility: number }[] };
  assert.equal(items.items.length, 4);
  assert.equal((await get('/api/exams/none/results', auth)).status, 404);
});

test('concurrent submissions of one student get distinct, gap-free attempts', async () => {
  const v = fx.practice.variants[1]!;
  const rs = await Promise.all(Array.from({ length: 8 }, () => post('/api/submissions', { exam: 'srv-practice', code: v.code, student: 'erin', answers: {} })));
  const statuses = rs.map((r) => r.status);
  // The per-student limit is 10 a minute: all 8 pass.
  assert.deepEqual(statuses, Array(8).fill(201));
  const attempts = (await Promise.all(rs.map((r) => r.json() as Promise<{ attempt: number }>))).map((b) => b.attempt).sort((a, b) => a - b);
  assert.deepEqual(attempts, [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('other spellings of the submission route (case, trailing slash, query) behave the same', async () => {
  const v = fx.practice.variants[1]!;
  for (const [i, path] of ['/API/Submissions', '/api/submissions/', '/api/submissions?x=1'].entries()) {
    const r = await post(path, { exam: 'srv-practice', code: v.code, student: `ivy${i}`, answers: keyAnswers(fx.practice, 1) });
    assert.equal(r.status, 201, path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('ratelimit-policy'), '100000;w=60');
    const body = (await r.json()) as { status: string; score: { total: number; max: number } };
    assert.equal(body.status, 'graded');
    assert.equal(body.score.total, body.score.max);
    const bad = await post(path, '{"exam": ');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /malformed JSON/);
  }
});

test('per-student limit: the 11th submission of a student within a minute is refused with 429 JSON', async () => {
  const v = fx.practice.variants[0]!;
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) {
    const r = await post('/api/submissions', { exam: 'srv-practice', code: v.code, student: 'hank', answers: {} });
    statuses.push(r.status);
    if (r.status === 429) assert.match(((await r.json()) as { error: string }).error, /too many submissions for this student/);
    else await r.arrayBuffer();
  }
  assert.deepEqual(statuses, [...Array<number>(10).fill(201), 429]);
  // Another student is not affected.
  assert.equal((await post('/api/submissions', { exam: 'srv-practice', code: v.code, student: 'hank2', answers: {} })).status, 201);
});

test('security headers, HTML form without answers, unknown routes', async () => {
  const v = fx.exam.variants[0]!;
  const r = await get(`/exam/srv-exam/${v.code}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.equal(r.headers.get('x-powered-by'), null);
  const html = await r.text();
  assert.match(html, /<label for="student">Student ID<\/label>/);
  for (const q of v.questions) assert.match(html, new RegExp(`Question ${q.number}`));
  // No key material in the page: no worked steps, no part answer texts of multi-digit numbers.
  assert.doesNotMatch(html, /Worked solution|verification|mistakes/i);
  assert.equal((await get('/no/such/route')).status, 404);
  assert.equal((await get(`/exam/srv-exam/NOPE00`)).status, 404);
});

test('property: 10,000 hostile answer strings (2,000 requests × 5 answers) never produce a 5xx', async () => {
  const v = fx.practice.variants[0]!;
  const keys = Object.keys(keyAnswers(fx.practice));
  const hostile = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ maxLength: 100, unit: 'binary' }),
    fc.constantFrom('1e999999', '1/0', '[[[[[[[[[[', '__proto__', 'NaN', '-Infinity', '√-1', '(None,,)', '9^9^9^9', ')'.repeat(500), '\u0000', '<script>alert(1)</script>'),
  );
  let n = 0;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...keys), hostile), { minLength: 5, maxLength: 5 }), async (pairs) => {
      const r = await post('/api/submissions', { exam: 'srv-practice', code: v.code, student: `fuzz${n++}`, answers: Object.fromEntries(pairs) });
      await r.arrayBuffer();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      return r.status < 500;
    }),
    { numRuns: 2000 },
  );
  // Lone UTF-16 surrogates (from the binary strings) are refused with 400 by storage validation.
  assert.ok((statuses.get(201) ?? 0) > 500, JSON.stringify([...statuses]));
  assert.deepEqual([...statuses.keys()].sort(), [201, 400]);
});

test('concurrent submissions of one student past the attempt limit: exactly the allowed number are stored', async () => {
  const v = fx.exam.variants[2]!;
  const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => post('/api/submissions', { exam: 'srv-exam', code: v.code, student: 'frank', answers: { '1.shape': String(i) } })));
  const bodies = await Promise.all(rs.map((r) => r.json() as Promise<{ attempt?: number; error?: string }>));
  // The exam allows 2 attempts: two are stored (attempts 1 and 2, one commit or two), four refused.
  assert.deepEqual(rs.map((r) => r.status).sort(), [201, 201, 409, 409, 409, 409]);
  assert.deepEqual(bodies.filter((b) => b.attempt !== undefined).map((b) => b.attempt).sort(), [1, 2]);
  assert.ok(bodies.filter((b) => b.error).every((b) => /no attempts left/.test(b.error!)));
  const rows = await fx.server.storage.listSubmissions('srv-exam', { student: 'frank' });
  assert.deepEqual(rows.map((r) => r.attempt), [1, 2]);
});

test('the service answers only after the submission is committed: it is in storage when the 201 arrives', async () => {
  const v = fx.practice.variants[0]!;
  const rs = await Promise.all(Array.from({ length: 5 }, (_, i) => post('/api/submissions', { exam: 'srv-practice', code: v.code, student: `gina${i}`, answers: keyAnswers(fx.practice) })));
  const ids = await Promise.all(rs.map(async (r) => ((await r.json()) as { id: number }).id));
  // Another connection sees only committed rows.
  const db = new Database(fx.server.storage.description.replace(/^sqlite:/, ''), { readonly: true });
  try {
    for (const id of ids) assert.ok(db.prepare('SELECT id FROM submissions WHERE id = ?').get(id), `submission ${id} answered but not committed`);
  } finally {
    db.close();
  }
});
