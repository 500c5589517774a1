/**
 * Submissions in a SQLite file (better-sqlite3). Durability settings, in order of importance:
 * - journal_mode=WAL + synchronous=FULL: a commit is fsynced to the WAL before addSubmission
 *   resolves, so an acknowledged submission survives a kill, a crash or a power cut;
 * - every write is one BEGIN IMMEDIATE transaction: it takes the write lock before reading, so the
 *   attempt number it computes cannot race with another connection or process;
 * - busy_timeout: a second writer waits for the lock instead of failing at once;
 * - foreign_keys: a submission cannot reference an unregistered exam.
 * better-sqlite3 is synchronous; the async methods just wrap it (a PostgreSQL adapter will not be).
 *
 * Group commit: addSubmission does not commit on its own. Submissions that arrive while the event
 * loop is busy (everything queued before the next "check" phase) — and, with the writer thread,
 * everything queued while the previous batch was being committed — are written in ONE
 * transaction, in arrival order, with one fsync; each promise settles only after that COMMIT
 * returned, so an acknowledged submission is always durable. Items are independent: one refused
 * (attempts used up, unknown exam, a constraint) does not affect the others; an error of the
 * transaction itself (BUSY, I/O, a failed COMMIT) rejects every item of the batch, and nothing of
 * it was written. Every other call first waits until what was queued before it is committed, so
 * reads and regrades see submissions in order.
 *
 * Writer thread (files, the default): the batches are written by a worker thread with its own
 * connection (sqlite-writer-thread.mjs, configured like this one), so this thread's event loop
 * never waits for SQLite or for fsync; it only hands a batch over and settles the promises when the
 * thread reports the COMMIT done. The thread is started on the first submission and holds the
 * process open only while a batch is being committed. Everything else (migrations, exams, reads,
 * regrades) runs on this thread's connection. ":memory:" databases (and `writer: 'inline'`) write
 * batches on this thread, synchronously.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { batchWriter, configureConnection, packBatch, type ErrorData, type FromWriter, type ItemOutcome, type SubmissionValues, type ToWriter } from './sqlite-batch.mjs';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_MAX_JSON_BYTES,
  StorageError,
  codeSchema,
  examIdSchema,
  examInputSchema,
  newSubmissionSchema,
  policySchema,
  quickNewSubmission,
  reasonSchema,
  scoreUpdatesSchema,
  studentSchema,
  submissionIdSchema,
  toJsonBytes,
  toJsonText,
  validate,
  type AddedSubmission,
  type CountPolicy,
  type ExamInput,
  type ExamRecord,
  type GradeChange,
  type ListOptions,
  type NewSubmission,
  type ScoreResult,
  type ScoreUpdate,
  type Storage,
  type StorageOptions,
  type StudentResult,
  type SubmissionRecord,
  type UpdateScoresResult,
  type UpsertExamResult,
} from './types.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as numbered steps. Never edit a released step: append a new one. Tables are STRICT
 * so that a wrong type is an error, not a silent conversion.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'exams and submissions',
    sql: `
      CREATE TABLE exams (
        id              TEXT PRIMARY KEY,
        title           TEXT NOT NULL,
        mode            TEXT NOT NULL CHECK (mode IN ('exam', 'practice')),
        sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
        first_loaded_at TEXT NOT NULL,
        loaded_at       TEXT NOT NULL
      ) STRICT;

      CREATE TABLE submissions (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        exam_id      TEXT NOT NULL REFERENCES exams (id) ON UPDATE RESTRICT ON DELETE RESTRICT,
        variant_code TEXT NOT NULL,
        student      TEXT NOT NULL,
        attempt      INTEGER NOT NULL CHECK (attempt >= 1),
        answers_json TEXT NOT NULL CHECK (json_valid(answers_json)),
        total        REAL,
        max          REAL,
        score_json   TEXT CHECK (score_json IS NULL OR json_valid(score_json)),
        created_at   TEXT NOT NULL,
        client_ip    TEXT,
        CHECK ((total IS NULL) = (max IS NULL) AND (total IS NULL) = (score_json IS NULL))
      ) STRICT;

      -- Also the (exam, student) lookup index; the uniqueness is the last line of defence
      -- against two writers computing the same attempt number.
      CREATE UNIQUE INDEX submissions_exam_student_attempt ON submissions (exam_id, student, attempt);
      CREATE INDEX submissions_exam_variant ON submissions (exam_id, variant_code);
    `,
  },
  {
    version: 2,
    name: 'grade history for regrades',
    sql: `
      CREATE TABLE grade_history (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        submission_id  INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
        old_total      REAL,
        old_max        REAL,
        old_score_json TEXT,
        new_total      REAL NOT NULL,
        new_max        REAL NOT NULL,
        new_score_json TEXT NOT NULL CHECK (json_valid(new_score_json)),
        reason         TEXT,
        applied_at     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX grade_history_submission ON grade_history (submission_id);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface SqliteOptions extends StorageOptions {
  /**
   * Replaces MIGRATIONS — tests only, to append a broken or extra step. The adapter's statements
   * assume the full current schema, so a list must start with all of MIGRATIONS.
   */
  migrations?: readonly Migration[];
  /**
   * Where addSubmission batches are committed: 'thread' (default for files) — a worker thread with
   * its own connection, so this event loop never waits for SQLite or fsync; 'inline' — this thread,
   * synchronously (always for ":memory:", which a second connection could not see).
   */
  writer?: 'thread' | 'inline';
}

