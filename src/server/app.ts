/**
 * The grading service (express 5). Student routes: an HTML answer form per variant code (works
 * without JavaScript) and POST /api/submissions. Instructor routes (bearer token): exams, results
 * (JSON/CSV) and item statistics. Answers are read only from exam.json documents; no route ever
 * sends an answer key, or another student's data, to a student.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { HelmetOptions } from 'helmet';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from 'pino';
import { csvCell } from '../render/export/csv.js';
import { itemStats } from '../grade/stats.js';
import type { ExamRegistry, LoadedExam } from './exams.js';
import type { VariantDoc } from '../exam/types.js';
import { renderForm, renderResult, type ResultView } from './form.js';
import { isStorageError, type Storage, type StudentResult } from './storage/index.js';
import { gradeAnswers, publicQuestion, storedOutcome, type GradeOutcome, type StoredOutcome } from './grading.js';
import { escapeHtml } from '../render/html.js';
import { jsonBytes } from './json.js';
import { bytes, FixedWindow, helmetHeaders, IpRateLimiter, isPlainJson, jsonBody, readPlainJson, securityHeaderSetter, type BodyRequest, type IpCount } from './middleware.js';

export interface AppOptions {
  exams: ExamRegistry;
  storage: Storage;
  /** Bearer token for instructor routes; without one those routes answer 503. */
  adminToken?: string;
  logger?: Logger;
  /** Requests per minute per IP on every route (default 300). */
  perIpPerMinute?: number;
  /** Submissions per minute per (exam, student) (default 10). */
  perStudentPerMinute?: number;
  /** Body size limit (default 64 kB). */
  bodyLimit?: string;
}

/** An error with an HTTP status and a JSON body; anything else becomes a 500 without details. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const studentId = z
  .string()
  .trim()
  .min(1, 'student id is required')
  .max(64, 'student id is at most 64 characters')
  .regex(/^[\p{L}\p{N}._@+-]+$/u, 'student id may contain letters, digits and . _ @ + - only');

/** The JSON body of POST /api/submissions (exported for tests). */
export const submissionBody = z.strictObject({
  exam: z.string().min(1).max(200),
  code: z.string().min(1).max(32),
  student: studentId,
  answers: z.record(z.string().max(100), z.string().max(4000)).refine((a) => Object.keys(a).length <= 500, 'too many answers'),
});

type SubmissionBody = z.output<typeof submissionBody>;
const BODY_KEYS = ['exam', 'code', 'student', 'answers'];
const STUDENT_ID = /^[\p{L}\p{N}._@+-]+$/u;

/**
 * submissionBody.safeParse for the usual, valid body, without zod: the same checks and the same
 * output (the student id trimmed). undefined for anything else — zod then decides and explains.
 */
export function quickSubmissionBody(b: unknown): SubmissionBody | undefined {
  if (b === null || typeof b !== 'object' || Array.isArray(b) || Object.getPrototypeOf(b) !== Object.prototype) return undefined;
  const o = b as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 4 || !BODY_KEYS.every((k) => Object.hasOwn(o, k))) return undefined;
  const { exam, code, student, answers } = o;
  if (typeof exam !== 'string' || exam.length < 1 || exam.length > 200) return undefined;
  if (typeof code !== 'string' || code.length < 1 || code.length > 32) return undefined;
  if (typeof student !== 'string') return undefined;
  const id = student.trim();
  if (id.length < 1 || id.length > 64 || !STUDENT_ID.test(id)) return undefined;
  if (answers === null || typeof answers !== 'object' || Array.isArray(answers) || Object.getPrototypeOf(answers) !== Object.prototype) return undefined;
  const a = answers as Record<string, unknown>;
  const fields = Object.keys(a);
  if (fields.length > 500) return undefined;
  for (const k of fields) {
    // zod's record leaves "__proto__" out of its copy: let it.
    if (k.length > 100 || k === '__proto__') return undefined;
    const v = a[k];
    if (typeof v !== 'string' || v.length > 4000) return undefined;
  }
  return { exam, code, student: id, answers: a as Record<string, string> };
}

