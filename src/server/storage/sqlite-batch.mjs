// Plain JavaScript on purpose: the writer thread (sqlite-writer-thread.mjs) loads it without a
// TypeScript loader, so that the thread starts in milliseconds. Types: sqlite-batch.d.mts.
// One implementation of "store a batch of submissions in one transaction", used by the writer
// thread and by the in-thread path (":memory:" databases).
import { Buffer } from 'node:buffer';

/** Per-connection settings every connection to a dlexam file uses (see sqlite.ts for why). */
export function configureConnection(db, { memory, busyTimeoutMs }) {
  db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
  if (!memory) {
    const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
    if (mode.toLowerCase() !== 'wal') return `the file system does not support SQLite's WAL mode (got "${mode}"); use a local disk`;
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  if (db.pragma('foreign_keys', { simple: true }) !== 1) return 'SQLite refused to enable foreign keys';
  if (db.pragma('synchronous', { simple: true }) !== 2) return 'SQLite refused synchronous = FULL';
  return undefined;
}

/** Refusals of one item that leave the rest of its batch alone. */
const OWN = new Set(['UNKNOWN_EXAM', 'ATTEMPTS_EXHAUSTED']);

class ItemRefused extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Prepares the statements once; the returned function writes a batch in ONE BEGIN IMMEDIATE
 * transaction (the write lock is taken before any MAX(attempt) is read), in order. An item refused
 * by our own checks or by a constraint (SQLite undoes just that statement) is that item's outcome;
 * any other error aborts the whole transaction (nothing of the batch is written) and is thrown.
 */
export function batchWriter(db) {
  const examExists = db.prepare('SELECT 1 FROM exams WHERE id = ?').pluck();
  const lastAttempt = db.prepare('SELECT COALESCE(MAX(attempt), 0) FROM submissions WHERE exam_id = ? AND student = ?').pluck();
  // The JSON columns may come as UTF-8 bytes: CAST stores them as the TEXT they are (json_valid
  // still checks them); a string is stored as it is.
  const insert = db.prepare(
    `INSERT INTO submissions (exam_id, variant_code, student, attempt, answers_json, total, max, score_json, created_at, client_ip)
     VALUES (?, ?, ?, ?, CAST(? AS TEXT), ?, ?, CAST(? AS TEXT), ?, ?)`,
  );
  const addOne = (v) => {
    if (!examExists.get(v.exam)) throw new ItemRefused('UNKNOWN_EXAM', `exam "${v.exam}" is not registered (upsertExam first)`);
    const used = lastAttempt.get(v.exam, v.student);
    if (v.maxAttempts !== undefined && v.maxAttempts !== null && used >= v.maxAttempts)
      throw new ItemRefused('ATTEMPTS_EXHAUSTED', `student "${v.student}" has used all ${v.maxAttempts} attempts for exam "${v.exam}"`);
    const attempt = used + 1;
    const info = insert.run(v.exam, v.code, v.student, attempt, v.answersJson, v.total, v.max, v.scoreJson, v.createdAt, v.ip);
    return { ok: true, id: Number(info.lastInsertRowid), attempt, createdAt: v.createdAt };
  };
  const run = db.transaction((batch) =>
    batch.map((v) => {
      try {
        return addOne(v);
      } catch (e) {
        if (e instanceof ItemRefused && OWN.has(e.code) && db.inTransaction) return { ok: false, code: e.code, message: e.message };
        const sqliteCode = typeof e?.code === 'string' && e.code.startsWith('SQLITE_') ? e.code : undefined;
        if (sqliteCode?.startsWith('SQLITE_CONSTRAINT') && db.inTransaction) return { ok: false, sqliteCode, message: e.message };
        throw e;
      }
    }),
  );
  return (batch) => run.immediate(batch);
}

/** An error as plain data (for postMessage): SQLite's code, when it is a SQLite error. */
export function errorData(e) {
  const code = typeof e?.code === 'string' && e.code.startsWith('SQLITE_') ? e.code : undefined;
  return { message: e instanceof Error ? e.message : String(e), ...(code ? { sqliteCode: code } : {}) };
}

/**
 * A batch as one message for the writer thread: every item's JSON bytes in ONE ArrayBuffer (to be
 * transferred, not copied — `transfer` lists it), the other fields as rows.
 */
export function packBatch(values) {
  const json = (x) => (x === null ? null : typeof x === 'string' ? Buffer.from(x, 'utf8') : x);
  let size = 0;
  const parts = values.map((v) => {
    const a = json(v.answersJson);
    const s = json(v.scoreJson);
    size += a.length + (s ? s.length : 0);
    return [a, s];
  });
  const bytes = Buffer.allocUnsafeSlow(size);
  let at = 0;
  const rows = values.map((v, i) => {
    const [a, s] = parts[i];
    bytes.set(a, at);
    at += a.length;
    if (s) {
      bytes.set(s, at);
      at += s.length;
    }
    return [v.exam, v.code, v.student, v.total, v.max, v.createdAt, v.ip, v.maxAttempts ?? null, a.length, s ? s.length : -1];
  });
  return { rows, bytes, transfer: [bytes.buffer] };
}

/** The values of a packed batch (the JSON as views into its bytes). */
export function unpackBatch(rows, bytes) {
  let at = 0;
  return rows.map(([exam, code, student, total, max, createdAt, ip, maxAttempts, answersLength, scoreLength]) => {
    const answersJson = bytes.subarray(at, (at += answersLength));
    const scoreJson = scoreLength < 0 ? null : bytes.subarray(at, (at += scoreLength));
    return { exam, code, student, answersJson, total, max, scoreJson, createdAt, ip, maxAttempts: maxAttempts ?? undefined };
  });
}
