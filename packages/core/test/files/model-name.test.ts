import { modelNameOf } from '@mlmeta/core';
import { describe, expect, it } from 'vitest';

describe('modelNameOf', () => {
  it('names a model by the last part of where it is saved or served, without its extension', () => {
    expect(modelNameOf('file://./models/iris')).toBe('iris');
    expect(modelNameOf('file:///srv/models/iris/')).toBe('iris');
    expect(modelNameOf('models/iris/model.json')).toBe('iris');
    expect(modelNameOf('/srv/fraud.onnx')).toBe('fraud');
    expect(modelNameOf('localstorage://my-model')).toBe('my-model');
    expect(modelNameOf('https://host/upload/churn?token=x')).toBe('churn');
    expect(modelNameOf('C:\\models\\iris.onnx')).toBe('iris');
  });

  it('gives no name where the location implies none', () => {
    expect(modelNameOf(undefined)).toBeUndefined();
    expect(modelNameOf('file://./')).toBeUndefined();
    expect(modelNameOf('')).toBeUndefined();
  });
});
