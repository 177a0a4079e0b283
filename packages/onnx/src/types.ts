import type { MetadataStore } from '@mlmeta/core';

/** Options of `instrument(ort, options)`. */
export interface OnnxInstrumentationOptions {
  /** Store URI or open store for the Serve runs; default MLMETA_STORE, else the embedded SQLite file. */
  store?: string | MetadataStore;
  /** Experiment context; default MLMETA_EXPERIMENT, else the entry script's name. */
  experiment?: string;
  tags?: Record<string, string>;
  /**
   * The model name the served models are versions of (`mlmeta models`); by default a served file
   * keeps the name it was saved under, and one never named gets its file's (`iris.onnx` → `iris`).
   */
  modelName?: string;
  /** How often the aggregated run() statistics are written while a session serves; default 30 s. */
  flushIntervalMs?: number;
}

/** One model input or output: onnxruntime's ValueMetadata, or the graph's ValueInfoProto. */
export interface TensorSignature {
  name: string;
  isTensor: boolean;
  /** Element type in onnxruntime's names: 'float32', 'int64', ... */
  type?: string;
  /** Dimensions: a number, or the symbolic name of a free dimension ('batch'). */
  shape?: Array<number | string>;
}
