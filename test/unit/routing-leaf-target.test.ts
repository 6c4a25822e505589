import { describe, expect, it } from "vitest";
import { GatewayError } from "../../shared/core/errors";
import { targetForLeaf, type VirtualKeyResolver } from "../../shared/gateway/leaf-target";
import { readPortkeyHeaders } from "../../shared/gateway/portkey-headers";
import { compileConfig } from "../../shared/routing/compile";
import type { LeafNode } from "../../shared/routing/plan";

const requestHeaders = {
  authorization: "Bearer sk-client-openai-key",
  "x-portkey-provider": "openai",
  "x-portkey-custom-host": "https://header-host.example.com/v1",
};
const headers = readPortkeyHeaders(requestHeaders);
const fromHeaders = async () => ({
  provider: "openai",
  apiKey: "sk-client-openai-key",
  customHost: headers.customHost,
});

function leafOf(raw: unknown, index = 0): LeafNode {
  return compileConfig(raw).leaves[index] as LeafNode;
}

describe("config leaf -> provider target", () => {
  it("never hands the client's Authorization key to a config target", async () => {
    const leaf = leafOf({ strategy: { mode: "fallback" }, targets: [{ provider: "groq" }] });
    const target = await targetForLeaf(leaf, headers, requestHeaders, fromHeaders, undefined);
    expect(target).toMatchObject({ provider: "groq", apiKey: undefined });
  });

  it("uses the header-named target for a config without provider, with the config's host and options", async () => {
    const leaf = leafOf({
      retry: { attempts: 1 },
      custom_host: "https://config-host.example.com/v1",
      api_version: "v2",
    });
    const target = await targetForLeaf(leaf, headers, requestHeaders, fromHeaders, undefined);
    expect(target).toMatchObject({
      provider: "openai",
      apiKey: "sk-client-openai-key",
      customHost: "https://config-host.example.com/v1",
      options: { apiVersion: "v2" },
    });
  });

  it("resolves virtual keys through the port, and answers 400 while none is wired", async () => {
    const leaf = leafOf({
      strategy: { mode: "single" },
      targets: [{ virtual_key: "prod-openai", override_params: {} }],
    });
    const resolver: VirtualKeyResolver = {
      resolve: async (slug) => ({ provider: "openai", apiKey: `decrypted-${slug}` }),
    };
    expect(await targetForLeaf(leaf, headers, requestHeaders, fromHeaders, resolver)).toMatchObject({
      provider: "openai",
      apiKey: "decrypted-prod-openai",
    });
    const err = await targetForLeaf(leaf, headers, requestHeaders, fromHeaders, undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe("virtual_key_unavailable");
  });
});
