import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { MlmetaError } from '@mlmeta/core';
import type { FastifyRequest } from 'fastify';

const bare = (host: string) =>
  host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');

/**
 * True when `host` only accepts connections from this machine: localhost, 127.0.0.0/8, ::1.
 * 0.0.0.0 and :: listen on every interface, so they are not loopback.
 *
 * @example
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0'); // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = bare(host);
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

const isWildcard = (host: string) => ['0.0.0.0', '::', '0:0:0:0:0:0:0:0'].includes(bare(host));

/** The host part of a Host header (`name:port`, `[v6]:port`), lower-case, or undefined if malformed. */
export function hostOfHeader(header: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+)(?::\d{1,5})?$/.exec(header.trim());
  return match ? bare(match[1]!) : undefined;
}

/**
 * The Host names a server answers to: loopback names, the address it is bound to (every local
 * interface address when bound to all of them) and the names given with `--allowed-host`. A
 * request for any other name is refused: that is what a DNS-rebinding page sends.
 */
export class HostCheck {
  private readonly allowed: Set<string>;

  constructor(bindHost: string, allowedHosts: readonly string[] = []) {
    this.allowed = new Set(allowedHosts.map(bare));
    if (isWildcard(bindHost)) {
      for (const list of Object.values(networkInterfaces()))
        for (const address of list ?? []) this.allowed.add(bare(address.address));
    } else {
      this.allowed.add(bare(bindHost));
    }
  }

  /** Whether a Host header names this server. */
  accepts(header: string | undefined): boolean {
    if (header === undefined) return false;
    const host = hostOfHeader(header);
    if (host === undefined) return false;
    return isLoopbackHost(host) || this.allowed.has(host);
  }

  /** Throws PERMISSION_DENIED (403, the API's error shape) for a request to another name. */
  check(request: FastifyRequest): void {
    const header = request.headers.host;
    if (this.accepts(header)) return;
    const shown = typeof header === 'string' ? `"${header.slice(0, 100)}"` : '(none)';
    throw new MlmetaError(
      'PERMISSION_DENIED',
      `Host ${shown} is not a name of this server; requests must name it by a loopback name, its address, or a name given with --allowed-host (start the server with --allowed-host NAME to accept that name)`,
    );
  }
}

/**
 * For a request authenticated by the session cookie (which a browser attaches on its own): it
 * must come from the server's own pages. A browser says where a request comes from in Origin
 * (cross-origin requests, and every non-GET) and Sec-Fetch-Site (every request of a modern
 * browser); a request that carries either must show the same origin.
 */
export function isSameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.host.toLowerCase() !== String(request.headers.host ?? '').toLowerCase()) return false;
  }
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
