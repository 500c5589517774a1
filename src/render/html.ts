/**
 * Question text as HTML (for LMS exports and the web form), from handlebars templates in
 * templates/html/. Handlebars escapes everything by default; helpers only add typesetting.
 */
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { QuestionDoc } from '../exam/types.js';
import { typeset } from './pdf/richtext.js';

const TEMPLATES = fileURLToPath(new URL('../../templates/html/', import.meta.url));

const hb = Handlebars.create();
hb.registerHelper('typeset', (s: unknown) => typeset(String(s ?? '')));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('join', (xs: unknown, sep: unknown) => (Array.isArray(xs) ? xs.join(String(sep)) : ''));

const cache = new Map<string, Handlebars.TemplateDelegate>();
export function template(name: string): Handlebars.TemplateDelegate {
  let t = cache.get(name);
  if (!t) {
    t = hb.compile(readFileSync(`${TEMPLATES}${name}.hbs`, 'utf8'), { strict: false });
    cache.set(name, t);
  }
  return t;
}

/** The question (text, given data, convention) as an HTML fragment; no answers. */
export function questionHtml(q: Pick<QuestionDoc, 'text' | 'blocks' | 'convention'>): string {
  return template('question')({ text: q.text, blocks: q.blocks, convention: q.convention });
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
