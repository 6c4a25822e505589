import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import type { GatewayError } from "../../shared/core/errors";
import { createHostGuard } from "../../shared/http/host-guard";
import { createUndiciTransport } from "../../shared/http/upstream";

function refusal(fn: () => unknown): GatewayError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err as GatewayError;
  }
}

describe("custom host SSRF guard", () => {
  const strict = createHostGuard(undefined);

  it.each([
    "http://127.0.0.1:8080/v1",
    "http://localhost:11434",
    "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.5/v1",
    "http://172.20.1.1/v1",
    "http://192.168.1.10/v1",
    "http://[::1]:8000/v1",
    "http://[fd00:ec2::254]/",
    "http://[::ffff:127.0.0.1]/",
    "http://metadata.google.internal/computeMetadata/v1",
    "http://0.0.0.0:80/",
  ])("refuses %s by default with a 400 custom_host_forbidden", (url) => {
    const err = refusal(() => strict.checkUrl(url));
    expect(err?.statusCode).toBe(400);
    expect(err?.code).toBe("custom_host_forbidden");
  });

  it.each(["https://api.openai.com/v1", "https://8.8.8.8/v1", "http://my-llm.example.com:8000/v1"])(
    "admits public host %s",
    (url) => {
      expect(strict.checkUrl(url).href).toContain(new URL(url).host);
    },
  );

  it("rejects non-http schemes and embedded credentials", () => {
    expect(refusal(() => strict.checkUrl("file:///etc/passwd"))?.code).toBe("invalid_custom_host");
    expect(refusal(() => strict.checkUrl("https://user:pw@example.com/"))?.code).toBe("invalid_custom_host");
    expect(refusal(() => strict.checkUrl("not a url"))?.code).toBe("invalid_custom_host");
  });

  it("admits loopback, CIDRs and names on the allowlist, and nothing else", () => {
    const guard = createHostGuard("loopback, 10.1.0.0/16, llm.internal");
    expect(() => guard.checkUrl("http://127.0.0.1:9000/v1")).not.toThrow();
    expect(() => guard.checkUrl("http://localhost:9000/v1")).not.toThrow();
    expect(() => guard.checkUrl("http://10.1.2.3/v1")).not.toThrow();
    expect(() => guard.checkUrl("http://llm.internal/v1")).not.toThrow();
    expect(refusal(() => guard.checkUrl("http://10.2.0.1/v1"))?.code).toBe("custom_host_forbidden");
    expect(refusal(() => guard.checkUrl("http://169.254.169.254/"))?.code).toBe("custom_host_forbidden");
  });

  it("refuses names that resolve to forbidden addresses at connect time", async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      strict.lookup("localhost", {}, (e) => resolve(e));
    });
    expect(err?.code).toBe("ECUSTOMHOSTFORBIDDEN");
  });
});

describe("addresses that carry an IPv4 address", () => {
  const strict = createHostGuard(undefined);

  it.each([
    "http://[64:ff9b::a9fe:a9fe]/", // NAT64 of 169.254.169.254
    "http://[64:ff9b::10.0.0.1]/",
    "http://[64:ff9b:1::808:808]/", // local-use NAT64: refused whole
    "http://[2002:7f00:1::]/", // 6to4 of 127.0.0.1
    "http://[::127.0.0.1]/", // IPv4-compatible
    "http://[2001::1]/", // Teredo
  ])("refuses %s", (url) => {
    expect(refusal(() => strict.checkUrl(url))?.code).toBe("custom_host_forbidden");
  });

  it.each(["http://[64:ff9b::808:808]/", "http://[2002:808:808::1]/", "http://[2606:4700::1111]/"])(
    "admits %s (a public address, or one carrying a public IPv4 address)",
    (url) => {
      expect(() => strict.checkUrl(url)).not.toThrow();
    },
  );
});

