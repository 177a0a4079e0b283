import { logger } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  logger.setLevel('warn');
});

describe('logger', () => {
  it('writes one prefixed line per message at or above the level', () => {
    logger.setLevel('warn');
    logger.debug('hidden');
    logger.info('hidden');
    logger.warn('store unreachable;', 'spooling');
    logger.error('failed', new Error('boom'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('[mlmeta] warn: store unreachable; spooling\n');
    expect(lines[1]).toMatch(/^\[mlmeta\] error: failed Error: boom\n {4}at /);
  });

  it('is silent at level silent and verbose at debug', () => {
    logger.setLevel('silent');
    logger.error('nothing');
    expect(lines).toEqual([]);
    logger.setLevel('debug');
    logger.debug('probe', { ms: 3 });
    expect(lines).toEqual(['[mlmeta] debug: probe { ms: 3 }\n']);
  });

  it('never lets a secret through, in the message or in details', () => {
    const token = `ghp_${'Zq8Yb3Lm5Nc7Vd9Wf1Xg2Hh4Jk6Pr0St2Uv4'}`;
    logger.warn(`push to https://x:${token}@github.com failed`, {
      password: 'hunter2',
      nested: { note: token },
    });
    const out = lines.join('');
    expect(out).not.toContain(token);
    expect(out).not.toContain('hunter2');
    expect(out).toContain('[REDACTED]');
  });

  it('logs a once-key only the first time', () => {
    logger.once('test:key', 'warn', 'first');
    logger.once('test:key', 'warn', 'second');
    expect(lines).toEqual(['[mlmeta] warn: first\n']);
  });

  it('does not throw when stderr does', () => {
    vi.restoreAllMocks();
    vi.spyOn(process.stderr, 'write').mockImplementation(() => {
      throw new Error('EPIPE');
    });
    expect(() => logger.error('x')).not.toThrow();
  });
});
