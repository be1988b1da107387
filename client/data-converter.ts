/**
 * The one data converter of the project: default JSON conversion plus the AES-256-GCM payload codec.
 * Worker, client, CLI, HTTP API and tests all use it; a client without it sees only ciphertext.
 */
import type { DataConverter } from '@temporalio/common';
import { ConfigError, type AppConfig } from '../temporal.config.js';
import { AesGcmPayloadCodec } from './payload-codec.js';

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
