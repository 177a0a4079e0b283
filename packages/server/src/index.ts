export {
  generateToken,
  hashToken,
  loadTokensFile,
  parseTokens,
  type TokenEntry,
  type TokenScope,
  TokenVerifier,
} from './auth.js';
export { handleShutdownSignals, runServerCli, SERVER_USAGE } from './cli.js';
export { isLoopbackHost } from './host.js';
export { registerOpenLineageRoute } from './openlineage-route.js';
export type { RouteAccess } from './routes.js';
export {
  createServer,
  DEFAULT_BODY_LIMIT,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type MlmetaServer,
  type RouteSummary,
  type ServerOptions,
  startServer,
} from './server.js';
export { type ServerLogger, stdioServerLogger } from './server-logger.js';
export { SESSION_COOKIE } from './session-cookie.js';
export { registerUi, UI_CONTENT_SECURITY_POLICY, type UiOptions, uiDistDir } from './ui-routes.js';
