import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, SpecError } from '../../src/bank/spec.js';

const GOOD = `title: Quiz
course: DL
sections:
  - title: A
    questions:
      - family: conv-output-shape
        points: 3
        params: { framework: keras }
      - bank: cnn
        draw: 2
        points: 1
`;

function issues(text: string, banks: string[] = ['cnn']): string[] {
  try {
    parseSpec(text, 'quiz.yaml', { banks });
  } catch (e) {
    assert.ok(e instanceof SpecError, String(e));
    return e.issues.map((i) => `${i.line}:${i.col} ${i.message}`);
  }
  assert.fail('expected a SpecError');
}

test('a valid spec parses with defaults', () => {
  const s = parseSpec(GOOD, 'question-banks/My Quiz.yaml', { banks: ['cnn'] });
  assert.equal(s.id, 'my-quiz');
  assert.equal(s.paper, 'A4');
  assert.equal(s.mode, 'exam');
  assert.equal(s.sections[0]!.questions.length, 2);
  const q = s.sections[0]!.questions[0]!;
  assert.ok('family' in q && q.difficulty === 2 && q.format === 'open');
});

test('unknown family: line, column and a suggestion', () => {
  const got = issues(GOOD.replace('family: conv-output-shape', 'family: conv-output-shap'));
  assert.equal(got.length, 1);
  assert.match(got[0]!, /^6:\d+ unknown family "conv-output-shap" — did you mean "conv-output-shape"\?/);
});

test('parameter outside the family schema, and an unknown parameter, are located', () => {
  const got = issues(GOOD.replace('params: { framework: keras }', 'params: { framework: tensorflow, strid: 2 }'));
  assert.equal(got.length, 2);
  assert.match(got[0]!, /^8:\d+ framework = "tensorflow" is outside the schema of conv-output-shape/);
  assert.match(got[1]!, /^8:\d+ "strid" is not a parameter of conv-output-shape — did you mean "stride"\?/);
});

test('points missing, unknown keys, bad difficulty, unknown bank: all reported at once', () => {
  const text = GOOD.replace('        points: 3\n', '        difficulty: 5\n        colour: red\n').replace('bank: cnn', 'bank: cnnn');
  const got = issues(text);
  assert.ok(got.some((g) => /^6:\d+ points: /.test(g) || /^6:\d+ .*points/.test(g)), got.join('\n'));
  assert.ok(got.some((g) => /difficulty must be 1, 2 or 3/.test(g)), got.join('\n'));
  assert.ok(got.some((g) => /unknown key\(s\) "colour"/.test(g)), got.join('\n'));
  assert.ok(got.some((g) => /unknown multiple-choice bank "cnnn" — did you mean "cnn"\?/.test(g)), got.join('\n'));
});

test('YAML syntax errors and top-level problems name the line', () => {
  assert.match(issues('title: [unclosed\ncourse: x\n')[0]!, /^\d+:\d+ YAML syntax/);
  const missing = issues('title: T\nsections: []\n');
  assert.ok(missing.some((m) => /course/.test(m)));
  assert.ok(missing.some((m) => /at least one section/.test(m)));
  assert.match(issues('- a\n- b\n')[0]!, /must be a YAML mapping/);
});

test('duplicate question ids are rejected', () => {
  const text = GOOD.replace('      - family: conv-output-shape\n', '      - family: conv-output-shape\n        id: q1\n').replace('      - bank: cnn\n', '      - bank: cnn\n        id: q1\n');
  assert.match(issues(text).join('\n'), /duplicate question id "q1"/);
});
