import type { ProviderTarget } from "../providers/types";
import type { LeafNode } from "../routing/plan";
import type { PortkeyHeaders } from "./portkey-headers";

/**
 * True when an attempt's base URL was chosen by the caller (`x-portkey-custom-host`, or `custom_host` in an inline
 * config) rather than stored through the admin API (a virtual key's or a saved config's custom host). Such a
 * host's usage is billed within the request's reservation (shared/limits/usage-bounds.ts), priced at the model
 * the request asked for, not the one the host names.
 */
export function hostChosenByClient(
  target: ProviderTarget,
  leaf: LeafNode,
  headers: PortkeyHeaders,
  savedPlan: boolean,
): boolean {
  const host = target.customHost;
  if (host === undefined) return false;
  if (host === headers.customHost) return true;
  return !savedPlan && host === leaf.customHost;
}
