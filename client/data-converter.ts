/**
 * The one data converter of the project: default JSON conversion plus the AES-256-GCM payload codec.
 * Worker, client, CLI, HTTP API and tests all use it; a client without it sees only ciphertext.
 *
 * The workers' variant never throws on an incoming payload it cannot decode (unknown or rotated-out
 * key, tampered data, foreign encodings): see lenient-payload-converter.ts for why.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { ConfigError, type AppConfig } from '../temporal.config.js';
import { UNDECODABLE } from './lenient-payload-converter.js';
import { AesGcmPayloadCodec } from './payload-codec.js';
import { SOURCE_EXTENSION } from './source-extension.js';

/** For `payloadConverterPath` (worker) and `bundleWorkflowCode` (the workflow bundle). */
export const lenientPayloadConverterPath = fileURLToPath(new URL(`./lenient-payload-converter${SOURCE_EXTENSION}`, import.meta.url));

export function createPayloadCodec(config: AppConfig): AesGcmPayloadCodec {
  if (config.selfService.payloadKeys.length === 0) {
    throw new ConfigError([
      'PAYLOAD_ENCRYPTION_KEYS: required (e.g. "k1:$(openssl rand -base64 32)"): reset links are credentials and are only stored encrypted',
    ]);
  }
  return new AesGcmPayloadCodec(config.selfService.payloadKeys);
}

export function createDataConverter(config: AppConfig): DataConverter {
  return { payloadCodecs: [createPayloadCodec(config)] };
}

/**
 * What the workers run with: the given converter (or plain JSON in tests without keys), with every
 * codec made lenient on decode and the lenient payload converter.
 */
export function workerDataConverter(base: DataConverter | undefined): DataConverter {
  return {
    ...base,
    payloadConverterPath: lenientPayloadConverterPath,
    payloadCodecs: (base?.payloadCodecs ?? []).map((codec) => new LenientDecodeCodec(codec)),
  };
}

const encoder = new TextEncoder();

/** Decodes payload by payload; one that fails becomes a JSON `{ undecodablePayload }` the handlers refuse. */
export class LenientDecodeCodec implements PayloadCodec {
  constructor(private readonly inner: PayloadCodec) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    return this.inner.encode(payloads);
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        try {
          const [decoded] = await this.inner.decode([payload]);
          return decoded!;
        } catch (err) {
          const reason = (err instanceof Error ? err.message : String(err)).slice(0, 200);
          return { metadata: { encoding: encoder.encode('json/plain') }, data: encoder.encode(JSON.stringify({ [UNDECODABLE]: reason })) };
        }
      }),
    );
  }
}
