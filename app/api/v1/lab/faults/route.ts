import { withPolicy } from '@/lib/auth/with-policy';
import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { labFaultSchema } from '@/lib/lab-control/catalog';
import { applyLabFault, labModeOn, openLabClient } from '@/lib/lab-control/control';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (request, _context, { prisma, audit }) => {
  const client = await openLabClient(prisma, getSecretBox(), { labMode: labModeOn() });
  try {
    const fault = await readJsonBody(request, labFaultSchema);
    const result = await applyLabFault(client, fault);
    await audit('lab.fault', { type: 'lab', id: fault.type }, { fault, applied: result.applied, skipped: result.skipped });
    return jsonResponse(result);
  } finally {
    await client.close();
  }
});
