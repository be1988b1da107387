export interface RecordedRequest {
  requestId: string;
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  durationMs: number;
  auth: 'SSWS' | 'Bearer' | 'DPoP' | null;
  clientId?: string;
  /** Set when the SDK retried (its X-Okta-Retry-Count header). */
  retryCount?: number;
  fault?: string;
  /** On a 429: the X-Rate-Limit-Reset it carried (epoch seconds). */
  rateLimitReset?: number;
}

const MAX = 50_000;

/** What the client did, for assertions; bounded so a long demo run cannot grow without limit. */
export class RequestLog {
  private entries: RecordedRequest[] = [];

  add(e: RecordedRequest): void {
    this.entries.push(e);
    if (this.entries.length > MAX) this.entries.splice(0, this.entries.length - MAX);
  }

  clear(): void {
    this.entries = [];
  }

  list(f: { pathPrefix?: string; method?: string } = {}): RecordedRequest[] {
    const method = f.method?.toUpperCase();
    return this.entries.filter((e) => (!f.pathPrefix || e.path.startsWith(f.pathPrefix)) && (!method || e.method === method));
  }
}