// ---------------------------------------------------------------------------------------------
// Rows

interface ExamRow {
  id: string;
  title: string;
  mode: 'exam' | 'practice';
  sha256: string;
  first_loaded_at: string;
  loaded_at: string;
  submission_count: number;
}

interface SubmissionRow {
  id: number;
  exam_id: string;
  variant_code: string;
  student: string;
  attempt: number;
  answers_json: string;
  total: number | null;
  max: number | null;
  score_json: string | null;
  created_at: string;
  client_ip: string | null;
}

interface HistoryRow {
  submission_id: number;
  old_score_json: string | null;
  new_score_json: string;
  reason: string | null;
  applied_at: string;
}

const toExam = (r: ExamRow): ExamRecord => ({
  id: r.id,
  title: r.title,
  mode: r.mode,
  sha256: r.sha256,
  firstLoadedAt: r.first_loaded_at,
  loadedAt: r.loaded_at,
  submissionCount: r.submission_count,
});

const toSubmission = (r: SubmissionRow): SubmissionRecord => ({
  id: r.id,
  exam: r.exam_id,
  code: r.variant_code,
  student: r.student,
  attempt: r.attempt,
  answers: JSON.parse(r.answers_json) as unknown,
  result: r.score_json === null ? null : (JSON.parse(r.score_json) as ScoreResult),
  createdAt: r.created_at,
  ip: r.client_ip,
});

const SUBMISSION_COLUMNS = 'id, exam_id, variant_code, student, attempt, answers_json, total, max, score_json, created_at, client_ip';

// 'best': highest total; ties go to the earliest attempt (the one that reached it first);
// ungraded attempts come after graded ones, the latest of them first.
const POLICY_ORDER: Record<CountPolicy, string> = {
  last: 'attempt DESC',
  best: 'total IS NULL, total DESC, CASE WHEN total IS NULL THEN -attempt ELSE attempt END',
};

// ---------------------------------------------------------------------------------------------
// Errors from SQLite → StorageError

function translate(e: unknown, context: string): StorageError {
  if (e instanceof StorageError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof Database.SqliteError) {
    const code = e.code;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
      return new StorageError('BUSY', `${context}: the database is locked by another writer (${message}); retry`, { cause: e });
    if (code.startsWith('SQLITE_CONSTRAINT')) return new StorageError('INVALID_INPUT', `${context}: ${message}`, { cause: e });
    if (/^SQLITE_(IOERR|FULL|CORRUPT|NOTADB|READONLY|CANTOPEN|PERM)/.test(code))
      return new StorageError('IO', `${context}: ${message} (${code})`, { cause: e });
  }
  return new StorageError('INTERNAL', `${context}: ${message}`, { cause: e });
}

// ---------------------------------------------------------------------------------------------
// Opening and migrating

function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new StorageError('INTERNAL', `migration list is not numbered 1..n (position ${i + 1} has version ${m.version})`);
  });
}

/**
 * Brings the schema up to date in one IMMEDIATE transaction: two processes opening a fresh file at
 * once serialise here, and a failing step leaves the database exactly as it was.
 */
