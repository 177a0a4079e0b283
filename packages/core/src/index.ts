export * from './capture/redact.js';
export * from './config/config.js';
export { isLogLevel, LOG_LEVELS, type LogLevel, logger } from './log.js';
export * from './model/base-types.js';
export * from './model/enums.js';
export * from './model/schemas.js';
export * from './store/errors.js';
export { DEFAULT_STORE_URI, type OpenStoreOptions, openStore, redactUri } from './store/open.js';
export * from './store/store.js';
