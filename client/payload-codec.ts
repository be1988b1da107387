/**
 * AES-256-GCM payload codec: every payload the worker, client and CLI send to Temporal is encrypted,
 * so reset links (credentials) never reach the server, its history, the Web UI or exports in plaintext.
 *
 * Encrypted payload:
 *   metadata.encoding            = "binary/encrypted"
 *   metadata["encryption-key-id"] = the key ID (keys rotate: encode with the first key, decode with any)
 *   data                          = iv (12 bytes) || ciphertext || auth tag (16 bytes)
 * The plaintext is the original payload (metadata + data) as JSON with base64 fields; the key ID and
 * encoding are bound as additional authenticated data, so a payload cannot be relabelled.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

export interface PayloadKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export class PayloadCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadCodecError';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new PayloadCodecError('at least one payload encryption key is required');
    for (const k of keys) if (k.key.length !== 32) throw new PayloadCodecError(`key ${k.id}: AES-256 needs 32 bytes`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(id));
      const body = Buffer.concat([cipher.update(serialize(payload)), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: enc.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: enc.encode(id) },
        data: new Uint8Array(Buffer.concat([iv, body])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || dec.decode(encoding) !== ENCRYPTED_ENCODING) return payload; // not ours (e.g. written before encryption)
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? dec.decode(idBytes) : '';
      const key = this.byId.get(id);
      if (!key) throw new PayloadCodecError(`payload encrypted with unknown key ID "${id}"`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < 12 + 16) throw new PayloadCodecError('encrypted payload too short');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
        decipher.setAAD(aad(id));
        decipher.setAuthTag(data.subarray(data.length - 16));
        const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
        return deserialize(plain);
      } catch {
        // Never echo the data: say only which key failed.
        throw new PayloadCodecError(`payload could not be decrypted with key "${id}" (tampered or wrong key)`);
      }
    });
  }
}

function aad(keyId: string): Buffer {
  return Buffer.from(`${ENCRYPTED_ENCODING}|${keyId}`);
}

/** Payload → JSON bytes `{m: {name: base64}, d: base64}`. */
function serialize(payload: Payload): Buffer {
  const m: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload.metadata ?? {})) if (value) m[name] = Buffer.from(value).toString('base64');
  return Buffer.from(JSON.stringify({ m, d: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') }));
}

function deserialize(bytes: Buffer): Payload {
  const parsed = JSON.parse(bytes.toString('utf8')) as { m: Record<string, string>; d: string };
  const metadata: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(parsed.m)) metadata[name] = new Uint8Array(Buffer.from(value, 'base64'));
  return { metadata, data: new Uint8Array(Buffer.from(parsed.d, 'base64')) };
}

/** Payloads in the JSON shape of Temporal's remote codec protocol (proto3 JSON: bytes as base64). */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function payloadFromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(p.metadata ?? {})) metadata[name] = new Uint8Array(Buffer.from(value, 'base64'));
  return { metadata, data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')) };
}

export function payloadToJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(p.metadata ?? {})) if (value) metadata[name] = Buffer.from(value).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}
