// V8 and C library settings for `dlexam generate` (plain JavaScript: bin/dlexam.js reads it before
// tsx is loaded). Both take effect only when the process starts, so bin/dlexam.js restarts itself
// with them for `generate`; bench/run.ts starts its generation runs the same way.
//
// Generation makes many short-lived objects per variant (shaped text, PDF operators, exact
// arithmetic); with Node's default 16 MB semi-spaces the young generation alone holds ~48 MB. A
// 4 MB semi-space keeps peak RSS ~25 MB lower at the same speed (measured with 400 variants and
// PDFs: 32.5 s → 31.7 s, peak RSS 316 → 295 MB).
//
// --single-threaded-gc: V8's parallel scavenges and concurrent marking cost more than they save
// with such small young generations, and with one generating thread per core (--jobs) their helper
// threads compete with the generating ones. Measured on 2 cores with both PDFs (2026-12-06):
// 300 variants, jobs 1: 21.1–22.8 → 23.1–24.8 exams/s, 13.9 → 10.4 ms CPU per exam less in all;
// 400 variants, jobs 2: 24.1–29.0 → 30.9–34.2 exams/s; peak RSS unchanged (±15 MB).
// (--single-threaded, which also compiles on the main thread, is ~25 % slower with jobs 1.)
//
// --interrupt-budget=264000 (V8's default is 67584 bytes of bytecode executed): a function must run
// about 4 times longer before V8 optimizes it. With the default, V8's background compiler threads
// (TurboFan; four in Node.js) spent ~8 CPU-seconds per 300 variants with jobs 1 and ~13 per 400
// with jobs 2, much of it compiling again after a deoptimisation (families and the PDF code meet
// new object shapes for a while), and with jobs 2 those threads take cores from the generating
// ones. Measured on 2 cores with both PDFs (2026-12-07): 400 variants, jobs 2: other threads 13.2
// and 13.9 → 7.8 and 6.3 CPU-s, 25.0 and 25.9 → 21.9 and 20.0 s; 300 variants, jobs 1: 20.4–24.0
// → 20.1–24.2 s (the same within this machine's noise), 3–5 CPU-s and ~13 MB of peak RSS less.
//
// --max-inlined-bytecode-size-cumulative=460 (V8's default is 920): TurboFan inlines half as much
// bytecode into an optimized function, so each compilation — and each one again after a
// deoptimisation — is cheaper, and the code is no slower here. Measured on 2 cores with both PDFs
// (2026-12-07, runs of the two settings taken in turns): 1,000 variants, jobs 2: 40.3 / 38.8 /
// 40.1 → 36.5 / 34.3 / 36.6 s, TurboFan's threads 9.3 → 6.6 CPU-s and the two generating threads
// 61.1 → 56.6 CPU-s; 230 was slower again (generating threads 61 CPU-s); 300 variants, jobs 1: the
// same within the noise.
//
// Tried and not kept (2 cores, both PDFs, 1,000 variants, the settings' runs taken in turns,
// 2026-12-07 evening):
//  - --interrupt-budget=528000: TurboFan's threads 11.1 → 8.4 CPU-s with jobs 2, and jobs 2 took
//    30.7 instead of 31.9 s (mean of 8 rounds; better in 6), but jobs 1 took 44.4 instead of 40.9 s
//    (mean of 5; worse in 3). Neither is outside this machine's ±15 % noise.
//  - --no-concurrent-recompilation with jobs 2: the compiler threads' CPU falls from ~11 to ~3 CPU-s,
//    but the compiling moves onto the generating threads: 31.6 instead of 30.1 s (mean of 6).
//  - --maglev (V8 11.3's mid-tier compiler; 300 variants, jobs 2, 3 rounds): the same time, and
//    TurboFan's threads as busy as before.
//  - 2026-12-08, runs taken in turns: --minor-mc (young-generation mark-compact instead of the
//    scavenger) ~60 % slower (300 variants, jobs 1: 21.1–21.6 instead of 12.5–13.8 s);
//    --max-semi-space-size=8 the same as 4 (13.1–13.8 s); --v8-pool-size=1 (one compiler thread
//    instead of four; 1,000 variants, jobs 2, 3 rounds) the same time and the same compiler CPU.
//    A scavenge here costs ~0.6 ms plus ~1.2 ms per MB it copies (783 scavenges per 300 variants,
//    1.4 s of pauses; ~0.5 MB copied each): larger semi-spaces copy more per scavenge, not less.

/** Command-line flags the CLI starts the generating Node.js process with. */
export const GENERATE_NODE_FLAGS = ['--max-semi-space-size=4', '--single-threaded-gc', '--interrupt-budget=264000', '--max-inlined-bytecode-size-cumulative=460'];

/**
 * Environment for the generating process. glibc gives each thread that allocates concurrently its
 * own malloc arena (up to 8 per core) and keeps their freed memory; zlib's deflate state, Buffers
 * and fontkit's tables are malloc'ed by every generating thread. Two arenas: 1,000 variants with
 * PDFs peaked at 271 instead of 300 MB RSS (jobs 1) and 413 instead of 462 MB (jobs 2), at the same
 * speed. A value the user set is kept.
 */
export const GENERATE_ENV = { MALLOC_ARENA_MAX: '2' };

/** The same limit for generation worker threads (their young generation, in MB: 3 semi-spaces). */
export const WORKER_YOUNG_GENERATION_MB = 12;
