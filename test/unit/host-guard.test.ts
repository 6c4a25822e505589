import { describe, expect, it } from "vitest";
import type { GatewayError } from "../../shared/core/errors";
import { createHostGuard } from "../../shared/http/host-guard";

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
