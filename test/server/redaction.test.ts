/**
 * Records other clients send the server (plain HTTP, no mlmeta writer in front to redact them)
 * pass through the same redaction before the store: the secret corpus planted in every field
 * the API takes (names, property names and values, URIs, event roles, type names, metric keys)
 * is in none of the SQLite files (WAL included) nor in the server's log; digests survive.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canary, secretCorpus, survivors } from '../redaction/corpus.js';
import { makeTokens, startTestServer, type TestTokens } from './helpers.js';

const canaries = secretCorpus();
const keep = survivors();

/** One lineage batch and one metric body holding every canary, each in the field its plant names. */
function bodies(list: Canary[]) {
  const custom: Record<string, unknown> = { 'mlmeta.digest': keep.digest, 'param.commit': keep.commitParam };
  const types: { kind: string; name: string }[] = [{ kind: 'execution', name: 'api.Run' }];
  const executions: Record<string, unknown>[] = [];
  const artifacts: Record<string, unknown>[] = [];
  const contexts: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const points: Record<string, unknown>[] = [];
  list.forEach((canary, i) => {
    const p = canary.plant;
    const run = { externalId: 'api-run' };
    switch (p.via) {
      case 'param':
        custom[`param.${p.name}`] = p.value;
        break;
      case 'paramKey':
        custom[`param.${p.key}`] = 1;
        break;
      case 'metricKey':
      case 'badMetricKey':
        points.push({ execution: run, key: p.key.slice(0, 255), step: i, value: 1, wallTime: 1 });
        break;
      case 'tag':
        custom[`tag.${p.name}`] = p.value;
        break;
      case 'runName':
        executions.push({ type: 'api.Run', externalId: `run-${i}`, name: p.value.slice(0, 255) });
        break;
      case 'experiment':
        contexts.push({ type: 'api.Experiment', name: p.value.slice(0, 255) });
        break;
      case 'artifactName':
      case 'artifactUri':
      case 'artifactRole':
      case 'artifactProperty': {
        const externalId = `sha256:${i}`;
        artifacts.push({
          type: 'api.Data',
          externalId,
          ...(p.via === 'artifactName' ? { name: p.value.slice(0, 255) } : {}),
          ...(p.via === 'artifactUri' ? { uri: p.value } : {}),
          ...(p.via === 'artifactProperty' ? { customProperties: { [p.name]: p.value } } : {}),
        });
        events.push({
          artifact: { externalId },
          execution: run,
          type: 'INPUT',
          ...(p.via === 'artifactRole' ? { path: [{ key: p.value }] } : {}),
        });
        break;
      }
      case 'artifactType':
        types.push({ kind: 'artifact', name: p.value.slice(0, 255) });
        break;
      case 'error':
        custom['mlmeta.error'] = { message: p.message };
        break;
      case 'argv':
        custom[`argv.${i}`] = p.args;
        break;
      case 'env':
        custom[`env.${i}`] = { [p.name]: p.value };
        break;
      case 'gitFile':
        custom[`git.diff.${i}`] = `+++ b/${p.file}\n${p.text}`;
        break;
      case 'gitRemote':
        custom[`git.remote.${i}`] = p.url;
        break;
    }
  });
  types.push({ kind: 'artifact', name: 'api.Data' }, { kind: 'context', name: 'api.Experiment' });
  executions.unshift({ type: 'api.Run', externalId: 'api-run', name: 'api run', customProperties: custom });
  return { lineage: { types, executions, artifacts, contexts, events }, metrics: { points } };
}

describe('records the server receives from other clients', () => {
  let running: Awaited<ReturnType<typeof startTestServer>>;
  let tokens: TestTokens;
  beforeAll(async () => {
    tokens = makeTokens();
    running = await startTestServer({ tokens: tokens.entries });
  });
  afterAll(() => running?.close());

  const post = (path: string, body: unknown) =>
    fetch(`${running.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.write}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('are redacted before the store: no canary in the database files (WAL included) or the log', async () => {
    expect(canaries.length).toBeGreaterThanOrEqual(150);
    const { lineage, metrics } = bodies(canaries);
    const typesAnswer = await post('/api/v1/types', { types: lineage.types });
    expect(typesAnswer.status, await typesAnswer.clone().text()).toBe(200);
    const batchAnswer = await post('/api/v1/lineage/batches', lineage);
    expect(batchAnswer.status, await batchAnswer.clone().text()).toBe(200);
    const metricAnswer = await post('/api/v1/metrics', metrics);
    expect(metricAnswer.status, await metricAnswer.clone().text()).toBe(204);

    // Written and readable, with the survivors intact.
    const run = (
      (await await fetch(`${running.url}/api/v1/executions/lookup?externalId=api-run`, {
        headers: { authorization: `Bearer ${tokens.read}` },
      }).then((r) => r.json())) as { node: { customProperties: Record<string, unknown> } }
    ).node;
    expect(run.customProperties['mlmeta.digest']).toBe(keep.digest);
    expect(run.customProperties['param.commit']).toBe(keep.commitParam);

    const files = ['mlmeta.db', 'mlmeta.db-wal']
      .map((f) => join(running.dir, f))
      .filter((f) => existsSync(f));
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true);
    const text = [...files.map((f) => readFileSync(f).toString('latin1')), ...running.lines].join('\n');
    const leaked = canaries.filter((c) => text.includes(c.secret)).map((c) => c.id);
    expect(leaked).toEqual([]);
  });
});
