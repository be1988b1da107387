/**
 * A poller Update lost with its workflow task (FAILED_PRECONDITION "unexpected workflow task failure",
 * seen when a stop raced a timer) is sent again under the same update ID; anything else is not.
 * The real path runs in episodes.test.ts (start-up reconfigure, stop); this pins the rule down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '@temporalio/client';
import { isLostUpdate, retryLostUpdate } from '../../client/update-retry.js';

/** What the client raises: a ServiceError caused by the gRPC error the server answered. */
function serverSaid(code: number, details: string): ServiceError {
  const grpc = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return new ServiceError('Workflow Update failed', { cause: grpc });
}
const lost = () => serverSaid(9, 'Unable to perform workflow execution update due to unexpected workflow task failure.');

describe('lost poller updates', () => {
  it('tells a lost update from other failures', () => {
    assert.equal(isLostUpdate(lost()), true);
    assert.equal(isLostUpdate(serverSaid(9, 'workflow execution already completed')), false);
    assert.equal(isLostUpdate(serverSaid(8, 'unexpected workflow task failure')), false);
    assert.equal(isLostUpdate(new Error('unexpected workflow task failure')), false);
  });

  it('sends a lost update again, and gives up after a few tries', async () => {
    let calls = 0;
    const result = await retryLostUpdate(async () => {
      calls += 1;
      if (calls < 3) throw lost();
      return 'applied';
    }, 5, 1);
    assert.equal(result, 'applied');
    assert.equal(calls, 3);

    let tries = 0;
    await assert.rejects(retryLostUpdate(async () => {
      tries += 1;
      throw lost();
    }, 4, 1), (err) => isLostUpdate(err));
    assert.equal(tries, 4);
  });

  it('does not repeat an update that failed for another reason', async () => {
    let calls = 0;
    await assert.rejects(retryLostUpdate(async () => {
      calls += 1;
      throw serverSaid(5, 'workflow not found');
    }, 5, 1));
    assert.equal(calls, 1);
  });
});
