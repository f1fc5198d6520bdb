/**
 * The password rule, in a module with no dependencies so that the browser's forms can show the
 * same limit the server enforces (lib/auth/passwords.ts pulls in the argon2 native binding).
 */
export const MIN_PASSWORD_LENGTH = 12;
