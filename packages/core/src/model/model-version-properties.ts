/**
 * Where model versions live in the store (written by putLineage's `modelVersions`, read by
 * `listModels`): custom properties of the `mlmeta.RegisteredModel` context and of the artifact.
 *
 * @example
 * const latest = context.customProperties[MODEL_VERSION_PROPERTIES.latest]; // 3
 */
export const MODEL_VERSION_PROPERTIES = {
  /** Context: `version.<n>` → the artifact's external id. */
  versionPrefix: 'version.',
  latest: 'latest_version',
  /** Context: `alias.<alias>` → the version it names (see setModelAlias). */
  aliasPrefix: 'alias.',
  /** Artifact: the model name and version it was first recorded as. */
  artifactName: 'model.name',
  artifactVersion: 'model.version',
} as const;
