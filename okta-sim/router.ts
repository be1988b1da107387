import type { IncomingMessage } from 'node:http';
import type { Principal } from './types.js';

export interface Reply {
  status: number;
  body?: unknown;
  html?: string;
  headers?: Record<string, string | string[]>;
}

export interface Ctx {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  requestId: string;
  /** Base URL links point to (the org URL as the client reached it). */
  baseUrl: string;
  principal?: Principal;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface Route<M> {
  method: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
  meta: M;
}

export type Match<M> = { route: Route<M>; params: Record<string, string> } | 'method-not-allowed' | undefined;

/** A minimal router: `/api/v1/users/:id` patterns, one segment per parameter. */
export class Router<M> {
  private routes: Route<M>[] = [];

  add(method: string, pattern: string, meta: M, handler: Handler): this {
    const keys: string[] = [];
    const src = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, k: string) => {
      keys.push(k);
      return '([^/]+)';
    });
    this.routes.push({ method, regex: new RegExp(`^${src}/?$`), keys, handler, meta });
    return this;
  }

  match(method: string, path: string): Match<M> {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { route: r, params };
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}
