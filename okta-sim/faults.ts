import { z } from 'zod';
import { Prng } from './prng.js';

export const faultSchema = z.object({
  /** Path prefix of the Okta endpoint, e.g. `/api/v1/logs` or `/api/v1/users`. */
  endpoint: z.string().startsWith('/'),
  method: z.string().toUpperCase().optional(),
  /**
   * `403` answers E0000006 (the token lost a permission); `foreign-next-link` lets the request through
   * but rewrites its `Link` headers to another host, as a misconfigured proxy in front of Okta would;
   * `short-page` halves a list request's `limit`, as Okta may return fewer events than asked while more remain.
   */
  type: z.enum(['500', '429', '403', 'latency', 'drop', 'foreign-next-link', 'short-page']),
  probability: z.number().min(0).max(1).default(1),
  latencyMs: z.number().int().min(0).max(120_000).default(1000),
  /** Stop injecting after this many hits (unlimited when absent). */
  times: z.number().int().positive().optional(),
});

export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema> & { hits: number };

/** Faults roll a PRNG seeded from the org seed, so a test's sequence of injected failures repeats exactly. */
export class FaultInjector {
  private faults: Fault[] = [];
  private prng: Prng;

  constructor(private readonly seed: string) {
    this.prng = new Prng(`${seed}:faults`);
  }

  set(faults: z.output<typeof faultSchema>[]): void {
    this.faults = faults.map((f) => ({ ...f, hits: 0 }));
    this.prng = new Prng(`${this.seed}:faults`);
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Every matching fault rolls once; latency faults accumulate, the first failing fault wins. */
  pick(method: string, path: string): { latencyMs: number; failure?: Fault; foreignLinks?: boolean; shortPage?: boolean } {
    let latencyMs = 0;
    let failure: Fault | undefined;
    let foreignLinks = false;
    let shortPage = false;
    for (const f of this.faults) {
      if (!path.startsWith(f.endpoint)) continue;
      if (f.method && f.method !== method) continue;
      if (f.times !== undefined && f.hits >= f.times) continue;
      if (this.prng.next() >= f.probability) continue;
      if (f.type === 'latency') {
        f.hits++;
        latencyMs += f.latencyMs;
      } else if (f.type === 'foreign-next-link') {
        f.hits++;
        foreignLinks = true;
      } else if (f.type === 'short-page') {
        f.hits++;
        shortPage = true;
      } else if (!failure) {
        f.hits++;
        failure = f;
      }
    }
    return { latencyMs, failure, ...(foreignLinks ? { foreignLinks } : {}), ...(shortPage ? { shortPage } : {}) };
  }
}