function migrate(db: Database.Database, file: string, migrations: readonly Migration[], now: () => string): number {
  checkMigrations(migrations);
  const known = migrations.length;
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT`);
    const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
    const current = applied.reduce((m, r) => Math.max(m, r.version), 0);
    if (current > known)
      throw new StorageError(
        'SCHEMA_TOO_NEW',
        `${file}: database schema version ${current} is newer than this dlexam understands (${known}); ` +
          'upgrade dlexam, or point it at another database — refusing to open rather than risk corrupting it',
      );
    applied.forEach((r, i) => {
      const m = migrations[r.version - 1];
      if (r.version !== i + 1 || !m || m.name !== r.name)
        throw new StorageError(
          'MIGRATION_FAILED',
          `${file}: schema history does not match this dlexam (version ${r.version} "${r.name}"); is it another application's database?`,
        );
    });
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations.slice(current)) {
      try {
        db.exec(m.sql);
      } catch (e) {
        throw new StorageError('MIGRATION_FAILED', `${file}: migration ${m.version} (${m.name}) failed, nothing was changed: ${(e as Error).message}`, {
          cause: e,
        });
      }
      record.run(m.version, m.name, now());
    }
    // For tools that only look at the header (sqlite3 CLI, backups).
    db.pragma(`user_version = ${known}`);
    return known;
  });
  return run.immediate();
}

function configure(db: Database.Database, file: string, memory: boolean, busyTimeoutMs: number): void {
  const problem = configureConnection(db, { memory, busyTimeoutMs });
  if (problem) throw new StorageError('OPEN_FAILED', `${file}: ${problem}`);
}

// ---------------------------------------------------------------------------------------------

/** A queued addSubmission. */
interface PendingSubmission {
  values: SubmissionValues;
  resolve: (a: AddedSubmission) => void;
  reject: (e: unknown) => void;
}

/** Most submissions committed in one transaction (the rest wait for the next one). */
const MAX_BATCH = 512;

const WRITER_THREAD = new URL('./sqlite-writer-thread.mjs', import.meta.url);

/** A SQLite error that crossed from the writer thread as data, as the error it was. */
function fromErrorData(e: ErrorData): Error {
  return e.sqliteCode ? new Database.SqliteError(e.message, e.sqliteCode) : new Error(e.message);
}

function itemError(o: Exclude<ItemOutcome, { ok: true }>): StorageError {
  if (o.code) return new StorageError(o.code, o.message);
  return translate(new Database.SqliteError(o.message, o.sqliteCode), 'addSubmission');
}

export class SqliteStorage implements Storage {
  readonly description: string;
  readonly schemaVersion: number;
  private db: Database.Database | undefined;
  private readonly path: string;
  private readonly busyTimeoutMs: number;
  private readonly clock: () => Date;
  private readonly maxJsonBytes: number;
  private readonly stmts: ReturnType<typeof prepare>;
  private readonly tx: ReturnType<typeof transactions>;
  /** Writes batches on this thread (":memory:", writer: 'inline'); undefined with a writer thread. */
  private readonly inline: ((batch: SubmissionValues[]) => ItemOutcome[]) | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private queue: PendingSubmission[] = [];
  private flushScheduled = false;
  /** Writer thread: started on the first batch; the batches handed to it and not yet settled, oldest first. */
  private worker: Worker | undefined;
  private inFlight: { seq: number; batch: PendingSubmission[] }[] = [];
  private batchSeq = 0;
  /** Submissions queued / settled so far, and calls waiting for the ones queued before them. */
  private enqueued = 0;
  private settled = 0;
  private waiters: { upTo: number; resolve: () => void }[] = [];
  /** Transactions committed by addSubmission batches, and submissions in them (tests, logs). */
  readonly commitStats = { commits: 0, submissions: 0 };

  /**
   * Opens (creating if needed) and migrates. ":memory:" gives a private in-memory database
   * (no WAL, not durable — tests of other modules only).
   */
  static open(file: string, options: SqliteOptions = {}): SqliteStorage {
    return new SqliteStorage(file, options);
  }

