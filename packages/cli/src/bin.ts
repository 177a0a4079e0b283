#!/usr/bin/env node
import { runCli } from './program.js';

// `mlmeta runs | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`mlmeta: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
