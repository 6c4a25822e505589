/**
 * Removes secrets from text before it is logged: bearer tokens, well-known provider key formats, JSON fields whose
 * name says "secret", and any exact secret string the caller knows (e.g. the provider key a virtual key resolved
 * to). One pass per pattern family; the common case (nothing to redact) is a few regex scans over <= 32 KiB.
 */
export const REDACTED = "[REDACTED]";

/** Well-known key shapes. Each match is replaced by `[REDACTED]` (a `Bearer ` prefix is kept). */
const TOKEN_PATTERN = new RegExp(
  [
    String.raw`\bBearer\s+[A-Za-z0-9._~+/=-]{8,}`,
    String.raw`\b(?:sk|pk|rk)-(?:proj-|ant-(?:api\d\d-)?|live-|test-|svcacct-)?[A-Za-z0-9_-]{16,}`,
    String.raw`\bAIza[0-9A-Za-z_-]{30,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    String.raw`\bgsk_[A-Za-z0-9]{20,}`,
    String.raw`\bxai-[A-Za-z0-9]{20,}`,
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`\bhf_[A-Za-z0-9]{30,}`,
    String.raw`\bpk_(?:live|test)_[A-Za-z0-9]{16,}`,
  ].join("|"),
  "g",
);

/** JSON string fields whose *name* marks a secret: `"api_key": "..."`, `"Authorization": "..."`, ... */
const SECRET_FIELD_PATTERN =
  /"([A-Za-z0-9_-]*(?:api[_-]?key|apikey|authorization|password|passwd|secret|access[_-]?token|refresh[_-]?token|private[_-]?key|x-portkey-api-key)[A-Za-z0-9_-]*)"(\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

function replaceToken(match: string): string {
  return match.startsWith("Bearer") ? `Bearer ${REDACTED}` : REDACTED;
}

export type Redactor = (text: string, knownSecrets?: readonly string[]) => string;

/** The default redactor. Known secrets shorter than 8 characters are ignored (too likely to hit normal text). */
export function redactSecrets(text: string, knownSecrets?: readonly string[]): string {
  let out = text;
  if (knownSecrets) {
    for (const secret of knownSecrets) {
      if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
  }
  out = out.replace(SECRET_FIELD_PATTERN, `"$1"$2"${REDACTED}"`);
  return out.replace(TOKEN_PATTERN, replaceToken);
}
