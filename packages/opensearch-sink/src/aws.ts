import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { ConfigurationError } from './errors.js';

/** AWS credentials as the SDK v3 credential providers return them. */
export interface AwsCredentialsLike {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  /** When they expire; the signer fetches new ones ahead of it. */
  readonly expiration?: Date | undefined;
}

/** Options of {@link createAwsClient}. */
export interface AwsClientOptions {
  /** Domain or collection endpoint, e.g. `https://search-x.eu-west-1.es.amazonaws.com` or `https://id.eu-west-1.aoss.amazonaws.com`. */
  node: string;
  region: string;
  /** `es` for Amazon OpenSearch Service domains, `aoss` for Serverless collections. Default `es`. */
  service?: 'es' | 'aoss';
  /**
   * Credentials provider, e.g. `fromNodeProviderChain()` of `@aws-sdk/credential-providers`. Default: the client's
   * own lookup of `@aws-sdk/credential-provider-node` (install it).
   */
  getCredentials?: () => Promise<AwsCredentialsLike>;
  /** Any other `Client` options (compression, requestTimeout, agent …). `node` and the signer's keys win. */
  clientOptions?: Omit<ClientOptions, 'node' | 'nodes' | 'Connection' | 'Transport'>;
}

/**
 * An `@opensearch-project/opensearch` `Client` that signs every request with SigV4 through the client's own
 * `AwsSigv4Signer` (service `es` or `aoss`). Pass it to `new OpenSearchSink({ client })` and to the helpers.
 */
export function createAwsClient(options: AwsClientOptions): Client {
  if (typeof options.region !== 'string' || options.region.length === 0) {
    throw new ConfigurationError('region', 'must be an AWS region, e.g. eu-west-1');
  }
  const service = options.service ?? 'es';
  if (service !== 'es' && service !== 'aoss') throw new ConfigurationError('service', `must be 'es' or 'aoss'`);
  if (typeof options.node !== 'string' || !/^https?:\/\//.test(options.node)) {
    throw new ConfigurationError('node', 'must be an http(s) URL');
  }
  const signerOptions: Parameters<typeof AwsSigv4Signer>[0] = { region: options.region, service };
  if (options.getCredentials !== undefined) {
    signerOptions.getCredentials = options.getCredentials as NonNullable<typeof signerOptions.getCredentials>;
  }
  return new Client({ ...options.clientOptions, ...AwsSigv4Signer(signerOptions), node: options.node });
}
