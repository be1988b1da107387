/**
 * Remote codec endpoint for the Temporal Web UI (`temporal server start-dev --ui-codec-endpoint URL`,
 * or the UI's "Codec Server" setting) and `temporal workflow show --codec-endpoint`.
 *
 * Protocol: `POST /encode` and `POST /decode` (also under `/{namespace}/...`) with
 * `{"payloads": [{"metadata": {name: base64}, "data": base64}]}`; the answer has the same shape.
 * Only operators may decode: every request needs `Authorization: Bearer <CODEC_SERVER_TOKEN>` (the UI
 * forwards its own access token when `codec.passAccessToken` is on, so an OIDC-enabled UI can use a
 * token validated by a proxy in front), or the token as the first path segments, `/t/<token>/decode`:
 * the dev server's Web UI cannot send headers of its own, so `npm start` gives it
 * `--ui-codec-endpoint http://127.0.0.1:8888/t/<token>`. Without a token configured the server only
 * listens on loopback. CORS is answered for the configured UI origins only.
 *
 * Browser-borne attacks are refused before any decoding: a POST must be `application/json` (a page on
 * another site cannot send that without a CORS preflight, which only UI origins pass), and the `Host`
 * header must name this server (a DNS-rebinding page reaches loopback under its own host name).
 * `GET /livez` answers 200 for probes; it needs no token and says nothing.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { payloadFromJson, payloadToJson } from './payload-codec.js';

export interface CodecServerOptions {
  codec: PayloadCodec;
  host?: string;
  port?: number;
  token?: string;
  corsOrigins: string[];
  /**
   * `Host` values accepted besides this server's own address and loopback names at its port (e.g. the
   * name a proxy or Kubernetes Service uses). Listening on a wildcard address without any: not checked.
   */
  allowedHosts?: string[];
  log?: (message: string, meta?: Record<string, unknown>) => void;
}

export interface RunningCodecServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const BodySchema = z.object({
  // Missing or empty: nothing to do, an empty answer (the UI sends such requests).
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(10_000).default([]),
});

const MAX_BODY = 8 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const WILDCARD = new Set(['0.0.0.0', '::']);
const MAX_TOKEN_LENGTH = 512;

/** `Host` header values this server answers to; undefined = any (wildcard listen, none configured). */
export function acceptedHosts(host: string, port: number, extra: string[] = []): Set<string> | undefined {
  if (WILDCARD.has(host) && extra.length === 0) return undefined;
  const names = new Set<string>();
  const add = (name: string) => {
    const bare = name.toLowerCase();
    names.add(`${bare.includes(':') && !bare.startsWith('[') ? `[${bare}]` : bare}:${port}`);
  };
  for (const name of ['localhost', '127.0.0.1', '::1']) add(name);
  if (!WILDCARD.has(host)) add(host);
  for (const h of extra) names.add(h.toLowerCase());
  return names;
}

function hostAllowed(accepted: Set<string> | undefined, header: string | undefined, port: number): boolean {
  if (!accepted) return true;
  if (!header || header.length > 300) return false;
  const value = header.toLowerCase();
  // An explicitly configured name may be given without a port (a proxy on 443 in front).
  return accepted.has(value) || accepted.has(value.replace(new RegExp(`:${port}$`), ''));
}

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compare equal-length buffers so timing says nothing about the token.
  return a.length === b.length && timingSafeEqual(a, b);
}

function pathToken(segment: string | undefined): string | undefined {
  if (!segment || segment.length > MAX_TOKEN_LENGTH) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match?.[1];
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startCodecServer(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!opts.token && !LOOPBACK.has(host)) {
    throw new Error('codec server: CODEC_SERVER_TOKEN is required when listening beyond loopback');
  }
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { message: 'internal error' });
    });
  });

  function cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin && opts.corsOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
    }
  }

  /** Known once listening (the port may be chosen by the OS). */
  const bound: { accepted?: Set<string>; port: number } = { port: 0 };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    // Probes come with the pod's address as Host; the answer says nothing.
    if (path === '/livez') return req.method === 'GET' || req.method === 'HEAD' ? send(res, 200, { status: 'ok' }) : send(res, 405, { message: 'method not allowed' });
    if (!hostAllowed(bound.accepted, req.headers.host, bound.port)) {
      opts.log?.('codec server: request for another host refused', { host: req.headers.host?.slice(0, 100) });
      return send(res, 421, { message: 'misdirected request: unknown Host' });
    }
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const route = /^(?:\/t\/([^/]{1,512}))?(?:\/[^/]+)?\/(encode|decode)$/.exec(path);
    const op = route?.[2];
    if (!op) return send(res, 404, { message: 'not found: use POST /encode or /decode' });
    if (req.method !== 'POST') return send(res, 405, { message: 'method not allowed' });
    if (opts.token && !tokenMatches(bearer(req) ?? pathToken(route[1]), opts.token)) {
      opts.log?.('codec server: unauthorized request', { op, origin: req.headers.origin });
      return send(res, 401, { message: 'unauthorized' });
    }
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return send(res, 415, { message: 'expected Content-Type: application/json' });
    }
    let body: z.infer<typeof BodySchema>;
    try {
      const raw = await readBody(req);
      body = BodySchema.parse(raw.trim() === '' ? {} : JSON.parse(raw));
    } catch {
      return send(res, 400, { message: 'expected {"payloads": [{"metadata": {...}, "data": "base64"}]}' });
    }
    if (body.payloads.length === 0) return send(res, 200, { payloads: [] });
    try {
      const input = body.payloads.map(payloadFromJson);
      const output = op === 'encode' ? await opts.codec.encode(input) : await opts.codec.decode(input);
      send(res, 200, { payloads: output.map(payloadToJson) });
    } catch (err) {
      send(res, 400, { message: err instanceof Error ? err.message : 'codec error' });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  bound.port = port;
  const accepted = acceptedHosts(host, port, opts.allowedHosts);
  if (accepted) bound.accepted = accepted;
  else opts.log?.('codec server: Host header not checked (wildcard address, CODEC_SERVER_ALLOWED_HOSTS empty)');
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
