// The writer thread of a SqliteStorage (see sqlite.ts, "Writer thread"): its own connection to the
// file, configured like the main one (WAL, synchronous=FULL, foreign keys, busy timeout). It
// receives batches of submissions, writes each in one transaction and answers only after COMMIT
// returned — the WAL is fsynced by then — so the main thread acknowledges nothing that is not on
// disk, while its event loop never waits for SQLite or for the disk.
// Plain JavaScript: the thread starts without a TypeScript loader (execArgv is emptied for it).
import { parentPort, workerData } from 'node:worker_threads';
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

port.on('message', (m) => {
  if (m.type === 'batch') {
    if (!write) {
      port.postMessage({ type: 'failed', seq: m.seq, error: openError ?? { message: 'the writer connection is closed' } });
      return;
    }
    let outcomes;
    try {
      outcomes = write(unpackBatch(m.rows, m.bytes));
    } catch (e) {
      port.postMessage({ type: 'failed', seq: m.seq, error: errorData(e) });
      return;
    }
    port.postMessage({ type: 'done', seq: m.seq, outcomes });
  } else if (m.type === 'close') {
    if (db?.open) db.close();
    db = undefined;
    write = undefined;
    port.postMessage({ type: 'closed' });
    port.close();
  }
});
