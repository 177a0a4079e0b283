import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@mlmeta/core';
import { afterAll } from 'vitest';
import { defineConformanceSuite } from '../conformance/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

defineConformanceSuite('sqlite', () => openStore(`sqlite:${join(dir, `store-${++n}.db`)}`));
