/**
 * OpenLineage's HTTP API on the mlmeta server: `POST /api/v1/lineage` takes one RunEvent (what
 * every OpenLineage client sends: Airflow, Spark, dbt, openlineage-python, mlmeta itself) and
 * writes it onto the MLMD model with `ingestOpenLineageEvent`. It needs a write token, like
 * every other write; OpenLineage clients send it as `Authorization: Bearer <token>` (their
 * `api_key`).
 */
import { API_PREFIX, type IngestOptions, ingestOpenLineageEvent, type MetadataStore } from '@mlmeta/core';
import type { FastifyInstance } from 'fastify';

/**
 * Registers `POST /api/v1/lineage` on `app`. `options.digestLocalFiles` identifies `file`
 * datasets by their content (for a server on a loopback address, whose clients share its files).
 *
 * @example
 * registerOpenLineageRoute(app, store, { digestLocalFiles: true });
 * // curl -H "Authorization: Bearer $TOKEN" -d @event.json http://127.0.0.1:5858/api/v1/lineage
 */
export function registerOpenLineageRoute(
  app: FastifyInstance,
  store: MetadataStore,
  options: IngestOptions = {},
): void {
  app.post(`${API_PREFIX}/lineage`, { config: { access: 'write' } }, async (request, reply) => {
    const result = await ingestOpenLineageEvent(store, request.body, options);
    return reply.code(201).send(result);
  });
}
