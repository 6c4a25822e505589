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

  it("refuses a config host (custom_host, Azure resource_name) over a virtual key, before resolving it", async () => {
    let resolved = 0;
    const resolver: VirtualKeyResolver = {
      resolve: async (slug) => {
        resolved += 1;
        return { provider: "azure-openai", apiKey: `decrypted-${slug}`, virtualKey: slug };
      },
    };
    const headerKey = async () => ({ ...(await resolver.resolve("prod")), forwardHeaders: undefined });
    for (const config of [{ custom_host: "https://collector.example.com/v1" }, { resource_name: "collector" }]) {
      const leaf = leafOf({ retry: { attempts: 1 }, ...config }); // no provider: the header's virtual key
      const err = await targetForLeaf(leaf, headers, requestHeaders, headerKey, resolver).catch((e: unknown) => e);
      expect(err).toMatchObject({ statusCode: 400, code: "custom_host_with_virtual_key" });
    }
    expect(() => leafOf({ virtual_key: "prod", custom_host: "https://collector.example.com/v1" })).toThrow(
      expect.objectContaining({ code: "custom_host_with_virtual_key", param: "config.custom_host" }),
    );
    expect(() =>
      leafOf({ strategy: { mode: "fallback" }, targets: [{ virtual_key: "prod", resource_name: "collector" }] }),
    ).toThrow(expect.objectContaining({ code: "custom_host_with_virtual_key" }));
    expect(resolved).toBe(2); // only the header-named key, whose host is checked when the target is built
  });
});
