/**
 * A stand-in for an event hook receiver, to test the simulator's side of event hooks: records every
 * call Okta (the simulator) makes and answers as told.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HookCall {
  method: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: number;
}

/** How the next calls are answered: a status, a wrong verification, or no answer for `hangMs`. */
export type Behaviour = { status?: number; wrongVerification?: boolean; hangMs?: number };

export interface FakeHookEndpoint {
  url: string;
  calls: HookCall[];
  posts(): HookCall[];
  /** Answers are taken from this queue first, then `always`. */
  next: Behaviour[];
  always: Behaviour;
  close(): Promise<void>;
}

export async function fakeHookEndpoint(): Promise<FakeHookEndpoint> {
  const ep: FakeHookEndpoint = {
    url: '',
    close: () => Promise.resolve(),
    calls: [],
    posts: () => ep.calls.filter((c) => c.method === 'POST'),
    next: [],
    always: {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      ep.calls.push({ method: req.method ?? '', headers: req.headers, body: text ? (JSON.parse(text) as unknown) : undefined, at: Date.now() });
      const b = ep.next.shift() ?? ep.always;
      const answer = () => {
        if (res.destroyed) return;
        const challenge = req.headers['x-okta-verification-challenge'];
        if (b.status && b.status !== 200) {
          res.writeHead(b.status).end();
        } else if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ verification: b.wrongVerification ? 'nope' : challenge }));
        } else {
          res.writeHead(200).end();
        }
      };
      if (b.hangMs) setTimeout(answer, b.hangMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  ep.url = `http://127.0.0.1:${port}/okta/event-hook`;
  ep.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return ep;
}
