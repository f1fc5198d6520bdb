/** Test helper: the lab cloud with its log silenced (tests read the lines from GET /lab/state instead). */
import { createLogger } from '@/lib/logging/logger';
import { startOpenStackLab, type OpenStackLab, type StartOpenStackLabOptions } from './server';

export function startQuietOpenStackLab(options: StartOpenStackLabOptions = {}): Promise<OpenStackLab> {
  return startOpenStackLab({ logger: createLogger('lab-openstack', { level: 'silent' }), ...options });
}
