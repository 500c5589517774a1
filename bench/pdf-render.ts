/**
 * PDF rendering alone: paper + key of many variants of bench/bench-spec.yaml, ms per exam.
 *
 *   npx tsx bench/pdf-render.ts [--variants 300] [--chunk 20] [--rounds 1] [--src DIR ...] [--hashes FILE] [--only N]
 *
 * The variants are assembled once (no verification, no PDFs; cached as JSON in the temporary
 * directory, so every run renders the same documents), then every variant's paper and key are
 * rendered to files, timed in chunks of variants. With several --src (e.g. a copy of an older
 * commit's src/ next to a node_modules link), the renderers take turns chunk by chunk, so machine
 * noise hits them alike; the ratio is printed. More than one round renders the variants again (warm
 * caches: not what a real run sees).
 * --hashes FILE writes "stem sha256" lines of the last round's PDFs (output determinism checks);
 * --only N renders variant N alone (a fresh-process determinism check); --keep DIR keeps the PDFs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExamDoc, VariantDoc } from '../src/exam/types.js';
import { BENCH_SECRET } from './shared.js';

function argv(): { one: Record<string, string>; many: Record<string, string[]> } {
  const one: Record<string, string> = {};
  const many: Record<string, string[]> = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (!a[i]!.startsWith('--')) continue;
    const k = a[i]!.slice(2);
    const v = a[i + 1] ?? '';
    i++;
    one[k] = v;
    (many[k] ??= []).push(v);
  }
  return { one, many };
}

const { one, many } = argv();
const variants = Number(one['variants'] ?? 300);
const rounds = Number(one['rounds'] ?? 1);
const only = one['only'] ? Number(one['only']) : undefined;
const srcs = (many['src'] ?? [join(import.meta.dirname, '..', 'src')]).map((s) => resolve(s));
const work = join(tmpdir(), 'dlexam-pdf-bench');
const cache = join(work, `exam-${variants}.json`);

async function examDoc(): Promise<ExamDoc> {
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as ExamDoc;
  const { generateExam } = await import('../src/exam/generate.js');
  const r = await generateExam({
    spec: join(import.meta.dirname, 'bench-spec.yaml'),
    variants,
    out: join(work, 'gen'),
    secret: BENCH_SECRET,
    banksDir: join(import.meta.dirname, '..', 'question-banks', 'mc'),
    pdf: false,
    verify: false,
    jobs: 1,
  });
  mkdirSync(work, { recursive: true });
  writeFileSync(cache, JSON.stringify(r.exam));
  return r.exam;
}

type Render = (exam: ExamDoc, v: VariantDoc, mode: 'paper' | 'key', file: string) => Promise<void>;

const exam = await examDoc();
const shell: ExamDoc = { ...exam, variants: [] };
const chosen = only ? exam.variants.filter((v) => v.number === only) : exam.variants;
const renderers: { src: string; render: Render }[] = [];
for (const src of srcs) {
  const m = (await import(pathToFileURL(join(src, 'render', 'pdf', 'paper.ts')).href)) as { renderVariantPdf: Render };
  renderers.push({ src, render: m.renderVariantPdf });
}

async function renderChunk(render: Render, dir: string, variants: VariantDoc[]): Promise<number> {
  const t0 = performance.now();
  for (const v of variants) {
    const stem = `${String(v.number).padStart(3, '0')}-${v.code}`;
    await render(shell, v, 'paper', join(dir, `${stem}.pdf`));
    await render(shell, v, 'key', join(dir, `${stem}-key.pdf`));
  }
  return performance.now() - t0;
}

// Every renderer sees every variant once, as in a real run (its caches never see a variant twice);
// the renderers take turns chunk by chunk, so machine noise hits them alike. The first chunk is a
// warm-up (JIT, font parsing, caches of the texts all variants share) and not counted.
const chunk = Math.max(1, Math.min(Number(one['chunk'] ?? 20), chosen.length));
const times: number[][] = renderers.map(() => []);
const dirs = renderers.map((_, i) => join(work, `out-${i}`));
for (const dir of dirs) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}
for (let r = 0; r < rounds; r++)
  for (let at = 0; at < chosen.length; at += chunk) {
    const part = chosen.slice(at, at + chunk);
    for (const [i, { render }] of renderers.entries()) {
      const ms = await renderChunk(render, dirs[i]!, part);
      if (r > 0 || at > 0 || chosen.length === part.length) times[i]!.push(ms / part.length);
    }
  }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const [i, { src }] of renderers.entries())
  console.log(
    `${src}: paper+key ${median(times[i]!).toFixed(1)} ms per exam (median of ${times[i]!.length} chunks of ${chunk} variants; mean ${mean(times[i]!).toFixed(1)}; min ${Math.min(...times[i]!).toFixed(1)}, max ${Math.max(...times[i]!).toFixed(1)})`,
  );
if (renderers.length > 1)
  for (let i = 1; i < renderers.length; i++) {
    const ratios = times[0]!.map((t, k) => t / times[i]![k]!);
    console.log(`ratio ${renderers[0]!.src} / ${renderers[i]!.src}: ${median(ratios).toFixed(2)}× (median of per-chunk ratios; ${(mean(times[0]!) / mean(times[i]!)).toFixed(2)}× of means)`);
  }

const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  console.log(`heap after GC: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MB (node --expose-gc; includes the ${exam.variants.length} assembled variants)`);
}

const last = join(work, `out-${renderers.length - 1}`);
if (one['hashes']) {
  const lines = readdirSync(last)
    .sort()
    .map((f) => `${f} ${createHash('sha256').update(readFileSync(join(last, f))).digest('hex')}`);
  writeFileSync(one['hashes'], `${lines.join('\n')}\n`);
}
if (one['keep']) {
  rmSync(one['keep'], { recursive: true, force: true });
  mkdirSync(one['keep'], { recursive: true });
  for (const f of readdirSync(last)) writeFileSync(join(one['keep'], f), readFileSync(join(last, f)));
}
