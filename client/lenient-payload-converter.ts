/**
 * The payload converter of the workers (workflow sandbox and activities alike): Temporal's default
 * JSON conversion, except that a payload it cannot read becomes a value instead of an exception.
 *
 * Anyone who can send a signal or an update can send bytes no converter reads (`binary/protobuf`
 * without its type, malformed `json/plain`, an unknown encoding). Thrown while a workflow task is
 * being processed, that error fails the task, and the server retries it forever: the workflow is
 * wedged until an operator resets it. Returned as `{ undecodablePayload: reason }`, it reaches the
 * handler, whose zod schema refuses it and logs, and the workflow carries on.
 *
 * Loaded by path (`payloadConverterPath`) into the workflow bundle: no Node built-ins here.
 */
import { DefaultPayloadConverter, type Payload, type PayloadConverter } from '@temporalio/common';

export const UNDECODABLE = 'undecodablePayload';
export type UndecodablePayload = { [UNDECODABLE]: string };

class LenientPayloadConverter implements PayloadConverter {
  private readonly inner = new DefaultPayloadConverter();

  toPayload<T>(value: T): Payload {
    return this.inner.toPayload(value);
  }

  fromPayload<T>(payload: Payload): T {
    try {
      return this.inner.fromPayload<T>(payload);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { [UNDECODABLE]: reason.slice(0, 200) } as T;
    }
  }
}

export const payloadConverter = new LenientPayloadConverter();
