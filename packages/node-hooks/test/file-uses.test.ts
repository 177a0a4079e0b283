/**
 * What the fs wrappers hand over, resolved and coalesced the same whichever way a program spells
 * a path: relative, absolute, with './' or '..', as a URL or a Buffer, before and after a chdir.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileUses } from '../src/file-capture/file-uses.js';
import { fileFilter } from '../src/file-capture/filter.js';

let dir: string;
let before: string;

beforeEach(() => {
  before = process.cwd();
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'mlmeta-uses-')));
  mkdirSync(join(dir, 'data', 'many'), { recursive: true });
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'model.json'), '{}');
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(before);
  rmSync(dir, { recursive: true, force: true });
});

const uses = () => new FileUses(fileFilter(dir, {}, () => undefined));
const sorted = (list: Array<{ path: string; use: string }>) =>
  list.map(({ path, use }) => `${use} ${path.slice(dir.length) || '/'}`).sort();

describe('FileUses', () => {
  it('is one file however it is spelled, and written beats read', () => {
    const files = uses();
    files.add('data/a.csv', 'read');
    files.add('./data/a.csv', 'read');
    files.add(join(dir, 'data', 'a.csv'), 'read');
    files.add(pathToFileURL(join(dir, 'data', 'a.csv')), 'written');
    files.add(Buffer.from('data/../data/a.csv'), 'read');
    files.add('data/b.csv', 'read');
    expect(sorted(files.files())).toEqual(['read /data/b.csv', 'written /data/a.csv']);
  });

  it('leaves out source code, node_modules, .mlmeta and files outside the working directory', () => {
    const files = uses();
    for (const path of [
      'lib.mjs',
      'package.json',
      'node_modules/x/data.csv',
      '.mlmeta/spool/a.jsonl',
      '../x.csv',
    ])
      expect(files.add(path, 'read'), path).toBe(false);
    expect(files.add('data/table.json', 'read')).toBe(true);
    expect(files.empty).toBe(false);
    expect(sorted(files.files())).toEqual(['read /data/table.json']);
  });

  it('resolves a relative path against the directory of the moment', () => {
    const files = uses();
    files.add('a.csv', 'read');
    process.chdir(join(dir, 'data'));
    files.add('a.csv', 'read');
    files.add('../b.csv', 'written');
    expect(sorted(files.files())).toEqual(['read /a.csv', 'read /data/a.csv', 'written /b.csv']);
  });

  it('a folder of 64 or more files read (or written) is the folder, counted by their final use; a model folder is the folder', () => {
    const files = uses();
    for (let i = 0; i < 65; i++) files.add(`data/many/${i}.txt`, 'read');
    for (let i = 0; i < 63; i++) files.add(`data/${i}.txt`, 'read');
    files.add('model/weights.bin', 'written');
    files.add('data/many/0.txt', 'written');
    const list = sorted(files.files());
    expect(list.filter((f) => f.includes('/data/many'))).toEqual([
      'read /data/many',
      'written /data/many/0.txt',
    ]);
    expect(list.filter((f) => f.startsWith('read /data/') && !f.includes('many'))).toHaveLength(63);
    expect(list).toContain('written /model');
  });

  it('a folder read whole keeps no more names, yet reads elsewhere, writes there, a chdir and odd spellings still count', () => {
    const files = uses();
    // 64 reads make data/many a folder read whole; the thousands after take the short path.
    for (let i = 0; i < 5000; i++) files.add(`data/many/${i % 200}.txt`, 'read');
    files.add('data/many/7.txt', 'written'); // read (with a name) before it was whole
    files.add('data/many/150.txt', 'written'); // read only after: no name was kept for it
    files.add('data/many/sub.csv', 'read'); // same folder, short path
    files.add('data/many/../a.csv', 'read'); // names ending in '..' are resolved, not the folder's
    files.add('data/many/.', 'read'); // the folder itself, by its own name in data/
    files.add('data/many/../b.csv', 'written');
    process.chdir(join(dir, 'data'));
    // The same spelling, another directory: not data/many's file.
    files.add('many/3.txt', 'read');
    files.add('data/many/3.txt', 'read');
    process.chdir(dir);
    files.add(join(dir, 'data', 'many', '9.txt'), 'read');
    expect(sorted(files.files())).toEqual([
      'read /data/a.csv',
      'read /data/data/many/3.txt',
      'read /data/many',
      'written /data/b.csv',
      'written /data/many/150.txt',
      'written /data/many/7.txt',
    ]);
  });
});
