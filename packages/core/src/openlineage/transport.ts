/**
 * Where the writer sends OpenLineage events: an HTTP endpoint (one POST per event, as the
 * OpenLineage HTTP API takes them) or a JSON-lines file. It is a write target of the ordinary
 * background writer, so events are batched, spooled when the endpoint is down and replayed by
 * the writer or by `mlmeta sync`. Failures are MlmetaErrors classified like a store's: an event
 * the endpoint refuses (400, 422) is set aside in the quarantine, anything else is retried.
 */
import { mkdirSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MlmetaError, type MlmetaErrorCode } from '../store/errors.js';
import type { BatchTarget } from '../writer/apply-batch.js';
import {
  describeOpenLineageTransport,
  type OpenLineageTransportConfig,
  openLineageEndpointUrl,
} from './config.js';
import type { OpenLineageRunEvent } from './event.js';

function statusCode(status: number): MlmetaErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 400 || status === 413 || status === 422) return 'INVALID_ARGUMENT';
  return 'UNAVAILABLE';
}

/**
 * Sends OpenLineage events to one destination.
 *
 * @example
 * const transport = new OpenLineageTransport({ type: 'file', path: 'lineage.jsonl' });
 * await transport.emitOpenLineage([event]);
 */
export class OpenLineageTransport implements BatchTarget {
  /** Where events go, for messages (never with the API key). */
  readonly uri: string;

  constructor(readonly config: OpenLineageTransportConfig) {
    this.uri = describeOpenLineageTransport(config);
  }

  async putLineage(): Promise<never> {
    throw new MlmetaError('INVALID_ARGUMENT', `${this.uri} takes OpenLineage events, not MLMD records`);
  }

  async appendMetrics(points: unknown[]): Promise<void> {
    if (points.length > 0) {
      throw new MlmetaError('INVALID_ARGUMENT', `${this.uri} takes OpenLineage events, not metric points`);
    }
  }

  /** Send `events` in order; rejects with an MlmetaError on the first one not taken. */
  async emitOpenLineage(events: OpenLineageRunEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.config.type === 'file') {
      mkdirSync(dirname(this.config.path), { recursive: true });
      // One append of whole lines: O_APPEND keeps lines of processes sharing the file apart.
      await appendFile(this.config.path, events.map((e) => `${JSON.stringify(e)}\n`).join(''), {
        mode: 0o600,
      }).catch((error: NodeJS.ErrnoException) => {
        throw new MlmetaError(
          'UNAVAILABLE',
          `could not append to ${this.uri} (${error.code ?? error.message})`,
          {
            cause: error,
          },
        );
      });
      return;
    }
    for (const event of events) await this.post(event, this.config);
  }

  private async post(
    event: OpenLineageRunEvent,
    config: Extract<OpenLineageTransportConfig, { type: 'http' }>,
  ): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
    let response: Response;
    try {
      response = await fetch(openLineageEndpointUrl(config), {
        method: 'POST',
        headers,
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new MlmetaError('UNAVAILABLE', `could not reach ${this.uri} (${reason})`, { cause: error });
    }
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const text = (await response.text().catch(() => '')).slice(0, 200);
    throw new MlmetaError(
      statusCode(response.status),
      `${this.uri} answered ${response.status}${text ? `: ${text}` : ''}`,
    );
  }

  async close(): Promise<void> {}
}
