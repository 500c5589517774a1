/**
 * `npm run bench`: generation, verification and grading-service benchmarks, each against a baseline
 * measured in the same run; writes docs/BENCHMARKS.md.
 *
 *   npm run bench                      full: N = 1, 100, 1000 variants; 10000 seeds per family
 *   BENCH_QUICK=1 npm run bench        quick: N = 1, 20, 100; 2000 seeds per family
 *   BENCH_SEEDS=500                    seeds per family for the verification table (default 10000, as the
 *                                      issue's `dlexam verify --seeds 10000`; 2000 in quick mode)
 *   BENCH_REPEAT=3                     rounds of the largest N with verification and PDFs, each jobs 1, jobs 2,
 *                                      then the ceiling; and of the saturated grading runs, each bare express,
 *                                      then dlexam (the median is reported)
 *   BENCH_DURATION=10                  seconds of load per server (after a 2 s warm-up)
 *   BENCH_PROFILE=1                    also CPU-profile one generation run and the grading server
 *   BENCH_ONLY=gen,verify,grade        run some sections only (prints, does not write the doc)
 *   BENCH_KEEP=1                       keep the temporary work folder (exams, databases, logs, profiles)
 *   BENCH_JSON=FILE                    also save the raw results as JSON
 *   BENCH_RENDER=FILE                  measure nothing: rewrite the doc from a BENCH_JSON file
 *                                      (with the same BENCH_QUICK setting as that run)
 */
import { execFileSync, fork } from 'node:child_process';
import { GENERATE_ENV, GENERATE_NODE_FLAGS } from '../src/exam/v8-flags.mjs';
import http from 'node:http';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { ExamDoc } from '../src/exam/types.js';
import type { VerifyResult } from './verify-child.js';
import type { ServeStopped } from './serve-child.js';
import type { GradingParts } from './grading-parts-child.js';
import { allRight, SubmissionStream } from './grading-load.js';
import type { GenResult } from './shared.js';
import { summariseProfiles, type ProfileSummary } from './profile-summary.js';

const ROOT = join(import.meta.dirname, '..');
const DOC = join(ROOT, 'docs', 'BENCHMARKS.md');
const env = process.env;
const QUICK = env['BENCH_QUICK'] === '1';
const SEEDS = Number(env['BENCH_SEEDS'] ?? (QUICK ? 2000 : 10000));
const DURATION = Number(env['BENCH_DURATION'] ?? 10);
const PROFILE = env['BENCH_PROFILE'] === '1';
const ONLY = env['BENCH_ONLY']?.split(',').map((s) => s.trim());
const NS = QUICK ? [1, 20, 100] : [1, 100, 1000];
const CORES = availableParallelism();
const JOBS = [...new Set([1, CORES])];
const CONNECTIONS = 50;
const GRADING_VARIANTS = 30;
const TARGET = { perCore: 20, rssMb: 300, rssN: 1000, gradingShare: 0.5, p99Ms: 25 };
/** Runs of each target configuration (largest N, verification and PDFs; saturated grading): the machine's speed drifts by ±20 % over minutes. */
const REPEAT = Math.max(1, Number(env['BENCH_REPEAT'] ?? 3));
const runs = (s: string) => !ONLY || ONLY.includes(s);

