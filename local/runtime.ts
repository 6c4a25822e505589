import { createGatewayCore } from "../shared/gateway/core";
import { createHealthCore } from "../shared/http/health-core";
import { createHostGuard } from "../shared/http/host-guard";
import type { CoreHandler } from "../shared/http/types";
import { createUndiciTransport } from "../shared/http/upstream";
import { defaultProviderRegistry } from "../shared/providers/registry";
import { functionForPath } from "../shared/routes";
import { type RunningServer, startNodeServer } from "./node-server";

export interface LocalRuntimeOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** SSRF allowlist for custom hosts; the local runtime admits loopback by default. */
  readonly customHostAllowlist?: string;
  readonly streamIdleTimeoutMs?: number;
}

export interface LocalRuntime extends RunningServer {
  readonly cores: Readonly<Record<"gateway" | "admin" | "analytics", CoreHandler>>;
}

/** Everything `npm start` runs: the three function cores behind one local HTTP port, no AWS account needed. */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const hostGuard = createHostGuard(options.customHostAllowlist ?? "loopback");
  const transport = createUndiciTransport({ guard: hostGuard });
  const cores = {
    gateway: createGatewayCore({
      providers: defaultProviderRegistry(),
      transport,
      hostGuard,
      streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? 120_000,
    }),
    admin: createHealthCore("admin", "/v1/admin/health"),
    analytics: createHealthCore("analytics", "/v1/analytics/health"),
  };
  const server = await startNodeServer({
    host: options.host,
    port: options.port,
    route: (path) => cores[functionForPath(path)],
  });
  return {
    ...server,
    cores,
    close: async () => {
      await server.close();
      await transport.close();
    },
  };
}
