/** Start the grading service: load exams, open storage, listen, shut down gracefully. */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { createService } from './app.js';
import { ExamRegistry } from './exams.js';
import { openStorage, type Storage } from './storage/index.js';

export interface ServeOptions {
  examsDir: string;
  port: number;
  host: string;
  db?: string;
  adminToken?: string;
  logLevel?: string;
  /** Rate limits (per minute); defaults in createService. */
  perIpPerMinute?: number;
  perStudentPerMinute?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  storage: Storage;
  close(): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  // Asynchronous and buffered: a line per stored submission must not cost a write(2) of its own;
  // lines go out in writes of 4 kB or more, and at the latest every 250 ms (the timer below). pino
  // flushes what is left on exit, and close() does too. (Submissions are durable in storage, logs or not.)
  const logger = pino({ level: o.logLevel ?? process.env['DLEXAM_LOG_LEVEL'] ?? 'info' }, pino.destination({ dest: 2, sync: false, minLength: 4096 }));
  const flusher = setInterval(() => logger.flush(), 250).unref();
  const exams = ExamRegistry.load(o.examsDir);
  const storage = await openStorage(o.db ?? join(o.examsDir, 'dlexam.sqlite'));
  for (const e of exams.list()) {
    const r = await storage.upsertExam({ id: e.id, title: e.doc.exam.title, mode: e.doc.exam.mode, sha256: e.sha256 });
    if (r.changed) logger.warn({ exam: e.id }, 'exam.json changed since submissions were stored: run `dlexam regrade` to recompute them');
  }
  const { listener } = createService({
    exams,
    storage,
    logger,
    ...(o.adminToken ? { adminToken: o.adminToken } : {}),
    ...(o.perIpPerMinute ? { perIpPerMinute: o.perIpPerMinute } : {}),
    ...(o.perStudentPerMinute ? { perStudentPerMinute: o.perStudentPerMinute } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    // The service's listener: the lean submission path in front of the express app (app.ts).
    const s = createServer(listener);
    s.on('error', reject);
    s.listen(o.port, o.host, () => resolve(s));
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await storage.close();
      clearInterval(flusher);
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
    })());
  return { url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`, port, server, storage, close };
}
