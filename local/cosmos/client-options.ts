import https from 'node:https';
import type { CosmosClientOptions } from '@azure/cosmos';
import type { InProcessHttpClient } from './in-process.js';

/**
 * The key of the Azure Cosmos DB Emulator, published by Microsoft. The embedded emulator accepts any key;
 * using the well-known one keeps local settings interchangeable with the official emulator.
 */
export const emulatorKey = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True when `endpoint` is an http(s) URL whose host is this machine's loopback interface. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && loopbackHosts.has(url.hostname.toLowerCase());
}

/**
 * CosmosClient options for a local emulator (the embedded one, or Microsoft's on localhost:8081).
 *
 * Emulators serve a self-signed certificate, so certificate checks are switched off — which is only
 * acceptable when the traffic never leaves the machine; any other host is refused here, so a
 * misconfigured endpoint fails loudly instead of silently talking to a remote server without TLS checks.
 * Keep-alive matters: without it the embedded emulator closes every connection and runs 4–5× slower.
 * Endpoint discovery is off because an emulator advertises a single location that must not be followed.
 */
export function localCosmosClientOptions(endpoint: string, key: string): CosmosClientOptions {
  if (!isLoopbackEndpoint(endpoint)) {
    throw new Error(
      `local Cosmos client options are only for a loopback endpoint (127.0.0.1, localhost, ::1), got ${JSON.stringify(endpoint)}`,
    );
  }
  const options: CosmosClientOptions = {
    endpoint,
    key,
    connectionPolicy: { enableEndpointDiscovery: false },
  };
  // A plain-HTTP emulator works only without an agent: the SDK's default then uses node's http module.
  if (new URL(endpoint).protocol === 'https:') {
    options.agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });
  }
  return options;
}

/**
 * CosmosClient options for the embedded emulator reached through its in-process transport. The emulator
 * checks no signature, and nothing leaves the process, so requests carry a fixed authorization header
 * instead of the master-key HMAC the SDK would otherwise compute (and decode the key for) on every request:
 * about 5 % of the local host's time on a busy day. Everything else runs as against Azure.
 */
export function inProcessCosmosClientOptions(endpoint: string, httpClient: InProcessHttpClient): CosmosClientOptions {
  return { ...localCosmosClientOptions(endpoint, emulatorKey), key: undefined, tokenProvider: async () => 'type=master&ver=1.0&sig=embedded-emulator', httpClient };
}
