/** jsonText (src/server/json.ts): JSON.stringify for plain data, the text of frozen subtrees remembered. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonBytes, jsonText } from '../../src/server/json.js';
import { toJsonText } from '../../src/server/storage/index.js';

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Whether toJsonText's explaining walk accepts v (the reference for what jsonText may serialise). */
function accepted(v: unknown): boolean {
  try {
    toJsonText(v, 'v', 1e9);
    return true;
  } catch {
    return false;
  }
}

test('equals JSON.stringify on JSON data, plain or (partly) frozen, first and second time', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (v, freeze) => {
      const value = structuredClone(v);
      if (freeze && value !== null && typeof value === 'object') {
        // Freeze one branch only: frozen subtrees are remembered, the rest recomputed.
        const first = Object.values(value)[0] as unknown;
        deepFreeze(first);
      }
      const expected = JSON.stringify(value);
      assert.equal(jsonText(value), expected);
      assert.equal(jsonText(value), expected);
      assert.equal(jsonText({ wrap: [value, value] }), JSON.stringify({ wrap: [value, value] }));
      // The bytes: UTF-8 of the same text, in a buffer of their own (never a remembered one).
      const bytes = jsonBytes({ wrap: [value, 'σ−∂', value] })!;
      assert.equal(Buffer.from(bytes).toString('utf8'), JSON.stringify({ wrap: [value, 'σ−∂', value] }));
      const again = jsonBytes(value)!;
      assert.equal(Buffer.from(again).toString('utf8'), expected);
      again.fill(0);
      assert.equal(Buffer.from(jsonBytes(value)!).toString('utf8'), expected);
    }),
    { numRuns: 3000, seed: 11 },
  );
});

test('accepts exactly what toJsonText accepts (NaN, lone surrogates, class instances, holes, depth)', () => {
  const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
  class Point {
    x = 1;
  }
  const cases: unknown[] = [
    { a: Number.NaN },
    [1, Infinity],
    { s: '\uD800' },
    { ['\uDC00']: 1 },
    new Point(),
    { p: new Point() },
    [1, undefined, 3],
    // eslint-disable-next-line no-sparse-arrays
    [1, , 3],
    { f: () => 1 },
    { b: 1n },
    { sym: Symbol('x') },
    new Date(0),
    deep(63),
    deep(64),
    deep(65),
    { u: undefined, n: null, t: true },
    Object.assign(Object.create(null) as object, { a: 1 }),
    '🙂',
    -0,
  ];
  for (const v of cases) {
    const text = jsonText(v);
    if (accepted(v)) assert.equal(text, JSON.stringify(v), String(JSON.stringify(v)).slice(0, 60));
    else assert.equal(text, undefined, String(v));
    assert.equal(jsonBytes(v) === undefined, text === undefined);
  }
  // A remembered subtree still counts towards the depth limit where it is used.
  const sub = deepFreeze(deep(10));
  assert.equal(jsonText(sub), JSON.stringify(sub));
  let wrapped: unknown = sub;
  for (let i = 0; i < 60; i++) wrapped = { w: wrapped };
  assert.equal(jsonText(wrapped), undefined);
  assert.equal(accepted(wrapped), false);
});

test('a frozen object with a getter is not remembered; cycles are refused', () => {
  let n = 0;
  const g = Object.freeze({
    get v() {
      return ++n;
    },
  });
  const holder = Object.freeze({ g });
  const first = jsonText(holder);
  assert.match(first ?? '', /^\{"g":\{"v":\d+\}\}$/);
  assert.notEqual(jsonText(holder), first);
  const a: Record<string, unknown> = {};
  const b: Record<string, unknown> = { a };
  a['b'] = b;
  Object.freeze(a);
  Object.freeze(b);
  assert.equal(jsonText(a), undefined);
});
