import { HttpError } from '@/lib/http/errors';
import { idParams, readParams, readQuery } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getEnv } from '@/lib/config/server-env';
import { getOpenstackCloudView } from '@/lib/observations/openstack-view';
import { staleAfterFromEnv } from '@/lib/poller/settings';
import { z } from 'zod';

export const dynamic = 'force-dynamic';

const query = z.object({ problemLimit: z.coerce.number().int().min(1).max(5000).default(500) });

export const GET = withPolicy(async (request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  const { problemLimit } = readQuery(request, query);
  const env = getEnv();
  const cloud = await getOpenstackCloudView(prisma, id, staleAfterFromEnv(env), new Date(), { rawHours: env.KEYWATCH_SAMPLES_RAW_HOURS, problemLimit });
  if (!cloud) throw new HttpError(404, 'No OpenStack cloud with that id.');
  return jsonResponse(cloud);
});
