/**
 * What the family commands (families, solve, sample, verify, demo) run on, in one module they load
 * when they run: the command files themselves stay light, so `--help` and argument errors need none
 * of it (see main.ts).
 */
export { families, getFamily } from '../families/index.js';
export { generateParams, instanceToJson, parseParamsJson, runInstance } from '../families/run.js';
export { fuzzFamily } from '../verify/fuzz.js';
export { loadTf } from '../verify/tensor.js';
export { formatInstance, formatTable } from './format.js';
