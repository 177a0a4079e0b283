// Plain @tensorflow/tfjs has no file:// handler (@tensorflow/tfjs-node has), so these two small
// IOHandlers write and read model.json + weights.bin with node:fs, the same layout.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function saveTo(dir) {
  return {
    async save(artifacts) {
      mkdirSync(dir, { recursive: true });
      const { weightData, ...json } = artifacts;
      const buffers = Array.isArray(weightData) ? weightData : [weightData];
      writeFileSync(join(dir, 'weights.bin'), Buffer.concat(buffers.map((b) => Buffer.from(b))));
      const manifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }];
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({ ...json, weightsManifest: manifest, weightSpecs: undefined }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
}

export function loadFrom(dir) {
  return {
    async load() {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const bytes = readFileSync(join(dir, 'weights.bin'));
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
  };
}
