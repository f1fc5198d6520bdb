import { describe, expect, it } from 'vitest';
import { UserError } from '../auth/users';
import { TargetError } from '../targets/store';
import { DomainError, errorResponse, HttpError } from './errors';

async function answer(error: DomainError) {
  const response = errorResponse(error);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe('errorResponse: one mapping for every DomainError', () => {
  it('answers a domain error with its own status and the field it names', async () => {
    const refused = await answer(new TargetError('invalid', 'Node kms-1:5696 is listed twice.', 'nodes'));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: 'Node kms-1:5696 is listed twice.', fieldErrors: { nodes: ['Node kms-1:5696 is listed twice.'] } });
    expect(refused.headers.get('cache-control')).toBe('no-store');

    const managed = await answer(new TargetError('managed', 'lab-kms is managed by the lab; change it there.'));
    expect(managed.status).toBe(409);
    expect(managed.body).toEqual({ error: 'lab-kms is managed by the lab; change it there.' });

    expect((await answer(new UserError('not-found', 'No user with that id.'))).status).toBe(404);
    expect((await answer(new UserError('last-admin', 'This is the last active admin.'))).status).toBe(409);
  });

  it('keeps the code for callers that are not HTTP', () => {
    const error = new UserError('last-admin', 'This is the last active admin.');
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('last-admin');
    expect(error.name).toBe('UserError');
  });

  it('carries an HttpError’s headers and field errors to the answer', async () => {
    const unauthenticated = await answer(new HttpError(401, 'Sign in or send an API token.', { headers: { 'www-authenticate': 'Bearer' } }));
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toBe('Bearer');
    const invalid = await answer(new HttpError(400, 'The request body is invalid.', { fieldErrors: { 'nodes.0.port': ['too big'] } }));
    expect(invalid.body).toEqual({ error: 'The request body is invalid.', fieldErrors: { 'nodes.0.port': ['too big'] } });
  });
});
