import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Artifact, type Event, type Execution, type MetadataStore, openStore } from '@mlmeta/core';
import * as tf from '@tensorflow/tfjs';

export { tf };

let backendReady: Promise<boolean> | undefined;
export function cpuBackend(): Promise<boolean> {
  backendReady ??= tf.setBackend('cpu');
  return backendReady;
}

/** A fresh SQLite store file in a temp dir. */
export function tempStoreUri(): { dir: string; uri: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlmeta-tfjs-'));
  return { dir, uri: `sqlite:${path.join(dir, 'mlmeta.db')}` };
}

export function smallModel(units = 3): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu' }),
      tf.layers.dense({ units, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Deterministic data: 60 rows × 4 features, 3 classes. */
export function smallData(rows = 60): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const values = Array.from({ length: rows * 4 }, (_, i) => ((i * 7919) % 97) / 97);
  const labels = Array.from({ length: rows }, (_, i) => i % 3);
  return { x: tf.tensor2d(values, [rows, 4]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3) as tf.Tensor2D };
}

export interface RunView {
  execution: Execution;
  inputs: Array<{ artifact: Artifact; event: Event }>;
  outputs: Array<{ artifact: Artifact; event: Event }>;
}

export async function trainRuns(store: MetadataStore): Promise<RunView[]> {
  const { items } = await store.getExecutions({ type: 'mlmeta.Train', orderBy: 'id' });
  const views: RunView[] = [];
  for (const execution of items) {
    const events = await store.getEvents({ executionIds: [execution.id] });
    const view: RunView = { execution, inputs: [], outputs: [] };
    for (const event of events) {
      const artifact = (await store.getArtifact({ id: event.artifactId }))!;
      (event.type === 'INPUT' ? view.inputs : view.outputs).push({ artifact, event });
    }
    views.push(view);
  }
  return views;
}

export function role(entry: { event: Event }): string {
  return entry.event.path.map((step) => ('key' in step ? step.key : String(step.index))).join('.');
}

export { openStore };
