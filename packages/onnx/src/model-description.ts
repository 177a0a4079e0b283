/**
 * What a served model is: its digest (identity) and the properties of its Model artifact (I/O
 * signature, ONNX metadata). Computed after the session exists, never on the path that creates it.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { logger } from '@mlmeta/core';
import { digestModelBytes, digestModelFile } from './digest.js';
import { bufferSource, fileSource, type OnnxModelMetadata, readOnnxMetadata } from './onnx-metadata.js';
import type { TensorSignature } from './types.js';

/** Where `InferenceSession.create` loaded the model from. */
export type ModelSource = { kind: 'path'; path: string } | { kind: 'bytes'; bytes: Uint8Array };

/** The parts of an InferenceSession that describe its inputs and outputs. */
export interface SessionShape {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly unknown[];
  readonly outputMetadata?: readonly unknown[];
}

export interface ModelDescription {
  digest: string;
  name?: string;
  properties: Record<string, unknown>;
}

async function readMetadata(source: ModelSource): Promise<OnnxModelMetadata> {
  if (source.kind === 'bytes') return readOnnxMetadata(bufferSource(source.bytes), source.bytes.length);
  const handle = await open(source.path);
  try {
    const { size } = await handle.stat();
    return await readOnnxMetadata(fileSource(handle), size);
  } finally {
    await handle.close();
  }
}

/** onnxruntime's ValueMetadata (1.21+) as a TensorSignature; undefined when not that shape. */
function fromValueMetadata(value: unknown): TensorSignature | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { name?: unknown; isTensor?: unknown; type?: unknown; shape?: unknown };
  if (typeof v.name !== 'string') return undefined;
  const signature: TensorSignature = { name: v.name, isTensor: v.isTensor !== false };
  if (typeof v.type === 'string') signature.type = v.type;
  if (Array.isArray(v.shape)) signature.shape = [...v.shape];
  return signature;
}

/**
 * The signature onnxruntime reports when this version has inputMetadata; otherwise the graph's,
 * restricted to the session's names (older IR versions list initializers among graph inputs).
 */
function signature(
  names: readonly string[],
  fromSession: readonly unknown[] | undefined,
  fromGraph: TensorSignature[] | undefined,
): TensorSignature[] {
  const reported = Array.isArray(fromSession) ? fromSession.map(fromValueMetadata) : [];
  if (reported.length === names.length && reported.every((s) => s !== undefined))
    return reported as TensorSignature[];
  const graph = new Map((fromGraph ?? []).map((s) => [s.name, s]));
  return names.map((name) => graph.get(name) ?? { name, isTensor: true });
}

/**
 * Digest and describe the model a session loaded. Rejects only when the digest cannot be
 * computed (the file vanished); unreadable ONNX metadata is a warning and is left out.
 */
export async function describeModel(source: ModelSource, session: SessionShape): Promise<ModelDescription> {
  const digesting = source.kind === 'path' ? digestModelFile(source.path) : digestModelBytes(source.bytes);
  let metadata: OnnxModelMetadata | undefined;
  try {
    metadata = await readMetadata(source);
  } catch (error) {
    logger.warn('could not read the ONNX metadata of the served model; recording it without:', error);
  }
  const digest = await digesting;
  const properties: Record<string, unknown> = {
    format: 'onnx',
    inputs: signature(session.inputNames, session.inputMetadata, metadata?.inputs),
    outputs: signature(session.outputNames, session.outputMetadata, metadata?.outputs),
  };
  properties.size_bytes =
    source.kind === 'bytes'
      ? source.bytes.length
      : await stat(source.path).then(
          (s) => s.size,
          () => undefined,
        );
  if (metadata) {
    Object.assign(properties, {
      ir_version: metadata.irVersion,
      opset_imports: metadata.opsetImports,
      producer_name: metadata.producerName,
      producer_version: metadata.producerVersion,
      domain: metadata.domain,
      model_version: metadata.modelVersion,
      doc_string: metadata.docString,
      metadata_props: metadata.metadataProps,
      graph_name: metadata.graphName,
    });
  }
  const name = source.kind === 'path' ? basename(source.path) : metadata?.graphName || undefined;
  return { digest, name, properties };
}
