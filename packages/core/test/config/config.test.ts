import { DEFAULT_ENV_ALLOWLIST, loadConfig } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const warningsAbout = (name: string) =>
  lines.filter((l) => l.startsWith('[mlmeta] warn:') && l.includes(name));

describe('loadConfig defaults', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({}, {});
    expect(c).toEqual({
      store: 'sqlite:.mlmeta/mlmeta.db',
      disabled: false,
      experiment: undefined,
      runName: undefined,
      tags: {},
      token: undefined,
      capture: { git: true, packages: true, hardware: true, dataset: true, system: true, files: true },
      logBatches: 'epoch',
      spoolDir: '.mlmeta/spool',
      logLevel: 'warn',
      heartbeatIntervalMs: 15_000,
      systemIntervalMs: 10_000,
      serveFlushIntervalMs: 30_000,
      envAllowlist: [...DEFAULT_ENV_ALLOWLIST],
      datasetByteBudget: 256 * 1024 * 1024,
    });
    expect(lines).toEqual([]);
  });

  it('treats empty and blank values as unset (OpenTelemetry rule)', () => {
    const c = loadConfig(
      {},
      { MLMETA_STORE: '', MLMETA_DISABLED: '  ', MLMETA_EXPERIMENT: '', MLMETA_LOG_BATCHES: '' },
    );
    expect(c.store).toBe('sqlite:.mlmeta/mlmeta.db');
    expect(c.disabled).toBe(false);
    expect(c.experiment).toBeUndefined();
    expect(c.logBatches).toBe('epoch');
    expect(lines).toEqual([]);
  });
});

describe('loadConfig parses every variable', () => {
  it('reads valid values', () => {
    const c = loadConfig(
      {},
      {
        MLMETA_STORE: 'postgres://postgres@127.0.0.1:5432/test',
        MLMETA_DISABLED: 'TRUE',
        MLMETA_EXPERIMENT: 'mnist',
        MLMETA_RUN_NAME: 'run-7',
        MLMETA_TAGS: 'team=vision, stage = dev ,note=a%2Cb',
        MLMETA_TOKEN: 'tok',
        MLMETA_CAPTURE: 'git,hardware,dataset',
        MLMETA_CAPTURE_DISABLED: 'hardware',
        MLMETA_LOG_BATCHES: '50',
        MLMETA_SPOOL_DIR: '/tmp/spool',
        MLMETA_LOG_LEVEL: 'DEBUG',
        MLMETA_HEARTBEAT_INTERVAL: '2.5',
        MLMETA_SYSTEM_INTERVAL: '0.5',
        MLMETA_SERVE_FLUSH_INTERVAL: '4',
        MLMETA_ENV_ALLOWLIST: 'MY_VAR, DATA_*',
        MLMETA_DATASET_BYTE_BUDGET: '64MiB',
      },
    );
    expect(c.store).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(c.disabled).toBe(true);
    expect(c.experiment).toBe('mnist');
    expect(c.runName).toBe('run-7');
    expect(c.tags).toEqual({ team: 'vision', stage: 'dev', note: 'a,b' });
    expect(c.token).toBe('tok');
    expect(c.capture).toEqual({
      git: true,
      packages: false,
      hardware: false,
      dataset: true,
      system: false,
      files: false,
    });
    expect(c.logBatches).toEqual({ every: 50 });
    expect(c.spoolDir).toBe('/tmp/spool');
    expect(c.logLevel).toBe('debug');
    expect(c.heartbeatIntervalMs).toBe(2500);
    expect(c.systemIntervalMs).toBe(500);
    expect(c.serveFlushIntervalMs).toBe(4000);
    expect(c.envAllowlist).toEqual([...DEFAULT_ENV_ALLOWLIST, 'MY_VAR', 'DATA_*']);
    expect(c.datasetByteBudget).toBe(64 * 1024 * 1024);
    expect(lines).toEqual([]);
  });

  it.each([
    ['epoch', 'epoch'],
    ['Batch', 'batch'],
    ['every 10', { every: 10 }],
    ['1', { every: 1 }],
  ])('MLMETA_LOG_BATCHES=%s', (value, expected) => {
    expect(loadConfig({}, { MLMETA_LOG_BATCHES: value }).logBatches).toEqual(expected);
  });

  it.each([
    ['1048576', 1048576],
    ['1 GiB', 1024 ** 3],
    ['10mb', 10_000_000],
  ])('MLMETA_DATASET_BYTE_BUDGET=%s', (value, expected) => {
    expect(loadConfig({}, { MLMETA_DATASET_BYTE_BUDGET: value }).datasetByteBudget).toBe(expected);
  });

  it('accepts sqlite, postgresql and http(s) store URIs', () => {
    for (const uri of ['sqlite:/tmp/x.db', 'postgresql://h/db', 'https://mlmeta.example:8080']) {
      expect(loadConfig({}, { MLMETA_STORE: uri }).store).toBe(uri);
    }
  });
});

