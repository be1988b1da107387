/**
 * Connection options shared by the client, the worker and the CLI, so a dev server, a
 * self-hosted cluster with mTLS and Temporal Cloud (mTLS or API key) are all one config away.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { type AppConfig, ConfigError } from '../temporal.config.js';
import { createDataConverter } from './data-converter.js';

export interface TemporalConnectionSettings {
  address: string;
  tls?: ConnectionOptions['tls'];
  apiKey?: string;
}

export function temporalConnectionSettings(config: AppConfig): TemporalConnectionSettings {
  const { address, tls, apiKey } = config.temporal;
  const settings: TemporalConnectionSettings = { address };
  if (apiKey) settings.apiKey = apiKey;
  if (tls) {
    const clientKey = tls.clientKeyPem ?? (tls.clientKeyPath ? readFileSync(tls.clientKeyPath, 'utf8') : undefined);
    settings.tls = {
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.caPath ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
      ...(tls.clientCertPath && clientKey
        ? { clientCertPair: { crt: readFileSync(tls.clientCertPath), key: Buffer.from(clientKey) } }
        : {}),
    };
  }
  return settings;
}

/**
 * A Temporal client for the configured namespace, with the project's encrypting data converter
 * (without it a client sees only ciphertext). Callers close `client.connection` when done.
 */
export async function connectTemporalClient(config: AppConfig): Promise<Client> {
  const dataConverter = createDataConverter(config); // fails fast on missing keys, before connecting
  const connection = await connectOrExplain(config);
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter });
}

/**
 * Connects, or fails with one readable line (a ConfigError, which every entry point prints and exits
 * on) instead of a gRPC stack trace when no Temporal server answers at the configured address.
 */
export async function connectOrExplain(config: AppConfig, connectTimeout: Duration = '10s'): Promise<Connection> {
  try {
    return await Connection.connect({ ...temporalConnectionSettings(config), connectTimeout });
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
    throw new ConfigError([
      `TEMPORAL_ADDRESS: no Temporal server answered at ${config.temporal.address} (${reason}). Start one (npm run temporal:dev) or fix TEMPORAL_ADDRESS and the TLS settings.`,
    ]);
  }
}
