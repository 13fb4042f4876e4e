/** What `startServer` returns, in one process or as a cluster primary (its own file: server.ts and cluster-primary.ts both use it). */
import type { RepositorySummary } from './model-manager.js';
import type { TrafficSplit, VersionSummary } from './repository.js';

export interface RunningServer {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  host: string;
  port: number;
  /** Processes serving requests. */
  workers: number;
  /** The served versions when ready: directories, execution providers and any GPU fallback. */
  models: VersionSummary[];
  /** Graceful shutdown; resolves once every request in flight was answered (or the drain deadline passed). */
  close(): Promise<void>;
  /** Re-reads every served model directory and swaps the result in (also on SIGHUP). */
  reload(): Promise<RepositorySummary>;
  /** Loads a model directory as a new version (warmed up first); `split` sets the traffic split. */
  load(dir: string, split?: TrafficSplit): Promise<RepositorySummary>;
  unload(version: string | number): Promise<RepositorySummary>;
  /** Resolves when the server has shut down (by close() or a signal). */
  closed: Promise<void>;
}
