/**
 * The file digest worker: digests the paths the main thread sends, one message per path, with
 * the same digestPath as everything else (so a digest never depends on which thread made it).
 */
import { parentPort } from 'node:worker_threads';
import { digestPath } from './digest.js';

export interface DigestRequest {
  id: number;
  path: string;
}

export type DigestReply =
  | { id: number; digest: string; kind: 'file' | 'directory'; bytes: number; files?: number }
  | { id: number; error: string };

parentPort?.on('message', (request: DigestRequest) => {
  digestPath(request.path).then(
    (found) => parentPort?.postMessage({ id: request.id, ...found } satisfies DigestReply),
    (error: NodeJS.ErrnoException) =>
      parentPort?.postMessage({ id: request.id, error: error.code ?? error.message } satisfies DigestReply),
  );
});
