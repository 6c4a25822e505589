import { NotFoundError } from "../core/errors";

/**
 * Which version of a prompt a request means (Portkey's syntax): `<id>` is the published version, `<id>@latest` the
 * newest, `<id>@12` version 12, `<id>@staging` the version the label `staging` points at (`@production` is the
 * published version: publishing moves the `production` label).
 */
export type PromptVersionRef =
  | { readonly kind: "published" }
  | { readonly kind: "latest" }
  | { readonly kind: "number"; readonly version: number }
  | { readonly kind: "label"; readonly label: string };

/** Label names: lower-case, starting with a letter; `latest` is reserved (it is not a label but the newest). */
export const LABEL_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** The label that is the published version. */
export const PRODUCTION_LABEL = "production";

export interface PromptReference {
  readonly slug: string;
  readonly ref: PromptVersionRef;
}

/** Prompt slugs as the admin API creates them (same rule as every other slug). */
export const PROMPT_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VERSION = /^[1-9][0-9]{0,8}$/;

export function promptNotFound(reference: string): NotFoundError {
  return new NotFoundError(`Prompt '${reference}' not found.`, { code: "prompt_not_found" });
}

/** Parses `<slug>[@latest|@<n>]`; anything else can name no prompt, so it is a 404 (never a 400 that probes). */
export function parsePromptReference(reference: string): PromptReference {
  const at = reference.indexOf("@");
  const slug = at === -1 ? reference : reference.slice(0, at);
  if (!PROMPT_SLUG.test(slug)) throw promptNotFound(reference);
  if (at === -1) return { slug, ref: { kind: "published" } };
  const suffix = reference.slice(at + 1);
  if (suffix === "latest") return { slug, ref: { kind: "latest" } };
  if (VERSION.test(suffix)) return { slug, ref: { kind: "number", version: Number(suffix) } };
  if (suffix === PRODUCTION_LABEL) return { slug, ref: { kind: "published" } };
  if (LABEL_NAME.test(suffix)) return { slug, ref: { kind: "label", label: suffix } };
  throw promptNotFound(reference);
}

/** The version number a reference picks on a prompt head; 0 for a label the prompt does not have. */
export function pickVersion(
  ref: PromptVersionRef,
  head: { promptVersion: number; publishedVersion: number; labels?: Readonly<Record<string, number>> },
): number {
  if (ref.kind === "published") return head.publishedVersion;
  if (ref.kind === "latest") return head.promptVersion;
  if (ref.kind === "label")
    return head.labels !== undefined && Object.hasOwn(head.labels, ref.label) ? (head.labels[ref.label] ?? 0) : 0;
  return ref.version;
}

/** A prompt head's labels with `production` (the published version) included, as the admin API shows them. */
export function labelsOf(head: {
  publishedVersion: number;
  labels?: Readonly<Record<string, number>>;
}): Record<string, number> {
  return { [PRODUCTION_LABEL]: head.publishedVersion, ...head.labels };
}

/** `<id>` or `<id>@<n>`, as templates name partials (`PARTIAL_REFERENCE`). */
export function splitPartialName(name: string): { readonly slug: string; readonly version?: number } {
  const at = name.indexOf("@");
  return at === -1 ? { slug: name } : { slug: name.slice(0, at), version: Number(name.slice(at + 1)) };
}
