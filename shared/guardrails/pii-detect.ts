import { isIPv6 } from "node:net";

/**
 * Local PII detection (no external service), for `portkey.pii`. Each category is a fixed pattern written for
 * linear-time matching (bounded repeats, no nested quantifiers) plus a validator where one exists: Luhn for cards,
 * ISO 13616 mod-97 for IBANs, octet and group rules for IP addresses, SSA rules for SSNs. Names and street
 * addresses have no checksum: they are found from context (a title, "my name is", a greeting or signature, a street
 * suffix), which favours precision over recall. Patterns are compiled once, at load.
 */
export const PII_CATEGORIES = [
  "EMAIL_ADDRESS",
  "PHONE_NUMBER",
  "CREDIT_CARD",
  "SSN",
  "IBAN",
  "IP_ADDRESS",
  "API_KEY",
  "NAME",
  "LOCATION_ADDRESS",
] as const;
export type PiiCategory = (typeof PII_CATEGORIES)[number];

export interface PiiSpan {
  readonly category: PiiCategory;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

/** The longest value the detectors report (a stream holds back this many characters, see stream-guard.ts). */
export const MAX_PII_SPAN = 128;

interface Detector {
  readonly category: PiiCategory;
  readonly pattern: RegExp;
  /** The capture group holding the value (0: the whole match). */
  readonly group?: number;
  readonly valid?: (value: string) => boolean;
}

function digitsOf(value: string): string {
  return value.replace(/\D/g, "");
}

/** Luhn checksum over 13-19 digits. */
export function luhnValid(value: string): boolean {
  const digits = digitsOf(value);
  if (digits.length < 13 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBAN lengths by country (ISO 13616 registry, the common ones); other countries: 15-34. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AT: 20,
  BE: 16,
  BG: 22,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TR: 26,
  AE: 23,
  SA: 24,
  IL: 23,
  BR: 29,
};

/** ISO 13616: the rearranged number mod 97 is 1, and the length fits the country. */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/ /g, "").toUpperCase();
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected ? iban.length !== expected : iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const c of rearranged) {
    const code = c.charCodeAt(0);
    const n = code >= 65 ? code - 55 : code - 48;
    rest = (n > 9 ? rest * 100 + n : rest * 10 + n) % 97;
  }
  return rest === 1;
}

/** SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000. */
function ssnValid(value: string): boolean {
  const d = digitsOf(value);
  const area = d.slice(0, 3);
  return area !== "000" && area !== "666" && area[0] !== "9" && d.slice(3, 5) !== "00" && d.slice(5) !== "0000";
}

function phoneValid(value: string): boolean {
  const digits = digitsOf(value).length;
  return digits >= 10 && digits <= 15;
}

const TITLE = String.raw`(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Madam|Mme|Herr|Frau)\.?`;
const CAPITALISED = String.raw`[A-Z][a-z'\u00e0-\u00ff]{1,20}`;
const FULL_NAME = String.raw`${CAPITALISED}(?:[ -]${CAPITALISED}){0,2}`;
const STREET_SUFFIX = String.raw`(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Square|Sq)`;

