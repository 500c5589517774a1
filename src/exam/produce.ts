/**
 * One variant from start to finish — assemble (generate, solve, verify) and, if asked, render its
 * paper and key PDFs straight to disk. Shared by the single-threaded path and the worker threads.
 */
import { join } from 'node:path';
import type { McBank } from '../bank/mc.js';
import type { ExamSpec } from '../bank/spec.js';
import type { TF } from '../verify/tensor.js';
import { assembleVariant } from './assemble.js';
import type { ExamDoc, VariantDoc } from './types.js';

export interface ProduceContext {
  spec: ExamSpec;
  banks: ReadonlyMap<string, McBank>;
  secret: string;
  /** The exam document without variants: what a paper's header and footer need. */
  shell: Omit<ExamDoc, 'variants'>;
  dir: string;
  pdf: boolean;
  tf: TF;
  /** Internal (benchmark baseline only): false skips the tensor verification. Default true. */
  verify?: boolean;
}

let paperModule: Promise<typeof import('../render/pdf/paper.js')> | undefined;

export function fileStem(v: Pick<VariantDoc, 'number' | 'code'>): string {
  return `${String(v.number).padStart(3, '0')}-${v.code}`;
}

export async function produceVariant(ctx: ProduceContext, number: number, code: string): Promise<VariantDoc> {
  const v = await assembleVariant(ctx.spec, ctx.secret, number, code, ctx.banks, ctx.tf, ctx.verify ?? true);
  if (ctx.pdf) {
    // The PDF stack (pdfkit, fontkit, fonts) is loaded only by runs that print.
    const { renderVariantPdf } = await (paperModule ??= import('../render/pdf/paper.js'));
    const exam: ExamDoc = { ...ctx.shell, variants: [] };
    await renderVariantPdf(exam, v, 'paper', join(ctx.dir, 'papers', `${fileStem(v)}.pdf`));
    await renderVariantPdf(exam, v, 'key', join(ctx.dir, 'keys', `${fileStem(v)}-key.pdf`));
  }
  return v;
}
