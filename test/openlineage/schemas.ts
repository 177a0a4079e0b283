/**
 * The judge of every OpenLineage event the tests see: the official JSON Schemas (spec 2-0-2 and
 * the standard facets) from `../shared/openlineage` beside the repository (or the folder in
 * `MLMETA_OPENLINEAGE_SCHEMAS`), read in place as its README asks, compiled with ajv (draft
 * 2020-12). The envelope is validated against OpenLineage.json, and each facet against the
 * schema of the standard facet of that name; a facet with a name no standard schema has fails.
 * Without the folder the suites skip and say why, unless `MLMETA_REQUIRE_OPENLINEAGE_SCHEMAS=true`
 * (CI), where they fail.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import * as formats from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`: under Node its default import is the module object.
const addFormats = formats.default as unknown as (ajv: Ajv2020) => void;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCHEMA_DIR = process.env.MLMETA_OPENLINEAGE_SCHEMAS || join(ROOT, '..', 'shared', 'openlineage');
const REQUIRED = process.env.MLMETA_REQUIRE_OPENLINEAGE_SCHEMAS === 'true';

/** True (and a printed reason) when the schemas are missing and not required: the suite should skip. */
export function probeSchemas(what: string): { skip: boolean } {
  if (existsSync(join(SCHEMA_DIR, 'OpenLineage.json')) || REQUIRED) return { skip: false };
  console.warn(
    `SKIPPED ${what}: the official OpenLineage schemas are not at ${SCHEMA_DIR} (OpenLineage.json, facets/). Put the folder there or point MLMETA_OPENLINEAGE_SCHEMAS at it; MLMETA_REQUIRE_OPENLINEAGE_SCHEMAS=true fails instead.`,
  );
  return { skip: true };
}

type Where = 'run' | 'job' | 'dataset' | 'inputDataset' | 'outputDataset';

/** Facet schemas by where the facet sits (from the name of the schema: ...RunFacet, ...JobFacet, ...). */
function facetPlace(file: string): Where | undefined {
  if (file.endsWith('InputDatasetFacet.json')) return 'inputDataset';
  if (file.endsWith('OutputDatasetFacet.json')) return 'outputDataset';
  if (file.endsWith('DatasetFacet.json')) return 'dataset';
  if (file.endsWith('RunFacet.json')) return 'run';
  if (file.endsWith('JobFacet.json')) return 'job';
  return undefined;
}

interface Validator {
  envelope: ValidateFunction;
  /** where → facet key (`errorMessage`) → the validator of a facets object holding that key. */
  facets: Record<Where, Map<string, ValidateFunction>>;
}

let validator: Validator | undefined;

function load(): Validator {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const envelope = JSON.parse(readFileSync(join(SCHEMA_DIR, 'OpenLineage.json'), 'utf8'));
  ajv.addSchema(envelope);
  const facets: Validator['facets'] = {
    run: new Map(),
    job: new Map(),
    dataset: new Map(),
    inputDataset: new Map(),
    outputDataset: new Map(),
  };
  const dir = join(SCHEMA_DIR, 'facets');
  const schemas = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, schema: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
  for (const { schema } of schemas) ajv.addSchema(schema);
  for (const { file, schema } of schemas) {
    const place = facetPlace(file);
    if (!place) continue;
    const validate = ajv.getSchema(schema.$id)!;
    for (const key of Object.keys(schema.properties ?? {})) facets[place].set(key, validate);
  }
  return { envelope: ajv.getSchema(envelope.$id)!, facets };
}

function facetErrors(where: Where, at: string, map: unknown, errors: string[]): void {
  if (map === undefined) return;
  const { facets } = validator!;
  for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
    const validate = facets[where].get(key);
    if (!validate) {
      errors.push(`${at}.${key}: no standard ${where} facet is named "${key}"`);
      continue;
    }
    if (!validate({ [key]: value })) {
      for (const e of validate.errors ?? [])
        errors.push(`${at}${e.instancePath.replaceAll('/', '.')}: ${e.message}`);
    }
  }
}

/**
 * What is wrong with `event` by the official schemas: an empty list when it is valid.
 *
 * @example
 * expect(openLineageErrors(event)).toEqual([]);
 */
export function openLineageErrors(event: unknown): string[] {
  validator ??= load();
  const errors: string[] = [];
  if (!validator.envelope(event)) {
    for (const e of validator.envelope.errors ?? [])
      errors.push(`event${e.instancePath.replaceAll('/', '.')}: ${e.message}`);
  }
  const e = event as {
    run?: { facets?: unknown };
    job?: { facets?: unknown };
    inputs?: { facets?: unknown; inputFacets?: unknown }[];
    outputs?: { facets?: unknown; outputFacets?: unknown }[];
  };
  facetErrors('run', 'run.facets', e.run?.facets, errors);
  facetErrors('job', 'job.facets', e.job?.facets, errors);
  for (const [i, input] of (e.inputs ?? []).entries()) {
    facetErrors('dataset', `inputs[${i}].facets`, input.facets, errors);
    facetErrors('inputDataset', `inputs[${i}].inputFacets`, input.inputFacets, errors);
  }
  for (const [i, output] of (e.outputs ?? []).entries()) {
    facetErrors('dataset', `outputs[${i}].facets`, output.facets, errors);
    facetErrors('outputDataset', `outputs[${i}].outputFacets`, output.outputFacets, errors);
  }
  return errors;
}

/** How many events the suites validated (printed at the end, for the record). */
export const validated = { count: 0 };

/** Validate every event, counting them; throws with all problems found. */
export function expectValidEvents(events: unknown[]): void {
  const problems = events.flatMap((event, i) => openLineageErrors(event).map((p) => `#${i}: ${p}`));
  if (problems.length > 0)
    throw new Error(`events do not follow the OpenLineage schemas:\n${problems.join('\n')}`);
  validated.count += events.length;
}
