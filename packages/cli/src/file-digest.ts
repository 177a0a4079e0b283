/**
 * The identities the integrations give a file, so a file on disk can be looked up in the store:
 * sha256 of its bytes (or of a folder's manifest), as the tracker, @mlmeta/onnx, the step cache
 * and the preload hook's file capture record it; for a TensorFlow.js model folder (or its
 * model.json) also @mlmeta/tfjs's artifactsDigest over the topology, weight specs and weights.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { digestPath } from '@mlmeta/core';
import { CliError } from './context.js';

/**
 * What a file or model folder is to the store: its path, the URIs and digests it may have been
 * recorded under.
 *
 * @example
 * const { digest, uris } = await identifyFile('model/model.json');
 */
export interface FileIdentity {
  /** Absolute path of what was hashed (the model folder for tfjs models). */
  path: string;
  /** Paths an artifact's uri may hold for this file. */
  uris: string[];
  /** Its content digest: sha256 of the bytes, or of the manifest of a folder's files. */
  digest: string;
  /** Every identity the integrations may have recorded it under, `digest` first. */
  digests: string[];
  kind: 'tfjs-model' | 'onnx-model' | 'file' | 'directory';
}

interface ModelJson {
  modelTopology?: unknown;
  weightSpecs?: unknown[];
  weightsManifest?: Array<{ paths: string[]; weights: unknown[] }>;
}

async function tfjsDigest(modelJsonPath: string): Promise<string> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
  } catch (error) {
    throw new CliError(`${modelJsonPath} is not a readable model.json: ${(error as Error).message}`);
  }
  const dir = dirname(modelJsonPath);
  // tfjs saves weights as one buffer: the manifest's files (or weights.bin) concatenated in order.
  const files = json.weightsManifest
    ? json.weightsManifest.flatMap((group) => group.paths)
    : existsSync(join(dir, 'weights.bin'))
      ? ['weights.bin']
      : [];
  const weightSpecs = json.weightSpecs ?? json.weightsManifest?.flatMap((group) => group.weights) ?? [];
  const buffers = await Promise.all(files.map((file) => readFile(join(dir, file))));
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  const { artifactsDigest } = await import('@mlmeta/tfjs');
  return artifactsDigest({
    modelTopology: json.modelTopology,
    weightSpecs,
    ...(files.length > 0 ? { weightData } : {}),
  });
}

/**
 * @example
 * const { digests } = await identifyFile('model/'); // ['sha256:<manifest>', 'xxh3:<tfjs artifacts>']
 */
export async function identifyFile(file: string): Promise<FileIdentity> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CliError(`${file}: no such file or directory`);
  const stats = statSync(path);
  const modelJson = stats.isDirectory()
    ? join(path, 'model.json')
    : basename(path) === 'model.json'
      ? path
      : undefined;
  if (modelJson !== undefined && existsSync(modelJson)) {
    // A tfjs model folder: by its files' manifest (file capture, logOutput of the folder) and by
    // the artifacts digest @mlmeta/tfjs gives a saved model.
    const dir = dirname(modelJson);
    const [manifest, artifacts] = await Promise.all([digestPath(dir), tfjsDigest(modelJson)]);
    return {
      path: dir,
      uris: [dir, modelJson, `file://${dir}`],
      digest: manifest.digest,
      digests: [manifest.digest, artifacts],
      kind: 'tfjs-model',
    };
  }
  const { digest, kind } = await digestPath(path);
  return {
    path,
    uris: [path, `file://${path}`],
    digest,
    digests: [digest],
    kind: kind === 'directory' ? 'directory' : path.endsWith('.onnx') ? 'onnx-model' : 'file',
  };
}
