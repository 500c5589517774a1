/**
 * Fuzzing a family: generate → solve → independent tensor check over many seeds.
 * Used by `dlexam verify` and by the property tests.
 */
import { generateParams, runInstance } from '../families/run.js';
import type { AnyFamily, Difficulty } from '../families/types.js';
import type { PartCheck, TF } from './tensor.js';

export interface Failure {
  seed: number;
  difficulty: Difficulty;
  params?: unknown;
  /** Disagreeing parts, or the error thrown. */
  parts?: PartCheck[];
  error?: string;
}

export interface FuzzReport {
  family: string;
  instances: number;
  agreed: number;
  failures: Failure[];
  /** Distinct answers seen (a crude check that generation is not stuck on one instance). */
  distinctAnswers: number;
  ms: number;
}

export async function fuzzFamily(
  family: AnyFamily,
  tf: TF,
  o: { seeds: number; start?: number; onProgress?: (done: number) => void; maxFailures?: number },
): Promise<FuzzReport> {
  const t0 = performance.now();
  const failures: Failure[] = [];
  const answers = new Set<string>();
  let agreed = 0;
  const start = o.start ?? 0;
  for (let i = 0; i < o.seeds; i++) {
    const seed = start + i;
    const difficulty = ((seed % 3) + 1) as Difficulty;
    let params: unknown;
    try {
      params = generateParams(family, seed, difficulty);
      const inst = await runInstance(family, params, tf);
      answers.add(JSON.stringify(inst.check.parts.map((p) => p.expected)));
      if (inst.check.ok) agreed++;
      else failures.push({ seed, difficulty, params, parts: inst.check.parts.filter((p) => !p.ok) });
    } catch (e) {
      failures.push({ seed, difficulty, params, error: (e as Error).message });
    }
    if (o.maxFailures !== undefined && failures.length >= o.maxFailures) break;
    if (o.onProgress && (i % 25 === 24 || i === o.seeds - 1)) o.onProgress(i + 1);
  }
  return { family: family.id, instances: agreed + failures.length, agreed, failures, distinctAnswers: answers.size, ms: performance.now() - t0 };
}
