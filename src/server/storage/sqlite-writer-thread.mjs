// The writer thread of a SqliteStorage (see sqlite.ts, "Writer thread"): its own connection to the
// file, configured like the main one (WAL, synchronous=FULL, foreign keys, busy timeout). It
// receives batches of submissions and writes them in transactions — each one takes every batch
// that arrived while the previous one was being committed (up to MAX_ITEMS submissions), so the
// thread goes from one commit to the next without waiting for the main thread — and answers only
// after COMMIT returned — the WAL is fsynced by then — so the main thread acknowledges nothing that
// is not on disk, while its event loop never waits for SQLite or for the disk.
// Checkpoints stay SQLite's own (at the end of the COMMIT that takes the WAL past 1,000 pages: under
// load about every 20th commit, 6–10 ms longer). Tried and not kept (2026-12-08): a third thread
// running wal_checkpoint(PASSIVE) every 200 ms. On fresh databases it cut the commits' p99 from
// 10–12 to 7–8 ms, but with 40,000–250,000 rows (the benchmark's database grows across rounds) the
// service's p99 inside the server rose from 15–19 to 20–24 ms: the checkpoints' scattered page writes
// and fsyncs of the database file slowed the WAL's fsyncs more than they spared the commits.
// Plain JavaScript: the thread starts without a TypeScript loader (execArgv is emptied for it).
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { batchWriter, configureConnection, errorData, unpackBatch } from './sqlite-batch.mjs';

const port = parentPort;
if (!port) throw new Error('sqlite-writer-thread.mjs runs as a worker thread only');
const { file, busyTimeoutMs } = workerData;

let db;
let write;
let openError;
try {
  db = new Database(file, { fileMustExist: true });
  const problem = configureConnection(db, { memory: false, busyTimeoutMs });
  if (problem) throw new Error(problem);
  write = batchWriter(db);
  port.postMessage({ type: 'ready' });
} catch (e) {
  if (db?.open) db.close();
  db = undefined;
  openError = errorData(e);
  port.postMessage({ type: 'open-failed', error: openError });
}

/** Most submissions in one transaction (sqlite.ts MAX_BATCH). */
const MAX_ITEMS = 512;

/** Commits batches (oldest first) in one transaction; answers for all of them at once. */
function commit(batches) {
  const seqs = batches.map((b) => b.seq);
  if (!write) {
    port.postMessage({ type: 'failed', seqs, error: openError ?? { message: 'the writer connection is closed' } });
    return;
  }
  let outcomes;
  try {
    outcomes = write(batches.length === 1 ? unpackBatch(batches[0].rows, batches[0].bytes) : batches.flatMap((b) => unpackBatch(b.rows, b.bytes)));
  } catch (e) {
    port.postMessage({ type: 'failed', seqs, error: errorData(e) });
    return;
  }
  port.postMessage({ type: 'done', seqs, outcomes });
}

function onMessage(m) {
  if (m.type === 'batch') {
    // With it, every batch already waiting (sent while the last transaction was being committed).
    const batches = [m];
    let items = m.rows.length;
    let other;
    while (items < MAX_ITEMS) {
      const next = receiveMessageOnPort(port);
      if (!next) break;
      if (next.message.type !== 'batch' || items + next.message.rows.length > MAX_ITEMS) {
        other = next.message; // for after this transaction
        break;
      }
      batches.push(next.message);
      items += next.message.rows.length;
    }
    commit(batches);
    if (other) onMessage(other);
  } else if (m.type === 'close') {
    if (db?.open) db.close();
    db = undefined;
    write = undefined;
    port.postMessage({ type: 'closed' });
    port.close();
  }
}

port.on('message', onMessage);