/** In order of precedence: where two spans overlap, the earlier detector's wins. */
const DETECTORS: readonly Detector[] = [
  {
    category: "API_KEY",
    pattern: new RegExp(
      [
        String.raw`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b`,
        String.raw`\b(?:sk|pk|rk)-(?:proj-|ant-(?:api\d\d-)?|admin-|live-|test-|svcacct-)?[A-Za-z0-9_-]{20,100}`,
        String.raw`\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,99}`,
        String.raw`\bAIza[0-9A-Za-z_-]{35}`,
        String.raw`\bgh[pousr]_[A-Za-z0-9]{36,76}`,
        String.raw`\bgithub_pat_[A-Za-z0-9_]{22,100}`,
        String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,100}`,
        String.raw`\b(?:gsk|hf)_[A-Za-z0-9]{30,60}`,
        String.raw`\bxai-[A-Za-z0-9]{20,90}`,
        String.raw`\beyJ[A-Za-z0-9_-]{10,60}\.eyJ[A-Za-z0-9_-]{10,60}\.[A-Za-z0-9_-]{10,60}`,
      ].join("|"),
      "g",
    ),
  },
  {
    category: "EMAIL_ADDRESS",
    pattern: /\b[A-Za-z0-9._%+-]{1,40}@[A-Za-z0-9-]{1,40}(?:\.[A-Za-z0-9-]{1,40}){0,3}\.[A-Za-z]{2,12}\b/g,
  },
  {
    category: "CREDIT_CARD",
    pattern: /\b\d{4}(?:[ -]?\d{2,4}){2,4}(?:[ -]?\d{1,3})?\b/g,
    valid: luhnValid,
  },
  {
    category: "IBAN",
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    valid: ibanValid,
  },
  { category: "SSN", pattern: /\b\d{3}[- ]\d{2}[- ]\d{4}\b/g, valid: ssnValid },
  {
    category: "IP_ADDRESS",
    pattern: /\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b/g,
  },
  {
    category: "IP_ADDRESS",
    pattern:
      /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![0-9A-Fa-f:])/g,
    valid: (value) => isIPv6(value) && value.length > 6,
  },
  {
    category: "PHONE_NUMBER",
    pattern:
      /(?<![\w+])(?:(?:\+\d{1,3}|1)[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{2,4}[ .-]\d{2,4}(?:[ .-]\d{2,4})?\b/g,
    valid: phoneValid,
  },
  {
    category: "PHONE_NUMBER",
    pattern: /(?<![\w+])\+\d{10,14}\b/g,
  },
  {
    category: "LOCATION_ADDRESS",
    pattern: new RegExp(
      String.raw`\b\d{1,5}(?: [A-Z][a-z]{1,20}){1,4} ${STREET_SUFFIX}\b(?:,? (?:Apt|Suite|Unit) \w{1,6})?`,
      "g",
    ),
  },
  {
    category: "NAME",
    pattern: new RegExp(
      String.raw`(?:\b${TITLE} |\b(?:[Mm]y name is|[Nn]ame:|[Nn]amed|[Cc]alled|[Dd]ear|[Tt]his is|[Rr]egards,|[Ss]incerely,|[Tt]hanks,|[Cc]ontact) ?\n?)(${FULL_NAME})`,
      "g",
    ),
    group: 1,
    // "This is Monday" or "called Python": a single word after a weak cue needs a capitalised second word
    valid: (value) => !COMMON_WORDS.has((value.split(/[ -]/)[0] as string).replace(/'s$/, "")),
  },
];

/** Capitalised words that follow the name cues without being names. */
const COMMON_WORDS = new Set([
  "The",
  "This",
  "That",
  "It",
  "A",
  "An",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
  "Python",
  "Java",
  "JavaScript",
  "Customer",
  "Support",
  "Team",
  "Sir",
  "Madam",
  "All",
  "Everyone",
  "Hello",
  "Hi",
  "Thanks",
  "Best",
  "Regards",
  "Sincerely",
  "Yes",
  "No",
  "Not",
  "Just",
  "Important",
]);

/** Every PII span of the wanted categories, left to right, overlaps resolved by detector precedence. */
export function findPii(text: string, wanted: ReadonlySet<PiiCategory>): PiiSpan[] {
  const spans: PiiSpan[] = [];
  const taken = (start: number, end: number) => spans.some((s) => start < s.end && end > s.start);
  for (const detector of DETECTORS) {
    if (!wanted.has(detector.category)) continue;
    detector.pattern.lastIndex = 0;
    for (const match of text.matchAll(detector.pattern)) {
      const value = match[detector.group ?? 0];
      if (!value) continue;
      const start = (match.index ?? 0) + (detector.group ? match[0].lastIndexOf(value) : 0);
      const end = start + value.length;
      if (detector.valid && !detector.valid(value)) continue;
      if (taken(start, end)) continue;
      spans.push({ category: detector.category, start, end, value });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** The request's placeholder for a value: `[EMAIL_ADDRESS_1]`, the same for the same value within one request. */
export function placeholderFor(span: Pick<PiiSpan, "category" | "value">, placeholders: Map<string, string>): string {
  const known = placeholders.get(span.value);
  if (known) return known;
  const prefix = `[${span.category}_`;
  let n = 1;
  for (const name of placeholders.values()) if (name.startsWith(prefix)) n++;
  const name = `${prefix}${n}]`;
  placeholders.set(span.value, name);
  return name;
}

/** The text with every span replaced by its placeholder. */
export function redactSpans(text: string, spans: readonly PiiSpan[], placeholders: Map<string, string>): string {
  let out = "";
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + placeholderFor(span, placeholders);
    at = span.end;
  }
  return out + text.slice(at);
}
