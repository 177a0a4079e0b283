/**
 * The name a saved or served model gets when none is given: the last part of where it lives,
 * without its extension (`file://./models/iris` → `iris`, `models/iris/model.json` → `iris`,
 * `/srv/fraud.onnx` → `fraud`, `localstorage://my-model` → `my-model`).
 */

/**
 * The model name a save path or URL implies, or undefined when it implies none.
 *
 * @example
 * modelNameOf('file://./models/iris'); // 'iris'
 * modelNameOf('/srv/models/fraud.onnx'); // 'fraud'
 */
export function modelNameOf(location: string | undefined): string | undefined {
  if (typeof location !== 'string') return undefined;
  const path = location
    .replace(/^[a-z][\w+.-]*:\/\//i, '')
    .replace(/[?#].*$/, '')
    .replace(/\\/g, '/');
  const parts = path.split('/').filter((part) => part !== '' && part !== '.' && part !== '..');
  let last = parts.pop();
  if (last === 'model.json') last = parts.pop();
  if (last === undefined) return undefined;
  const name = last.replace(/\.(?:onnx|ort|json|pb|h5|keras|tflite|pt|pth|safetensors|bin)$/i, '');
  return name === '' ? undefined : name;
}
