// V8 settings for `dlexam generate` (plain JavaScript: bin/dlexam.js reads it before tsx is loaded).
//
// Generation makes many short-lived objects per variant (shaped text, PDF operators, exact
// arithmetic); with Node's default 16 MB semi-spaces the young generation alone holds ~48 MB. A
// 4 MB semi-space keeps peak RSS ~25 MB lower at the same speed (measured with 400 variants and
// PDFs: 32.5 s → 31.7 s, peak RSS 316 → 295 MB).

/** Command-line flags the CLI starts the generating Node.js process with. */
export const GENERATE_NODE_FLAGS = ['--max-semi-space-size=4'];

/** The same limit for generation worker threads (their young generation, in MB: 3 semi-spaces). */
export const WORKER_YOUNG_GENERATION_MB = 12;