function zodDetails(e: z.ZodError) {
  return e.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
}

/** helmet's options for the service (constants: the headers are worked out once, by helmet). */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = { contentSecurityPolicy: { directives: { 'default-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"], 'form-action': ["'self'"] } } };

export const RATE_LIMIT_MESSAGE = { error: 'too many requests from this address; wait a minute' };

function tokenOk(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function htmlPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">${body}</body></html>`;
}

function resultView(id: number, attempt: number, student: string, graded: boolean, g: GradeOutcome): ResultView {
  return {
    id,
    attempt,
    student,
    graded,
    ...(graded
      ? {
          total: g.total,
          max: g.max,
          questions: g.questions.map((q) => ({
            number: q.number,
            points: q.points,
            max: q.max,
            parts: q.parts.map((p) => ({
              label: p.label,
              status: p.points >= p.max - 1e-9 ? 'ok' : p.points > 0 ? 'partial' : 'error',
              statusText: `${p.points} / ${p.max}${p.error ? ` — ${p.error}` : ''}`,
              feedback: p.feedback,
            })),
          })),
        }
      : {}),
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The service: its express app and the server's request listener. */
export interface Service {
  /** Every route, headers, limits and errors: on its own, a complete service (tests listen on it). */
  app: express.Express;
  /**
   * The HTTP server's request listener: POST /api/submissions with a plain JSON body on the lean
   * path (below), every other request to `app`.
   */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
}

/** A request the lean path hands over to express: its per-IP count, and the error to answer (none: the 429 of that count). */
interface HandedOver {
  count: IpCount;
  error: unknown;
}
const HANDED = Symbol('dlexam.handedOver');
type HandedRequest = IncomingMessage & { [HANDED]?: HandedOver };

export function createApp(o: AppOptions): express.Express {
  return createService(o).app;
}

export function createService(o: AppOptions): Service {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const security = helmetHeaders(HELMET_OPTIONS);
  const setSecurityHeaders = securityHeaderSetter(security);
  const limiter = new IpRateLimiter({ windowMs: 60_000, limit: o.perIpPerMinute ?? 300, message: RATE_LIMIT_MESSAGE });
  const limit = o.bodyLimit ?? '64kb';
  const maxBody = bytes(limit);
  const readJson = jsonBody(limit);
  const perStudent = new FixedWindow(o.perStudentPerMinute ?? 10, 60_000);
  const log = o.logger;

  /** A submission's JSON body → the 201 answer's bytes; HttpErrors for everything refused. */
  const acceptSubmission = async (raw: unknown, ip: string | undefined): Promise<Buffer> => {
    let body = quickSubmissionBody(raw);
    if (!body) {
      const parsed = submissionBody.safeParse(raw);
      if (!parsed.success) throw new HttpError(400, 'invalid submission', zodDetails(parsed.error));
      body = parsed.data;
    }
    const { exam: examId, code, student, answers } = body;
    const found = o.exams.variant(examId, code);
    if (!found) {
      if (!o.exams.get(examId)) throw new HttpError(404, `unknown exam "${examId}"`);
      throw new HttpError(404, `unknown variant code "${code}" for exam "${examId}"`);
    }
    const { exam, variant } = found;
    const { added, graded } = await submit(exam, variant, student, answers, ip);
    const practice = exam.doc.exam.mode === 'practice';
    const reply = {
      id: added.id,
      attempt: added.attempt,
      exam: exam.id,
      code: variant.code,
      status: practice ? 'graded' : 'received',
      ...(practice ? { score: { total: graded.total, max: graded.max }, questions: graded.questions.map(publicQuestion) } : {}),
    };
    // The graded questions are shared, frozen objects: their JSON is made and UTF-8 encoded once
    // (json.ts). Sent as is (no ETag: a POST's answer is never revalidated).
    return jsonBytes(reply) ?? Buffer.from(JSON.stringify(reply), 'utf8');
  };

  // Every request: helmet's headers and the per-IP limit — counted here, or, for a request the lean
  // path handed over, already counted there: its headers, then its 429 or its error.
  app.use((req, res, next) => {
    setSecurityHeaders(res);
    const handed = (req as HandedRequest)[HANDED];
    if (handed) {
      if (limiter.answer(res, handed.count)) next(handed.error);
      return;
    }
    if (limiter.answer(res, limiter.count(req.ip))) next();
  });

  app.post('/api/submissions', readJson, async (req, res) => {
    if (!req.is('application/json')) throw new HttpError(415, 'send JSON (Content-Type: application/json)');
    const reply = await acceptSubmission(req.body, req.ip);
    res.statusCode = 201;
    res.setHeader('Content-Type', JSON_TYPE);
    res.end(reply);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, exams: o.exams.list().length });
  });

  // ---------- students ----------

  app.get('/', (_req, res) => {
    const options = o.exams
      .list()
      .map((e) => `<option value="${escapeHtml(e.id)}">${escapeHtml(e.doc.exam.title)}</option>`)
      .join('');
    res.type('html').send(
      htmlPage(
        'dlexam',
        `<h1>Submit your answers</h1><form method="get" action="/start"><p><label for="exam">Exam</label><br><select id="exam" name="exam">${options}</select></p><p><label for="code">Variant code (printed on your paper)</label><br><input id="code" name="code" required maxlength="16" autocomplete="off"></p><button type="submit">Open the answer form</button></form>`,
      ),
    );
  });

  app.get('/start', (req, res) => {
    const exam = String(req.query['exam'] ?? '');
    const code = String(req.query['code'] ?? '');
    const found = o.exams.variant(exam, code);
    if (!found) {
      res.status(404).type('html').send(htmlPage('Unknown code', `<h1>Unknown variant code</h1><p>No variant "${escapeHtml(code)}" in this exam. Check the code printed at the top right of your paper.</p><p><a href="/">Back</a></p>`));
      return;
    }
    res.redirect(303, `/exam/${encodeURIComponent(found.exam.id)}/${encodeURIComponent(found.variant.code)}`);
  });

  const findVariant = (req: Request) => {
    const found = o.exams.variant(String(req.params['exam']), String(req.params['code']));
    if (!found) throw new HttpError(404, 'unknown exam or variant code');
    return found;
  };

  app.get('/exam/:exam/:code', (req, res) => {
    const { exam, variant } = findVariant(req);
    res.type('html').send(renderForm(exam.doc, variant, `/exam/${encodeURIComponent(exam.id)}/${encodeURIComponent(variant.code)}`));
  });

  async function submit(exam: LoadedExam, variant: VariantDoc, student: string, answers: Record<string, string>, ip: string | undefined) {
    if (!perStudent.take(`${exam.id}\u0000${student}`)) throw new HttpError(429, 'too many submissions for this student; wait a minute');
    const graded = gradeAnswers(exam.doc, variant, answers, exam.grader);
    if (graded.unknownFields.length) throw new HttpError(400, 'unknown answer fields', graded.unknownFields.map((f) => ({ field: `answers.${f}`, message: 'no such question part in this variant' })));
    try {
      const added = await o.storage.addSubmission({
        exam: exam.id,
        code: variant.code,
        student,
        answers,
        result: { total: graded.total, max: graded.max, detail: storedOutcome(graded) },
        ip: ip ?? null,
        maxAttempts: exam.doc.exam.attempts,
      });
      log?.info({ exam: exam.id, code: variant.code, id: added.id, attempt: added.attempt }, 'submission stored');
      return { added, graded };
    } catch (e) {
      if (isStorageError(e, 'ATTEMPTS_EXHAUSTED')) throw new HttpError(409, `no attempts left: this exam allows ${exam.doc.exam.attempts} submission(s) per student`);
      if (isStorageError(e, 'TOO_LARGE')) throw new HttpError(413, 'submission too large');
      if (isStorageError(e, 'INVALID_INPUT')) throw new HttpError(400, e.message);
      throw e;
    }
  }

  app.post('/exam/:exam/:code', express.urlencoded({ extended: false, limit, parameterLimit: 600 }), async (req, res) => {
    const { exam, variant } = findVariant(req);
    const body = (req.body ?? {}) as Record<string, string | string[]>;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (k !== 'student') values[k] = Array.isArray(v) ? v.join(', ') : String(v);
    const action = `/exam/${encodeURIComponent(exam.id)}/${encodeURIComponent(variant.code)}`;
    const sid = studentId.safeParse(typeof body['student'] === 'string' ? body['student'] : '');
    if (!sid.success) {
      res.status(400).type('html').send(renderForm(exam.doc, variant, action, { student: String(body['student'] ?? ''), values, errors: sid.error.issues.map((i) => `Student ID: ${i.message}`) }));
      return;
    }
    // Parse problems are shown on the form with everything the student typed kept.
    const check = gradeAnswers(exam.doc, variant, values, exam.grader);
    const unparsable = check.questions.flatMap((q) => q.parts.filter((p) => p.error && p.typed).map((p) => `Question ${q.number}, ${p.label}: ${p.error}`));
    if (unparsable.length) {
      res.status(400).type('html').send(renderForm(exam.doc, variant, action, { student: sid.data, values, errors: unparsable }));
      return;
    }
    try {
      const { added, graded } = await submit(exam, variant, sid.data, values, req.ip);
      res.status(201).type('html').send(renderResult(exam.doc, variant, resultView(added.id, added.attempt, sid.data, exam.doc.exam.mode === 'practice', graded)));
    } catch (e) {
      if (e instanceof HttpError && e.status < 500) {
        res.status(e.status).type('html').send(renderForm(exam.doc, variant, action, { student: sid.data, values, errors: [e.message] }));
        return;
      }
      throw e;
    }
  });

  // ---------- instructors ----------

  const admin = (req: Request, _res: Response, next: NextFunction) => {
    if (!o.adminToken) throw new HttpError(503, 'instructor routes are disabled: set DLEXAM_ADMIN_TOKEN');
    if (!tokenOk(req.get('authorization'), o.adminToken)) throw new HttpError(401, 'instructor token required (Authorization: Bearer <token>)');
    next();
  };

  app.get('/api/exams', admin, async (_req, res) => {
    const stored = new Map((await o.storage.listExams()).map((e) => [e.id, e]));
    res.json(o.exams.list().map((e) => ({ id: e.id, title: e.doc.exam.title, mode: e.doc.exam.mode, variants: e.doc.variants.length, totalPoints: e.doc.totalPoints, submissions: stored.get(e.id)?.submissionCount ?? 0 })));
  });

  const examOr404 = (req: Request) => {
    const exam = o.exams.get(String(req.params['exam']));
    if (!exam) throw new HttpError(404, `unknown exam "${String(req.params['exam'])}"`);
    return exam;
  };

  app.get('/api/exams/:exam/results', admin, async (req, res) => {
    const exam = examOr404(req);
    const rows = await o.storage.results(exam.id, exam.doc.exam.counts);
    const questions = exam.doc.variants[0]?.questions.map((q) => q.number) ?? [];
    const perQuestion = (r: StudentResult) => {
      const detail = r.submission.result?.detail as StoredOutcome | undefined;
      return new Map((detail?.questions ?? []).map((q) => [q.number, q.points]));
    };
    if (req.query['format'] === 'csv') {
      const head = ['student', 'code', 'attempt', 'attempts', 'total', 'max', ...questions.map((n) => `Q${n}`), 'submitted_at'];
      const lines = rows.map((r) => {
        const pq = perQuestion(r);
        return [r.student, r.submission.code, r.submission.attempt, r.attempts, r.submission.result?.total ?? '', r.submission.result?.max ?? '', ...questions.map((n) => pq.get(n) ?? ''), r.submission.createdAt].map((c) => csvCell(c)).join(',');
      });
      res.type('text/csv').attachment(`${exam.id}-results.csv`).send(`${[head.join(','), ...lines].join('\n')}\n`);
      return;
    }
    res.json({ exam: exam.id, counts: exam.doc.exam.counts, results: rows.map((r) => ({ student: r.student, code: r.submission.code, attempt: r.submission.attempt, attempts: r.attempts, total: r.submission.result?.total ?? null, max: r.submission.result?.max ?? null, questions: Object.fromEntries(perQuestion(r)), submittedAt: r.submission.createdAt })) });
  });

  app.get('/api/exams/:exam/items', admin, async (req, res) => {
    const exam = examOr404(req);
    const rows = await o.storage.results(exam.id, exam.doc.exam.counts);
    const max = new Map((exam.doc.variants[0]?.questions ?? []).map((q) => [q.number, q.points]));
    const students = rows.map((r) => ({ scores: new Map(((r.submission.result?.detail as StoredOutcome | undefined)?.questions ?? []).map((q) => [q.number, q.points])) }));
    res.json({ exam: exam.id, students: rows.length, items: itemStats(students, max) });
  });

  // ---------- errors: JSON for the API, HTML for pages, never a stack trace ----------

  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path}`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    let status = 500;
    let message = 'internal error';
    let details: unknown;
    const e = err as { status?: number; type?: string; message?: string };
    if (err instanceof HttpError) ({ status, message, details } = err);
    else if (e?.type === 'entity.too.large') [status, message] = [413, 'request body too large'];
    else if (e?.type === 'entity.parse.failed') [status, message] = [400, 'malformed JSON body'];
    else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) [status, message] = [e.status, e.message ?? 'bad request'];
    if (status >= 500) log?.error({ err, path: req.path }, 'request failed');
    if (req.path.startsWith('/api/') || req.is('application/json') || !req.accepts('html')) res.status(status).json({ error: message, ...(details ? { details } : {}) });
    else res.status(status).type('html').send(htmlPage(`Error ${status}`, `<h1>${status}</h1><p>${escapeHtml(message)}</p><p><a href="/">Back</a></p>`));
  });

  // ---------- the lean path: POST /api/submissions, outside express ----------
  //
  // The hot route, spelled exactly so, with a plain JSON body (isPlainJson: what readPlainJson
  // reads), is answered by the server's request listener itself: express's per-request set-up and
  // router cost more than the rest of a request's HTTP handling. The same pieces as on the express
  // path — the per-IP count, the body reader, acceptSubmission — and the same answer: helmet's
  // headers (the list securityHeaderSetter sets), the RateLimit headers, JSON, written with one
  // writeHead. Anything else — a 429, a body error, a refused submission, a failure — is handed
  // over to express (HANDED) with its count, and answered by the first middleware and the error
  // handler above, exactly as on the express path. The client address is the socket's: trust proxy
  // is off (set above; with it on, everything goes to express).
  const securityFlat = security.set.flat();
  const lean = (req: BodyRequest, res: ServerResponse) => {
    const ip = req.socket.remoteAddress;
    const count = limiter.count(ip);
    if (count.retryAfter !== undefined) {
      handOver(req, res, count, undefined);
      return;
    }
    readPlainJson(req, (err) => {
      if (err) handOver(req, res, count, err);
      else
        acceptSubmission(req.body, ip)
          .then((reply) => {
            res.writeHead(201, [...securityFlat, 'RateLimit-Policy', limiter.policy, 'RateLimit', count.rateLimit, 'Content-Type', JSON_TYPE, 'Content-Length', String(reply.length)]);
            res.end(reply);
          })
          .catch((e: unknown) => handOver(req, res, count, e));
    });
  };
  const handOver = (req: HandedRequest, res: ServerResponse, count: IpCount, error: unknown) => {
    if (res.headersSent) {
      res.destroy(error instanceof Error ? error : undefined);
      return;
    }
    req[HANDED] = { count, error };
    app(req, res);
  };
  const leanOn = app.get('trust proxy') === false;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (leanOn && req.method === 'POST' && req.url === '/api/submissions' && isPlainJson(req.headers, maxBody)) lean(req, res);
    else app(req, res);
  };
  return { app, listener };
}
