import { describe, expect, it } from 'vitest';
import { GENERIC_SIGN_IN_ERROR, SIGN_IN_ERRORS, signInErrorMessage } from './sign-in-errors';

describe('sign-in page error codes (issue 15, finding 17)', () => {
  it('shows a fixed sentence for a known code and a generic one for anything else, never the URL text', () => {
    expect(signInErrorMessage('sso-no-role')).toBe(SIGN_IN_ERRORS['sso-no-role']);
    // Before: the page rendered whatever ?error= said, so a link could make it say this.
    for (const text of ['Your password expired, call +1-555-0100 now', '<img src=x onerror=alert(1)>', 'toString', '__proto__', 'constructor']) {
      expect(signInErrorMessage(text), text).toBe(GENERIC_SIGN_IN_ERROR);
    }
    expect(signInErrorMessage(null)).toBeNull();
    expect(signInErrorMessage('')).toBeNull();
  });
});
