import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { BadRequestError } from "../core/errors";

/**
 * SSRF guard for custom hosts. Upstream URLs whose host is (or resolves to) a loopback, private, link-local,
 * CGNAT or cloud-metadata address are refused unless the deployment's allowlist admits them.
 *
 * Allowlist entries: `loopback` (127.0.0.0/8, ::1, localhost), `private` (RFC 1918 + ULA), a CIDR
 * (`10.1.0.0/16`), or an exact host name (`llm.internal`). The local runtime admits `loopback` by default;
 * AWS admits nothing by default.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["fd00:ec2::254", 128],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv6");
}

const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"]);

export interface HostGuard {
  /** Throws `BadRequestError` when the URL may not be used as an upstream; returns the parsed URL otherwise. */
  checkUrl(url: string): URL;
  /** A `dns.lookup`-compatible function that refuses names resolving to blocked addresses (DNS rebinding). */
  readonly lookup: typeof dnsLookup;
}

function refuse(host: string): never {
  throw new BadRequestError(
    `Custom host "${host}" resolves to a loopback, private, link-local or metadata address, which this deployment does not allow.`,
    { param: "custom_host", code: "custom_host_forbidden" },
  );
}

export function createHostGuard(allowlistSpec: string | undefined): HostGuard {
  const entries = (allowlistSpec ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const allowedNames = new Set<string>();
  const allowed = new BlockList();
  for (const entry of entries) {
    if (entry === "loopback") {
      allowed.addSubnet("127.0.0.0", 8, "ipv4");
      allowed.addAddress("::1", "ipv6");
      allowedNames.add("localhost");
    } else if (entry === "private") {
      allowed.addSubnet("10.0.0.0", 8, "ipv4");
      allowed.addSubnet("172.16.0.0", 12, "ipv4");
      allowed.addSubnet("192.168.0.0", 16, "ipv4");
      allowed.addSubnet("fc00::", 7, "ipv6");
    } else if (entry.includes("/")) {
      const [net, bits] = entry.split("/");
      const family = isIP(net ?? "") === 6 ? "ipv6" : "ipv4";
      allowed.addSubnet(net ?? "", Number(bits), family);
    } else {
      allowedNames.add(entry);
    }
  }

  function addressAllowed(raw: string): boolean {
    // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw);
    const address = mapped?.[1] ?? raw;
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    return !BLOCKED.check(address, family) || allowed.check(address, family);
  }

  // Hosts repeat (a custom host per app or config): the verdict is kept per URL string, bounded.
  const verdicts = new Map<string, URL | BadRequestError>();
  function checkUrl(url: string): URL {
    const known = verdicts.get(url);
    if (known instanceof URL) return known;
    if (known) throw known;
    try {
      const parsed = checkUrlUncached(url);
      if (verdicts.size < 1000) verdicts.set(url, parsed);
      return parsed;
    } catch (err) {
      if (err instanceof BadRequestError && verdicts.size < 1000) verdicts.set(url, err);
      throw err;
    }
  }

  function checkUrlUncached(url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new BadRequestError(`Custom host "${url}" is not a valid URL.`, {
        param: "custom_host",
        code: "invalid_custom_host",
      });
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new BadRequestError(`Custom host must use http or https, not ${parsed.protocol}`, {
        param: "custom_host",
        code: "invalid_custom_host",
      });
    }
    if (parsed.username || parsed.password) {
      throw new BadRequestError("Custom host must not contain credentials.", {
        param: "custom_host",
        code: "invalid_custom_host",
      });
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (allowedNames.has(host)) return parsed;
    if (host === "localhost" || host.endsWith(".localhost") || METADATA_HOSTS.has(host)) refuse(host);
    if (isIP(host) && !addressAllowed(host)) refuse(host);
    return parsed;
  }

  const lookup = ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === "function" ? options : callback) as (
      err: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    const opts = (typeof options === "object" && options !== null ? options : {}) as { all?: boolean };
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const nameAllowed = allowedNames.has(hostname.toLowerCase());
      const bad = addresses.find((a) => !nameAllowed && !addressAllowed(a.address));
      if (bad) {
        const e = new Error(
          `Refused to connect to ${hostname}: it resolves to a forbidden address.`,
        ) as NodeJS.ErrnoException;
        e.code = "ECUSTOMHOSTFORBIDDEN";
        return cb(e, []);
      }
      if (opts.all) return cb(null, addresses);
      const first = addresses[0];
      if (!first) return cb(new Error(`No address for ${hostname}`), []);
      return cb(null, first.address, first.family);
    });
  }) as typeof dnsLookup;

  return { checkUrl, lookup };
}
