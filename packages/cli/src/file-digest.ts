/**
 * The identity the integrations give a file, so a file on disk can be looked up in the store:
 * a TensorFlow.js model folder (or its model.json) → @mlmeta/tfjs's artifactsDigest over the
 * topology, weight specs and weight bytes; anything else (ONNX models, data files) → sha256 of
 * its bytes, as @mlmeta/onnx and the step cache record them.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { sha256File } from '@mlmeta/core';
import { CliError } from './context.js';

export interface FileIdentity {
  /** Absolute path of what was hashed (the model folder for tfjs models). */
  path: string;
  /** Paths an artifact's uri may hold for this file. */
  uris: string[];
  digest: string;
  kind: 'tfjs-model' | 'onnx-model' | 'file';
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
 * const { digest } = await identifyFile('model/model.json'); // 'xxh3:…' like the tfjs callback
 */
export async function identifyFile(file: string): Promise<FileIdentity> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CliError(`${file}: no such file or directory`);
  const stats = statSync(path);
  if (stats.isDirectory()) {
    const modelJson = join(path, 'model.json');
    if (!existsSync(modelJson)) {
      throw new CliError(
        `${file} is a directory without a model.json; name a model file or a tfjs model folder`,
      );
    }
    return {
      path,
      uris: [path, modelJson, `file://${path}`],
      digest: await tfjsDigest(modelJson),
      kind: 'tfjs-model',
    };
  }
  if (basename(path) === 'model.json') {
    const dir = dirname(path);
    return {
      path: dir,
      uris: [dir, path, `file://${dir}`],
      digest: await tfjsDigest(path),
      kind: 'tfjs-model',
    };
  }
  const digest = path.endsWith('.onnx')
    ? await (await import('@mlmeta/onnx')).digestModelFile(path)
    : await sha256File(path);
  return {
    path,
    uris: [path, `file://${path}`],
    digest,
    kind: path.endsWith('.onnx') ? 'onnx-model' : 'file',
  };
}
