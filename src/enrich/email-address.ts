/** A pragmatic check, not RFC 5322: one @, no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

export const isValidEmail = (text: string): boolean => EMAIL.test(text);
