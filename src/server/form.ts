/** The student answer form and the result page (HTML, works without JavaScript). */
import type { PartJson } from '../core/answer.js';
import type { ExamDoc, VariantDoc } from '../exam/types.js';
import { questionHtml, template } from '../render/html.js';

export const fieldName = (question: number, partId: string) => `${question}.${partId}`;

function hint(p: PartJson): string {
  const dec = p.decimals !== undefined ? ` Give ${p.decimals} decimal places (or the exact value).` : '';
  switch (p.answer.kind) {
    case 'scalar':
      return `A number: an integer, a fraction such as -7/4, or a decimal.${dec}`;
    case 'vector':
      return `Values separated by commas, e.g. [1, -1/2, 3].${dec}`;
    case 'matrix':
      return `One row per line (or rows separated by ";"), e.g. "1 2; 3 4" or [[1, 2], [3, 4]].${dec}`;
    case 'shape':
      return `A tuple such as (30, 30, 32)${p.answer.value.includes(null) ? ', with None for the batch dimension' : ''}.`;
    case 'set':
      return `Every value, separated by commas — or "none".${dec}`;
    case 'labels':
      return 'Tick every one that applies.';
    case 'choice':
      return 'Choose one.';
  }
}

export interface FormState {
  student?: string;
  values?: Record<string, string>;
  errors?: string[];
}

export function renderForm(exam: ExamDoc, v: VariantDoc, action: string, state: FormState = {}): string {
  const values = state.values ?? {};
  const questions = v.questions.map((q) => {
    const choiceField = fieldName(q.number, q.parts[0]!.id);
    return {
      number: q.number,
      points: Math.round(q.points * 100) / 100,
      html: questionHtml(q),
      field: choiceField,
      options:
        q.format === 'choice'
          ? (q.options ?? []).map((text, i) => {
              const letter = String.fromCharCode(65 + i);
              return { letter, text, checked: values[choiceField] === letter };
            })
          : undefined,
      parts: q.parts.map((p) => {
        const field = fieldName(q.number, p.id);
        const a = p.answer;
        return {
          field,
          label: p.label + (p.decimals !== undefined ? ` (to ${p.decimals} decimal places)` : ''),
          value: values[field] ?? '',
          hint: hint(p),
          multiline: a.kind === 'matrix',
          choices: a.kind === 'choice' || a.kind === 'labels' ? a.options : undefined,
          inputType: a.kind === 'labels' ? 'checkbox' : 'radio',
        };
      }),
    };
  });
  const body = template('form')({
    exam: exam.exam,
    code: v.code,
    totalPoints: exam.totalPoints,
    action,
    student: state.student ?? '',
    errors: state.errors,
    questions,
  });
  return template('layout')({ title: `${exam.exam.title} — ${v.code}`, body });
}

export interface ResultView {
  id: number;
  attempt: number;
  student: string;
  graded: boolean;
  total?: number;
  max?: number;
  questions?: { number: number; points: number; max: number; parts: { label: string; status: string; statusText: string; feedback: string[] }[] }[];
}

export function renderResult(exam: ExamDoc, v: VariantDoc, r: ResultView): string {
  const body = template('result')({ exam: exam.exam, code: v.code, ...r });
  return template('layout')({ title: `${exam.exam.title} — submitted`, body });
}
