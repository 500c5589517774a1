/**
 * The Family contract: the only way the CLI, server, renderer and grader talk to a problem family.
 *
 * A family is one file. It generates "nice" parameter sets, states the question, solves it exactly
 * with worked steps, verifies it by an *independent* tensor computation, and lists the answers that
 * typical misconceptions produce.
 */
import type { ZodType } from 'zod';
import type { Answer, Part, Solution } from '../core/answer.js';
import type { Real } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { Check, TF } from '../verify/tensor.js';

export type Difficulty = 1 | 2 | 3;

export type Topic = 'cnn' | 'params' | 'backprop' | 'svm' | 'statistics' | 'rnn' | 'activations' | 'optimisation' | 'metrics' | 'mlp' | 'attention' | 'rl' | 'other';

/** A block of given data shown with the question text (a matrix, a table of points, …). */
export type Block =
  | { kind: 'matrix'; name: string; value: Real[][] }
  | { kind: 'vector'; name: string; value: Real[] }
  | { kind: 'table'; header: string[]; rows: string[][] };

export interface Statement {
  /** The question, in plain text with Unicode math (×, σ, ∂L/∂X, √, ≥, W_xh). */
  text: string;
  /** Given data typeset separately from the text. */
  blocks?: Block[];
  /** Which framework/textbook convention the numbers follow — always printed with the question. */
  convention: string;
}

/** A named misconception: the answers a solver with one step changed would give. */
export interface Mistake {
  id: string;
  /** Short name: "forgot the bias". */
  label: string;
  /** What the grader tells a student whose answer matches. */
  feedback: string;
  /** Wrong answers by part id (only parts where the mutant differs from the right answer). */
  answers: Record<string, Answer>;
}

export interface Family<P> {
  id: string;
  title: string;
  topic: Topic;
  /** One sentence for `dlexam families`. */
  description: string;
  /** Validates pinned/given parameters; also the schema printed by `dlexam families --json`. */
  params: ZodType<P>;
  /** Answer kinds of the parts this family produces, for listings. */
  answerKinds: Answer['kind'][];
  generate(rng: Rng, o: { difficulty: Difficulty }): P;
  statement(p: P): Statement;
  /** Exact: no floats anywhere on the path to an answer. */
  solve(p: P): Solution;
  /** Independent recomputation with the tensor backend; must not call solve() or share its arithmetic. */
  verify(p: P, s: Solution, tf: TF): Promise<Check>;
  mistakes(p: P): Mistake[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFamily = Family<any>;

export type { Part, Solution };
