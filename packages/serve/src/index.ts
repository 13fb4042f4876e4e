export { loadModelDir, MODEL_NAME } from './model-dir.js';
export type { ModelDir, ModelSignature, FeatureSpec, NumericFeatureSpec, CategoryFeatureSpec } from './model-dir.js';
export { createSession, loadOrt, providersFor, SERVE_TARGETS } from './session.js';
export type { ModelSession, SessionOptions, ServeTarget, ValueSpec } from './session.js';
export { startServer, handleSignals } from './server.js';
export type { RunningServer } from './running-server.js';
export { DEFAULTS, resolveOptions } from './options.js';
export { parseServeArgs, parseSplit, readTokenFile, runtimeUsage, serveFlags, serveOptionsOf } from './flags.js';
export type { ServeFlagOptions, ServeFlagTable } from './flags.js';
export type { ServeOptions, ServeEvent, ResolvedOptions } from './options.js';
export type { RepositorySummary, AdminRequest, AdminResponse } from './model-manager.js';
export type { TrafficSplit, VersionSummary } from './repository.js';
export { parseTokens, hashToken } from './auth.js';
export { ServeErrorCode } from './errors.js';
export { V2_DATATYPE, toHalf, fromHalf } from './datatypes.js';
export type { TensorType, V2Datatype } from './datatypes.js';
// runtimeMain lives in runtime-main.ts and is not re-exported: that module is only ever a process
// entry (dist/runtime-main.js, the bundled serve-runtime.mjs), so a bundler that splits shared code
// into chunks never moves it out of its entry file, where it recognises itself as the entry.
