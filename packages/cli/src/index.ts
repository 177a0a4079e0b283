export { CliContext, CliError, type GlobalFlags, type Io, type TerminalInfo } from './context.js';
export { type FileIdentity, identifyFile } from './file-digest.js';
export { createProgram, runCli, VERSION } from './program.js';
export { closest, editDistance } from './resolve.js';
