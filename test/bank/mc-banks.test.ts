import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { loadBanks, type McBank } from '../../src/bank/mc.js';

const DIR = 'question-banks/mc';
const banks: McBank[] = [...loadBanks(DIR).values()];
const all = banks.flatMap((b) => b.questions.map((q) => ({ bank: b.bank, q })));
const where = (bank: string, id: string) => `${bank}/${id}`;

test('the shipped banks load and are large enough', () => {
  assert.ok(banks.length >= 5, `expected at least 5 banks, got ${banks.length}`);
  assert.ok(all.length >= 72, `expected at least 72 questions, got ${all.length}`);
  for (const b of banks) assert.ok(b.questions.length >= 10, `bank ${b.bank} has only ${b.questions.length} questions`);
});

test('each file is named after its bank id', () => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')).sort();
  assert.deepEqual(files, banks.map((b) => b.bank).sort());
});

test('question ids are unique within each bank', () => {
  for (const b of banks) {
    const ids = b.questions.map((q) => q.id);
    const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.deepEqual(dup, [], `bank ${b.bank} repeats ids ${dup.join(', ')}`);
  }
});

test('every answer index points at an option', () => {
  for (const { bank, q } of all) {
    assert.ok(Number.isInteger(q.answer) && q.answer >= 0 && q.answer < q.options.length, `${where(bank, q.id)}: answer ${q.answer} of ${q.options.length} options`);
  }
});

test('options are distinct, non-empty and never "all/none of the above"', () => {
  const banned = /\b(all|none|both|neither) of (the )?(above|these|them|the options)\b/i;
  for (const { bank, q } of all) {
    assert.ok(q.options.length >= 3 && q.options.length <= 6, `${where(bank, q.id)}: ${q.options.length} options`);
    const norm = q.options.map((o) => o.trim().toLowerCase().replace(/\s+/g, ' '));
    assert.equal(new Set(norm).size, norm.length, `${where(bank, q.id)}: duplicate option texts`);
    for (const o of q.options) {
      assert.ok(o.trim().length > 0, `${where(bank, q.id)}: empty option`);
      assert.doesNotMatch(o, banned, `${where(bank, q.id)}: catch-all option "${o}"`);
    }
  }
});

test('every question has a topic, a real question text and a one-line explanation', () => {
  for (const { bank, q } of all) {
    assert.ok(q.topic.trim().length > 0, `${where(bank, q.id)}: empty topic`);
    assert.ok(q.text.trim().length >= 10, `${where(bank, q.id)}: text too short`);
    assert.ok(q.explanation.trim().length > 0, `${where(bank, q.id)}: empty explanation`);
    assert.doesNotMatch(q.explanation.trim(), /\n/, `${where(bank, q.id)}: explanation spans several lines`);
  }
});

test('correct-answer positions are spread out, overall and in each bank', () => {
  const histogram = (qs: { answer: number }[]) => {
    const h = new Map<number, number>();
    for (const q of qs) h.set(q.answer, (h.get(q.answer) ?? 0) + 1);
    return h;
  };
  const overall = histogram(all.map((x) => x.q));
  assert.ok(overall.size >= 4, `correct answers only at positions ${[...overall.keys()].join(', ')}`);
  for (const [pos, n] of overall) assert.ok(n / all.length <= 0.4, `${n} of ${all.length} correct answers sit at position ${pos}`);
  for (const b of banks) {
    const h = histogram(b.questions);
    assert.ok(h.size >= 3, `bank ${b.bank}: correct answers only at positions ${[...h.keys()].join(', ')}`);
    for (const [pos, n] of h) assert.ok(n / b.questions.length <= 0.5, `bank ${b.bank}: ${n} of ${b.questions.length} answers at position ${pos}`);
  }
});

test('the length of the correct option gives no systematic hint', () => {
  // Share of questions whose correct option is strictly the longest / strictly the shortest one.
  const share = (pick: (right: number, other: number) => boolean) => {
    const n = all.filter(({ q }) => {
      const len = q.options.map((o) => o.length);
      const right = len[q.answer]!;
      return len.every((l, i) => i === q.answer || pick(right, l));
    }).length;
    return { n, share: n / all.length };
  };
  const longest = share((right, other) => right > other);
  const shortest = share((right, other) => right < other);
  assert.ok(longest.share <= 0.4, `the correct option is strictly the longest in ${longest.n} of ${all.length} questions`);
  assert.ok(shortest.share <= 0.4, `the correct option is strictly the shortest in ${shortest.n} of ${all.length} questions`);
});
