/**
 * A model that lives in local files is identified by those files. Saved to a folder, or loaded
 * from one, a tfjs model is the folder's node (digested by the manifest of its files, as
 * logInput/logOutput and zero-code file capture digest a folder), so the fit that saved it, the
 * script recorded writing the folder, the converter and every later reader of it are one node
 * in the lineage, not an in-memory digest beside a file digest.
 *
 * Where the folder is: the save path or load URL when it is local (`file://./model`,
 * `model/model.json`), else, under the preload hook, the model.json that file capture saw the
 * call write or read (custom IOHandlers that use node:fs, and tfjs-node's own).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type FileSnapshot, localPath, sameFiles, snapshotFiles } from '@mlmeta/core';
import { weightBuffers } from './model-digest.js';
import type { ModelArtifactsTf } from './tf-types.js';

type FileUse = 'read' | 'written';
type FileObserver = (path: string, use: FileUse) => void;

/** What @mlmeta/node-hooks's file capture offers on globalThis (see its recorder.ts). */
interface FileCaptureApi {
  observe(name: string, observer: FileObserver): () => void;
}

const FILE_CAPTURE_API = Symbol.for('mlmeta.fileCapture');
const MODEL_JSON = 'model.json';
/** A model.json read longer ago than this is not the one a loadWeights call is finishing. */
const LOAD_WINDOW_MS = 60_000;

function fileCapture(): FileCaptureApi | undefined {
  const api = (globalThis as Record<symbol, unknown>)[FILE_CAPTURE_API] as FileCaptureApi | undefined;
  return typeof api?.observe === 'function' ? api : undefined;
}

function localPathOf(uri: string): string | undefined {
  try {
    return localPath(uri);
  } catch {
    return undefined; // a malformed file URL
  }
}

/**
 * The local model folder a save path or load URL names, if it exists: `file://./model` and
 * `model/model.json` → the absolute path of `model/`. Undefined for other schemes
 * (indexeddb://, http://) and for a folder without a model.json.
 *
 * @example
 * localModelFolder('file://./models/iris'); // '/work/models/iris' once saved there
 */
export function localModelFolder(uri: string | undefined): string | undefined {
  if (typeof uri !== 'string' || uri.trim() === '') return undefined;
  const path = localPathOf(uri.trim());
  if (path === undefined) return undefined;
  const folder = basename(path) === MODEL_JSON ? dirname(path) : path;
  return existsSync(join(folder, MODEL_JSON)) ? folder : undefined;
}

/**
 * Runs `save` and returns its result with the model folder file capture saw it write (none
 * without the preload hook, or when it wrote no model.json, or two).
 *
 * @example
 * const { result, folder } = await watchSave(() => handler.save(artifacts));
 */
export async function watchSave<T>(save: () => Promise<T>): Promise<{ result: T; folder?: string }> {
  const api = fileCapture();
  if (!api) return { result: await save() };
  // The folders a model.json was written to: exactly one is where this save went.
  const folders = new Set<string>();
  const stop = api.observe(MODEL_JSON, (path, use) => {
    if (use === 'written') folders.add(dirname(path));
  });
  try {
    const result = await save();
    return folders.size === 1 ? { result, folder: [...folders][0]! } : { result };
  } finally {
    stop();
  }
}

/** The model.json files read lately, newest last, each to be claimed by one load. */
const recentReads: Array<{ folder: string; at: number }> = [];
let watchingReads = false;

/**
 * From now on, notes the model.json files the process reads (when file capture is on), so that
 * a model's loadWeights can tell which folder it was loaded from. Idempotent.
 */
export function watchModelReads(): void {
  if (watchingReads) return;
  const api = fileCapture();
  if (!api) return;
  watchingReads = true;
  api.observe(MODEL_JSON, (path, use) => {
    if (use !== 'read') return;
    recentReads.push({ folder: dirname(path), at: Date.now() });
    if (recentReads.length > 16) recentReads.shift();
  });
}

/** A weight as a model.json's manifest lists it and as a model holds it. */
interface WeightShape {
  name: string;
  shape: number[];
}

const shapeKey = (weights: WeightShape[]) =>
  weights
    .map(({ name, shape }) => `${name}:${shape.join('x')}`)
    .sort()
    .join(',');

/** Whether the model.json in `folder` lists exactly `weights` (names and shapes). */
function folderHolds(folder: string, weights: WeightShape[]): boolean {
  try {
    const json = JSON.parse(readFileSync(join(folder, MODEL_JSON), 'utf8')) as {
      weightsManifest?: Array<{ weights?: WeightShape[] }>;
    };
    const listed = (json.weightsManifest ?? []).flatMap((group) => group.weights ?? []);
    return listed.length > 0 && shapeKey(listed) === shapeKey(weights);
  } catch {
    return false;
  }
}

/**
 * The folder of the model.json read most recently, not yet claimed, whose manifest lists
 * exactly the weights of the model being loaded: tfjs's loadLayersModel reads model.json (and
 * the weights), then builds the model and calls its loadWeights.
 *
 * @example
 * const folder = claimLoadedFolder(model.weights.map((w) => ({ name: w.originalName, shape: w.shape })));
 */
export function claimLoadedFolder(weights: WeightShape[]): string | undefined {
  const now = Date.now();
  for (let i = recentReads.length - 1; i >= 0; i--) {
    const read = recentReads[i];
    if (read === undefined || now - read.at > LOAD_WINDOW_MS) break;
    if (folderHolds(read.folder, weights)) {
      recentReads.splice(i, 1);
      return read.folder;
    }
  }
  return undefined;
}

/**
 * Whether `folder` holds the model just saved from `artifacts`, read back: its model.json's
 * weights manifest names files whose bytes, in order, are exactly the saved weights, and nothing
 * changed while they were read. Then the folder's snapshot (for the digest's own check, see
 * ArtifactRecord.writtenAs), else undefined: another process saving into the same folder at
 * the same time must not make two models one node. The weights were just written, so reading
 * them back is from the page cache.
 *
 * @example
 * const writtenAs = await savedFolderSnapshot('/work/model', artifacts);
 */
export async function savedFolderSnapshot(
  folder: string,
  artifacts: ModelArtifactsTf,
): Promise<FileSnapshot | undefined> {
  try {
    const before = snapshotFiles(folder);
    const json = JSON.parse(await readFile(join(folder, MODEL_JSON), 'utf8')) as {
      weightsManifest?: Array<{ paths?: string[] }>;
    };
    const weights = Buffer.concat(weightBuffers(artifacts.weightData));
    const listed = (json.weightsManifest ?? []).flatMap((group) => group.paths ?? []);
    // Without a manifest: one file of the folder holds the weights (its size says which may).
    const candidates =
      listed.length > 0
        ? [listed]
        : (before?.files ?? [])
            .filter((file) => file.size === weights.byteLength && !file.path.endsWith(MODEL_JSON))
            .map((file) => [file.path]);
    let found = false;
    for (const paths of candidates) {
      const onDisk = Buffer.concat(await Promise.all(paths.map((path) => readFile(join(folder, path)))));
      if (onDisk.equals(weights)) {
        found = true;
        break;
      }
    }
    return found && sameFiles(before, snapshotFiles(folder)) ? before : undefined;
  } catch {
    return undefined;
  }
}
