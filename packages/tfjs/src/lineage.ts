/**
 * Model lineage across save and load: a saved model is an output of the run that produced its
 * weights; a loaded model becomes the input ("base_model") of the next run that trains it.
 */
import { logger, MLMETA_TYPES, modelNameOf, stripUrlCredentials } from '@mlmeta/core';
import { artifactsDigest, artifactsWeightBytes, modelDigest } from './model-digest.js';
import { type ModelOrigin, modelOrigin } from './state.js';
import type { LayersModelTf, ModelArtifactsTf } from './tf-types.js';

/**
 * Records saved artifacts as an output of the run that trained `model`, if its weights are still
 * the ones that run produced, and as the next version of the model named `modelName` (else the
 * save path's name: `file://./models/iris` → `iris`). Never throws.
 */
export async function recordSavedModel(
  model: LayersModelTf,
  producedBy: NonNullable<ModelOrigin['producedBy']>,
  artifacts: ModelArtifactsTf,
  uri: string | undefined,
  modelName?: string,
): Promise<void> {
  try {
    const current = await modelDigest(model);
    if (current !== producedBy.digest) {
      logger.debug('model weights changed since its recorded fit; the save is not linked to that run');
      return;
    }
    const series = modelName ?? modelNameOf(uri);
    producedBy.run.logOutput({
      type: MLMETA_TYPES.model,
      digest: artifactsDigest(artifacts),
      name: model.name,
      role: 'saved_model',
      ...(series ? { model: series } : {}),
      ...(uri ? { uri: stripUrlCredentials(uri) } : {}),
      properties: {
        format: artifacts.format ?? 'layers-model',
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
  } catch (error) {
    logger.warn('could not record a loaded model', error);
  }
}
