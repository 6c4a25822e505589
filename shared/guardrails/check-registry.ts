import { InvalidConfigError } from "../core/config-error";
import type { CheckDefinition } from "./check-definition";
import { characterCount, sentenceCount, wordCount } from "./checks/count-checks";
import { promptInjection } from "./checks/injection-check";
import { jsonKeys, jsonSchema } from "./checks/json-checks";
import { addPrefix, regexReplace } from "./checks/mutator-checks";
import { moderateContent, webhook } from "./checks/network-checks";
import { pii } from "./checks/pii-checks";
import { allLowercase, allUppercase, contains, endsWith, regexMatch } from "./checks/text-checks";
import { containsCode, modelWhitelist, validUrls } from "./checks/url-code-checks";
import type { CompiledCheck } from "./types";

/** The built-in checks, by Portkey id (`default.<name>`, `portkey.<name>`). */
export const BUILT_IN_CHECKS: ReadonlyMap<string, CheckDefinition> = new Map(
  [
    regexMatch,
    contains,
    endsWith,
    allUppercase,
    allLowercase,
    wordCount,
    characterCount,
    sentenceCount,
    jsonSchema,
    jsonKeys,
    validUrls,
    containsCode,
    modelWhitelist,
    regexReplace,
    addPrefix,
    webhook,
    pii,
    moderateContent,
    promptInjection,
  ].map((check) => [check.id, check] as const),
);

/** Portkey checks this gateway does not run, and why. */
const NOT_OFFERED: Readonly<Record<string, string>> = {
  "default.log": "it posts to an external log URL",
  "default.endpointReachability": "it calls out to the network",
  "default.jwt": "it fetches signing keys from the network",
  "default.injectTools": "it rewrites the tools of the request",
  "portkey.language": "it needs Portkey's hosted classifier",
  "portkey.gibberish": "it needs Portkey's hosted classifier",
};

/** Validates one check's id and parameters and precompiles it; `at` is the check's config path. */
export function compileCheck(id: string, parameters: unknown, at: string): CompiledCheck {
  const definition = BUILT_IN_CHECKS.get(id);
  if (!definition) {
    const reason = NOT_OFFERED[id];
    const message = reason
      ? `"${id}" is not offered by this gateway (${reason})`
      : `unknown check id "${id}" (built-in checks: ${[...BUILT_IN_CHECKS.keys()].join(", ")})`;
    throw new InvalidConfigError(`${at}.id: ${message}`, `${at}.id`);
  }
  const { run, not, failOnError, streamRedactor } = definition.compile(parameters, `${at}.parameters`);
  return Object.freeze({ id, not, failOnError, run, ...(streamRedactor ? { streamRedactor } : {}) });
}
