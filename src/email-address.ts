/**
 * An address that mail systems accept, and so one safe to upload: the
 * RFC 5321/5322 dot-atom form, nothing looser. The local part is letters,
 * digits and ! # $ % & ' * + / = ? ^ _ ` { | } ~ -, in dot-separated runs
 * (no leading, trailing or double dot), at most 64 bytes. The domain is at
 * least two DNS labels of letters, digits and inner hyphens, at most 63
 * bytes each, and its last label is not all digits. The whole is at most
 * 254 bytes. Letters include non-ASCII ones (å, ä, ö; SMTPUTF8, RFC 6531,
 * and internationalised domain names), which Swedish addresses may hold.
 * Refused: quoted local parts, comments, IP-address domains, spaces,
 * control characters, and <, >, (, ), [, ], ",", ";", ":", "\" and ".
 */
const ATOM = "[\\p{L}\\p{M}0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_PART = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');
const LABEL = /^[\p{L}\p{M}0-9](?:[\p{L}\p{M}0-9-]*[\p{L}\p{M}0-9])?$/u;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

export function isValidEmail(text: string): boolean {
  if (bytes(text) > 254) return false;
  const at = text.lastIndexOf('@');
  const local = text.slice(0, at);
  const labels = text.slice(at + 1).split('.');
  if (at < 1 || bytes(local) > 64 || !LOCAL_PART.test(local)) return false;
  if (labels.length < 2 || /^[0-9]+$/.test(labels.at(-1)!)) return false;
  return labels.every((label) => bytes(label) <= 63 && LABEL.test(label));
}
