/**
 * The hook's own decisions, in process: MLMETA_DISABLED read without core agrees with core, and
 * every framework copy is instrumented once however many modules announce it.
 */
import { createRequire } from 'node:module';
import { loadConfig } from '@mlmeta/core';
import { frameworkExports, instrumentFramework, preloadDisabled } from '@mlmeta/node-hooks';
import { isInstrumented, uninstrument as uninstrumentOnnx } from '@mlmeta/onnx';
import { uninstrument as uninstrumentTfjs } from '@mlmeta/tfjs';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
process.env.MLMETA_LOG_LEVEL = 'silent';

afterAll(() => {
  uninstrumentTfjs();
  uninstrumentOnnx(ort);
});

describe('preloadDisabled', () => {
  it('agrees with loadConfig().disabled on every kind of value', () => {
    for (const value of [
      undefined,
      '',
      '  ',
      'true',
      'TRUE',
      ' True ',
      'false',
      'FALSE',
      '1',
      'yes',
      'perhaps',
    ]) {
      const env = { MLMETA_DISABLED: value };
      expect(preloadDisabled(env), String(value)).toBe(loadConfig({}, env).disabled);
    }
  });
});

describe('instrumentFramework', () => {
  it('finds the classes in CommonJS exports and in an ESM namespace whose default is module.exports', () => {
    const layers = require('@tensorflow/tfjs-layers');
    expect(frameworkExports('tfjs', layers)).toBe(layers);
    expect(frameworkExports('tfjs', { default: layers })).toBe(layers);
    expect(frameworkExports('onnx', { default: layers })).toBeUndefined();
  });

  it('instruments a tfjs copy once, whichever module announces it', () => {
    const load = (id: string) => require(id);
    const layers = require('@tensorflow/tfjs-layers');
    expect(layers.LayersModel).toBe(tf.LayersModel);
    // Importing @mlmeta/tfjs may already have patched this copy (it patches at import, so an
    // inline callback sees its first fit); either way the hook leaves mlmeta's fit in place.
    expect(instrumentFramework('@tensorflow/tfjs-layers', layers, load)).toBe(true);
    const patched = tf.LayersModel.prototype.fit;
    expect(patched.name).toBe('mlmetaFit');
    // The full flavour announced later is taken for versions, backend and io (its answer says
    // so), but the copy's classes are not wrapped a second time.
    instrumentFramework('@tensorflow/tfjs', tf, load);
    instrumentFramework('@tensorflow/tfjs', { default: tf }, load);
    expect(tf.LayersModel.prototype.fit).toBe(patched);
  });

  it('instruments onnxruntime through onnxruntime-common or -node alike, once', () => {
    const load = (id: string) => require(id);
    expect(instrumentFramework('onnxruntime-common', require('onnxruntime-common'), load)).toBe(true);
    expect(isInstrumented(ort)).toBe(true);
    expect(instrumentFramework('onnxruntime-node', ort, load)).toBe(false);
  });

  it('ignores modules it does not watch and exports without the framework classes', () => {
    const load = (id: string) => require(id);
    expect(instrumentFramework('lodash', tf, load)).toBe(false);
    expect(instrumentFramework('@tensorflow/tfjs-node', {}, load)).toBe(false);
  });
});
