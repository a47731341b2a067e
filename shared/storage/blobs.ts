import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { StorageConnection } from '../settings.js';

/** Where run snapshots and exports go: a small port so tests and the local host can point it anywhere. */
export interface BlobStore {
  /** `metadata`: blob metadata (names lower-case letters and digits, values ASCII), returned by listings. */
  put(path: string, content: string | Buffer, contentType: string, metadata?: Record<string, string>): Promise<void>;
  get(path: string): Promise<Buffer | undefined>;
  list(prefix: string): Promise<string[]>;
}

export class AzureBlobStore implements BlobStore {
  private ensured?: Promise<unknown>;
  private readonly container: ContainerClient;

  constructor(connection: StorageConnection, containerName: string) {
    const service =
      connection.kind === 'connectionString'
        ? BlobServiceClient.fromConnectionString(connection.connectionString)
        : new BlobServiceClient(
            connection.blobServiceUri,
            connection.clientId ? new ManagedIdentityCredential({ clientId: connection.clientId }) : new DefaultAzureCredential(),
          );
    this.container = service.getContainerClient(containerName);
  }

  private ensure(): Promise<unknown> {
    // In Azure the container is declared in Bicep; locally Azurite starts empty.
    this.ensured ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.ensured = undefined;
      throw error;
    });
    return this.ensured;
  }

  async put(path: string, content: string | Buffer, contentType: string, metadata?: Record<string, string>): Promise<void> {
    await this.ensure();
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await this.container.getBlockBlobClient(path).uploadData(data, { blobHTTPHeaders: { blobContentType: contentType }, ...(metadata ? { metadata } : {}) });
  }

  async get(path: string): Promise<Buffer | undefined> {
    await this.ensure();
    const blob = this.container.getBlockBlobClient(path);
    try {
      return await blob.downloadToBuffer();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    await this.ensure();
    const names: string[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix })) names.push(item.name);
    return names;
  }
}
