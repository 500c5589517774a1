/**
 * One variant from start to finish — assemble (generate, solve, verify) and, if asked, render its
 * paper and key PDFs straight to disk. Shared by the single-threaded path and the worker threads;
 * the two halves are also used apart (with --jobs, a worker may render a variant this thread assembled).
 */
import { join } from 'node:path';
import type { McBank } from '../bank/mc.js';
import type { ExamSpec } from '../bank/spec.js';
import type { TF } from '../verify/tensor.js';
import { assembleVariant } from './assemble.js';
import type { ExamDoc, VariantDoc } from './types.js';

/** What rendering a variant needs: the exam without variants (header, footer) and the output folder. */
export interface RenderContext {
  shell: Omit<ExamDoc, 'variants'>;
  dir: string;
}

export interface ProduceContext extends RenderContext {
  spec: ExamSpec;
  banks: ReadonlyMap<string, McBank>;
  secret: string;
  pdf: boolean;
  tf: TF;
  /** Internal (benchmark baseline only): false skips the tensor verification. Default true. */
  verify?: boolean;
}

let paperModule: Promise<typeof import('../render/pdf/paper.js')> | undefined;

/** The PDF stack (pdfkit, fontkit, fonts), loaded by the first thread that prints. */
export function loadPaperModule(): Promise<typeof import('../render/pdf/paper.js')> {
  return (paperModule ??= import('../render/pdf/paper.js'));
}

export function fileStem(v: Pick<VariantDoc, 'number' | 'code'>): string {
  return `${String(v.number).padStart(3, '0')}-${v.code}`;
}

export function assembleOne(ctx: ProduceContext, number: number, code: string): Promise<VariantDoc> {
  return assembleVariant(ctx.spec, ctx.secret, number, code, ctx.banks, ctx.tf, ctx.verify ?? true);
}

/** The variant's paper and key PDFs, written to papers/ and keys/. */
export async function renderVariant(ctx: RenderContext, v: VariantDoc): Promise<void> {
  const { renderVariantPdf } = await loadPaperModule();
  const exam: ExamDoc = { ...ctx.shell, variants: [] };
  await renderVariantPdf(exam, v, 'paper', join(ctx.dir, 'papers', `${fileStem(v)}.pdf`));
  await renderVariantPdf(exam, v, 'key', join(ctx.dir, 'keys', `${fileStem(v)}-key.pdf`));
}

export async function produceVariant(ctx: ProduceContext, number: number, code: string): Promise<VariantDoc> {
  const v = await assembleOne(ctx, number, code);
  if (ctx.pdf) await renderVariant(ctx, v);
  return v;
}
