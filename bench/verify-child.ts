/**
 * Verification throughput per family, in its own process:
 *   node --import tsx bench/verify-child.ts --seeds 2000
 * For every family: the baseline (generate → statement → exact solve → mistakes, no tensor work)
 * and `fuzzFamily` (the same plus the TensorFlow.js verification, as `dlexam verify` runs it) over
 * the same seeds (interleaved in chunks of 100 seeds), after a 100-seed warm-up of both.
 */
import { installTfProbe } from './tf-probe.mjs';
import { args, peakRssMb, readTfLog, report } from './shared.js';

export interface VerifyRow {
  family: string;
  instances: number;
  agreed: number;
  /** generate + statement + solve + mistakes, instances/s. */
  baselinePerSec: number;
  /** fuzzFamily (the above + tensor verification), instances/s. */
  verifiedPerSec: number;
}

export interface VerifyResult {
  seeds: number;
  /** loadTf(): import of TensorFlow.js + backend initialisation, once per process. */
  tfLoadMs: number;
  rows: VerifyRow[];
  peakRssMb: number;
  tf: ReturnType<typeof readTfLog>;
}

const a = args();
const seeds = Number(a['seeds'] ?? 2000);
const only = a['family']?.split(',');
const tfLog = process.env['BENCH_TF_LOG'];
installTfProbe(tfLog);

const { families } = await import('../src/families/index.js');
const { generateParams } = await import('../src/families/run.js');
const { fuzzFamily } = await import('../src/verify/fuzz.js');
const { loadTf } = await import('../src/verify/tensor.js');

const t0 = performance.now();
const tf = await loadTf();
const tfLoadMs = performance.now() - t0;

/** The same work as fuzzFamily minus family.verify (and so without the tensor backend). */
function baseline(family: (typeof families)[number], n: number, start: number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const seed = start + i;
    const params = generateParams(family, seed, ((seed % 3) + 1) as 1 | 2 | 3);
    const statement = family.statement(params);
    const solution = family.solve(params);
    const mistakes = family.mistakes(params);
    sink += statement.text.length + solution.parts.length + mistakes.length;
  }
  return sink;
}

const rows: VerifyRow[] = [];
const warm = Math.min(100, seeds);
const CHUNK = 100;
for (const family of families.filter((f) => !only || only.includes(f.id))) {
  baseline(family, warm, 1_000_000);
  await fuzzFamily(family, tf, { seeds: warm, start: 1_000_000 });
  // Interleave the two loops in chunks (alternating which goes first) so neither gets a warmer JIT.
  let baselineMs = 0;
  let fuzzMs = 0;
  let instances = 0;
  let agreed = 0;
  for (let start = 0, k = 0; start < seeds; start += CHUNK, k++) {
    const n = Math.min(CHUNK, seeds - start);
    const runBaseline = () => {
      const b0 = performance.now();
      baseline(family, n, start);
      baselineMs += performance.now() - b0;
    };
    if (k % 2 === 0) runBaseline();
    const r = await fuzzFamily(family, tf, { seeds: n, start });
    fuzzMs += r.ms;
    instances += r.instances;
    agreed += r.agreed;
    if (k % 2 === 1) runBaseline();
  }
  rows.push({ family: family.id, instances, agreed, baselinePerSec: seeds / (baselineMs / 1000), verifiedPerSec: instances / (fuzzMs / 1000) });
  process.stderr.write(`  verify ${family.id}: ${(instances / (fuzzMs / 1000)).toFixed(0)} inst/s verified, ${(seeds / (baselineMs / 1000)).toFixed(0)} inst/s baseline\n`);
}
const result: VerifyResult = { seeds, tfLoadMs, rows, peakRssMb: peakRssMb(), tf: tfLog ? readTfLog(tfLog) : { threads: 0, backendInits: 0, maxPerThread: 0 } };
report(result);
