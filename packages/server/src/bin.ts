#!/usr/bin/env node
import { runServerCli } from './cli.js';

runServerCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`mlmeta-server: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
