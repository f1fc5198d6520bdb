import { withPolicy } from '@/lib/auth/with-policy';
import { jsonResponse } from '@/lib/http/response';
import { labModeOn, openLabClient, readLabState } from '@/lib/lab-control/control';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => {
  const client = await openLabClient(prisma, getSecretBox(), { labMode: labModeOn(), timeoutMs: 15_000 });
  try {
    return jsonResponse(await readLabState(client));
  } finally {
    await client.close();
  }
});
