/**
 * The files a process used, kept by folder. This is the work of every wrapped fs call, so it is
 * kept small: a path argument is split at its last separator, its folder found by the directory
 * part as the program wrote it (resolved against the working directory and judged by the filter
 * once, on first use), and only the name is tested and stored. What becomes of the uses (a
 * folder of many files, or a tfjs model folder, as one artifact) is worked out once, at exit.
 */
import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { PathFilter } from './filter.js';
import { type FileUse, pathString } from './instrumentation.js';

/**
 * A directory from which a program reads (or writes) at least this many files is one artifact
 * (by its manifest), not thousands: a folder of images or shards is one dataset.
 */
const FOLDER_FILES = 64;
const MODEL_JSON = 'model.json';
/** On Windows both separators and drive-relative paths occur: paths are resolved whole there. */
const WINDOWS = sep === '\\';
const SLASH = 47;
const DOT = 46;

interface Folder {
  /** Absolute. */
  path: string;
  /** Whether the filter lets any file in it be recorded. */
  wanted: boolean;
  /** Name → the strongest use seen (a file written and read back is the process's output). */
  files: Map<string, FileUse>;
  /** How many of `files` are read (and never written), and how many written. */
  read: number;
  written: number;
  /**
   * Read from as a whole: FOLDER_FILES of its files were read, so it is recorded as the folder
   * and a further read needs no name (and costs no Map entry; writes are still kept by name).
   */
  readWhole: boolean;
}

export class FileUses {
  /** Folders by absolute path, in the order of first use. */
  private readonly folders = new Map<string, Folder>();
  /** Folders by the directory part of a path argument as given ('data/', '/abs/', ''), for `cwd`. */
  private given = new Map<string, Folder>();
  private cwd = '';
  /** The last directory part seen and its folder: a loop over one folder skips the lookup. */
  private lastGiven = '';
  private lastFolder: Folder | undefined;
  /**
   * lastFolder when it is read whole and the last use was a read of a name in it: the next read
   * there (the loop over a dataset) is decided by three string tests, with nothing kept.
   */
  private lastWhole: Folder | undefined;
  /** Whether lastGiven is absolute (so the working directory does not matter). */
  private lastAbsolute = false;
  private recorded = false;

  constructor(private readonly filter: PathFilter) {}

  /** Whether any file is recorded. */
  get empty(): boolean {
    return !this.recorded;
  }

  /**
   * Notes a use of `target`, a path argument as the program passed it (string, URL or Buffer);
   * true when the filter wants the file, so it is recorded.
   */
  add(target: unknown, use: FileUse): boolean {
    // The hot path, first and small: most of a loop over files runs before V8 optimizes it.
    if (
      this.lastWhole !== undefined &&
      use === 'read' &&
      typeof target === 'string' &&
      target.length > this.lastGiven.length &&
      target.lastIndexOf(sep) === this.lastGiven.length - 1 &&
      target.startsWith(this.lastGiven) &&
      target.charCodeAt(target.length - 1) !== DOT &&
      (this.lastAbsolute || process.cwd() === this.cwd)
    )
      return true;
    return this.addSlowly(target, use);
  }

  private addSlowly(target: unknown, use: FileUse): boolean {
    let path = typeof target === 'string' ? target : pathString(target);
    if (path === undefined) return false;
    if (WINDOWS) path = resolve(path);
    const cut = path.lastIndexOf(sep);
    const last = path.charCodeAt(path.length - 1);
    if (last === SLASH || last === DOT || path.length === 0) {
      // 'data/', '.', 'a/..' (or 'a.'): the name may not be the last part; let resolve say.
      const name = path.slice(cut + 1);
      if (name === '' || name === '.' || name === '..') {
        const absolute = resolve(path);
        const at = absolute.lastIndexOf(sep);
        return this.record(this.folder(absolute.slice(0, Math.max(at, 1))), absolute.slice(at + 1), use);
      }
    }
    // process.cwd() is Node's cached string: the same one until the program changes directory.
    if (path.charCodeAt(0) !== SLASH) {
      const cwd = process.cwd();
      if (cwd !== this.cwd) {
        this.cwd = cwd;
        this.given = new Map();
        this.lastFolder = undefined;
        this.lastWhole = undefined;
      }
    }
    let folder = this.lastFolder;
    if (folder === undefined || cut + 1 !== this.lastGiven.length || !path.startsWith(this.lastGiven)) {
      const given = cut < 0 ? '' : path.slice(0, cut + 1);
      folder = this.given.get(given);
      if (folder === undefined) {
        folder = this.folder(resolve(given));
        this.given.set(given, folder);
      }
      this.lastGiven = given;
      this.lastFolder = folder;
      this.lastAbsolute = path.charCodeAt(0) === SLASH;
    }
    this.lastWhole = undefined;
    // A folder read whole: a read there needs no name and no Map entry.
    if (folder.readWhole && use === 'read') {
      if (folder.wanted && !WINDOWS) this.lastWhole = folder;
      return folder.wanted;
    }
    return this.record(folder, cut < 0 ? path : path.slice(cut + 1), use);
  }

  private folder(path: string): Folder {
    let folder = this.folders.get(path);
    if (folder === undefined) {
      folder = {
        path,
        wanted: this.filter.folder(path),
        files: new Map(),
        read: 0,
        written: 0,
        readWhole: false,
      };
      this.folders.set(path, folder);
    }
    return folder;
  }

  private record(folder: Folder, name: string, use: FileUse): boolean {
    if (!folder.wanted || !this.filter.file(folder.path, name)) return false;
    const known = folder.files.get(name);
    if (known === undefined) {
      folder.files.set(name, use);
      if (use === 'written') folder.written++;
      else if (++folder.read >= FOLDER_FILES) folder.readWhole = true;
      this.recorded = true;
    } else if (known === 'read' && use === 'written') {
      folder.files.set(name, use);
      folder.read--;
      folder.written++;
    }
    return true;
  }

  /**
   * The files as recorded: each once; the files of a folder from which the program read (or to
   * which it wrote) many, or of a tfjs model folder (a directory holding model.json), as the folder.
   */
  files(): Array<{ path: string; use: FileUse }> {
    const out = new Map<string, FileUse>();
    const keep = (path: string, use: FileUse) => {
      if (out.get(path) !== 'written') out.set(path, use);
    };
    for (const folder of this.folders.values()) {
      const { readWhole, written } = folder;
      // A file read and then written leaves the read count, not readWhole: reads it did not count.
      const read = readWhole || folder.read > 0;
      const writtenWhole = written >= FOLDER_FILES;
      const many = (use: FileUse) => (use === 'read' ? readWhole : writtenWhole);
      // A folder of many files read and (or) many written is the folder: no name to look at.
      if ((!read || readWhole) && (written === 0 || writtenWhole)) {
        if (read) keep(folder.path, 'read');
        if (written > 0) keep(folder.path, 'written');
        continue;
      }
      // Asked once per folder, and only when a file in it might stand alone.
      let model: boolean | undefined;
      const isModelFolder = () => {
        model ??= existsSync(join(folder.path, MODEL_JSON));
        return model;
      };
      for (const [name, use] of folder.files) {
        if (many(use) || name === MODEL_JSON || isModelFolder()) keep(folder.path, use);
        else keep(join(folder.path, name), use);
      }
    }
    return [...out].map(([path, use]) => ({ path, use }));
  }
}
