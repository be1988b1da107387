/**
 * Remote codec endpoint for the Temporal Web UI (`temporal server start-dev --ui-codec-endpoint URL`,
 * or the UI's "Codec Server" setting) and `temporal workflow show --codec-endpoint`.
 *
 * Protocol: `POST /encode` and `POST /decode` (also under `/{namespace}/...`) with
 * `{"payloads": [{"metadata": {name: base64}, "data": base64}]}`; the answer has the same shape.
 * Only operators may decode: every request needs `Authorization: Bearer <CODEC_SERVER_TOKEN>` (the UI
 * forwards its own access token when `codec.passAccessToken` is on, so an OIDC-enabled UI can use a
 * token validated by a proxy in front). Without a token configured the server only listens on loopback.
 * CORS is answered for the configured UI origins only.
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
  log?: (message: string, meta?: Record<string, unknown>) => void;
}

export interface RunningCodecServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const BodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(10_000),
});

const MAX_BODY = 8 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compare equal-length buffers so timing says nothing about the token.
  return a.length === b.length && timingSafeEqual(a, b);
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    const op = /^(?:\/[^/]+)?\/(encode|decode)$/.exec(path)?.[1];
    if (!op) return send(res, 404, { message: 'not found: use POST /encode or /decode' });
    if (req.method !== 'POST') return send(res, 405, { message: 'method not allowed' });
    if (opts.token && !tokenMatches(bearer(req), opts.token)) {
      opts.log?.('codec server: unauthorized request', { op, origin: req.headers.origin });
      return send(res, 401, { message: 'unauthorized' });
    }
    let body: z.infer<typeof BodySchema>;
    try {
      body = BodySchema.parse(JSON.parse(await readBody(req)));
    } catch {
      return send(res, 400, { message: 'expected {"payloads": [{"metadata": {...}, "data": "base64"}]}' });
    }
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
