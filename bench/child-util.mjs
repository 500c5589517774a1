// Helpers of the benchmark's child processes, in plain JavaScript so a child can run the compiled
// product (dist/) without tsx: bench/gen-child.mjs measures generation exactly as `dlexam generate`
// runs it. bench/shared.ts re-exports them, with types (child-util.d.mts), for the TypeScript side.
import { readFileSync } from 'node:fs';

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

/** Send the result to the driver (IPC) and exit once it is flushed. */
export function report(result) {
  if (!process.send) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exit(0);
  }
  process.send(result, () => process.exit(0));
}
