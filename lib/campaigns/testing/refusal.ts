import { isCampaignError } from '../errors';

/** The CampaignError a call was refused with (code, status, message); fails the test if it was not refused. */
export async function refusal(call: Promise<unknown> | (() => unknown)): Promise<{ code: string; status: number; message: string }> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (error) {
    if (isCampaignError(error)) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}
