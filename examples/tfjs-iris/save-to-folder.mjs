// Plain @tensorflow/tfjs has no file:// handler (that comes with @tensorflow/tfjs-node), so this
// tiny IOHandler writes model.json + weights.bin the same way.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function saveToFolder(dir) {
  return {
    path: dir,
    async save(artifacts) {
      mkdirSync(dir, { recursive: true });
      const { weightData, ...json } = artifacts;
      const buffers = Array.isArray(weightData) ? weightData : [weightData];
      writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(buffers.map((b) => Buffer.from(b))));
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
}