const work = mkdtempSync(join(tmpdir(), 'dlexam-bench-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------------------------------------
// child processes

interface Child<T> {
  result: T;
  wallSeconds: number;
}

function runChild<T>(script: string, args: string[], o: { tfLog?: string; profileDir?: string } = {}): Promise<Child<T>> {
  const t0 = performance.now();
  // --expose-gc: gen-child forces one GC after the measured work, to report the heap it still holds.
  // Generation runs with the V8 flags and environment `dlexam generate` starts Node.js with (bin/dlexam.js).
  // Generation runs the compiled product (dist/, built by main()) without tsx, as `dlexam generate` does.
  const gen = script === 'gen-child.mjs';
  const product = gen ? GENERATE_NODE_FLAGS : ['--import', 'tsx'];
  const execArgv = ['--expose-gc', ...product, ...(o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [])];
  const child = fork(join(ROOT, 'bench', script), args, { cwd: ROOT, execArgv, env: { ...(gen ? GENERATE_ENV : {}), ...env, ...(o.tfLog ? { BENCH_TF_LOG: o.tfLog } : {}) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    child.on('message', (m) => (result = m as T));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && result !== undefined) resolve({ result, wallSeconds: (performance.now() - t0) / 1000 });
      else reject(new Error(`bench/${script} ${args.join(' ')} exited with ${code}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 1. generation

type Mode = 'baseline' | 'verify' | 'full';
const MODES: { mode: Mode; verify: boolean; pdf: boolean; label: string }[] = [
  { mode: 'baseline', verify: false, pdf: false, label: 'baseline: no verification, no PDFs' },
  { mode: 'verify', verify: true, pdf: false, label: 'verification, no PDFs' },
  { mode: 'full', verify: true, pdf: true, label: 'verification + paper and key PDFs' },
];

interface GenRow extends GenResult {
  mode: Mode;
  wallSeconds: number;
  /** A repeated configuration: exams/s of every run (the row is the median run; its peak RSS the highest of them). */
  runs?: number[];
}

let genSeq = 0;
async function genRun(n: number, jobs: number, m: (typeof MODES)[number], profileDir?: string): Promise<GenRow> {
  const out = join(work, `gen-${++genSeq}`);
  const tfLog = join(work, `tf-${genSeq}.log`);
  try {
    const r = await runChild<GenResult>('gen-child.mjs', ['--variants', String(n), '--jobs', String(jobs), '--pdf', m.pdf ? '1' : '0', '--verify', m.verify ? '1' : '0', '--out', out], { tfLog, ...(profileDir ? { profileDir } : {}) });
    return { ...r.result, mode: m.mode, wallSeconds: r.wallSeconds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The item with the median `key` (the upper middle one of an even number). */
const medianBy = <T>(items: readonly T[], key: (x: T) => number): T => [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
/** The run with the median time. */
const medianRun = <T extends { seconds: number }>(runs: T[]): T => medianBy(runs, (r) => r.seconds);

/**
 * The machine's own limit for parallel work: CORES independent single-thread generations at once
 * (separate processes, nothing shared). Per-core throughput with --jobs cannot beat it by much.
 */
interface Ceiling {
  n: number;
  processes: number;
  /** generateExam seconds of each process (the median round's). */
  seconds: number[];
  /** Exams/s per process (= per core), the median process (of the median round). */
  perCore: number;
  /** Each round's perCore, in the order run (rounds alternate with the target runs: see generation()). */
  rounds?: number[];
}

async function ceilingRun(n: number): Promise<Ceiling> {
  const all = await Promise.all(Array.from({ length: CORES }, () => genRun(n, 1, MODES[2]!)));
  const seconds = all.map((r) => r.seconds).sort((a, b) => a - b);
  const r = { n, processes: CORES, seconds, perCore: n / medianRun(all).seconds };
  log(`  ceiling: ${CORES} single-thread processes at once, N=${n}: ${seconds.map((x) => x.toFixed(2)).join(' / ')} s = ${r.perCore.toFixed(2)} exams/s per core`);
  return r;
}

/**
 * Every configuration once, but the targets' (largest N, verification + PDFs, every jobs), which
 * run REPEAT times, in rounds: jobs 1, jobs 2, …, then the ceiling, then the next round. This
 * host's speed drifts by 20 % and more within minutes, so runs compared with each other (jobs 2
 * against the ceiling, say) are made next to each other, and each round's comparison is reported.
 */
async function generation(): Promise<{ rows: GenRow[]; ceiling?: Ceiling }> {
  const nMax = NS[NS.length - 1]!;
  const rows: GenRow[] = [];
  const logRun = (r: GenRow) =>
    log(`  generate N=${r.variants} jobs=${r.jobs} ${r.mode.padEnd(8)} ${r.seconds.toFixed(2)} s  ${(r.variants / r.seconds).toFixed(2)} exams/s  peak RSS ${r.peakRssMb.toFixed(0)} MB  tf inits ${r.tf.backendInits}`);
  for (const n of NS)
    for (const jobs of JOBS.filter((j) => j <= n)) // generateExam never starts more workers than variants
      for (const m of MODES) {
        if (n === nMax && m.mode === 'full') continue;
        const r = await genRun(n, jobs, m);
        logRun(r);
        rows.push(r);
      }
  const targetJobs = JOBS.filter((j) => j <= nMax);
  const runs = new Map<number, GenRow[]>(targetJobs.map((j) => [j, []]));
  const ceilings: Ceiling[] = [];
  for (let round = 0; round < REPEAT; round++) {
    if (REPEAT > 1) log(`  round ${round + 1} of ${REPEAT}: N=${nMax} with verification and PDFs`);
    for (const jobs of targetJobs) {
      const r = await genRun(nMax, jobs, MODES[2]!);
      logRun(r);
      runs.get(jobs)!.push(r);
    }
    if (CORES > 1) ceilings.push(await ceilingRun(nMax));
  }
  for (const all of runs.values()) {
    const median = medianRun(all);
    rows.push(all.length > 1 ? { ...median, peakRssMb: Math.max(...all.map((r) => r.peakRssMb)), runs: all.map((r) => nMax / r.seconds) } : median);
  }
  const order = (g: GenRow) => [NS.indexOf(g.variants), JOBS.indexOf(g.jobs), MODES.findIndex((m) => m.mode === g.mode)];
  rows.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
  if (!ceilings.length) return { rows };
  const ceiling = medianBy(ceilings, (c) => c.perCore);
  return { rows, ceiling: ceilings.length > 1 ? { ...ceiling, rounds: ceilings.map((c) => c.perCore) } : ceiling };
}

// ---------------------------------------------------------------------------------------------
// 3. grading service

interface LoadResult {
  name: string;
  reqPerSec: number;
  total: number;
  ok2xx: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  max: number;
  /** Paced run: autocannon's overallRate (req/s); absent = as fast as the server answers. */
  rate?: number;
  errors: number;
  /** Paced run: the client's connection errors by code (ECONNRESET, …). */
  errorCodes?: Record<string, number>;
  timeouts: number;
  non2xx: number;
  stopped: ServeStopped;
}

/** One round of the saturated grading runs: bare express, then dlexam. */
interface GradingRound {
  bare: LoadResult;
  real: LoadResult;
}

/** The saturated rounds when there were several (one in runs before 2026-12-07 evening, or with BENCH_REPEAT=1). */
const severalRounds = (g: GradingResult): GradingRound[] | undefined => (g.rounds && g.rounds.length > 1 ? g.rounds : undefined);
/** Submissions in storage after the last saturated run (warm-ups included). */
const storedAfter = (g: GradingResult): number | undefined => (g.rounds?.at(-1)?.real ?? g.real).stopped.stored;

interface GradingResult {
  parts: GradingParts;
  exam: { variants: number; questions: number; parts: number };
  bare: LoadResult;
  /** Node.js's HTTP server alone answering the same constant JSON (absent from runs before 2026-12-07). */
  raw?: LoadResult;
  /** The round (bare express, then dlexam) whose dlexam p99 is the median of the rounds'. */
  real: LoadResult;
  /** Every round of the saturated runs, in order (absent from runs before 2026-12-07 evening: one round). */
  rounds?: GradingRound[];
  paced: LoadResult;
  preflight: { status: number; score?: { total: number; max: number } };
  durable: string;
}

let serveSeq = 0;
/** A server child: its log (stderr, pino at level info for the real one) goes to a file, as in production. */
function startServe(args: string[], profileFile?: string): Promise<{ port: number; start: () => Promise<void>; stop: () => Promise<ServeStopped> }> {
  const logFile = join(work, `server-${++serveSeq}.log`);
  const fd = openSync(logFile, 'w');
  const child = fork(join(ROOT, 'bench', 'serve-child.ts'), args, { cwd: ROOT, execArgv: ['--import', 'tsx'], env: { ...env, ...(profileFile ? { BENCH_PROFILE_FILE: profileFile } : {}) }, stdio: ['ignore', 'ignore', fd, 'ipc'] });
  closeSync(fd);
  const logTail = () => readFileSync(logFile, 'utf8').slice(-2000);
  const next = () => new Promise<unknown>((resolve) => child.once('message', resolve));
  return new Promise((resolve, reject) => {
    const failed = (code: number | null) => reject(new Error(`bench/serve-child.ts ${args.join(' ')} exited with ${code}: ${logTail()}`));
    child.once('exit', failed);
    void next().then((m) => {
      child.off('exit', failed);
      resolve({
        port: (m as { port: number }).port,
        start: async () => {
          const started = next();
          child.send('start');
          await started;
        },
        stop: () =>
          new Promise<ServeStopped>((res, rej) => {
            let stopped: ServeStopped | undefined;
            void next().then((s) => (stopped = s as ServeStopped));
            child.once('exit', (code) => (code === 0 && stopped ? res(stopped) : rej(new Error(`server exited with ${code}: ${logTail()}`))));
            child.send('stop');
          }),
      });
    });
  });
}

function cannon(port: number, stream: SubmissionStream, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/submissions',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: stream.next() }),
      },
    ],
  });
}

/**
 * Open-loop load at an even rate (one request every 1/rate s, at most CONNECTIONS in flight on
 * keep-alive sockets): latency when the server is not saturated. autocannon's own rate limit
 * releases each second's requests in one burst, which measures the burst instead.
 */
/** A load run's result; the paced client also counts its connection errors by code. */
type Measured = autocannon.Result & { errorCodes?: Record<string, number> };

async function paced(port: number, stream: SubmissionStream, rate: number, seconds: number): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const lat: number[] = [];
  const errorCodes: Record<string, number> = {};
  let non2xx = 0;
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  const one = () => {
    const body = stream.next();
    const s = performance.now();
    const p = new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/submissions', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => {
          lat.push(performance.now() - s);
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
          resolve();
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        const code = e.code ?? e.message;
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
  };
  for (let i = 0; ; i++) {
    const due = t0 + (i * 1000) / rate;
    if (due - t0 >= seconds * 1000) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    one();
  }
  await Promise.all(inFlight);
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (x: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(lat.length * x))] ?? NaN);
  const h = { p50: q(0.5), p90: q(0.9), p97_5: q(0.975), p99: q(0.99), max: Math.round(lat[lat.length - 1] ?? NaN) };
  return { requests: { average: lat.length / ((performance.now() - t0) / 1000), total: lat.length }, latency: h, errors: Object.values(errorCodes).reduce((a, n) => a + n, 0), errorCodes, timeouts: 0, non2xx, '2xx': lat.length - non2xx } as unknown as Measured;
}

/** " (ECONNRESET 5)": the paced client's errors by code, when it had any. */
const errorKinds = (r: LoadResult): string => (r.errorCodes ? ` (${Object.entries(r.errorCodes).map(([c, n]) => `${c} ${n}`).join(', ')})` : '');

async function loadTest(name: string, args: string[], doc: ExamDoc, o: { profileFile?: string; rate?: number } = {}): Promise<LoadResult> {
  const server = await startServe(args, o.profileFile);
  const stream = new SubmissionStream(doc, `${name.replace(/[^\w]/g, '')}${Date.now().toString(36)}`);
  await cannon(server.port, stream, 2); // warm-up, not reported
  await server.start();
  const r: Measured = o.rate ? await paced(server.port, stream, o.rate, DURATION) : await cannon(server.port, stream, DURATION);
  const stopped = await server.stop();
  const res: LoadResult = {
    name,
    reqPerSec: r.requests.average,
    total: r.requests.total,
    ok2xx: r['2xx'],
    p50: r.latency.p50,
    p90: r.latency.p90,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    ...(o.rate ? { rate: o.rate } : {}),
    max: r.latency.max,
    errors: r.errors,
    ...(r.errorCodes && r.errors > 0 ? { errorCodes: r.errorCodes } : {}),
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    stopped,
  };
  const t = stopped.inServer;
  log(`  ${name.padEnd(5)} ${res.reqPerSec.toFixed(0)} req/s  p50 ${res.p50} ms  p99 ${res.p99} ms${t ? ` (in the server ${t.p50} / ${t.p99} ms)` : ''}  errors ${res.errors}${errorKinds(res)} non-2xx ${res.non2xx}  RSS ${stopped.rssMb.toFixed(0)} MB`);
  return res;
}

async function grading(): Promise<GradingResult> {
  const examsDir = join(work, 'exams');
  await runChild<GenResult>('gen-child.mjs', ['--variants', String(GRADING_VARIANTS), '--jobs', '1', '--pdf', '0', '--verify', '1', '--out', examsDir]);
  const doc = JSON.parse(readFileSync(join(examsDir, 'bench-spec', 'exam.json'), 'utf8')) as ExamDoc;
  const db = join(work, 'grading.sqlite');
  const realArgs = ['--mode', 'real', '--exams', examsDir, '--db', db];

  // Preflight: one all-right submission must be stored, graded and get full marks.
  const pre = await startServe(realArgs);
  const resp = await fetch(`http://127.0.0.1:${pre.port}/api/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ exam: doc.spec.id, code: doc.variants[0]!.code, student: 'preflight', answers: allRight(doc, 0) }),
  });
  const body = (await resp.json()) as { score?: { total: number; max: number } };
  await pre.stop();
  if (resp.status !== 201) throw new Error(`preflight submission answered ${resp.status}: ${JSON.stringify(body)}`);
  if (!body.score || Math.abs(body.score.total - body.score.max) > 1e-9) log(`  warning: the all-right preflight submission scored ${JSON.stringify(body.score)}`);

  const raw = await loadTest('raw', ['--mode', 'raw'], doc);
  // The targets' runs in rounds, each bare express then dlexam: a 10 s run's p99 moves by ±30 % from
  // one run to the next on this host, so each is compared with its own round's baseline, and the
  // round with the median dlexam p99 is the one reported.
  const rounds: GradingRound[] = [];
  for (let round = 0; round < REPEAT; round++) {
    if (REPEAT > 1) log(`  round ${round + 1} of ${REPEAT}: bare express, then dlexam`);
    const bare = await loadTest('bare', ['--mode', 'bare'], doc);
    rounds.push({ bare, real: await loadTest('real', realArgs, doc) });
  }
  const { bare, real } = medianBy(rounds, (r) => r.real.p99);
  const paced = await loadTest('paced', realArgs, doc, { rate: Math.max(1, Math.floor(real.reqPerSec / 2)) });
  const parts = (await runChild<GradingParts>('grading-parts-child.ts', ['--exams', examsDir, '--db', join(work, 'parts.sqlite'), '--n', '2000'])).result;
  log(`  per submission, outside HTTP: grading ${parts.gradeMs.toFixed(2)} ms, storage ${parts.storeMs.toFixed(2)} ms in waves (${(parts.storeSeqMs ?? NaN).toFixed(2)} ms one at a time; ${(parts.storeSyncMs ?? NaN).toFixed(3)} ms of it on the event loop), JSON ${parts.jsonMs.toFixed(3)} ms`);
  const v0 = doc.variants[0]!;
  return {
    parts,
    exam: { variants: doc.variants.length, questions: v0.questions.length, parts: v0.questions.reduce((a, q) => a + q.parts.length, 0) },
    bare,
    raw,
    real,
    rounds,
    paced,
    preflight: { status: resp.status, ...(body.score ? { score: body.score } : {}) },
    durable: real.stopped.pragmas ? `SQLite journal_mode=${real.stopped.pragmas.journalMode}, synchronous=${real.stopped.pragmas.synchronous}` : 'SQLite',
  };
}

// ---------------------------------------------------------------------------------------------
// machine

/** Milliseconds per round of bench/reference.mjs, run in a fresh process (see there). */
function reference(): number[] {
  const out = execFileSync(process.execPath, [join(ROOT, 'bench', 'reference.mjs')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  const ms = (JSON.parse(out) as { ms: number[] }).ms;
  log(`reference workload: ${ms.join(' / ')} ms`);
  return ms;
}

const referenceMedian = (ms: number[]) => medianBy(ms, (x) => x);

function machine() {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    /* not Linux */
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    /* not a git checkout */
  }
  let fs = 'unknown';
  try {
    fs = execFileSync('df', ['-T', tmpdir()], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[1]?.split(/\s+/)[1] ?? fs;
  } catch {
    /* no df */
  }
  return { cores: CORES, logical: cpus().length, cpuModel, memGb: totalmem() / 2 ** 30, node: process.version, os: `${osType()} ${release()}`, commit, tmp: `${tmpdir()} (${fs})` };
}

// ---------------------------------------------------------------------------------------------
// report

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
/**
 * The ceiling row's comparison of a process sharing the machine with one alone (`ratio` = alone's
 * exams/s over the sharing one's): below 1 the host itself got faster between the runs.
 */
const sharing = (ratio: number): string =>
  ratio >= 1 ? `each process ${f(ratio, 2)}× slower than one alone` : `each process as fast as one alone, or faster (${f(1 / ratio, 2)}×: the host's speed changed between the runs)`;
/**
 * One run's CPU time by thread: with one JavaScript thread, how busy it was and what the others used
 * beside it (on another core); with more, the shares of the cores' time (jobs × wall) of the
 * JavaScript threads, the other threads, and idle.
 */
function threadShares(g: GenRow): string {
  const t = g.threads!;
  const cores = g.jobs * g.seconds;
  const pct = (x: number, of = cores) => `${f((x / of) * 100, 0)} %`;
  if (!t.workers.length) return `jobs ${g.jobs}: main thread ${f(t.main, 1)} CPU-s (busy ${pct(t.main, g.seconds)} of the ${f(g.seconds, 1)} s), other threads ${f(t.other, 1)} CPU-s beside it`;
  const js = t.main + t.workers.reduce((a, b) => a + b, 0);
  return `jobs ${g.jobs}: main thread ${f(t.main, 1)}, worker${t.workers.length > 1 ? 's' : ''} ${t.workers.map((w) => f(w, 1)).join(' / ')}, other threads ${f(t.other, 1)} CPU-s of ${g.jobs} × ${f(g.seconds, 1)} s = ${pct(js)} generating, ${pct(t.other)} other threads, ${pct(Math.max(0, cores - js - t.other))} idle`;
}
const table = (head: string[], rows: string[][], align?: string[]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => align?.[i] ?? '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const status = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**');

interface Report {
  startedAt: string;
  seconds: number;
  machine: ReturnType<typeof machine>;
  loadStart: number[];
  loadEnd: number[];
  /** bench/reference.mjs at the start and at the end of the run: ms per round. */
  reference?: { start: number[]; end: number[] };
  gen?: GenRow[];
  ceiling?: Ceiling;
  verify?: VerifyResult;
  grading?: GradingResult;
  profiles?: { generation?: ProfileSummary & { run: string }; server?: ProfileSummary & { run: string } };
}

function targets(r: Report): string[][] {
  const rows: string[][] = [];
  const nMax = NS[NS.length - 1]!;
  if (r.gen) {
    const full = r.gen.filter((g) => g.mode === 'full' && g.variants === nMax);
    const perCore = full.map((g) => ({ jobs: g.jobs, v: g.variants / g.seconds / g.jobs, cpu: g.variants / g.cpuSeconds }));
    rows.push([
      `generation ≥ ${TARGET.perCore} verified exams/s per core with both PDFs`,
      `${perCore.map((p) => `${f(p.v, 2)} /s per core (jobs ${p.jobs}, N = ${nMax})`).join('; ')}; per CPU-second of all threads (V8's compiler threads too): ${perCore.map((p) => `${f(p.cpu, 2)} (jobs ${p.jobs})`).join(', ')}${full.some((g) => g.runs) ? `; median of ${REPEAT} runs, exams/s per core of each: ${full.map((g) => `${(g.runs ?? []).map((x) => f(x / g.jobs, 1)).join(' / ')} (jobs ${g.jobs})`).join(', ')}` : ''}`,
      status(perCore.every((p) => p.v >= TARGET.perCore)),
    ]);
    const c = r.ceiling;
    const alone = full.find((g) => g.jobs === 1);
    const multi = full.find((g) => g.jobs > 1);
    if (c && alone && multi) {
      const w = multi.work;
      const printedByWorkers = w.workers.reduce((a, x) => a + x.printed + x.produced, 0);
      rows.push([
        `… against this machine's parallel ceiling (${c.processes} independent 1-thread processes at once, N = ${c.n})`,
        `${f(c.perCore, 2)} exams/s per core (${sharing(alone.variants / alone.seconds / c.perCore)}: ${c.seconds.map((x) => f(x, 1)).join(' / ')} s); jobs ${multi.jobs} reaches ${f(((multi.variants / multi.seconds / multi.jobs) / c.perCore) * 100, 0)} % of it${c.rounds && multi.runs && c.rounds.length === multi.runs.length ? ` (round by round, each against the ceiling measured right after it: ${multi.runs.map((x, i) => `${f((x / multi.jobs / c.rounds![i]!) * 100, 0)} %`).join(' / ')}; the ceiling's rounds ${c.rounds.map((x) => f(x, 1)).join(' / ')} exams/s per core)` : ''}. With jobs ${multi.jobs} the main thread assembled ${w.assembledHere} of ${multi.variants} variants and printed ${w.printedHere}; the worker${w.workers.length > 1 ? 's' : ''} printed ${printedByWorkers}${w.workers.some((x) => x.full) ? ` (${w.workers.filter((x) => x.full).length} promoted to whole variants)` : ''}`,
        'context',
      ]);
    }
    const byThread = full.filter((g) => g.threads);
    if (byThread.length)
      rows.push([
        `… where the cores' time went (N = ${nMax}, CPU time by thread from /proc)`,
        `${byThread.map(threadShares).join('; ')}. The other threads are V8's optimizing compiler (TurboFan) almost entirely: with --no-concurrent-recompilation, which compiles on the JavaScript threads instead, they used ~0.2 CPU-s per 200 variants instead of ~2.2 (2026-12-07). Each JavaScript thread compiles the ~500 functions it runs hot for itself, so with jobs ${CORES} this work takes cores from the generating threads`,
        'context',
      ]);
    const big = r.gen.filter((g) => g.variants === TARGET.rssN);
    const bigFull = big.filter((g) => g.mode === 'full');
    const floor = Math.min(...r.gen.filter((g) => g.variants === NS[0]).map((g) => g.peakRssMb));
    rows.push([
      `${TARGET.rssN.toLocaleString('en')} variants with flat memory (< ${TARGET.rssMb} MB RSS)`,
      big.length
        ? `peak ${bigFull.map((g) => `${f(g.peakRssMb, 0)} MB (jobs ${g.jobs})`).join(', ')} with PDFs, ${big
            .filter((g) => g.mode === 'baseline')
            .map((g) => `${f(g.peakRssMb, 0)} MB (jobs ${g.jobs})`)
            .join(', ')} for the baseline; RSS from 10 % to 100 % of the variants ${bigFull.map((g) => `${f(g.rssAt[0], 0)} → ${f(g.rssAt[2], 0)} MB (jobs ${g.jobs})`).join(', ')}; floor at N = ${NS[0]}: ${f(floor, 0)} MB`
        : `not run in quick mode (largest N = ${nMax}: ${r.gen
            .filter((g) => g.mode === 'full' && g.variants === nMax)
            .map((g) => `${f(g.peakRssMb, 0)} MB, jobs ${g.jobs}`)
            .join('; ')})`,
      big.length ? status(big.every((g) => g.peakRssMb < TARGET.rssMb)) : status(undefined),
    ]);
  }
  if (r.gen || r.verify) {
    const all = [...(r.gen ?? []).map((g) => ({ ...g.tf, jobs: g.jobs, n: g.variants })), ...(r.verify ? [{ ...r.verify.tf, jobs: 1, n: r.verify.seeds }] : [])];
    const once = all.every((t) => t.maxPerThread === 1 && t.backendInits <= t.jobs);
    const j1 = all.filter((t) => t.jobs === 1).map((t) => t.backendInits);
    const jn = all.filter((t) => t.jobs > 1).map((t) => t.backendInits);
    rows.push([
      'the tensor backend initialised once per process',
      `initialisations per run: ${[...new Set(j1)].join('/')} with jobs 1${jn.length ? `, ${[...new Set(jn)].join('/')} with jobs ${CORES} (the main thread, and each worker thread that assembles variants: all of them without PDFs; with PDFs the workers only print and never load TensorFlow.js)` : ''}, for every N; at most ${Math.max(...all.map((t) => t.maxPerThread))} per thread`,
      once ? `**met** (once per thread${jn.length ? '; each worker thread is its own JS realm' : ''})` : '**missed**',
    ]);
  }
  if (r.grading) {
    const g = r.grading;
    const rounds = severalRounds(g);
    const shareOf = (r: GradingRound) => r.real.reqPerSec / r.bare.reqPerSec;
    const share = rounds ? shareOf(medianBy(rounds, shareOf)) : shareOf(g);
    const perRound = (x: (r: GradingRound) => string) => (rounds ? rounds.map(x).join(' / ') : '');
    rows.push([
      `grading ≥ ${TARGET.gradingShare * 100} % of bare express req/s, storage on`,
      rounds
        ? `${f(share * 100, 1)} % (median of ${rounds.length} rounds, each dlexam against the bare express run just before it: ${perRound((r) => `${f(shareOf(r) * 100, 0)} %`)}; req/s ${perRound((r) => `${f(r.real.reqPerSec, 0)} vs ${f(r.bare.reqPerSec, 0)}`)})`
        : `${f(g.real.reqPerSec, 0)} vs ${f(g.bare.reqPerSec, 0)} req/s = ${f(share * 100, 1)} %`,
      status(share >= TARGET.gradingShare),
    ]);
    rows.push([
      `grading p99 < ${TARGET.p99Ms} ms`,
      `p99 ${g.real.p99} ms (p50 ${g.real.p50} ms)${rounds ? `, the median of ${rounds.length} rounds (${perRound((r) => `${r.real.p99}`)} ms); bare express in the same rounds: p99 ${perRound((r) => `${r.bare.p99}`)} ms` : `; bare express on this machine in the same run: p99 ${g.bare.p99} ms (p50 ${g.bare.p50} ms)`}${g.raw ? `; plain node:http: p99 ${g.raw.p99} ms (p50 ${g.raw.p50} ms) at ${f(g.raw.reqPerSec, 0)} req/s` : ''}`,
      status(g.real.p99 < TARGET.p99Ms),
    ]);
    const runsOfReal = (rounds ?? [g]).map((r) => r.real);
    const sumOf = (x: (r: LoadResult) => number) => runsOfReal.reduce((a, r) => a + x(r), 0);
    const errors = sumOf((r) => r.errors);
    const non2xx = sumOf((r) => r.non2xx);
    rows.push([
      'grading: 0 errors',
      `${errors} connection errors/timeouts, ${non2xx} non-2xx of ${sumOf((r) => r.total)} requests${rounds ? ` (all ${rounds.length} rounds)` : ''}; ${storedAfter(g) ?? '?'} stored`,
      status(errors + non2xx === 0),
    ]);
  }
  return rows;
}

function genSection(rows: GenRow[]): string {
  const base = (g: GenRow) => rows.find((b) => b.mode === 'baseline' && b.variants === g.variants && b.jobs === g.jobs)!;
  const main = table(
    ['N', 'jobs', 'configuration', 'generateExam (s)', 'exams/s', 'exams/s per core', 'CPU s (all threads)', 'exams per CPU s', 'speed × baseline', 'first variant (s)', 'process wall (s)', 'peak RSS (MB)', 'RSS at 10 / 50 / 100 % (MB)', 'heap after GC (MB)', 'written (kB per exam)', 'tf inits'],
    rows.map((g) => [
      String(g.variants),
      String(g.jobs),
      MODES.find((m) => m.mode === g.mode)!.label,
      f(g.seconds, 2),
      f(g.variants / g.seconds, 2),
      f(g.variants / g.seconds / g.jobs, 2),
      f(g.cpuSeconds, 2),
      f(g.variants / g.cpuSeconds, 2),
      g.mode === 'baseline' ? '1 (baseline)' : f(base(g).seconds / g.seconds, 3),
      f(g.firstVariantSeconds, 2),
      f(g.wallSeconds, 2),
      f(g.peakRssMb, 0),
      g.rssAt.map((x) => f(x, 0)).join(' / '),
      f(g.heapAfterGcMb, 0),
      f(g.outputBytes / g.variants / 1000, 0),
      `${g.tf.backendInits} in ${g.tf.threads} thread(s)`,
    ]),
    ['--:', '--:', '---', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '---'],
  );
  const split: string[][] = [];
  for (const n of NS.filter((x) => x > 1)) // N = 1 is all start-up: its stage differences are noise
    for (const jobs of JOBS) {
      const get = (m: Mode) => rows.find((g) => g.variants === n && g.jobs === jobs && g.mode === m);
      const [b, v, p] = [get('baseline'), get('verify'), get('full')];
      if (!b || !v || !p) continue;
      const ms = (g: GenRow) => (g.seconds * 1000) / n;
      split.push([String(n), String(jobs), f(ms(b), 1), f(ms(v) - ms(b), 1), f(ms(p) - ms(v), 1), f(ms(p), 1), `${f(((ms(v) - ms(b)) / ms(p)) * 100, 0)} % / ${f(((ms(p) - ms(v)) / ms(p)) * 100, 0)} %`]);
    }
  return `${main}

Where the time goes (wall ms per exam, from the three configurations above; with jobs > 1 the stages run in parallel, so these are per-exam shares of the elapsed time):

${table(['N', 'jobs', 'baseline (generate, solve, mistakes, exam.json, keys)', '+ tensor verification', '+ paper and key PDFs', 'total', 'verification / PDF share'], split, ['--:', '--:', '--:', '--:', '--:', '--:', '--:'])}`;
}

function verifySection(v: VerifyResult): string {
  const rows = [...v.rows].sort((a, b) => a.verifiedPerSec - b.verifiedPerSec);
  const sum = (k: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + k(r), 0);
  const totalVerified = sum((r) => r.instances) / sum((r) => r.instances / r.verifiedPerSec);
  const totalBase = sum((r) => r.instances) / sum((r) => r.instances / r.baselinePerSec);
  return `${table(
    ['family', 'instances', 'agree', 'baseline inst/s (generate + solve + mistakes)', 'verified inst/s (fuzzFamily)', 'speed × baseline', 'tensor check (ms/instance)'],
    [
      ...rows.map((r) => [r.family, String(r.instances), String(r.agreed), f(r.baselinePerSec, 0), f(r.verifiedPerSec, 0), f(r.verifiedPerSec / r.baselinePerSec, 2), f(1000 / r.verifiedPerSec - 1000 / r.baselinePerSec, 2)]),
      ['**all families**', String(sum((r) => r.instances)), String(sum((r) => r.agreed)), f(totalBase, 0), f(totalVerified, 0), f(totalVerified / totalBase, 2), f(1000 / totalVerified - 1000 / totalBase, 2)],
    ],
    ['---', '--:', '--:', '--:', '--:', '--:', '--:'],
  )}

Slowest first. One process, ${v.seeds} seeds per family (difficulties cycle 1, 2, 3), both loops interleaved in chunks of 100
seeds after a 100-seed warm-up of each${v.rows.some((r) => r.verifiedPerSec > r.baselinePerSec) ? '; negative tensor-check times are timing noise' : ''}. The
tensor backend started once (\`loadTf()\`: ${f(v.tfLoadMs, 0)} ms, import + backend initialisation; ${v.tf.backendInits} initialisation(s)); peak RSS ${f(v.peakRssMb, 0)} MB.`;
}

function gradingSection(g: GradingResult): string {
  const rounds = severalRounds(g);
  const row = (r: LoadResult, label: string) => [
    label,
    f(r.reqPerSec, 0),
    r === g.bare ? '1 (baseline)' : f(r.reqPerSec / g.bare.reqPerSec, 3),
    String(r.total),
    String(r.p50),
    String(r.p90),
    String(r.p97_5),
    String(r.p99),
    String(r.max),
    r.stopped.inServer ? `${f(r.stopped.inServer.p50, 1)} / ${f(r.stopped.inServer.p99, 1)}` : '–',
    `${r.errors}${errorKinds(r)} / ${r.timeouts} / ${r.non2xx}`,
    f(r.stopped.rssMb, 0),
    f(r.stopped.peakRssMb, 0),
  ];
  const little = littleMs(g.real);
  const needed = (CONNECTIONS * (g.real.p99 / little) * 1000) / TARGET.p99Ms;
  return `${table(
    ['server', 'req/s', '× bare', 'requests', 'p50 (ms)', 'p90 (ms)', 'p97.5 (ms)', 'p99 (ms)', 'max (ms)', 'in the server: p50 / p99 (ms)', 'errors / timeouts / non-2xx', 'RSS after (MB)', 'peak RSS (MB)'],
    [
      row(g.bare, 'bare express, constant JSON'),
      ...(g.raw ? [row(g.raw, 'plain node:http, constant JSON (no framework)')] : []),
      row(g.real, `dlexam \`startServer\` (${g.durable})`),
      row(g.paced, `dlexam, paced at ${g.paced.rate} req/s (half its capacity)`),
    ],
    ['---', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:'],
  )}

\`POST /api/submissions\`, ${CONNECTIONS} connections, ${DURATION} s after a 2 s warm-up (new connections for the measured run), loopback
(127.0.0.1); autocannon runs in the driver process, each server in its own child process (all share the ${CORES} cores).
The saturated rows send as fast as the server answers (the targets are judged on bare express and dlexam${rounds ? `, run ${rounds.length} times in rounds — bare express, then dlexam, each a fresh server process, dlexam on the same database —; these rows are the round with the median dlexam p99, the Targets table lists every round` : ''}); the paced row sends
evenly spaced requests at half the measured capacity (open loop, node:http keep-alive, up to ${CONNECTIONS} in flight; after
the same autocannon warm-up), i.e. latency when the server is not saturated.
The exam: ${g.exam.variants} variants of \`bench/bench-spec.yaml\` (practice mode: every submission is graded and the
scores and feedback are returned), ${g.exam.questions} questions / ${g.exam.parts} answer fields per submission. Every request has
a fresh student id and a realistic answer set built from the key (about 70 % right — exact or the printed
decimals —, 20 % a typical mistake's answer, 10 % blank). Rate limits raised (\`perIpPerMinute\`,
\`perStudentPerMinute\`); log level \`info\` (one line per stored submission, to a file). Preflight: an all-right
submission answered ${g.preflight.status}${g.preflight.score ? ` with ${g.preflight.score.total} / ${g.preflight.score.max}` : ''}. Submissions in storage after the saturated run${rounds ? 's' : ''}: ${storedAfter(g) ?? '?'} (warm-ups included).

Where the server's time goes: ${cpuLine(g.bare, 'bare')}; ${cpuLine(g.real, 'dlexam')}. The same submissions
outside HTTP (bench/grading-parts-child.ts, ${g.parts.n} submissions, one thread): \`gradeAnswers\` ${f(g.parts.gradeMs, 2)} ms,
\`storage.addSubmission\` (SQLite, WAL, fsync per commit, committed on the writer thread) ${f(g.parts.storeMs, 2)} ms in
waves of 50 as under load (group commit; one at a time ${f(g.parts.storeSeqMs ?? NaN, 2)} ms, the latency of a commit), of which
${f(g.parts.storeSyncMs ?? NaN, 3)} ms is the event loop's own (checks, JSON bytes, queueing), JSON parse + stringify
${f(g.parts.jsonMs, 3)} ms per submission — so one event loop cannot exceed about ${f(1000 / (g.parts.gradeMs + (g.parts.storeSyncMs ?? g.parts.storeMs) + g.parts.jsonMs), 0)} submissions/s
before any HTTP, express, helmet, rate-limit, zod or logging work.

Reading the latencies: a saturated server keeps all ${CONNECTIONS} requests queued, so its mean latency is about
connections ÷ throughput (Little's law: ${CONNECTIONS} / ${f(g.real.reqPerSec, 0)} req/s ≈ ${f(little, 0)} ms), and its p99 is a multiple of
that mean: ${spreads(g)}. The multiple is one Node.js event loop's, whatever it serves — plain node:http answering a constant
has it too, and so does dlexam with in-memory storage, committed on the event loop (2026-12-07: p50 12.8 ms, p99 33 ms):
requests that become readable while the loop works through a batch of others wait for the next batch. At dlexam's multiple,
p99 < ${TARGET.p99Ms} ms with ${CONNECTIONS} connections needs ${f(needed, 0)} req/s or more on this machine, about ${f(1000 / needed, 2)} ms per request
(now ${f(1000 / g.real.reqPerSec, 2)} ms). The slowest requests of a saturated run are the
first ones on late connections: while the event loop is busy grading, Node.js accepts new connections only
between loop iterations, so late connections wait in the accept queue. "In the server" is measured by the server
process itself (bench/serve-child.ts), from a request's headers being parsed to its response being handed to the
kernel${inServerLine(g.real)}.`;
}

/** A saturated server's mean latency by Little's law (ms): its connections ÷ its throughput. */
const littleMs = (r: LoadResult): number => (CONNECTIONS / r.reqPerSec) * 1000;

/** Each saturated server's p99 as a multiple of its Little's-law mean latency. */
function spreads(g: GradingResult): string {
  const one = (r: LoadResult, name: string) => `${name} ${f(r.p99 / littleMs(r), 1)}×`;
  return [one(g.real, 'dlexam'), one(g.bare, 'bare express'), ...(g.raw ? [one(g.raw, 'plain node:http')] : [])].join(', ');
}

/** How much of the client's latency the server's own time explains (saturated run). */
function inServerLine(r: LoadResult): string {
  const t = r.stopped.inServer;
  if (!t) return '';
  return `: under saturation ${f(t.p50, 1)} ms at p50 and ${f(t.p99, 1)} ms at p99 of the ${f(r.p50, 0)} and ${f(r.p99, 0)} ms the client sees; the rest is
time outside the server's handling: a request already sent waits until the busy event loop reads it, and the answer until the client's own event
loop, on the same cores, reads it`;
}

function cpuLine(r: LoadResult, label: string): string {
  const s = r.stopped;
  if (s.cpuSeconds === undefined || !s.loadSeconds) return `${label}: no CPU figures`;
  return `${label} used ${f(s.cpuSeconds / s.loadSeconds, 2)} cores during the load, ${f((s.cpuSeconds * 1000) / Math.max(1, r.total), 3)} ms of CPU per request`;
}

function profileSection(p: NonNullable<Report['profiles']>): string {
  const one = (s: ProfileSummary & { run: string }) =>
    `**${s.run}** — ${s.files} profile file(s), ${f(s.busyMs / 1000, 1)} s on CPU, ${f(s.idleMs / 1000, 1)} s idle.

${table(
  ['self time by area', 'share', 's'],
  s.byArea.map((e) => [`\`${e.name}\``, `${f(e.share * 100, 1)} %`, f(e.ms / 1000, 2)]),
  ['---', '--:', '--:'],
)}

${table(
  ['self time by function', 'share', 's'],
  s.byFunction.map((e) => [`\`${e.name}\``, `${f(e.share * 100, 1)} %`, f(e.ms / 1000, 2)]),
  ['---', '--:', '--:'],
)}`;
  return [p.generation, p.server]
    .filter((x): x is ProfileSummary & { run: string } => Boolean(x))
    .map(one)
    .join('\n\n');
}

function markdown(r: Report): string {
  const m = r.machine;
  const parts = [
    `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) — do not edit by hand; rerun it. Run of ${r.startedAt}, ${QUICK ? '**quick mode** (`BENCH_QUICK=1`: N = 1, 20, 100)' : 'full mode (N = 1, 100, 1000)'}, ${f(r.seconds / 60, 1)} min.

