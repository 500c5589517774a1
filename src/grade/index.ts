/** The grading core: read what students type, judge it against exam.json, explain the result. */
export { gradeQuestion, gradeSubmission, defaultPercent, type GradeOptions, type PartGrade, type QuestionGrade, type SubmissionGrade, type SubmissionError } from './judge.js';
export { parseAnswer, contextForPart, formatParsed, normaliseText, MAX_INPUT_LENGTH, MAX_ENTRIES, type ParseContext, type ParseResult, type Parsed, type Num, type AnswerKind } from './parse.js';
export { compareParsed, judgeNumber, placesNeeded, type NumberPolicy, type NumberVerdict, type Comparison, type ComponentResult } from './compare.js';
export { matchMistakes, genericHints, type MistakeMatch } from './feedback.js';
export { ecfExpectations, summaryChain, summaryLayer, type EcfExpectation, type StudentSummary, type SummaryRow } from './ecf-model-summary.js';
