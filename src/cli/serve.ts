import type { Command } from 'commander';
import { UserError } from '../core/errors.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the grading service: answer forms, POST /api/submissions, instructor results (token in DLEXAM_ADMIN_TOKEN)')
    .option('--exams <dir>', 'folder holding <exam>/exam.json (the output of dlexam generate)', 'out')
    .option('--port <n>', 'port (0 picks a free one and prints it)', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--db <target>', 'submission storage: sqlite:PATH or a file path (default <exams>/dlexam.sqlite)')
    .action(async (o: { exams: string; port: string; host: string; db?: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be an integer from 0 to 65535 (got "${o.port}")`);
      const token = process.env['DLEXAM_ADMIN_TOKEN'];
      if (token !== undefined && token.length < 16) throw new UserError('DLEXAM_ADMIN_TOKEN is too short (at least 16 characters)');
      const { startServer } = await import('../server/serve.js');
      const s = await startServer({ examsDir: o.exams, port, host: o.host, ...(o.db ? { db: o.db } : {}), ...(token ? { adminToken: token } : {}) });
      process.stdout.write(`dlexam: grading service listening on ${s.url}  (port ${s.port})\n${token ? '' : 'note: DLEXAM_ADMIN_TOKEN is not set — instructor routes are disabled\n'}`);
      const stop = (signal: string) => {
        process.stderr.write(`dlexam: ${signal} received, finishing open requests…\n`);
        s.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      await new Promise(() => {}); // run until a signal
    });
}
