/**
 * The request and storage validators' shortcuts (no zod for the usual, valid input) accept only
 * what the zod schemas accept, and give the same output; everything else goes to zod, which
 * names the problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { quickSubmissionBody, submissionBody } from '../../src/server/app.js';
import { newSubmissionSchema, quickNewSubmission, toJsonText, StorageError } from '../../src/server/storage/types.js';

const text = fc.oneof(
  fc.constantFrom('', ' ', 'alice', ' bob ', 'a b', 'x'.repeat(64), 'x'.repeat(65), 'é.ü_1@x+y-z', '\uD800', 'tab\there', 'ok\n', '__proto__', 'AB12CD', 'bench-spec'),
  fc.string({ maxLength: 70 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const value = fc.oneof(text, fc.integer(), fc.constant(null), fc.constant(undefined), fc.array(text, { maxLength: 2 }), fc.constant({}), fc.constant('y'.repeat(4001)));
const answers = fc.oneof(
  { arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('1.a', '2.L1.shape', '__proto__', 'k'.repeat(101)), fc.string({ maxLength: 8 })), fc.oneof(text, { arbitrary: fc.string({ maxLength: 30 }), weight: 3 })), weight: 6 },
  { arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), value), weight: 2 },
  { arbitrary: value, weight: 1 },
);
const nearlyValid = fc.record({
  exam: fc.constantFrom('bench-spec', 'x', 'e'.repeat(200), 'e'.repeat(201)),
  code: fc.constantFrom('AB12CD', 'ab-12 cd', 'c'.repeat(32), 'c'.repeat(33)),
  student: fc.constantFrom('alice', ' bob ', 's-1', 'é.ü_1@x+y-z', 'a b', 'x'.repeat(64), ''),
  answers: fc.dictionary(fc.constantFrom('1.a', '2.L1.shape', '3.b', 'Q4:c', 'k'.repeat(100)), fc.oneof(fc.string({ maxLength: 20 }), fc.constant('z'.repeat(4000)))),
});
const body = fc.oneof(
  { arbitrary: nearlyValid, weight: 8 },
  { arbitrary: fc.record({ exam: text, code: text, student: text, answers }, { requiredKeys: [] }), weight: 4 },
  { arbitrary: fc.record({ exam: value, code: value, student: value, answers, extra: value }, { requiredKeys: [] }), weight: 2 },
  { arbitrary: value, weight: 1 },
);

/** As the server receives it: through JSON (so "__proto__" is an own key, never undefined). */
const asReceived = (b: unknown): unknown => {
  const s = JSON.stringify(b);
  return s === undefined ? undefined : JSON.parse(s);
};

test('POST /api/submissions body: the shortcut agrees with the zod schema on 20,000 bodies', () => {
  let quick = 0;
  fc.assert(
    fc.property(body, (raw) => {
      const b = asReceived(raw);
      const fast = quickSubmissionBody(b);
      const z = submissionBody.safeParse(b);
      if (fast) {
        quick++;
        assert.ok(z.success, JSON.stringify(b));
        assert.deepEqual(fast, z.data);
        assert.equal(JSON.stringify(fast), JSON.stringify(z.data));
      }
    }),
    { numRuns: 20_000, seed: 5 },
  );
  assert.ok(quick > 3000, `only ${quick} bodies took the shortcut`);
  const typical = { exam: 'bench-spec', code: 'AB12CD', student: '  s-1 ', answers: { '1.shape': '(None, 30, 30, 32)', '2.L1.params': '896' } };
  assert.deepEqual(quickSubmissionBody(typical), submissionBody.parse(typical));
});