describe('bad values warn once and use the default', () => {
  it.each([
    ['MLMETA_STORE', 'mysql://h/db', 'store', 'sqlite:.mlmeta/mlmeta.db'],
    ['MLMETA_DISABLED', 'yes', 'disabled', false],
    ['MLMETA_LOG_BATCHES', 'sometimes', 'logBatches', 'epoch'],
    ['MLMETA_LOG_LEVEL', 'loud', 'logLevel', 'warn'],
    ['MLMETA_HEARTBEAT_INTERVAL', '-3', 'heartbeatIntervalMs', 15_000],
    ['MLMETA_SYSTEM_INTERVAL', 'never', 'systemIntervalMs', 10_000],
    ['MLMETA_SERVE_FLUSH_INTERVAL', 'often', 'serveFlushIntervalMs', 30_000],
    ['MLMETA_DATASET_BYTE_BUDGET', 'lots', 'datasetByteBudget', 256 * 1024 * 1024],
  ] as const)('%s=%s', (name, value, field, fallback) => {
    const env = { [name]: value };
    expect(loadConfig({}, env)[field]).toEqual(fallback);
    expect(loadConfig({}, env)[field]).toEqual(fallback);
    const warnings = warningsAbout(name);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/write /);
    // The bad value itself is not echoed: it may be a secret in the wrong variable.
    expect(warnings[0]).not.toContain(value);
  });

  it('keeps the valid pairs of a malformed MLMETA_TAGS', () => {
    expect(loadConfig({}, { MLMETA_TAGS: 'a=1,oops,=x,b=2' }).tags).toEqual({ a: '1', b: '2' });
    expect(warningsAbout('MLMETA_TAGS')).toHaveLength(1);
  });

  it('ignores unknown capture names with one warning', () => {
    const c = loadConfig({}, { MLMETA_CAPTURE_DISABLED: 'git,gpu' });
    expect(c.capture.git).toBe(false);
    expect(c.capture.hardware).toBe(true);
    expect(warningsAbout('MLMETA_CAPTURE_DISABLED')).toHaveLength(1);
  });
});

describe('options in code', () => {
  it('override the environment, capture merging per part', () => {
    const c = loadConfig(
      { store: 'sqlite:/tmp/o.db', experiment: 'code', capture: { git: false }, logBatches: { every: 5 } },
      { MLMETA_STORE: 'sqlite:/tmp/env.db', MLMETA_EXPERIMENT: 'env', MLMETA_CAPTURE_DISABLED: 'hardware' },
    );
    expect(c.store).toBe('sqlite:/tmp/o.db');
    expect(c.experiment).toBe('code');
    expect(c.capture).toEqual({
      git: false,
      packages: true,
      hardware: false,
      dataset: true,
      system: true,
      files: true,
    });
    expect(c.logBatches).toEqual({ every: 5 });
  });

  it('ignore undefined and fall back with a warning on a bad value from plain JS', () => {
    const c = loadConfig({ experiment: undefined, heartbeatIntervalMs: -1 } as never, {
      MLMETA_EXPERIMENT: 'env',
    });
    expect(c.experiment).toBe('env');
    expect(c.heartbeatIntervalMs).toBe(15_000);
    expect(warningsAbout('heartbeatIntervalMs')).toHaveLength(1);
  });
});
