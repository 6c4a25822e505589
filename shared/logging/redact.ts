import { knownSecrets } from "../core/known-secrets";

/**
 * Removes secrets from text before it is logged: bearer tokens, gateway keys (both halves) and well-known provider
 * key formats, JSON fields whose name says "secret", any secret the caller knows for this request, and every secret
 * of the process registry (`known-secrets.ts`: the provider keys behind virtual keys, the root key). The common case
 * (nothing to redact) is a few linear scans over <= 32 KiB.
 */
export const REDACTED = "[REDACTED]";

/** Well-known key shapes (each starts with a word character). */
const KEY_SHAPES = [
  "pk-(?:gw|root)-[A-Za-z0-9_.-]{8,}",
  String.raw`(?:sk|pk|rk)-(?:proj-|ant-(?:api\d\d-)?|admin-|live-|test-|svcacct-)?[A-Za-z0-9_-]{16,}`,
  "(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}",
  "AIza[0-9A-Za-z_-]{30,}",
  "(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])",
  "gsk_[A-Za-z0-9]{20,}",
  "xai-[A-Za-z0-9]{20,}",
  "github_pat_[A-Za-z0-9_]{22,}",
  "gh[pousr]_[A-Za-z0-9]{30,}",
  "hf_[A-Za-z0-9]{30,}",
];

/**
 * Bearer tokens and key shapes at a word boundary (so `task-...` is no `sk-` key); each match is replaced by
 * `[REDACTED]` (a `Bearer ` prefix is kept). One `\b` per alternative keeps V8's scan fast; a lookbehind does not.
 */
const TOKEN_PATTERN = new RegExp(
  [String.raw`\bBearer\s+[A-Za-z0-9._~+/=-]{8,}`, ...KEY_SHAPES.map((shape) => String.raw`\b${shape}`)].join("|"),
  "g",
);

/** A key shape anchored where `lastIndex` points (sticky). */
const KEY_AT = new RegExp(`(?:${KEY_SHAPES.join("|")})`, "y");

const JSON_ESCAPE_LETTERS = new Set(["n", "r", "t", "b", "f"]);
const HEX4 = /^[0-9A-Fa-f]{4}$/;

/**
 * Keys right after a JSON escape (`\n`, `\t`, `\u0022`, ...): inside a JSON body a key on its own line reads
 * `...\nsk-...`, where `n` hides the word boundary. A walk over the backslashes (few in any text), not a regex scan.
 */
function redactAfterEscapes(text: string): string {
  let out = "";
  let copied = 0;
  let i = text.indexOf("\\");
  while (i !== -1) {
    const next = text[i + 1];
    let start = -1;
    if (next === "\\") {
      i = text.indexOf("\\", i + 2);
      continue;
    }
    if (next !== undefined && JSON_ESCAPE_LETTERS.has(next)) start = i + 2;
    else if (next === "u" && HEX4.test(text.slice(i + 2, i + 6))) start = i + 6;
    if (start !== -1) {
      KEY_AT.lastIndex = start;
      const key = KEY_AT.exec(text);
      if (key) {
        out += text.slice(copied, start) + REDACTED;
        copied = start + key[0].length;
        i = text.indexOf("\\", copied);
        continue;
      }
    }
    i = text.indexOf("\\", i + 1);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * JSON string fields whose *name* marks a secret: `"api_key": "..."`, `"Authorization": "..."`, ... The name is
 * matched in a lookahead and then taken whole, so a long name made of secret-like words cannot make the engine
 * retry every split of it (the earlier `[...]*(?:words)[...]*` form was quadratic in the name's length).
 */
const SECRET_FIELD_PATTERN =
  /"(?=[A-Za-z0-9_-]*(?:api[_-]?key|apikey|authorization|password|passwd|secret|access[_-]?token|refresh[_-]?token|private[_-]?key|x-portkey-api-key))([A-Za-z0-9_-]+)"(\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/**
 * The secret words of `SECRET_FIELD_PATTERN` alone, anywhere: a body without one of them has no secret field, and
 * this one scan costs about a quarter of the field pattern's (which tries its lookahead at every quote: a streamed
 * answer's log body has hundreds). Must stay a superset of the field pattern's words (test/unit/redact.test.ts).
 */
const SECRET_WORD =
  /api[_-]?key|apikey|authorization|passw(?:or)?d|secret|access[_-]?token|refresh[_-]?token|private[_-]?key/i;

function replaceToken(match: string): string {
  return match.startsWith("Bearer") ? `Bearer ${REDACTED}` : REDACTED;
}

export type Redactor = (text: string, knownSecrets?: readonly string[]) => string;

/**
 * The default redactor. `requestSecrets` are the request's own (e.g. the provider key it sent); those shorter than
 * 8 characters are ignored (too likely to hit normal text).
 */
export function redactSecrets(text: string, requestSecrets?: readonly string[]): string {
  let out = text;
  if (requestSecrets) {
    for (const secret of requestSecrets) {
      if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
  }
  out = knownSecrets.redact(out, REDACTED);
  if (SECRET_WORD.test(out)) out = out.replace(SECRET_FIELD_PATTERN, `"$1"$2"${REDACTED}"`);
  return redactAfterEscapes(out).replace(TOKEN_PATTERN, replaceToken);
}