  private constructor(file: string, options: SqliteOptions) {
    const memory = file === ':memory:';
    const path = memory ? file : resolve(file);
    this.path = path;
    this.description = `sqlite:${path}`;
    this.clock = options.now ?? (() => new Date());
    this.maxJsonBytes = options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!memory && !existsSync(dirname(path)))
      throw new StorageError('OPEN_FAILED', `${path}: cannot create the database, folder ${dirname(path)} does not exist`);
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (e) {
      throw new StorageError('OPEN_FAILED', `${path}: cannot open the database: ${(e as Error).message}`, { cause: e });
    }
    try {
      configure(db, path, memory, this.busyTimeoutMs);
      // Real wall time, not the injected clock: when a file was upgraded is a fact about the file.
      this.schemaVersion = migrate(db, path, options.migrations ?? MIGRATIONS, () => new Date().toISOString());
      this.stmts = prepare(db);
      this.inline = memory || options.writer === 'inline' ? batchWriter(db) : undefined;
    } catch (e) {
      db.close();
      if (e instanceof StorageError) throw e;
      if (e instanceof Database.SqliteError && /^SQLITE_(NOTADB|CORRUPT)/.test(e.code))
        throw new StorageError('OPEN_FAILED', `${path}: not a SQLite database (${e.message})`, { cause: e });
      throw new StorageError('OPEN_FAILED', `${path}: ${translate(e, 'open').message}`, { cause: e });
    }
    this.db = db;
    this.tx = transactions(db, this.stmts);
  }

  /** Where submissions are committed: a writer thread or this thread. */
  get writer(): 'thread' | 'inline' {
    return this.inline ? 'inline' : 'thread';
  }

  private timestamp(): string {
    const d = this.clock();
    if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new StorageError('INTERNAL', 'the clock returned an invalid date');
    return d.toISOString();
  }

  /**
   * Runs fn against the open database, once every submission queued before this call is committed
   * (or refused); every failure leaves as a StorageError.
   */
  private async use<T>(context: string, fn: () => T): Promise<T> {
    if (this.closed || !this.db) throw new StorageError('CLOSED', `${context}: storage is closed`);
    if (this.settled < this.enqueued) {
      if (this.inline) this.flush();
      else await this.settledUpTo(this.enqueued);
      if (!this.db) throw new StorageError('CLOSED', `${context}: storage is closed`);
    }
    try {
      return fn();
    } catch (e) {
      throw translate(e, context);
    }
  }

  /** Resolves once the first n queued submissions are settled (the queue is FIFO). */
  private settledUpTo(n: number): Promise<void> {
    if (this.settled >= n) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ upTo: n, resolve });
      this.flush();
    });
  }

  async upsertExam(exam: ExamInput): Promise<UpsertExamResult> {
    const e = validate(examInputSchema, exam, 'exam');
    return this.use('upsertExam', () => this.tx.upsertExam.immediate(e, this.timestamp()));
  }

  async getExam(id: string): Promise<ExamRecord | undefined> {
    const examId = validate(examIdSchema, id, 'exam');
    return this.use('getExam', () => {
      const row = this.stmts.exam.get(examId) as ExamRow | undefined;
      return row && toExam(row);
    });
  }

  async listExams(): Promise<ExamRecord[]> {
    return this.use('listExams', () => (this.stmts.exams.all() as ExamRow[]).map(toExam));
  }

  async addSubmission(s: NewSubmission): Promise<AddedSubmission> {
    const v = quickNewSubmission(s) ?? validate(newSubmissionSchema, s, 'submission');
    // Serialise before the transaction: a value JSON cannot hold fails here, with nothing written.
    // UTF-8 bytes: the writer stores them as TEXT; copying bytes to the writer thread is cheaper
    // than copying (and there encoding) strings, and the grader's shared grades are encoded once.
    const answersJson = toJsonBytes(v.answers, 'answers', this.maxJsonBytes);
    const scoreJson = v.result === null ? null : toJsonBytes(v.result, 'result', this.maxJsonBytes);
    if (this.closed || !this.db) throw new StorageError('CLOSED', 'addSubmission: storage is closed');
    let createdAt: string;
    try {
      createdAt = this.timestamp();
    } catch (e) {
      throw translate(e, 'addSubmission');
    }
    const values: SubmissionValues = {
      exam: v.exam,
      code: v.code,
      student: v.student,
      answersJson,
      total: v.result?.total ?? null,
      max: v.result?.max ?? null,
      scoreJson,
      createdAt,
      ip: v.ip ?? null,
      maxAttempts: v.maxAttempts,
    };
    return new Promise<AddedSubmission>((resolve, reject) => {
      this.queue.push({ values, resolve, reject });
      this.enqueued++;
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private nextBatch(): PendingSubmission[] {
    const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
    this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
    return batch;
  }

  /**
   * Commits the queued submissions: one transaction (one fsync) per batch of at most MAX_BATCH.
   * Inline: every batch now. Writer thread: hands the queue over at once, even while the thread is
   * committing — it takes everything handed over meanwhile into its next transaction (up to
   * MAX_BATCH items), so it never waits for this thread between commits. While a call waits for the
   * submissions queued before it (a read, a regrade, close()), batches go over one at a time: the
   * call runs when they are settled, before the thread takes the write lock again. Every promise of
   * a batch settles only after its COMMIT returned (synchronous=FULL: the WAL is on disk).
   */
  private flush(): void {
    if (this.inline) {
      while (this.queue.length > 0) {
        const batch = this.nextBatch();
        let outcomes: ItemOutcome[];
        try {
          outcomes = this.inline(batch.map((p) => p.values));
        } catch (e) {
          this.settle(batch, translate(e, 'addSubmission'));
          continue;
        }
        this.settle(batch, outcomes);
      }
      return;
    }
    if (this.waiters.length > 0 && this.inFlight.length > 0) return;
    while (this.queue.length > 0) {
      const batch = this.nextBatch();
      const w = this.writerThread();
      const seq = ++this.batchSeq;
      this.inFlight.push({ seq, batch });
      w.ref(); // a batch being committed keeps the process alive until it is acknowledged
      // The items' JSON bytes travel in one transferred buffer: nothing per item is copied or cloned.
      const { rows, bytes, transfer } = packBatch(batch.map((p) => p.values));
      const msg: ToWriter = { type: 'batch', seq, rows, bytes };
      w.postMessage(msg, transfer);
      if (this.waiters.length > 0) return;
    }
  }

  /** Settles a batch: each item by its outcome, or every item with the transaction's error. */
  private settle(batch: PendingSubmission[], outcomes: ItemOutcome[] | StorageError): void {
    if (outcomes instanceof StorageError) for (const p of batch) p.reject(outcomes);
    else {
      this.commitStats.commits++;
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o.ok) {
          this.commitStats.submissions++;
          p.resolve({ id: o.id, attempt: o.attempt, createdAt: o.createdAt });
        } else p.reject(itemError(o));
      });
    }
    this.settled += batch.length;
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.upTo <= this.settled);
      this.waiters = this.waiters.filter((w) => w.upTo > this.settled);
      for (const w of ready) w.resolve();
    }
  }

  private writerThread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WRITER_THREAD, { workerData: { file: this.path, busyTimeoutMs: this.busyTimeoutMs }, execArgv: [], stdout: false, stderr: false });
    w.unref();
    w.on('message', (m: FromWriter) => {
      if (m.type === 'done' || m.type === 'failed') {
        // One transaction: the oldest batches handed over, in order (m.seqs).
        if (this.worker !== w || m.seqs.length === 0 || m.seqs.some((seq, i) => this.inFlight[i]?.seq !== seq)) return;
        const done = this.inFlight.splice(0, m.seqs.length);
        if (this.inFlight.length === 0) w.unref();
        const items = done.length === 1 ? done[0]!.batch : done.flatMap((d) => d.batch);
        this.settle(items, m.type === 'done' ? m.outcomes : translate(fromErrorData(m.error), 'addSubmission'));
        // What was held back for a waiting call: after this turn's microtasks, so that calls waiting
        // for these batches (a read, a regrade) run before the writer takes the lock again.
        if (this.queue.length > 0) this.scheduleFlush();
      }
    });
    const down = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      const held = this.inFlight;
      this.inFlight = [];
      for (const { batch } of held) this.settle(batch, new StorageError('INTERNAL', `addSubmission: the writer thread stopped (${why}); the submission may not have been stored`));
      if (this.queue.length > 0) this.scheduleFlush();
    };
    w.on('error', (e) => down(e.message));
    w.on('exit', (code) => down(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  /** Stops the writer thread (nothing is in flight): its connection is closed first. */
  private async stopWriter(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    w.ref();
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    const closed = new Promise<void>((resolve) => {
      w.on('message', (m: FromWriter) => m.type === 'closed' && resolve());
      w.once('exit', () => resolve());
    });
    const msg: ToWriter = { type: 'close' };
    w.postMessage(msg);
    await closed;
    await w.terminate();
    await exited;
  }

  async getSubmission(id: number): Promise<SubmissionRecord | undefined> {
    const sid = validate(submissionIdSchema, id, 'submission id');
    return this.use('getSubmission', () => {
      const row = this.stmts.submission.get(sid) as SubmissionRow | undefined;
      return row && toSubmission(row);
    });
  }

  async countAttempts(exam: string, student: string): Promise<number> {
    const e = validate(examIdSchema, exam, 'exam');
    const st = validate(studentSchema, student, 'student');
    return this.use('countAttempts', () => (this.stmts.countAttempts.get(e, st) as { n: number }).n);
  }

  async listSubmissions(exam: string, options: ListOptions = {}): Promise<SubmissionRecord[]> {
    const e = validate(examIdSchema, exam, 'exam');
    const student = options.student === undefined ? null : validate(studentSchema, options.student, 'student');
    const code = options.code === undefined ? null : validate(codeSchema, options.code, 'code');
    return this.use('listSubmissions', () => (this.stmts.list.all({ exam: e, student, code }) as SubmissionRow[]).map(toSubmission));
  }

  async results(exam: string, policy: CountPolicy): Promise<StudentResult[]> {
    const e = validate(examIdSchema, exam, 'exam');
    const p = validate(policySchema, policy, 'policy');
    return this.use('results', () => this.counted(p, e, null));
  }

  async resultFor(exam: string, student: string, policy: CountPolicy): Promise<StudentResult | undefined> {
    const e = validate(examIdSchema, exam, 'exam');
    const st = validate(studentSchema, student, 'student');
    const p = validate(policySchema, policy, 'policy');
    return this.use('resultFor', () => this.counted(p, e, st)[0]);
  }

  private counted(policy: CountPolicy, exam: string, student: string | null): StudentResult[] {
    const rows = this.stmts.counted[policy].all({ exam, student }) as (SubmissionRow & { attempts_count: number })[];
    return rows.map((r) => ({ student: r.student, attempts: r.attempts_count, submission: toSubmission(r) }));
  }

  async updateScores(exam: string, updates: ScoreUpdate[], options: { reason?: string } = {}): Promise<UpdateScoresResult> {
    const e = validate(examIdSchema, exam, 'exam');
    const list = validate(scoreUpdatesSchema, updates, 'updates');
    const reason = options.reason === undefined ? null : validate(reasonSchema, options.reason, 'reason');
    const seen = new Set<number>();
    for (const u of list) {
      if (seen.has(u.id)) throw new StorageError('INVALID_INPUT', `invalid updates: submission ${u.id} appears twice`);
      seen.add(u.id);
    }
    const prepared = list.map((u) => ({ id: u.id, total: u.result.total, max: u.result.max, scoreJson: toJsonText(u.result, `result of submission ${u.id}`, this.maxJsonBytes) }));
    if (prepared.length === 0) return { changed: 0, unchanged: 0 };
    return this.use('updateScores', () => this.tx.updateScores.immediate(e, prepared, reason, this.timestamp()));
  }

  async gradeHistory(submissionId: number): Promise<GradeChange[]> {
    const sid = validate(submissionIdSchema, submissionId, 'submission id');
    return this.use('gradeHistory', () =>
      (this.stmts.history.all(sid) as HistoryRow[]).map((r) => ({
        submissionId: r.submission_id,
        old: r.old_score_json === null ? null : (JSON.parse(r.old_score_json) as ScoreResult),
        new: JSON.parse(r.new_score_json) as ScoreResult,
        reason: r.reason,
        appliedAt: r.applied_at,
      })),
    );
  }

  /** This connection's durability settings, as SQLite reports them (startup logs, tests). */
  pragmas(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'; foreignKeys: boolean; busyTimeoutMs: number } {
    if (this.closed || !this.db) throw new StorageError('CLOSED', 'pragmas: storage is closed');
    {
      const db = this.db;
      const sync = db.pragma('synchronous', { simple: true }) as number;
      return {
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        synchronous: (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[sync] ?? 'OFF',
        foreignKeys: db.pragma('foreign_keys', { simple: true }) === 1,
        busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
      };
    }
  }

  async close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.closed = true;
      // What was accepted before close() is still committed (and acknowledged).
      if (this.settled < this.enqueued) {
        if (this.inline) this.flush();
        else await this.settledUpTo(this.enqueued);
      }
      await this.stopWriter();
      const db = this.db;
      this.db = undefined;
      if (db?.open) db.close();
    })());
  }
}

