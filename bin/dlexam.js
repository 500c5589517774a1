#!/usr/bin/env node
// Entry point for the `dlexam` bin: runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';
register();
process.env.DLEXAM_CLI = '1';
await import('../src/cli/main.ts');
