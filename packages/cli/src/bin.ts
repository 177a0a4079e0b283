#!/usr/bin/env node
import manifest from '../package.json' with { type: 'json' };

const argv = process.argv.slice(2);

// `mlmeta --version` needs nothing but the version: answered before commander even loads.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${manifest.version}\n`);
} else {
  // `mlmeta runs | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  import('./program.js')
    .then(({ runCli }) => runCli(argv))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error) => {
        process.stderr.write(`mlmeta: ${(error as Error)?.stack ?? error}\n`);
        process.exitCode = 1;
      },
    );
}
