/** Helpers shared by the benchmark driver (bench/run.ts) and its child processes. */
import { readFileSync } from 'node:fs';

/** Fixed, public secret: the benchmark's variants are reproducible and never used for a real exam. */
export const BENCH_SECRET = 'dlexam-benchmark-secret (public: never use for a real exam)';

/** Engine creations / backend initialisations logged by bench/tf-probe.mjs. */
export interface TfEvent {
  thread: number;
  pid: number;
  at: number;
  event: 'engine' | 'backend';
  backend?: string;
  ms?: number;
}

export interface TfInits {
  /** Threads that created a TensorFlow.js engine. */
  threads: number;
  /** Backend initialisations (all threads). */
  backendInits: number;
  /** Largest number of backend initialisations in any one thread (1 = initialised once). */
  maxPerThread: number;
}

export function readTfLog(file: string): TfInits {
  let events: TfEvent[] = [];
  try {
    events = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TfEvent);
  } catch {
    events = [];
  }
  const perThread = new Map<number, number>();
  for (const e of events) if (e.event === 'backend') perThread.set(e.thread, (perThread.get(e.thread) ?? 0) + 1);
  return {
    threads: new Set(events.filter((e) => e.event === 'engine').map((e) => e.thread)).size,
    backendInits: [...perThread.values()].reduce((a, b) => a + b, 0),
    maxPerThread: Math.max(0, ...perThread.values()),
  };
}

/** Peak resident set size of this process so far, in MB (includes worker threads). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** `--name value` pairs of this process's command line. */
export function args(argv = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    if (m[2] !== undefined) out[m[1]!] = m[2];
    else out[m[1]!] = argv[++i] ?? '';
  }
  return out;
}

/** Send the result to the driver (IPC) and exit once it is flushed. */
export function report(result: unknown): void {
  if (!process.send) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exit(0);
  }
  process.send(result, () => process.exit(0));
}
