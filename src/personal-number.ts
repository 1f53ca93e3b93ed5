/** Just enough personnummer handling to recognise and mask one; validation comes with the e-mail mapping. */

const SHAPE = /^(\d{6}|\d{8})[-+]?\d{4}$/;

export function looksLikePersonalNumber(text: string): boolean {
  return SHAPE.test(text.trim());
}

/** The digits to compare on: the last ten, since a 10-digit form has no century. */
export function comparableDigits(text: string): string {
  return text.replace(/\D/g, '').slice(-10);
}

/** "YYYYMMDD-****" (or "YYMMDD-****"): the birth date stays readable, the rest never is. */
export function maskPersonalNumber(text: string): string {
  const digits = text.replace(/\D/g, '');
  return `${digits.slice(0, digits.length - 4)}-****`;
}
