/**
 * Fingerprints of the data a fit trains on. Tensors passed to fit are hashed once, up front;
 * a tf.data Dataset is hashed as its batches stream through fitDataset's own iterator, so the
 * pipeline is never run a second time (MLflow's fault: it walks the whole pipeline again).
 */
import {
  type ArtifactRecord,
  createFingerprinter,
  type DatasetFingerprint,
  fingerprintTensors,
  MLMETA_TYPES,
  type TensorLike,
} from '@mlmeta/core';
import { flattenTensors, readTensors } from './tensors.js';
import type { DatasetTf } from './tf-types.js';

/**
 * The artifact record of one fingerprinted split ('train' or 'validation'). It describes the
 * data only (not whether it came as tensors or tf.data), since identical data is one node.
 */
export function datasetArtifact(
  fingerprint: DatasetFingerprint,
  role: 'train' | 'validation' | 'test',
  overrides: { sampled?: boolean } = {},
): ArtifactRecord {
  return {
    type: MLMETA_TYPES.dataset,
    digest: fingerprint.digest,
    role,
    properties: {
      rows: fingerprint.rows,
      bytes: fingerprint.bytes,
      sampled: overrides.sampled ?? fingerprint.sampled,
      tensors: fingerprint.tensors,
    },
  };
}

/**
 * Fingerprints x and y (in that order) as one dataset: the unit users ask lineage questions
 * about ("which models were trained on this data?").
 *
 * @example
 * const fp = await fingerprintXY(xs, ys, { byteBudget: 256 << 20 });
 */
export async function fingerprintXY(
  x: unknown,
  y: unknown,
  options: { byteBudget: number },
): Promise<DatasetFingerprint | undefined> {
  const tensors = await readTensors([...flattenTensors(x, 'x'), ...flattenTensors(y, 'y')]);
  if (tensors.length === 0) return undefined;
  return fingerprintTensors(tensors, { byteBudget: options.byteBudget, stats: true });
}

/** The rows from `start` on of a numeric tensor view (string tensors cannot be cut by rows). */
function tailRows(tensor: TensorLike, start: number): TensorLike | undefined {
  const rows = tensor.shape[0];
  if (tensor.dtype === 'string' || !rows || start >= rows) return undefined;
  const values = tensor.data as Float32Array;
  const perRow = values.length / rows;
  const data = values.subarray(start * perRow);
  return { name: tensor.name, shape: [rows - start, ...tensor.shape.slice(1)], dtype: tensor.dtype, data };
}

/**
 * The validation rows that `validationSplit` takes from x and y: the last fraction of the rows,
 * cut where tfjs cuts them (floor(rows × (1 − split)) of the first input).
 *
 * @example
 * const validation = await fingerprintValidationSplit(xs, ys, 0.2, { byteBudget });
 */
export async function fingerprintValidationSplit(
  x: unknown,
  y: unknown,
  split: number,
  options: { byteBudget: number },
): Promise<DatasetFingerprint | undefined> {
  const tensors = await readTensors([...flattenTensors(x, 'x'), ...flattenTensors(y, 'y')]);
  const first = tensors[0]?.shape[0];
  if (!first) return undefined;
  const start = Math.floor(first * (1 - split));
  const tails = tensors.map((t) => tailRows(t, start));
  if (tails.some((t) => t === undefined)) return undefined;
  return fingerprintTensors(tails as TensorLike[], { byteBudget: options.byteBudget, stats: true });
}

/** x and y of one element of a tf.data Dataset fed to fitDataset: `{ xs, ys }` or `[xs, ys]`. */
function batchParts(value: unknown): { xs: unknown; ys: unknown } {
  if (Array.isArray(value)) return { xs: value[0], ys: value[1] };
  const element = value as { xs?: unknown; ys?: unknown };
  return { xs: element.xs, ys: element.ys };
}

type StreamListener = (fingerprint: DatasetFingerprint, complete: boolean) => void;

/**
 * Hashes the batches of `dataset` as fitDataset pulls them. Returns a stand-in dataset for the
 * call: it inherits everything from the user's dataset and wraps only `iterator()`. The first
 * iterator that yields is the one hashed (fitDataset creates one it never reads before each
 * epoch); once it ends, or at `finish()`, `onResult` receives the fingerprint, flagged as
 * sampled when the stream did not end within the fit (a repeating or unbounded dataset) or the
 * byte budget cut it short.
 */
export class StreamingDatasetFingerprint {
  readonly dataset: DatasetTf;
  private readonly fingerprinter: ReturnType<typeof createFingerprinter>;
  private owner: object | undefined;
  private done = false;
  private batches = 0;

  constructor(
    source: DatasetTf,
    options: { byteBudget: number },
    private readonly onResult: StreamListener,
  ) {
    this.fingerprinter = createFingerprinter({ byteBudget: options.byteBudget, stats: true });
    const wrapped = Object.create(source) as DatasetTf;
    wrapped.iterator = async () => this.wrapIterator(await source.iterator());
    this.dataset = wrapped;
  }

  private wrapIterator(iterator: Awaited<ReturnType<DatasetTf['iterator']>>) {
    const stream = this;
    const token = {};
    return {
      async next() {
        const result = await iterator.next();
        if (stream.done) return result;
        stream.owner ??= token;
        if (stream.owner !== token) return result;
        if (result.done) stream.complete(true);
        else await stream.hash(result.value);
        return result;
      },
    };
  }

  private async hash(value: unknown): Promise<void> {
    const { xs, ys } = batchParts(value);
    const tensors = await readTensors([...flattenTensors(xs, 'x'), ...flattenTensors(ys, 'y')]);
    this.fingerprinter.update(tensors);
    this.batches += 1;
  }

  private complete(endedNaturally: boolean): void {
    if (this.done) return;
    this.done = true;
    if (this.batches === 0) return;
    this.onResult(this.fingerprinter.finish(), endedNaturally);
  }

  /** Ends hashing when the fit ends; a stream that never ran out is reported as sampled. */
  finish(): void {
    this.complete(false);
  }
}