## Machine

${table(
  ['', ''],
  [
    ['cores (os.availableParallelism)', `${m.cores} (${m.logical} logical CPUs)`],
    ['CPU (/proc/cpuinfo)', m.cpuModel],
    ['memory', `${f(m.memGb, 1)} GiB`],
    ['Node.js', m.node],
    ['OS', m.os],
    ['load average at start (1 / 5 / 15 min)', r.loadStart.map((x) => f(x, 2)).join(' / ')],
    ['load average at end', r.loadEnd.map((x) => f(x, 2)).join(' / ')],
    ...(r.reference ? [['reference workload (bench/reference.mjs; lower is faster)', `median ${referenceMedian(r.reference.start)} ms at the start (rounds ${r.reference.start.join(' / ')}), ${referenceMedian(r.reference.end)} ms at the end (${r.reference.end.join(' / ')})`]] : []),
    ['commit', m.commit],
    ['temporary files', m.tmp],
  ],
)}

Other processes may have been running; the load average at the start says how busy the machine was. The hosts
this runs on differ by up to 2.5× in speed from day to day: the reference workload, a fixed piece of JavaScript that
does not change with dlexam's code, says how fast this one was (compare it before comparing any figure below with
another run's).

## Reproduce

\`\`\`sh
npm ci
npm run bench                         # everything; overwrites this file (full mode: 12 to 18 minutes on 2 cores)
BENCH_QUICK=1 npm run bench           # N = 1, 20, 100 instead of 1, 100, 1000; 2000 seeds per family
BENCH_SEEDS=500 npm run bench         # seeds per family in the verification table (default 10000)
BENCH_REPEAT=1 npm run bench          # one run of each target configuration instead of the median of 3 (generation and grading)
BENCH_PROFILE=1 npm run bench         # also CPU-profile a generation run and the grading server (tables below)
BENCH_ONLY=grade npm run bench        # some sections only (gen, verify, grade): prints, leaves this file alone
npx tsx bench/profile-summary.ts DIR  # summarise .cpuprofile files written by node --cpu-prof
\`\`\`

## Targets

${table(['target', 'measured', 'status'], targets(r))}
`,
  ];
  if (r.gen)
    parts.push(`## 1. Generation

\`bench/bench-spec.yaml\`: 10 family questions (conv-output-shape, model-summary, layer-param-count as multiple
choice, conv-mac-cost, conv-backprop, pooling, softmax-cross-entropy, rnn-steps, svm-hard-margin, zscore-outliers).
Each configuration runs \`generateExam\` in a fresh child process (\`node bench/gen-child.mjs\`, the compiled
product in dist/ as \`dlexam generate\` runs it, without tsx), so the
peak RSS (\`process.resourceUsage().maxRSS\` at exit; worker threads included) is that configuration's alone. Times
are the \`generateExam\` call: spec loading, tensor backend start-up (also in the baseline, which loads it but never
uses it), all variants, exam.json, keys (CSV/JSON), fairness report and, with PDFs, the paper and key PDF of every
variant plus the overview PDF. "Process wall" adds Node.js start-up. jobs ${CORES} = all cores
(\`os.availableParallelism()\`): the main thread plus jobs − 1 worker threads (started before the spec is read). With
PDFs the main thread assembles (solves, verifies) every variant and the workers print them; the main thread prints one
itself whenever every worker already holds enough, and a worker left waiting would be promoted to whole variants
(src/exam/generate.ts). Without PDFs every thread takes whole variants from one queue and each worker loads the compiled
sources and TensorFlow.js. The workers stop once every variant is in, before exam.json, the keys and the overview are
finished. The ceiling row runs ${CORES} single-thread generations as separate processes at the same time: what this machine
gives per core to independent work, the limit for any sharing of the work between threads. The target configurations
(N = ${NS[NS.length - 1]}, verification + PDFs) run ${REPEAT} time(s) in rounds — jobs ${JOBS.join(', jobs ')}, then the ceiling — because this host's
speed drifts within minutes: runs compared with each other are made next to each other; the tables give the median run.
"exams/s per core" divides by the JavaScript threads (jobs); "CPU s (all threads)" is the process's user + system
time during \`generateExam\`, which also counts V8's background threads (the optimizing compiler; the product's
\`--single-threaded-gc\` keeps the garbage collector on the JavaScript threads) and the libuv pool: with jobs 1 the
process uses more than one core, so "exams per CPU s" is the stricter per-core figure. The Targets table splits that
CPU time by thread (/proc/self/task: bench/gen-child.mjs reads each worker thread's just before it is terminated).
The baseline is the same N and jobs with \`verify: false, pdf: false\` (the internal option the CLI does not expose).
"tf inits" counts TensorFlow.js backend initialisations (bench/tf-probe.mjs traps tfjs-core's global engine in
every thread). "written" is everything the run left in its output folder, per exam (with PDFs: both PDFs, whose
font subsets start with a fixed set of glyphs so that most documents share them — see STABLE in
src/render/pdf/fonts.ts —, plus exam.json, the keys and the reports).

${genSection(r.gen)}
`);
  if (r.verify)
    parts.push(`## 2. Verification

Instances per second per family: \`fuzzFamily\` (src/verify/fuzz.ts, what \`dlexam verify --seeds N\` runs) against the
baseline loop over the same seeds without the tensor check (generate → statement → exact solve → mistakes).

${verifySection(r.verify)}
`);
  if (r.grading)
    parts.push(`## 3. Grading service

${gradingSection(r.grading)}
`);
  if (r.profiles)
    parts.push(`## CPU profiles (\`BENCH_PROFILE=1\`)

Extra runs under \`node --cpu-prof\` (not the timed ones above); self time, idle excluded, all threads together.

${profileSection(r.profiles)}
`);
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (env['BENCH_RENDER']) {
    writeFileSync(DOC, markdown(JSON.parse(readFileSync(env['BENCH_RENDER'], 'utf8')) as Report));
    log(`wrote ${DOC} from ${env['BENCH_RENDER']}`);
    rmSync(work, { recursive: true, force: true });
    return;
  }
  const t0 = performance.now();
  // The compiled build of the current sources: what bin/dlexam.js runs, and what gen-child.mjs loads.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const report: Report = { startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), seconds: 0, machine: machine(), loadStart: loadavg(), loadEnd: [] };
  const start = reference();
  log(`dlexam bench (${QUICK ? 'quick' : 'full'}) on ${report.machine.cores} cores, ${report.machine.cpuModel}, node ${report.machine.node}; load ${report.loadStart.map((x) => x.toFixed(2)).join(' ')}; work dir ${work}`);
  try {
    if (runs('gen')) {
      log('1. generation');
      const g = await generation();
      report.gen = g.rows;
      if (g.ceiling) report.ceiling = g.ceiling;
    }
    if (runs('verify')) {
      log(`2. verification (${SEEDS} seeds per family)`);
      const r = await runChild<VerifyResult>('verify-child.ts', ['--seeds', String(SEEDS)], { tfLog: join(work, 'tf-verify.log') });
      report.verify = r.result;
    }
    if (runs('grade')) {
      log('3. grading service');
      report.grading = await grading();
    }
    if (PROFILE) {
      log('profiles');
      report.profiles = {};
      if (runs('gen')) {
        const n = Math.min(100, NS[NS.length - 1]!);
        const dir = join(work, 'prof-gen');
        mkdirSync(dir);
        await genRun(n, 1, MODES[2]!, dir);
        report.profiles.generation = { run: `generation, N = ${n}, jobs 1, verification + PDFs`, ...summariseProfiles(dir) };
      }
      if (runs('grade')) {
        const dir = join(work, 'prof-server');
        mkdirSync(dir);
        const examsDir = join(work, 'exams');
        const doc = JSON.parse(readFileSync(join(examsDir, 'bench-spec', 'exam.json'), 'utf8')) as ExamDoc;
        await loadTest('real (profiled)', ['--mode', 'real', '--exams', examsDir, '--db', join(work, 'grading-prof.sqlite')], doc, { profileFile: join(dir, 'server.cpuprofile') });
        report.profiles.server = { run: `grading server, the ${DURATION} s under load only (${CONNECTIONS} connections; inspector profile, main thread)`, ...summariseProfiles(dir) };
      }
    }
  } finally {
    report.loadEnd = loadavg();
    report.reference = { start, end: reference() };
    report.seconds = (performance.now() - t0) / 1000;
  }
  const md = markdown(report);
  if (ONLY) process.stdout.write(md);
  else {
    writeFileSync(DOC, md);
    log(`wrote ${DOC}`);
  }
  if (env['BENCH_JSON']) writeFileSync(env['BENCH_JSON'], `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${table(['target', 'measured', 'status'], targets(report))}\n`);
  if (env['BENCH_KEEP'] === '1') log(`kept the work folder (exams, databases, logs, profiles): ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

await main();
