/**
 * What the lab cloud's route modules share: the model and the public URLs of the three services
 * (the catalog and Barbican's `secret_ref`s are built from them).
 */
import type { OpenStackLabModel } from './model';

export interface LabCloudUrls {
  /** https://127.0.0.1:PORT (Keystone; /v3 below it). */
  keystone: string;
  /** https://127.0.0.1:PORT/key-manager (as registered in the catalog). */
  barbican: string;
  /** https://127.0.0.1:PORT/volume (v3/{project_id} below it). */
  cinder: string;
}

export interface LabCloudContext {
  model: OpenStackLabModel;
  urls: LabCloudUrls;
  region: string;
}

/** keystonemiddleware's 401 answer (Barbican and Cinder), with the Keystone URI to authenticate at. */
export function unauthorized(ctx: LabCloudContext) {
  return {
    status: 401,
    body: { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } },
    headers: { 'www-authenticate': `Keystone uri="${ctx.urls.keystone}"` },
  };
}
