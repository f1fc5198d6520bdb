/**
 * OpenStackClient: one object per cloud, composing the HTTPS transport, the Keystone session and
 * the Barbican and Cinder clients. `testConnection()` is what a Settings "Test connection" runs.
 */
import { BarbicanClient } from './barbican';
import { CinderClient } from './cinder';
import { OpenStackCloudConfigSchema, type OpenStackCloudConfig, type OpenStackCloudConfigInput } from './config';
import { OpenStackError } from './errors';
import { OpenStackHttp } from './http';
import { KeystoneSession } from './keystone';

export class OpenStackClient {
  readonly config: OpenStackCloudConfig;
  readonly http: OpenStackHttp;
  readonly keystone: KeystoneSession;
  readonly barbican: BarbicanClient;
  readonly cinder: CinderClient;

  constructor(config: OpenStackCloudConfigInput, options: { now?: () => number } = {}) {
    const parsed = OpenStackCloudConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'config';
      throw new OpenStackError({ kind: 'config', service: 'keystone', host: '', call: 'configuration', cause: `${field}: ${issue?.message ?? 'invalid'}` });
    }
    this.config = parsed.data;
    this.http = new OpenStackHttp({ caPem: this.config.caPem, timeoutMs: this.config.timeoutMs, maxConcurrency: this.config.maxConcurrency });
    this.keystone = new KeystoneSession(this.config, this.http, options.now);
    this.barbican = new BarbicanClient(this.keystone, this.http);
    this.cinder = new CinderClient(this.keystone, this.http, this.config.cinderMicroversion);
  }

  /**
   * Logs in, finds both endpoints in the catalog and asks each service one cheap question
   * (Barbican `GET /v1/secrets?limit=1`, Cinder `os-services`). Throws the first OpenStackError.
   */
  async testConnection(): Promise<{ projectId: string | null; roles: string[]; keyManagerUrl: string; blockStorageUrl: string; cinderServices: number; barbicanSecretsVisible: number }> {
    const info = await this.keystone.authenticate();
    const keyManager = await this.keystone.endpoint('key-manager');
    const blockStorage = await this.keystone.endpoint('block-storage');
    const [page, services] = await Promise.all([this.barbican.listSecrets({ limit: 1 }), this.cinder.services()]);
    return {
      projectId: info.projectId,
      roles: info.roles,
      keyManagerUrl: keyManager.url,
      blockStorageUrl: blockStorage.url,
      cinderServices: services.length,
      barbicanSecretsVisible: page.total,
    };
  }

  /** Revokes the token and closes the connection pools. */
  async close(): Promise<void> {
    await this.keystone.revoke();
    await this.http.close();
  }
}
