#!/usr/bin/env node
/** dlexam command line: one sub-command per file; this file only wires them and reports errors. */
import { Command, CommanderError } from 'commander';
import { UserError } from '../core/errors.js';
import { registerDemo } from './demo.js';
import { registerFamilies } from './families.js';
import { registerGenerate } from './generate.js';
import { registerGrade } from './grade.js';
import { registerRegrade } from './regrade.js';
import { registerSample } from './sample.js';
import { registerServe } from './serve.js';
import { registerSolve } from './solve.js';
import { registerVerify } from './verify.js';

export function buildProgram(): Command {
  const program = new Command('dlexam')
    .description('Write, solve, verify, print and grade numeric ML/DL exam questions.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerFamilies(program);
  registerSolve(program);
  registerSample(program);
  registerVerify(program);
  registerGenerate(program);
  registerServe(program);
  registerGrade(program);
  registerRegrade(program);
  registerDemo(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof UserError) {
      process.stderr.write(`dlexam: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`dlexam: internal error: ${err.message}\n`);
    if (process.env['DLEXAM_DEBUG']) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write('(set DLEXAM_DEBUG=1 for the stack trace, and please report it)\n');
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.env['DLEXAM_CLI'] === '1') {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
