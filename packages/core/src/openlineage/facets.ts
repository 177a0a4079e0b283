/**
 * The standard OpenLineage facets mlmeta writes, each with the schema URL of the facet version
 * it follows (the `$id` of the official facet schema), and the datasets of a run: named the
 * OpenLineage way (a local file is namespace `file` and its absolute path; `s3://bucket/key` is
 * namespace `s3://bucket`, name `key`), or by content digest in namespace `mlmeta` when only
 * the bytes are known (tensors passed to fit).
 */
import { pathToFileURL } from 'node:url';
import { stripUrlCredentials } from '../capture/redact.js';
import { MLMETA_PRODUCER, type OpenLineageDataset, type OpenLineageFacet } from './event.js';

const FACET_VERSIONS = {
  JobTypeJobFacet: '2-0-4',
  SourceCodeLocationJobFacet: '1-1-0',
  ParentRunFacet: '1-2-0',
  ErrorMessageRunFacet: '1-0-1',
  ProcessingEngineRunFacet: '1-1-1',
  SchemaDatasetFacet: '1-2-0',
  DatasetVersionDatasetFacet: '1-0-1',
  DatasourceDatasetFacet: '1-0-1',
  DatasetTypeDatasetFacet: '1-0-1',
} as const;

type FacetName = keyof typeof FACET_VERSIONS;

/** A facet of the standard `name`, with mlmeta as its producer. */
export function facet(name: FacetName, fields: Record<string, unknown>): OpenLineageFacet {
  return {
    _producer: MLMETA_PRODUCER,
    _schemaURL: `https://openlineage.io/spec/facets/${FACET_VERSIONS[name]}/${name}.json#/$defs/${name}`,
    ...fields,
  };
}

/**
 * The namespace datasets known only by their content digest live in.
 *
 * @example
 * toOpenLineageDataset({ externalId: 'xxh3:…', type: 'mlmeta.Dataset' }).namespace === DIGEST_NAMESPACE;
 */
export const DIGEST_NAMESPACE = 'mlmeta';

/** Object stores whose names are keys without a leading slash. */
const BUCKET_SCHEMES = new Set(['s3', 's3a', 's3n', 'gs', 'gcs', 'wasbs', 'abfss', 'oss']);

/**
 * The OpenLineage name of a dataset at `uri`: `file` + absolute path for a local file, the
 * scheme and authority + the path for a URL. Undefined when `uri` is not a URI or absolute path.
 *
 * @example
 * openLineageDatasetName('/data/iris.csv'); // { namespace: 'file', name: '/data/iris.csv' }
 * openLineageDatasetName('s3://lake/iris.parquet'); // { namespace: 's3://lake', name: 'iris.parquet' }
 */
export function openLineageDatasetName(uri: string): { namespace: string; name: string } | undefined {
  if (uri.startsWith('/')) return { namespace: 'file', name: uri };
  let url: URL;
  try {
    url = new URL(stripUrlCredentials(uri));
  } catch {
    return undefined;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'file') return { namespace: 'file', name: decodeURIComponent(url.pathname) };
  if (!url.host) return undefined;
  const path = decodeURIComponent(url.pathname);
  return {
    namespace: `${scheme}://${url.host}`,
    name: BUCKET_SCHEMES.has(scheme) ? path.replace(/^\/+/, '') : path || '/',
  };
}

/**
 * The URI an OpenLineage dataset name stands for (the inverse of openLineageDatasetName).
 *
 * @example
 * openLineageDatasetUri('s3://lake', 'iris.parquet'); // 's3://lake/iris.parquet'
 */
export function openLineageDatasetUri(namespace: string, name: string): string {
  if (namespace === 'file') return name;
  if (namespace === DIGEST_NAMESPACE) return name;
  const separator = name.startsWith('/') ? '' : '/';
  return `${namespace.replace(/\/+$/, '')}${separator}${name}`;
}

/**
 * What the run knows about one of its artifacts.
 *
 * @example
 * const artifact: RunArtifact = { externalId: 'sha256:ab…', type: 'mlmeta.Dataset', uri: '/data/iris.csv' };
 */
export interface RunArtifact {
  externalId: string;
  type: string;
  uri?: string;
  properties?: Record<string, unknown>;
}

/** Content digests mlmeta writes as external ids (files, folders, tensors, models). */
const DIGEST = /^(?:sha256|xxh3|xxh64|md5|sha1):[0-9a-f]+$/i;

interface TensorDescription {
  name?: unknown;
  shape?: unknown;
  dtype?: unknown;
}

/** Schema fields from fingerprinted tensors: one field per tensor, one nested field per feature. */
function schemaFields(tensors: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(tensors) || tensors.length === 0) return undefined;
  return tensors.map((raw: TensorDescription, index) => {
    const name = typeof raw?.name === 'string' ? raw.name : `tensor_${index}`;
    const dtype = typeof raw?.dtype === 'string' ? raw.dtype : 'unknown';
    const shape = Array.isArray(raw?.shape)
      ? raw.shape.filter((d): d is number => typeof d === 'number')
      : [];
    const field: Record<string, unknown> = {
      name,
      type: shape.length > 0 ? `${dtype}[${shape.join(',')}]` : dtype,
      ordinal_position: index + 1,
    };
    // A [rows, features] tensor: each feature is a column of that dtype.
    const features = shape.length === 2 ? shape[1]! : 0;
    if (features > 0 && features <= 1000) {
      field.fields = Array.from({ length: features }, (_, j) => ({
        name: `${name}[${j}]`,
        type: dtype,
        ordinal_position: j + 1,
      }));
    }
    return field;
  });
}

/** The facet's uri must be a URI: a local path becomes a file: URL, a digest `mlmeta:<digest>`. */
function sourceUri(artifact: RunArtifact, named: { namespace: string } | undefined): string {
  if (!named || !artifact.uri) return `${DIGEST_NAMESPACE}:${artifact.externalId}`;
  return artifact.uri.startsWith('/') ? pathToFileURL(artifact.uri).href : stripUrlCredentials(artifact.uri);
}

/**
 * A run's artifact as an OpenLineage dataset: named by its URI when it has one, else by its
 * digest; with a version (the digest), a data source, a dataset type and, for tensors, a schema.
 *
 * @example
 * toOpenLineageDataset({ externalId: 'sha256:ab…', type: 'mlmeta.Dataset', uri: '/data/iris.csv' });
 */
export function toOpenLineageDataset(artifact: RunArtifact): OpenLineageDataset {
  const named = artifact.uri ? openLineageDatasetName(artifact.uri) : undefined;
  const identity = named ?? { namespace: DIGEST_NAMESPACE, name: artifact.externalId };
  const facets: Record<string, OpenLineageFacet> = {
    dataSource: facet('DatasourceDatasetFacet', {
      name: identity.namespace,
      uri: sourceUri(artifact, named),
    }),
    datasetType: facet('DatasetTypeDatasetFacet', {
      datasetType: /model/i.test(artifact.type) ? 'MODEL' : named ? 'FILE' : 'TENSORS',
      subType: artifact.type,
    }),
  };
  if (DIGEST.test(artifact.externalId)) {
    facets.version = facet('DatasetVersionDatasetFacet', { datasetVersion: artifact.externalId });
  }
  const fields = schemaFields(artifact.properties?.tensors);
  if (fields) facets.schema = facet('SchemaDatasetFacet', { fields });
  return { ...identity, facets };
}
