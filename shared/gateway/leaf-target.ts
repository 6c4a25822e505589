import { BadRequestError } from "../core/errors";
import { hostOptionIn, virtualKeyHostOverride } from "../providers/provider-options";
import type { ProviderTarget } from "../providers/types";
import type { LeafNode } from "../routing/plan";
import { type PortkeyHeaders, pickForwardHeaders } from "./portkey-headers";

/** Port: virtual keys (control plane). Resolves a slug to the provider and its decrypted credential. */
export interface VirtualKeyResolver {
  resolve(slug: string): Promise<Omit<ProviderTarget, "forwardHeaders">>;
}

function forwardHeadersFor(
  leaf: LeafNode,
  headers: PortkeyHeaders,
  requestHeaders: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> | undefined {
  if (!leaf.forwardHeaders) return headers.forwardHeaders;
  return { ...headers.forwardHeaders, ...pickForwardHeaders(leaf.forwardHeaders, requestHeaders) };
}

/**
 * The target a config leaf calls. A config target carries its own provider, key and custom host; the request's
 * `Authorization` key is only used by a config without any provider (Portkey's rule), never sent to a target
 * the client did not name, so a key for one provider cannot leak to another.
 */
export async function targetForLeaf(
  leaf: LeafNode,
  headers: PortkeyHeaders,
  requestHeaders: Readonly<Record<string, string>>,
  fromHeaders: () => Promise<ProviderTarget>,
  virtualKeys: VirtualKeyResolver | undefined,
): Promise<ProviderTarget> {
  const forwardHeaders = forwardHeadersFor(leaf, headers, requestHeaders);
  if (leaf.fromHeaders) {
    const base = await fromHeaders();
    if (base.virtualKey) refuseHostOverride(leaf);
    const hasOptions = Object.keys(leaf.options).length > 0;
    return {
      ...base,
      customHost: leaf.customHost ?? base.customHost,
      options: hasOptions ? { ...base.options, ...leaf.options } : base.options,
      forwardHeaders,
    };
  }
  if (leaf.virtualKey) {
    if (!virtualKeys) {
      throw new BadRequestError(`${leaf.path}: virtual keys are not available on this gateway yet.`, {
        code: "virtual_key_unavailable",
        param: `${leaf.path}.virtual_key`,
      });
    }
    refuseHostOverride(leaf); // also refused when the config is compiled; kept next to the secret it protects
    const resolved = await virtualKeys.resolve(leaf.virtualKey);
    return {
      ...resolved,
      options: { ...resolved.options, ...leaf.options },
      forwardHeaders,
    };
  }
  return {
    provider: leaf.provider as string,
    apiKey: leaf.apiKey,
    customHost: leaf.customHost,
    options: leaf.options,
    forwardHeaders,
  };
}

/** A virtual key's secret goes only to the host it was created for: the config may not choose another one. */
function refuseHostOverride(leaf: LeafNode): void {
  if (leaf.customHost) throw virtualKeyHostOverride(`${leaf.path}.custom_host`);
  const hostOption = hostOptionIn(leaf.options);
  if (hostOption) throw virtualKeyHostOverride(`${leaf.path}.${hostOption}`);
}
