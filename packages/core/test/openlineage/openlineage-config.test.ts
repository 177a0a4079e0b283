import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOpenLineageConfig, openLineageEndpointUrl } from '../../src/openlineage/config.js';
import { openLineageDatasetName, openLineageDatasetUri } from '../../src/openlineage/facets.js';
import { PendingBatch } from '../../src/writer/batch.js';
import { redactBatch } from '../../src/writer/redact-batch.js';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-ol-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OpenLineage configuration', () => {
  it('is off when nothing is set, and when OPENLINEAGE_DISABLED=true', () => {
    expect(loadOpenLineageConfig({})).toBeUndefined();
    expect(
      loadOpenLineageConfig({ OPENLINEAGE_URL: 'http://m:5000', OPENLINEAGE_DISABLED: 'true' }),
    ).toBeUndefined();
  });

  it('reads OPENLINEAGE_URL, OPENLINEAGE_ENDPOINT, OPENLINEAGE_API_KEY and OPENLINEAGE_NAMESPACE', () => {
    const config = loadOpenLineageConfig({
      OPENLINEAGE_URL: 'http://marquez:5000/base',
      OPENLINEAGE_ENDPOINT: '/custom/lineage',
      OPENLINEAGE_API_KEY: 'k1',
      OPENLINEAGE_NAMESPACE: 'vision',
    });
    expect(config).toEqual({
      transport: {
        type: 'http',
        url: 'http://marquez:5000/base',
        endpoint: '/custom/lineage',
        apiKey: 'k1',
        timeoutMs: 5000,
      },
      namespace: 'vision',
    });
    if (config?.transport.type !== 'http') throw new Error('http expected');
    expect(openLineageEndpointUrl(config.transport)).toBe('http://marquez:5000/base/custom/lineage');
    expect(openLineageEndpointUrl({ ...config.transport, endpoint: 'api/v1/lineage' })).toBe(
      'http://marquez:5000/base/api/v1/lineage',
    );
  });

  it("reads openlineage-python's OPENLINEAGE__TRANSPORT__* variables, file and http", () => {
    expect(
      loadOpenLineageConfig({
        OPENLINEAGE__TRANSPORT__TYPE: 'file',
        OPENLINEAGE__TRANSPORT__LOG_FILE_PATH: 'ol.jsonl',
      }),
    ).toEqual({ transport: { type: 'file', path: 'ol.jsonl' } });
    expect(
      loadOpenLineageConfig({
        OPENLINEAGE__TRANSPORT__TYPE: 'http',
        OPENLINEAGE__TRANSPORT__URL: 'https://ol.example',
        OPENLINEAGE__TRANSPORT__AUTH__TYPE: 'api_key',
        OPENLINEAGE__TRANSPORT__AUTH__API_KEY: 'k2',
        OPENLINEAGE__TRANSPORT__TIMEOUT: '2',
      })?.transport,
    ).toEqual({
      type: 'http',
      url: 'https://ol.example',
      endpoint: 'api/v1/lineage',
      apiKey: 'k2',
      timeoutMs: 2000,
    });
  });

  it('reads an OPENLINEAGE_CONFIG file written as JSON', () => {
    const file = join(dir, 'openlineage.yml');
    writeFileSync(file, JSON.stringify({ transport: { type: 'file', log_file_path: '/tmp/x.jsonl' } }));
    expect(loadOpenLineageConfig({ OPENLINEAGE_CONFIG: file })).toEqual({
      transport: { type: 'file', path: '/tmp/x.jsonl' },
    });
  });

  it('reads an openlineage.yml in block YAML, as openlineage-python writes them, with the API key', () => {
    const file = join(dir, 'openlineage-block.yml');
    writeFileSync(
      file,
      [
        '# openlineage-python style',
        'transport:',
        '  type: http',
        '  url: https://marquez.internal:5000',
        '  endpoint: api/v1/lineage',
        '  timeout: 5',
        '  auth:',
        '    type: api_key',
        '    api_key: ol-key-3f9',
        '',
      ].join('\n'),
    );
    expect(loadOpenLineageConfig({ OPENLINEAGE_CONFIG: file })).toEqual({
      transport: {
        type: 'http',
        url: 'https://marquez.internal:5000',
        endpoint: 'api/v1/lineage',
        apiKey: 'ol-key-3f9',
        timeoutMs: 5000,
      },
    });
  });

  it('turns a bad value into OpenLineage off, never an exception', () => {
    expect(loadOpenLineageConfig({ OPENLINEAGE_URL: 'marquez:5000' })).toBeUndefined();
    expect(loadOpenLineageConfig({ OPENLINEAGE__TRANSPORT__TYPE: 'kafka' })).toBeUndefined();
    expect(loadOpenLineageConfig({ OPENLINEAGE__TRANSPORT__TYPE: 'file' })).toBeUndefined();
    expect(loadOpenLineageConfig({ OPENLINEAGE_CONFIG: join(dir, 'missing.yml') })).toBeUndefined();
    const noPath = join(dir, 'block.yml');
    writeFileSync(noPath, 'transport:\n  type: file\n');
    expect(loadOpenLineageConfig({ OPENLINEAGE_CONFIG: noPath })).toBeUndefined();
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, 'transport:\n  type: http\n   url: [unclosed\n');
    expect(loadOpenLineageConfig({ OPENLINEAGE_CONFIG: broken })).toBeUndefined();
  });
});

describe('OpenLineage dataset names', () => {
  it('names a local file, an object store key and a URL the OpenLineage way, and back', () => {
    expect(openLineageDatasetName('/data/iris.csv')).toEqual({ namespace: 'file', name: '/data/iris.csv' });
    expect(openLineageDatasetName('file:///data/my%20iris.csv')).toEqual({
      namespace: 'file',
      name: '/data/my iris.csv',
    });
    expect(openLineageDatasetName('s3://lake/raw/iris.parquet')).toEqual({
      namespace: 's3://lake',
      name: 'raw/iris.parquet',
    });
    expect(openLineageDatasetName('https://u:p@data.example:8443/iris.csv?sig=1')).toEqual({
      namespace: 'https://data.example:8443',
      name: '/iris.csv',
    });
    expect(openLineageDatasetUri('s3://lake', 'raw/iris.parquet')).toBe('s3://lake/raw/iris.parquet');
    expect(openLineageDatasetUri('file', '/data/iris.csv')).toBe('/data/iris.csv');
    expect(openLineageDatasetName('not a uri')).toBeUndefined();
  });
});

describe('OpenLineage events in a batch', () => {
  it('are redacted by the same choke point as every record', () => {
    const token = `ghp_${'Qw8Er5Ty2Ui9Op3As6Df1Gh4Jk7Lz0Xc5Vb8N'}`;
    const batch = new PendingBatch();
    batch.addOpenLineage({
      eventType: 'START',
      eventTime: new Date().toISOString(),
      producer: 'https://example.com',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId: '0e7a2b1c-1111-4222-8333-444455556666' },
      job: { namespace: 'ns', name: `job ${token}` },
      inputs: [
        {
          namespace: 'https://data.example',
          name: '/x.csv',
          facets: {
            dataSource: { _producer: 'p', _schemaURL: 's', uri: `https://data.example/x.csv?sig=${token}` },
          },
        },
      ],
    });
    const sealed = redactBatch(batch.seal());
    const text = JSON.stringify(sealed.openLineage);
    expect(sealed.openLineage).toHaveLength(1);
    expect(text).not.toContain(token);
    expect(text).toContain('[REDACTED]');
  });
});
