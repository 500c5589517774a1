/**
 * A fixed single-thread JavaScript workload that never changes with dlexam's code: how fast this
 * machine runs JavaScript at the moment it is measured. The hosts the benchmark runs on differ
 * by up to 2.5× in speed from one day to the next (and drift within a run), so every absolute
 * figure in docs/BENCHMARKS.md should be read next to this one.
 *
 *   node bench/reference.mjs     prints the milliseconds of each of 5 rounds (JSON), 0.3–1 s each
 *
 * The mix resembles dlexam's own work: small objects and strings in Maps, JSON, sorting numbers,
 * integer arithmetic, and garbage for the collector.
 */
function round() {
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const t0 = performance.now();
  let check = 0;
  // Maps of string keys and small objects.
  const m = new Map();
  for (let i = 0; i < 200_000; i++) m.set(`k${next() % 50_000}`, { i, s: String(i) });
  for (const [k, v] of m) check += k.length + v.i;
  // JSON of an array of objects.
  const rows = Array.from({ length: 40_000 }, (_, i) => ({ id: i, name: `row ${i}`, values: [i, i / 3, next() % 97] }));
  check += JSON.parse(JSON.stringify(rows)).length;
  // Sorting numbers.
  const xs = Float64Array.from({ length: 400_000 }, () => next() / 2 ** 32);
  xs.sort();
  check += xs[1000];
  // Integer arithmetic.
  let acc = 0;
  for (let i = 0; i < 30_000_000; i++) acc = (acc + (i % 7) * (i & 15)) | 0;
  check += acc;
  // Strings.
  let s = '';
  for (let i = 0; i < 100_000; i++) s += (i % 10).toString();
  check += s.length;
  return { ms: performance.now() - t0, check };
}

const rounds = Array.from({ length: 5 }, round);
const result = { ms: rounds.map((r) => Math.round(r.ms)), check: rounds[0].check };
process.stdout.write(`${JSON.stringify(result)}\n`);
