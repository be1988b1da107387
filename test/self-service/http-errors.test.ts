/** Fast unit tests of the HTTP API's error mapping (no server). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUSY_RETRY_AFTER_S, toHttpError } from '../../client/http-api/errors.js';
import { SelfServiceError } from '../../client/self-service-client.js';

describe('HTTP API error mapping', () => {
  it('busy is 503 with Retry-After', () => {
    const e = toHttpError(new SelfServiceError('busy', 'try again shortly'));
    assert.deepEqual([e?.statusCode, e?.code, e?.retryAfter], [503, 'busy', BUSY_RETRY_AFTER_S]);
  });

  it('an unmapped error with a numeric code (a raw gRPC error) is left to the logged 500, not a crash of the mapper', () => {
    assert.equal(toHttpError(Object.assign(new Error('RESOURCE_EXHAUSTED'), { code: 8 })), undefined);
  });
});