// ---------------------------------------------------------------------------------------------
// Statements and transactions, prepared once per connection

function prepare(db: Database.Database) {
  const countedSql = (order: string) => `
    SELECT * FROM (
      SELECT ${SUBMISSION_COLUMNS},
             COUNT(*) OVER (PARTITION BY student) AS attempts_count,
             ROW_NUMBER() OVER (PARTITION BY student ORDER BY ${order}) AS rank
      FROM submissions
      WHERE exam_id = @exam AND (@student IS NULL OR student = @student)
    ) WHERE rank = 1
    ORDER BY student`;
  const examSql = `SELECT e.*, (SELECT COUNT(*) FROM submissions s WHERE s.exam_id = e.id) AS submission_count FROM exams e`;
  return {
    exam: db.prepare(`${examSql} WHERE e.id = ?`),
    exams: db.prepare(`${examSql} ORDER BY e.id`),
    examSha: db.prepare('SELECT sha256 FROM exams WHERE id = ?'),
    insertExam: db.prepare('INSERT INTO exams (id, title, mode, sha256, first_loaded_at, loaded_at) VALUES (?, ?, ?, ?, ?, ?)'),
    updateExam: db.prepare('UPDATE exams SET title = ?, mode = ?, sha256 = ?, loaded_at = ? WHERE id = ?'),
    countAttempts: db.prepare('SELECT COUNT(*) AS n FROM submissions WHERE exam_id = ? AND student = ?'),
    submission: db.prepare(`SELECT ${SUBMISSION_COLUMNS} FROM submissions WHERE id = ?`),
    list: db.prepare(
      `SELECT ${SUBMISSION_COLUMNS} FROM submissions
       WHERE exam_id = @exam AND (@student IS NULL OR student = @student) AND (@code IS NULL OR variant_code = @code)
       ORDER BY id`,
    ),
    counted: { last: db.prepare(countedSql(POLICY_ORDER.last)), best: db.prepare(countedSql(POLICY_ORDER.best)) } as Record<CountPolicy, Database.Statement>,
    scoreOf: db.prepare('SELECT exam_id, total, max, score_json FROM submissions WHERE id = ?'),
    setScore: db.prepare('UPDATE submissions SET total = ?, max = ?, score_json = ? WHERE id = ?'),
    insertHistory: db.prepare(
      `INSERT INTO grade_history (submission_id, old_total, old_max, old_score_json, new_total, new_max, new_score_json, reason, applied_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    history: db.prepare('SELECT submission_id, old_score_json, new_score_json, reason, applied_at FROM grade_history WHERE submission_id = ? ORDER BY id'),
  };
}

function transactions(db: Database.Database, s: ReturnType<typeof prepare>) {
  return {
    upsertExam: db.transaction((e: ExamInput, now: string): UpsertExamResult => {
      const before = s.examSha.get(e.id) as { sha256: string } | undefined;
      if (!before) {
        s.insertExam.run(e.id, e.title, e.mode, e.sha256, now, now);
        return { created: true, changed: false };
      }
      s.updateExam.run(e.title, e.mode, e.sha256, now, e.id);
      return before.sha256 === e.sha256 ? { created: false, changed: false } : { created: false, changed: true, previousSha256: before.sha256 };
    }),

    updateScores: db.transaction(
      (exam: string, updates: { id: number; total: number; max: number; scoreJson: string }[], reason: string | null, now: string): UpdateScoresResult => {
        let changed = 0;
        for (const u of updates) {
          const old = s.scoreOf.get(u.id) as { exam_id: string; total: number | null; max: number | null; score_json: string | null } | undefined;
          // Throwing here rolls back every update already made in this batch.
          if (!old || old.exam_id !== exam) throw new StorageError('NOT_FOUND', `submission ${u.id} does not exist in exam "${exam}"; no score was changed`);
          if (old.score_json === u.scoreJson) continue;
          s.setScore.run(u.total, u.max, u.scoreJson, u.id);
          s.insertHistory.run(u.id, old.total, old.max, old.score_json, u.total, u.max, u.scoreJson, reason, now);
          changed++;
        }
        return { changed, unchanged: updates.length - changed };
      },
    ),
  };
}
