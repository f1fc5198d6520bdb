/**
 * Why a sign-in did not complete, as a code in /login?error=<code>: the page shows the fixed
 * message for a known code and a generic one otherwise, never text taken from the URL (a link
 * could otherwise make the sign-in page say anything). No dependencies: the browser imports it.
 */
export const SIGN_IN_ERRORS = {
  'sso-failed': 'Single sign-on did not complete. Try again, or ask an administrator to check the server log.',
  'sso-expired': 'The single sign-on attempt expired or was started in another browser. Start again.',
  'sso-no-role': 'Your account is not in any group that Keywatch maps to a role. Ask an administrator for access.',
  'sso-disabled': 'Your Keywatch account is disabled.',
  'sso-not-recent': 'The identity provider did not confirm a fresh sign-in. Start again.',
} as const;

export type SignInErrorCode = keyof typeof SIGN_IN_ERRORS;

export const GENERIC_SIGN_IN_ERROR = 'Signing in did not complete. Try again.';

export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  return Object.hasOwn(SIGN_IN_ERRORS, code) ? SIGN_IN_ERRORS[code as SignInErrorCode] : GENERIC_SIGN_IN_ERROR;
}
