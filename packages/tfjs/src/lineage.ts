/**
 * Model lineage across save and load: a saved model is an output of the run that produced its
 * weights; a loaded model becomes the input ("base_model") of the next run that trains it.
 */
import { type ArtifactRecord, logger, MLMETA_TYPES, modelNameOf, stripUrlCredentials } from '@mlmeta/core';
import { artifactsDigest, artifactsWeightBytes, modelDigest } from './model-digest.js';
import { localModelFolder, savedFolderSnapshot } from './model-files.js';
import { findOrigin, type ModelOrigin, modelOrigin } from './state.js';
import type { LayersModelTf, ModelArtifactsTf } from './tf-types.js';

/**
 * Records saved artifacts as an output of the run that trained `model`, if its weights are still
 * the ones that run produced, and as the next version of the model named `modelName` (else the
 * save path's name: `file://./models/iris` → `iris`). Saved to a local `folder` that still holds
 * these artifacts, the output is that folder, identified by its files; else the artifacts by
 * their digest. Never throws.
 */
export async function recordSavedModel(
  model: LayersModelTf,
  producedBy: NonNullable<ModelOrigin['producedBy']>,
  artifacts: ModelArtifactsTf,
  uri: string | undefined,
  modelName?: string,
  folder?: string,
): Promise<void> {
  try {
    const current = await modelDigest(model);
    if (current !== producedBy.digest) {
      logger.debug('model weights changed since its recorded fit; the save is not linked to that run');
      return;
    }
    const series = modelName ?? modelNameOf(folder ?? uri);
    const digest = artifactsDigest(artifacts);
    // A folder is its files, unless another process has written there by the time they are digested.
    const writtenAs = folder === undefined ? undefined : await savedFolderSnapshot(folder, artifacts);
    const where =
      folder !== undefined && writtenAs !== undefined
        ? { uri: folder, digest, writtenAs }
        : { digest, ...(uri ? { uri: stripUrlCredentials(uri) } : {}) };
    producedBy.run.logOutput({
      type: MLMETA_TYPES.model,
      ...where,
      name: model.name,
      role: 'saved_model',
      ...(series ? { model: series } : {}),
      properties: {
        format: artifacts.format ?? 'layers-model',
        ...(writtenAs ? { artifactsDigest: digest } : {}),
        modelDigest: current,
        weightBytes: artifactsWeightBytes(artifacts),
        savedAt: new Date().toISOString(),
      },
    });
  } catch (error) {
    logger.warn('could not record a saved model', error);
  }
}

/** Marks `model` as loaded from `source` (see recordLoadedModel). Never throws. */
export function markLoadedModel(model: object, source?: string): void {
  try {
    const origin = modelOrigin(model);
    origin.loaded = true;
    origin.producedBy = undefined;
    if (source) origin.loadedFrom = stripUrlCredentials(source);
    const folder = localModelFolder(source);
    if (folder) markLoadedFolder(model as LayersModelTf, folder);
  } catch (error) {
    logger.warn('could not record a loaded model', error);
  }
}

/** `model` was loaded from the local `folder`: remember it with the model's digest as loaded. */
export function markLoadedFolder(model: LayersModelTf, folder: string): void {
  const origin = modelOrigin(model);
  // The digest's reads start now, before anything can change the weights.
  const digest = modelDigest(model).catch(() => undefined);
  origin.loadedFolder = { path: folder, digest };
  origin.loadedFrom ??= folder;
}

/**
 * How a model that is a run's input is identified: by the local folder it was loaded from while
 * it still has the weights it was loaded with, else by the digest of its layers and weights
 * (`digest`, which the caller has computed).
 *
 * @example
 * run.logInput({ type: MLMETA_TYPES.model, role: 'model', ...(await modelInput(model, digest)) });
 */
export async function modelInput(
  model: object,
  digest: string,
): Promise<Pick<ArtifactRecord, 'digest' | 'uri' | 'properties'>> {
  const origin = findOrigin(model);
  const folder = origin?.loadedFolder;
  if (folder && (await folder.digest) === digest && localModelFolder(folder.path))
    return { uri: folder.path, properties: { modelDigest: digest } };
  return { digest, ...(origin?.loadedFrom ? { uri: origin.loadedFrom } : {}) };
}
