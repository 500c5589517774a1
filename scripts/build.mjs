#!/usr/bin/env node
// Compiles src/ into dist/ (same layout, one .js per .ts; no bundling, no type checking: that is
// `npm run typecheck`) with esbuild, the compiler tsx itself uses, so dist/ runs exactly the code
// the tests run through tsx. Runs on `npm ci` / `npm install` (the `prepare` script) and from
// `npm run build`; bin/dlexam.js runs dist/ only while it matches the sources (bin/dist.mjs).
//
//   node scripts/build.mjs [--out DIR]    DIR must sit next to src/ (templates are found at ../../templates)
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DIST, ROOT, STAMP, sourceFingerprint, walk } from '../bin/dist.mjs';

const i = process.argv.indexOf('--out');
const out = i > 0 ? join(process.cwd(), process.argv[i + 1] ?? '') : DIST;
if (dirname(out) !== ROOT.replace(/\/$/, '')) {
  console.error(`build: --out must be a folder directly inside ${ROOT} (got ${out})`);
  process.exit(2);
}

const t0 = performance.now();
const fingerprint = sourceFingerprint(); // before reading: an edit during the build makes it stale
const src = join(ROOT, 'src');
const files = walk(src);

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
  outdir: out,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked', // read only under --enable-source-maps
  logLevel: 'warning',
  tsconfig: join(ROOT, 'tsconfig.json'),
});
for (const f of files.filter((f) => f.endsWith('.mjs'))) {
  const to = join(out, relative(src, f));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(f, to);
}
// The worker entry of the sources registers tsx; the compiled one loads the compiled worker.
writeFileSync(join(out, 'exam', 'worker-boot.mjs'), "// Compiled worker entry (written by scripts/build.mjs).\nawait import('./worker.js');\n");
writeFileSync(join(out, STAMP), `${JSON.stringify({ fingerprint }, null, 1)}\n`);
console.log(`build: ${relative(ROOT, out)}/ from src/ in ${Math.round(performance.now() - t0)} ms`);
