export { preloadDisabled } from './enabled.js';
export { installImportHook } from './import-hook.js';
export { frameworkExports, instrumentFramework, type LoadModule } from './instrumentation.js';
export { installRequireHook } from './require-hook.js';
export { HOOKED_MODULE_NAMES, HOOKED_MODULES, type Integration } from './targets.js';
export { installFileCapture } from './file-capture/index.js';
export { fileCaptureEnabled, fileFilter } from './file-capture/filter.js';
