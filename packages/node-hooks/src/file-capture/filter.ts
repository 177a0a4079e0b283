/**
 * Which files the preload hook records: by default every file under the working directory
 * except node_modules, .git, .mlmeta, mlmeta's spool and source code; `MLMETA_CAPTURE_FILES`
 * (comma-separated globs, `!glob` to exclude, relative to the working directory or absolute)
 * narrows or widens that; `MLMETA_CAPTURE_DISABLED=files` (or an MLMETA_CAPTURE list without
 * `files`) turns capture off. Read without zod: this runs at preload, before anything loads.
 */
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Source code and manifests: what a program loads, not what it reads as data. */
const CODE =
  /\.(?:[cm]?[jt]sx?|map|node|d\.ts)$|(?:^|\/)(?:package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|tsconfig(?:\.[\w-]+)?\.json)$/;
/**
 * The last characters of every name CODE matches (js ts jsx tsx map node json lock yaml): a name
 * ending in any other (csv, txt, bin, png, ...) is data without running the expression, which
 * is the costliest part of a wrapped fs call.
 */
const CODE_ENDINGS = new Set([...'sxpenkl'].map((c) => c.charCodeAt(0)));
const isCode = (name: string) => CODE_ENDINGS.has(name.charCodeAt(name.length - 1)) && CODE.test(name);
const EXCLUDED_DIRS = /(?:^|\/)(?:node_modules|\.git|\.mlmeta)(?:\/|$)/;

/**
 * Whether a file is recorded: callable with an absolute path, and in two halves for the fs
 * wrappers, which judge a folder once (on its first use) and then only the names in it.
 */
export interface PathFilter {
  (absolute: string): boolean;
  /** False when no file directly in `folder` (absolute) can be recorded. */
  folder(folder: string): boolean;
  /** Whether the file `name` in `folder` (one that `folder()` accepted) is recorded. */
  file(folder: string, name: string): boolean;
}

const filterOf = (folder: PathFilter['folder'], file: PathFilter['file']): PathFilter =>
  Object.assign(
    (absolute: string) => {
      const parent = dirname(absolute);
      return folder(parent) && file(parent, basename(absolute));
    },
    { folder, file },
  );

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);

/**
 * True when file capture is on for this environment.
 *
 * @example
 * if (fileCaptureEnabled(process.env)) installFileCapture(load);
 */
export function fileCaptureEnabled(env: Record<string, string | undefined>): boolean {
  if (env.MLMETA_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (list(env.MLMETA_CAPTURE_DISABLED).includes('files')) return false;
  const only = list(env.MLMETA_CAPTURE);
  return only.length === 0 || only.includes('files');
}

/**
 * The filter for `cwd` and `env`. Globs load picomatch only when MLMETA_CAPTURE_FILES is set.
 *
 * @example
 * const wanted = fileFilter('/work/project', { MLMETA_CAPTURE_FILES: 'data/**,!data/tmp/**' });
 * wanted('/work/project/data/raw.csv'); // true
 */
export function fileFilter(
  cwd: string,
  env: Record<string, string | undefined>,
  load: (id: string) => unknown,
): PathFilter {
  const spool = resolve(cwd, env.MLMETA_SPOOL_DIR?.trim() || '.mlmeta/spool');
  // mlmeta's own OpenLineage file (the file transport) is not the program's output.
  const lineageLog = env.OPENLINEAGE__TRANSPORT__LOG_FILE_PATH?.trim();
  const ownFile = lineageLog ? resolve(cwd, lineageLog) : undefined;
  const globs = (env.MLMETA_CAPTURE_FILES ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const base = (absolute: string, rel: string) =>
    !rel.startsWith('..') &&
    !isAbsolute(rel) &&
    !EXCLUDED_DIRS.test(rel) &&
    !CODE.test(rel) &&
    !absolute.startsWith(spool);
  if (globs.length === 0) {
    // Where a file is (under cwd, outside node_modules, .git, .mlmeta and the spool) is a
    // question about its folder; of the file itself only its name is tested (source code).
    const folder = (path: string) => {
      const rel = toPosix(relative(cwd, path));
      return (
        !rel.startsWith('..') &&
        !isAbsolute(rel) &&
        !EXCLUDED_DIRS.test(rel) &&
        path !== spool &&
        !path.startsWith(`${spool}${sep}`)
      );
    };
    const ownFolder = ownFile && dirname(ownFile);
    const ownName = ownFile && basename(ownFile);
    return filterOf(folder, (path, name) => !isCode(name) && (name !== ownName || path !== ownFolder));
  }
  const picomatch = load('picomatch') as typeof import('picomatch');
  const matcher = (patterns: string[]) => {
    if (patterns.length === 0) return undefined;
    const test = picomatch(patterns, { dot: true });
    return (absolute: string, rel: string) => test(rel) || test(toPosix(absolute));
  };
  const include = matcher(globs.filter((g) => !g.startsWith('!')));
  const exclude = matcher(globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)));
  // Globs may name files anywhere, so every file is matched whole.
  return filterOf(
    () => true,
    (path, name) => {
      const absolute = join(path, name);
      const rel = toPosix(relative(cwd, absolute));
      if (absolute.startsWith(spool) || absolute === ownFile || EXCLUDED_DIRS.test(rel)) return false;
      if (exclude?.(absolute, rel)) return false;
      return include ? include(absolute, rel) : base(absolute, rel);
    },
  );
}

const toPosix = (path: string) => (sep === '/' ? path : path.split(sep).join('/'));
