/**
 * A server under load, in its own process (so the load generator in the driver does not share its
 * event loop):
 *   node --import tsx bench/serve-child.ts --mode real --exams DIR --db FILE
 *   node --import tsx bench/serve-child.ts --mode bare
 *   node --import tsx bench/serve-child.ts --mode raw
 * `real` is the product: startServer() from dist/ (the compiled build) with durable SQLite storage (WAL, fsync per commit), the
 * default log level, helmet, the rate limiter (limits set very high) and grading. `bare` is the
 * comparison: express with one POST route answering a constant JSON; `raw`, Node.js's HTTP server
 * alone answering the same.
 * Sends { port } when listening; "start" marks the measured window (answered with { started });
 * "stop" closes and sends its CPU and memory figures.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createHistogram } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { args, peakRssMb, requireFreshDist } from './shared.js';

/** Kept in a variable so that TypeScript does not look for declarations of the compiled file. */
const DIST_SERVE = '../dist/server/serve.js';

export interface ServeStopped {
  rssMb: number;
  peakRssMb: number;
  /** CPU time (user + system) of the server process between "start" and "stop", and that window's length. */
  cpuSeconds?: number;
  loadSeconds?: number;
  /** Submissions in storage after the run (real mode). */
  stored?: number;
  /** SQLite pragmas in force (real mode): proves the run was durable. */
  pragmas?: { journalMode: string; synchronous: string };
  /** Group commit (real mode): transactions that stored submissions, and the submissions in them. */
  commits?: { commits: number; submissions: number };
  /**
   * Time inside the server (ms) of the requests answered in the measured window: from the request's
   * headers being parsed ('request') to its response handed to the kernel ('finish'). What the
   * client sees on top of it is waiting to be accepted and read, and the trip back.
   */
  inServer?: { p50: number; p90: number; p99: number; max: number; n: number };
}

const a = args();
const mode = a['mode'] ?? 'real';
let close: () => Promise<number | undefined>;
let port: number;
let pragmas: ServeStopped['pragmas'];
let commits: (() => ServeStopped['commits']) | undefined;
let measuring = false;
const inServer = createHistogram();

/** Records each request's time inside the server while the measured window is open (first listener: before express's). */
function timeRequests(server: Server): void {
  server.prependListener('request', (_req, res) => {
    if (!measuring) return;
    const t = process.hrtime.bigint();
    res.once('finish', () => {
      if (measuring) inServer.record(process.hrtime.bigint() - t);
    });
  });
}

if (mode === 'bare' || mode === 'raw') {
  let server: Server;
  if (mode === 'bare') {
    const app = express();
    app.disable('x-powered-by');
    app.post('/api/submissions', (_req, res) => {
      res.status(201).json({ ok: true, status: 'received' });
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  } else {
    // Node.js's HTTP server alone: the body read and dropped, the same constant answer.
    const answer = Buffer.from(JSON.stringify({ ok: true, status: 'received' }));
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': answer.length });
        res.end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }
  port = (server.address() as AddressInfo).port;
  timeRequests(server);
  close = () =>
    new Promise((resolve) => {
      server.close(() => resolve(undefined));
      server.closeAllConnections();
    });
} else {
  const big = 1_000_000_000;
  // The compiled product (dist/, built by bench/run.ts), as `dlexam serve` runs it: not the sources through tsx.
  requireFreshDist();
  const { startServer } = (await import(DIST_SERVE)) as typeof import('../src/server/serve.js');
  const s = await startServer({ examsDir: a['exams']!, db: a['db']!, port: 0, host: '127.0.0.1', perIpPerMinute: big, perStudentPerMinute: big });
  port = s.port;
  timeRequests(s.server);
  const p = (s.storage as unknown as { pragmas?: () => { journalMode: string; synchronous: string } }).pragmas?.();
  if (p) pragmas = { journalMode: p.journalMode, synchronous: p.synchronous };
  const stats = (s.storage as unknown as { commitStats?: { commits: number; submissions: number } }).commitStats;
  if (stats) {
    const at0 = { ...stats };
    process.on('message', (m) => {
      if (m === 'start') Object.assign(at0, stats);
    });
    commits = () => ({ commits: stats.commits - at0.commits, submissions: stats.submissions - at0.submissions });
  }
  close = async () => {
    const stored = (await s.storage.listExams()).reduce((n, e) => n + e.submissionCount, 0);
    s.server.closeAllConnections();
    await s.close();
    return stored;
  };
}

// "start" marks the beginning of the measured load (CPU accounting and, with BENCH_PROFILE_FILE,
// a CPU profile of exactly that window: no start-up, no warm-up).
const profileFile = process.env['BENCH_PROFILE_FILE'];
const session = profileFile ? new Session() : undefined;
const post = (method: string) => new Promise<unknown>((resolve, reject) => session!.post(method, (err, r) => (err ? reject(err) : resolve(r))));
let cpu0: NodeJS.CpuUsage | undefined;
let t0 = 0;

process.on('message', (m) => {
  if (m === 'start') {
    void (async () => {
      if (session) {
        session.connect();
        await post('Profiler.enable');
        await post('Profiler.start');
      }
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      measuring = true;
      process.send!({ started: true });
    })();
    return;
  }
  if (m !== 'stop') return;
  measuring = false;
  /** Nanoseconds as milliseconds with one decimal. */
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const at = (q: number) => ms(inServer.percentile(q));
  const timed: ServeStopped['inServer'] = inServer.count ? { p50: at(50), p90: at(90), p99: at(99), max: ms(inServer.max), n: inServer.count } : undefined;
  const cpu = cpu0 ? process.cpuUsage(cpu0) : undefined;
  const seconds = (performance.now() - t0) / 1000;
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  const committed = commits?.();
  void (async () => {
    if (session) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(profileFile!, JSON.stringify(profile));
      session.disconnect();
    }
    const stored = await close();
    const r: ServeStopped = {
      rssMb,
      peakRssMb: peakRssMb(),
      ...(cpu ? { cpuSeconds: (cpu.user + cpu.system) / 1e6, loadSeconds: seconds } : {}),
      ...(stored !== undefined ? { stored } : {}),
      ...(pragmas ? { pragmas } : {}),
      ...(committed ? { commits: committed } : {}),
      ...(timed ? { inServer: timed } : {}),
    };
    process.send!(r, () => process.exit(0));
  })();
});
process.send!({ port });
