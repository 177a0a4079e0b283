/**
 * The slice of the TensorFlow.js API this package touches, typed structurally. tfjs is an
 * optional peer dependency, so nothing here may import it: these types keep the published
 * declarations free of `@tensorflow/*` while the code stays type-checked.
 */

export interface TensorLikeTf {
  readonly shape: number[];
  readonly dtype: string;
  readonly size: number;
  readonly isDisposed?: boolean;
  data(): Promise<ArrayBufferView | string[] | Uint8Array[]>;
  dataSync(): ArrayBufferView | string[] | Uint8Array[];
}

/** A value in tfjs's callback logs: a number, or a Scalar that has not been read yet. */
export type LogValue = number | TensorLikeTf;
export type Logs = Record<string, LogValue>;

export interface LayerVariableTf {
  readonly originalName?: string;
  readonly name: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly trainable: boolean;
  read(): TensorLikeTf;
}

export interface LayerTf {
  readonly name: string;
  readonly outputShape: unknown;
  readonly trainable: boolean;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  countParams(): number;
}

export interface OptimizerTf {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
}

export interface ModelArtifactsTf {
  modelTopology?: unknown;
  weightSpecs?: unknown[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
}

export interface IOHandlerTf {
  save?(artifacts: ModelArtifactsTf): Promise<unknown>;
  load?(): Promise<ModelArtifactsTf>;
}

export interface LayersModelTf {
  readonly name: string;
  readonly layers: LayerTf[];
  readonly weights: LayerVariableTf[];
  readonly trainableWeights: LayerVariableTf[];
  readonly nonTrainableWeights: LayerVariableTf[];
  readonly inputs: Array<{ shape: unknown }>;
  readonly outputs: Array<{ shape: unknown }>;
  readonly optimizer?: OptimizerTf;
  readonly loss?: unknown;
  readonly metricsNames?: string[];
  /** Set by a callback (early stopping) or by the user to end training after the current batch. */
  stopTraining: boolean;
  /** Sequential keeps the real LayersModel here and forwards fit to it. */
  readonly model?: LayersModelTf;
  toJSON(unused?: unknown, returnString?: boolean): unknown;
  getClassName(): string;
}

/** The part of tfjs' BaseCallback that every callback has, whichever tfjs flavour made it. */
export interface CallbackTf {
  params?: Record<string, unknown>;
  /** Called by tfjs with the fit's params (epochs, samples, steps, ...). */
  setParams(params: Record<string, unknown>): void;
  /** Called by tfjs with the model being trained. */
  setModel(model: unknown): void;
}

export type CallbackClassTf = abstract new () => CallbackTf;

/** A tf.data Dataset: only the iterator is needed. */
export interface DatasetTf {
  size?: number | null;
  iterator(): Promise<{ next(): Promise<{ value: unknown; done: boolean }> }>;
}

/** The tfjs module as the user imported it (`@tensorflow/tfjs`, `-node`, `-node-gpu` or tfjs-layers). */
export interface TfModule {
  readonly version?: Record<string, string> | string;
  readonly LayersModel: { prototype: object; className?: string };
  readonly Sequential?: { prototype: object; className?: string };
  readonly Callback: CallbackClassTf;
  // Parameters typed loosely so every tfjs flavour's own declarations are assignable.
  readonly CustomCallback: new (
    args: any,
    yieldEvery?: any,
  ) => CallbackTf;
  readonly Tensor?: { prototype: object };
  readonly io?: {
    /** The handlers tfjs would use for `model.save(url)` (tfjs-node registers `file://`). */
    getSaveHandlers?(url: string): any[];
  };
  /** The active backend's name (`cpu`, `tensorflow`, `webgl`, ...). */
  getBackend?(): string | undefined;
  /** The active backend; under tfjs-node its binding tells the libtensorflow version. */
  backend?(): unknown;
}
