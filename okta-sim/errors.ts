import { readSharedJson } from './shared.js';

interface ErrorDef {
  status: number;
  summary: string;
}

// Used only when ../shared/okta/error-codes.json is absent: the codes the simulator itself raises.
const BUILT_IN: Record<string, ErrorDef> = {
  E0000001: { status: 400, summary: 'Api validation failed: {0}' },
  E0000003: { status: 400, summary: 'The request body was not well-formed.' },
  E0000006: { status: 403, summary: 'You do not have permission to perform the requested action' },
  E0000007: { status: 404, summary: 'Not found: {0}' },
  E0000009: { status: 500, summary: 'Internal Server Error' },
  E0000011: { status: 401, summary: 'Invalid token provided' },
  E0000022: { status: 405, summary: 'The endpoint does not support the provided HTTP method' },
  E0000031: { status: 400, summary: 'Invalid search criteria.' },
  E0000032: { status: 403, summary: 'Unlock is not allowed for this user.' },
  E0000038: { status: 403, summary: "This operation is not allowed in the user's current status." },
  E0000047: { status: 429, summary: 'API call exceeded rate limit due to too many requests.' },
  E0000053: { status: 400, summary: 'Invalid SCIM filter.' },
};

let catalog: Record<string, ErrorDef> | undefined;

function loadCatalog(): Record<string, ErrorDef> {
  if (catalog) return catalog;
  const table: Record<string, ErrorDef> = { ...BUILT_IN };
  const raw = readSharedJson('error-codes.json') as { errors?: { errorCode?: unknown; statusCode?: unknown; errorSummary?: unknown }[] } | undefined;
  for (const e of raw?.errors ?? []) {
    if (typeof e.errorCode === 'string' && typeof e.statusCode === 'number' && typeof e.errorSummary === 'string') {
      table[e.errorCode] = { status: e.statusCode, summary: e.errorSummary };
    }
  }
  catalog = table;
  return table;
}

export interface ErrorCause {
  errorSummary: string;
}

export class OktaApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly summary: string,
    readonly causes: ErrorCause[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${summary}`);
  }
}

/** Builds the error Okta would send for `code`; `{0}` in the summary template takes `arg`. */
export function oktaError(code: string, arg?: string, causes: string[] = []): OktaApiError {
  const def = loadCatalog()[code] ?? { status: 500, summary: 'Internal Server Error' };
  const summary = def.summary.replace('{0}', arg ?? '');
  return new OktaApiError(def.status, code, summary, causes.map((c) => ({ errorSummary: c })));
}

export function errorBody(err: OktaApiError, errorId: string): Record<string, unknown> {
  return {
    errorCode: err.code,
    errorSummary: err.summary,
    errorLink: err.code,
    errorId,
    errorCauses: err.causes,
  };
}
