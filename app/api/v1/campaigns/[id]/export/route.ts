import { withPolicy } from '@/lib/auth/with-policy';
import { exportItemsCsv } from '@/lib/campaigns/store';
import { idParams, readParams } from '@/lib/http/request';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  const lines = exportItemsCsv(prisma, id);
  // The first chunk is awaited here so an unknown campaign is a 404, not a broken stream.
  const first = await lines.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(encoder.encode(first.value));
    },
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="campaign-${id}.csv"`, 'cache-control': 'no-store' },
  });
});
