/**
 * tfjs tensors as core's TensorLike views. Reads go through `data()`, which on the cpu backend
 * hands back the tensor's own backing array (no copy) and on GPU backends does not block the
 * event loop the way `dataSync()` would.
 */
import type { TensorLike } from '@mlmeta/core';
import type { TensorLikeTf } from './tf-types.js';

export function isTensor(value: unknown): value is TensorLikeTf {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as TensorLikeTf).shape) &&
    typeof (value as TensorLikeTf).dataSync === 'function' &&
    typeof (value as TensorLikeTf).data === 'function'
  );
}

/**
 * A Tensor, Tensor[] or `{ name: Tensor }` in a defined order: arrays as given, maps by sorted
 * key (so the same data passed as a map gives the same digest whatever the key order).
 */
export function flattenTensors(
  value: unknown,
  prefix: string,
): Array<{ name: string; tensor: TensorLikeTf }> {
  if (value == null) return [];
  if (isTensor(value)) return [{ name: prefix, tensor: value }];
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => flattenTensors(item, `${prefix}[${i}]`));
  }
  if (typeof value === 'object') {
    return Object.keys(value)
      .sort()
      .flatMap((key) => flattenTensors((value as Record<string, unknown>)[key], `${prefix}.${key}`));
  }
  return [];
}

const encoder = new TextEncoder();

function stringBytes(values: Array<string | Uint8Array>): Uint8Array {
  const parts = values.map((v) => (typeof v === 'string' ? encoder.encode(v) : v));
  // Each string is length-prefixed so ['ab','c'] and ['a','bc'] differ.
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.byteLength, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const p of parts) {
    view.setUint32(offset, p.byteLength, true);
    out.set(p, offset + 4);
    offset += 4 + p.byteLength;
  }
  return out;
}

/** Reads one tensor as a TensorLike (a view on its data, not a copy, for numeric dtypes). */
export async function readTensor(name: string, tensor: TensorLikeTf): Promise<TensorLike> {
  const data = await tensor.data();
  const bytes = Array.isArray(data) ? stringBytes(data) : (data as ArrayBufferView);
  return { name, shape: [...tensor.shape], dtype: tensor.dtype, data: bytes };
}

/** Reads a list of named tensors, skipping ones that were disposed meanwhile. */
export async function readTensors(
  named: Array<{ name: string; tensor: TensorLikeTf }>,
): Promise<TensorLike[]> {
  const out: TensorLike[] = [];
  for (const { name, tensor } of named) {
    if (tensor.isDisposed) continue;
    out.push(await readTensor(name, tensor));
  }
  return out;
}
