import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MLMETA_TYPE_DECLARATIONS, openStore, REDACTED, RUN_PROPERTIES } from '../../src/index.js';
import type { WriteBatch } from '../../src/writer/batch.js';
import { PendingBatch } from '../../src/writer/batch.js';
import { redactBatch } from '../../src/writer/redact-batch.js';
import { Spool, spoolFileName } from '../../src/writer/spool.js';
import { MetadataWriter } from '../../src/writer/writer.js';

// Assembled at run time so that this file does not look like a leaked credential to scanners.
const token = `ghp_${'Qw8Er5Ty2Ui9Op3As6Df1Gh4Jk7Lz0Xc5Vb8N'}`;
const digest = `sha256:${'3f'.repeat(32)}`;

/** A batch with the token in every string field a store or the spool would receive. */
function batchEverywhere(): WriteBatch {
  const ref = { externalId: `run ${token}` };
  return {
    lineage: {
      types: [
        { kind: 'artifact', name: `t.${token}`, properties: { [`p_${token}`]: 'STRING', apiKey: 'STRING' } },
      ],
      executions: [
        {
          type: 'mlmeta.Train',
          externalId: ref.externalId,
          name: `nightly ${token}-abc123`,
          customProperties: {
            [`param.${token}`]: 1,
            'param.apiKey': 'plain-looking-value',
            'param.note': `see ${token}`,
            'param.nested': { db: { password: 'hunter2' }, list: [`x ${token}`] },
            'param.auth': false,
            [RUN_PROPERTIES.cacheKey]: digest,
          },
        },
      ],
      artifacts: [
        { type: 'mlmeta.Dataset', externalId: digest, uri: `https://${token}@host/x?sig=abc`, name: token },
      ],
      contexts: [{ type: 'mlmeta.Experiment', externalId: `experiment:${token}`, name: token }],
      events: [
        {
          artifact: { externalId: digest },
          execution: ref,
          type: 'INPUT',
          path: [{ key: `validation.${token}` }, { index: 0 }],
        },
      ],
      // A field the batch does not have today: the walk must not depend on knowing it.
      futureField: [{ label: `a ${token}` }],
    } as WriteBatch['lineage'],
    metrics: [{ execution: ref, key: `loss/${token}`, step: 1, value: 0.5, wallTime: 1 }],
  };
}

describe('redactBatch, the one choke point', () => {
  it('leaves no secret in any string of the batch: names, keys, URIs, ids, roles, metric keys, unknown fields', () => {
    const out = redactBatch(batchEverywhere());
    const text = JSON.stringify(out);
    expect(text).not.toContain(token);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('plain-looking-value');
    expect(text).not.toContain('sig=abc');
    expect(out.metrics.slice(0, 1)[0]).toEqual({
      execution: { externalId: `run ${REDACTED}` },
      key: `loss/${REDACTED}`,
      step: 1,
      value: 0.5,
      wallTime: 1,
    });
  });

  it('keeps what identifies records: digests, mlmeta own names, type declarations, booleans, unique suffixes', () => {
    const out = redactBatch(batchEverywhere());
    const execution = out.lineage.executions![0]!;
    expect(execution.customProperties![RUN_PROPERTIES.cacheKey]).toBe(digest);
    expect(execution.customProperties!['param.auth']).toBe(false);
    expect(execution.name).toBe(`nightly ${REDACTED}-abc123`);
    expect(out.lineage.artifacts![0]!.externalId).toBe(digest);
    expect(out.lineage.artifacts![0]!.uri).toBe(`https://***@host/x?sig=${REDACTED}`);
    // A type declaration's property map names kinds: `apiKey: 'STRING'` is a declaration, not a secret.
    expect(out.lineage.types![0]!.properties).toEqual({ [REDACTED]: 'STRING', apiKey: 'STRING' });
    // An edge and its node are redacted alike, so they still meet.
    expect(out.lineage.events![0]!.execution).toEqual({ externalId: execution.externalId });
  });

  it('is idempotent: a spooled batch replayed through it again is unchanged', () => {
    const once = redactBatch(batchEverywhere());
    expect(redactBatch(once)).toEqual(once);
  });

  it('runs on every sealed batch, whatever queued the records', () => {
    const pending = new PendingBatch();
    pending.addNode({
      kind: 'context',
      node: { type: 'mlmeta.Experiment', externalId: 'e', name: `exp ${token}` },
    });
    pending.addMetric({ externalId: 'e' }, `acc/${token}`, 0, 1, 1);
    expect(JSON.stringify(redactBatch(pending.seal()))).not.toContain(token);
  });
});

describe('the writer redacts at the flush', () => {
  const token = 'ghp_0123456789abcdefghijABCDEFGHIJ456789';

  it('not in the logging call: the queued batch still holds the token; store, spool and quarantine never see it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlmeta-redact-flush-'));
    try {
      const written: string[] = [];
      let fail = true;
      const real = await openStore(`sqlite:${join(dir, 'm.db')}`);
      const store = new Proxy(real, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver);
          if (name !== 'putLineage' && name !== 'appendMetrics') return value;
          return async (arg: unknown) => {
            written.push(JSON.stringify(arg));
            if (fail) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
            return value.call(target, arg);
          };
        },
      });
      const spool = new Spool(join(dir, 'spool'), spoolFileName(Date.now()));
      const writer = new MetadataWriter({
        openStore: async () => store,
        ownsStore: false,
        spool,
        batchPoints: 10,
      });
      writer.enqueueEdges({ types: MLMETA_TYPE_DECLARATIONS });
      writer.enqueueNode({
        kind: 'execution',
        node: { type: 'mlmeta.Run', externalId: 'r', name: `run ${token}`, lastKnownState: 'RUNNING' },
      });
      // A point under a key holding the token, and one the store rejects (no such run).
      for (let step = 0; step < 10; step++) {
        writer.enqueueMetric({ externalId: 'r' }, `loss/${token}`, step, 1, 1);
      }
      // Sealed by the tenth point, not yet flushed: the logging calls returned without redacting.
      expect(JSON.stringify((writer as unknown as { sealed: { batch: unknown }[] }).sealed)).toContain(token);
      await writer.flush();
      expect(written.length).toBeGreaterThan(0);
      fail = false;
      writer.enqueueMetric({ externalId: `gone ${token}` }, 'k', 0, 1, 1);
      await writer.flush({ probe: true });
      await writer.close();
      const files = [spool.file, writer.stats().quarantineFile].filter((f) => existsSync(f));
      expect(files.length).toBeGreaterThan(0);
      for (const text of [...written, ...files.map((f) => readFileSync(f, 'utf8'))])
        expect(text).not.toContain(token);
      expect(written.join('\n')).toContain(REDACTED);
      await real.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
