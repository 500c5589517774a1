// Helpers of the benchmark's child processes, in plain JavaScript so a child can run the compiled
// product (dist/) without tsx: bench/gen-child.mjs measures generation exactly as `dlexam generate`
// runs it. bench/shared.ts re-exports them, with types (child-util.d.mts), for the TypeScript side.
import { readFileSync, readlinkSync } from 'node:fs';
import { freshDistEntry } from '../bin/dist.mjs';

/** Fixed, public secret: the benchmark's variants are reproducible and never used for a real exam. */
export const BENCH_SECRET = 'dlexam-benchmark-secret (public: never use for a real exam)';

/** Engine creations and backend initialisations per thread, from the log bench/tf-probe.mjs writes. */
export function readTfLog(file) {
  let events = [];
  try {
    events = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    events = [];
  }
  const perThread = new Map();
  for (const e of events) if (e.event === 'backend') perThread.set(e.thread, (perThread.get(e.thread) ?? 0) + 1);
  return {
    threads: new Set(events.filter((e) => e.event === 'engine').map((e) => e.thread)).size,
    backendInits: [...perThread.values()].reduce((a, b) => a + b, 0),
    maxPerThread: Math.max(0, ...perThread.values()),
  };
}

/** Peak resident set size of this process so far, in MB (includes worker threads). */
export function peakRssMb() {
  return process.resourceUsage().maxRSS / 1024;
}

/** `--name value` pairs of this process's command line. */
export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    if (m[2] !== undefined) out[m[1]] = m[2];
    else out[m[1]] = argv[++i] ?? '';
  }
  return out;
}

/** Throws unless dist/ is the build of the sources as they are (the children measure the compiled product). */
export function requireFreshDist() {
  if (!freshDistEntry()) throw new Error('dist/ is missing or older than src/: run `npm run build` first');
}

/** Send the result to the driver (IPC) and exit once it is flushed. */
export function report(result) {
  if (!process.send) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exit(0);
  }
  process.send(result, () => process.exit(0));
}

/** Clock ticks per second of /proc's utime and stime (sysconf(_SC_CLK_TCK): 100 on every Linux Node.js runs on). */
const TICKS = 100;

/** The operating system's id of the calling thread (Linux /proc), or undefined elsewhere. */
export function osThreadId() {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) that thread `tid` of this process has used so far, or undefined (not Linux, or the thread is gone). */
export function threadCpuSeconds(tid) {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** Worker threads post their osThreadId() here (bench/worker-probe.mjs). */
export const THREAD_CHANNEL = 'dlexam-bench-threads';
