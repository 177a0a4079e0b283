/** A real OpenLineage HTTP receiver on 127.0.0.1 for the tests: it keeps every request it gets. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  authorization?: string;
  body: unknown;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** The bodies of the requests, the events. */
  events: () => Record<string, unknown>[];
  close: () => Promise<void>;
}

/** Start a receiver; `status` answers each request (default 201, as Marquez does). */
export async function startReceiver(port = 0, status: () => number = () => 201): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    events: () => requests.map((r) => r.body as Record<string, unknown>),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