describe("the gateway's own listeners", () => {
  it("refuses every local spelling of an own port, whatever the allowlist admits, and nothing else", () => {
    const guard = createHostGuard("loopback, 0.0.0.0/0, localhost");
    guard.denyOwn({ port: 4100 });
    for (const host of ["127.0.0.1", "127.0.0.2", "localhost", "LocalHost.", "[::1]", "0.0.0.0", "[::ffff:7f00:1]"]) {
      expect(refusal(() => guard.checkUrl(`http://${host}:4100/x`))?.code, host).toBe("custom_host_forbidden");
    }
    expect(() => guard.checkUrl("http://127.0.0.1:4101/x")).not.toThrow();
    expect(() => guard.checkUrl("http://93.184.216.34:4100/x")).not.toThrow();
  });

  it("refuses an own host name on any port (the public API host on AWS)", () => {
    const guard = createHostGuard(undefined);
    guard.denyOwn({ host: "abc123.execute-api.eu-west-1.amazonaws.com" });
    expect(refusal(() => guard.checkUrl("https://ABC123.execute-api.eu-west-1.amazonaws.com./prod/v1"))?.code).toBe(
      "custom_host_forbidden",
    );
    expect(() => guard.checkUrl("https://other.execute-api.eu-west-1.amazonaws.com/prod/v1")).not.toThrow();
  });

  it("refuses a connection that reaches an own port (the connector, after DNS), before any byte is sent", async () => {
    let requests = 0;
    const listen = async () => {
      const server = createServer((_req, res) => {
        requests += 1;
        res.end("reached");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return { server, port: (server.address() as AddressInfo).port };
    };
    const own = await listen();
    const other = await listen();
    const guard = createHostGuard("loopback");
    guard.denyOwn({ port: own.port });
    const agent = new Agent({ connect: guard.connector() });
    try {
      // undici connects by the URL's host; the connector judges the address it reached, whatever the name was
      const err = await request(`http://127.0.0.1:${own.port}/`, { dispatcher: agent }).catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toBe("ECUSTOMHOSTFORBIDDEN");
      const res = await request(`http://127.0.0.1:${other.port}/`, { dispatcher: agent });
      expect(await res.body.text()).toBe("reached");
      expect(requests).toBe(1);
    } finally {
      await agent.close();
      own.server.close();
      other.server.close();
    }
  });
});

describe("every request as it goes on the wire (admit)", () => {
  const guard = createHostGuard(undefined, { hopSeed: "deployment-1" });
  const send = (url: string, headers: Record<string, string> = {}) => guard.admit({ url, method: "POST", headers });

  it("checks the final URL, not only custom hosts, per origin", () => {
    expect(send("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse").url).toContain("amazonaws.com");
    for (const url of [
      "https://x@127.0.0.1:9/#.amazonaws.com/model/m/converse",
      "http://169.254.169.254/latest/meta-data/",
      "https://bedrock-runtime.[::1]/x",
    ]) {
      expect(refusal(() => send(url))?.statusCode, url).toBe(400);
    }
  });

  it("forgets earlier verdicts when the gateway learns an own listener", () => {
    const local = createHostGuard("loopback");
    const url = "http://127.0.0.1:4200/v1/chat/completions";
    expect(() => local.admit({ url, method: "POST", headers: {} })).not.toThrow();
    local.denyOwn({ port: 4200 });
    expect(refusal(() => local.admit({ url, method: "POST", headers: {} }))?.code).toBe("custom_host_forbidden");
  });

  it("adds the deployment's hop mark, drops the client's x-portkey-* headers and refuses bad values", () => {
    const out = send("https://api.openai.com/v1/chat/completions", { "x-portkey-config": "{}", "x-kept": "1" });
    expect(out.headers).toEqual({ "x-kept": "1", "x-portkey-hop": guard.hopId });
    expect(guard.isOwnHop(`other, ${guard.hopId}`)).toBe(true);
    expect(guard.isOwnHop(createHostGuard(undefined).hopId)).toBe(false);
    expect(createHostGuard(undefined, { hopSeed: "deployment-1" }).hopId).toBe(guard.hopId);
    expect(refusal(() => send("https://api.openai.com/v1", { "x-a": "b\r\nc: d" }))?.code).toBe("invalid_header_value");
    expect(refusal(() => send("https://api.openai.com/v1", { authorization: "Bearer pk-gw-0123" }))?.code).toBe(
      "gateway_key_not_forwardable",
    );
  });
});

describe("the guarded transport", () => {
  it("checks the final URL of every request (not only custom hosts) before connecting", async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const transport = createUndiciTransport({ guard: createHostGuard(undefined) });
    try {
      const err = await transport
        .send(
          { url: `http://127.0.0.1:${port}/v1/chat/completions`, method: "POST", headers: {} },
          new AbortController().signal,
        )
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ statusCode: 400, code: "custom_host_forbidden" });
      expect(requests).toBe(0);
    } finally {
      await transport.close();
      server.close();
    }
  });
});