const label = fc.oneof(fc.constantFrom('cnn-midterm', 'AB12CD', 's001', '127.0.0.1', ' x', 'x ', '', '\u0007', '\uD800', 'x'.repeat(65), 'x'.repeat(201)), fc.string({ maxLength: 12 }));
const result = fc.oneof(
  fc.constant(null),
  fc.record({ total: fc.oneof(fc.double(), fc.integer()), max: fc.oneof(fc.double(), fc.integer()), detail: fc.oneof(fc.constant(undefined), fc.jsonValue()) }, { requiredKeys: ['total', 'max'] }),
  fc.record({ max: fc.integer({ min: 0 }), total: fc.integer(), extra: fc.integer() }),
  fc.constant({ max: 10, total: 3, detail: { q: [1] } }),
);
const nearlyValidSubmission = fc.record(
  {
    exam: fc.constantFrom('cnn-midterm', 'e'.repeat(200)),
    code: fc.constantFrom('AB12CD', 'c'.repeat(64)),
    student: fc.constantFrom('s001', 'x'.repeat(200), 'é'),
    answers: fc.jsonValue(),
    result: fc.oneof(fc.constant(null), fc.record({ total: fc.integer(), max: fc.integer({ min: -1, max: 10 }), detail: fc.jsonValue() }, { requiredKeys: ['total', 'max'] })),
    ip: fc.constantFrom('127.0.0.1', null, undefined),
    maxAttempts: fc.constantFrom(1, 2, undefined, 0),
  },
  { requiredKeys: ['exam', 'code', 'student', 'answers', 'result'] },
);
const anySubmission = fc.record(
  {
    exam: label,
    code: label,
    student: label,
    answers: fc.oneof(fc.jsonValue(), fc.constant(undefined)),
    result,
    ip: fc.oneof(label, fc.constant(null), fc.constant(undefined)),
    maxAttempts: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double(), fc.constant(undefined)),
    other: fc.integer(),
  },
  { requiredKeys: [] },
);
const submission = fc.oneof({ arbitrary: nearlyValidSubmission, weight: 3 }, { arbitrary: anySubmission, weight: 1 });

test('storage: quickNewSubmission agrees with newSubmissionSchema on 20,000 submissions', () => {
  let quick = 0;
  fc.assert(
    fc.property(submission, (s) => {
      const fast = quickNewSubmission(s);
      const z = newSubmissionSchema.safeParse(s);
      if (fast) {
        quick++;
        assert.ok(z.success, JSON.stringify(s));
        assert.deepEqual(fast, z.data);
        // Stored the same way: same JSON text for the score.
        assert.equal(JSON.stringify(fast.result), JSON.stringify(z.data.result));
      }
    }),
    { numRuns: 20_000, seed: 9 },
  );
  assert.ok(quick > 3000, `only ${quick} submissions took the shortcut`);
});

test('toJsonText: the quick check and the explaining walk agree (same text, same errors)', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular['self'] = circular;
  const deep = Array.from({ length: 70 }).reduce<unknown>((acc) => [acc], 1);
  const cases: unknown[] = [
    { a: [1, 'x', null, true, { b: 2.5 }] },
    { a: '\uD800' },
    { ['\uDC00']: 1 },
    [1, undefined],
    { a: undefined, b: 1 },
    { a: Number.NaN },
    { a: () => 1 },
    { a: new Date(0) },
    { a: Object.create(null) as unknown },
    circular,
    deep,
    { a: 10n },
    'text',
    12,
  ];
  for (const v of cases) {
    let got: string;
    try {
      got = toJsonText(v, 'value', 1 << 20);
    } catch (e) {
      assert.ok(e instanceof StorageError);
      got = `${e.code}: ${e.message}`;
    }
    assert.ok(typeof got === 'string');
    if (!got.startsWith('INVALID_INPUT')) assert.equal(got, JSON.stringify(v));
  }
  assert.match(String((() => { try { toJsonText(circular, 'value', 1e6); } catch (e) { return (e as Error).message; } })()), /value\.self is circular/);
  assert.match(String((() => { try { toJsonText({ x: [1, { y: '\uD800' }] }, 'value', 1e6); } catch (e) { return (e as Error).message; } })()), /value\.x\[1\]\.y contains a lone surrogate/);
});
