'use client';

import { ApiError } from './api-client';

/** The server's message and per-field errors under a form. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? Object.entries(error.fieldErrors) : [];
  return (
    <div className="form-error bad" role="alert">
      <p>{message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map(([field, messages]) => (
            <li key={field}>
              <strong>{field || 'body'}</strong>: {messages.join(', ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
