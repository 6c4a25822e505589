import { createHash, randomBytes } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type Socket } from "node:net";
import { BadRequestError } from "../core/errors";
import { BLOCKED, isThisHost, judgedAddress } from "./address-policy";
import { outboundHeaders } from "./outbound-headers";
import type { UpstreamRequest } from "./types";
import { buildConnector } from "./undici-parts";

/**
 * SSRF guard for everything the gateway sends. Upstream URLs whose host is (or resolves to) a loopback, private,
 * link-local, CGNAT or cloud-metadata address are refused unless the deployment's allowlist admits them; the
 * gateway's own listeners (its HTTP port, the embedded DynamoDB, its public API host) are refused whatever the
 * allowlist says. Custom hosts are checked when they are read; every final URL again before it is sent (cached
 * per origin), and every connection once more after DNS (rebinding) and after connecting (own ports).
 *
 * Allowlist entries: `loopback` (127.0.0.0/8, ::1, localhost), `private` (RFC 1918 + ULA), a CIDR
 * (`10.1.0.0/16`), or an exact host name (`llm.internal`). The local runtime admits `loopback` by default;
 * AWS admits nothing by default.
 */
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"]);
/** Verdicts kept per URL / origin string; a full map is emptied (hosts repeat, attackers' one-offs do not). */
const MAX_VERDICTS = 1000;

/** A listener of the gateway itself: a port on this machine (any local address), or a host name (any port). */
export interface OwnListener {
  readonly host?: string;
  readonly port?: number;
}

export interface HostGuardOptions {
  /** Same value in every instance of one deployment (AWS: the API's host), so loops through any instance show. */
  readonly hopSeed?: string;
}

export interface HostGuard {
  /** Throws `BadRequestError` when the URL may not be used as an upstream; returns the parsed URL otherwise. */
  checkUrl(url: string): URL;
  /**
   * The final request as it goes on the wire: its URL checked (per origin), its header values checked, the
   * client's `x-portkey-*` headers removed and the hop mark added. Throws `BadRequestError` before any byte is sent.
   */
  admit(req: UpstreamRequest): UpstreamRequest;
  /** A `dns.lookup`-compatible function that refuses names resolving to blocked addresses (DNS rebinding). */
  readonly lookup: typeof dnsLookup;
  /** An undici connector that resolves through `lookup` and drops connections that reach an own port. */
  connector(options?: buildConnector.BuildOptions): buildConnector.connector;
  /** Never an upstream from now on: the gateway's own HTTP port, embedded services, public API host. */
  denyOwn(listener: OwnListener): void;
  /** This deployment's `x-portkey-hop` value. */
  readonly hopId: string;
  /** True when a request's `x-portkey-hop` header carries this deployment's value (the request looped back). */
  isOwnHop(value: string | undefined): boolean;
}

function refuse(host: string): never {
  throw new BadRequestError(
    `Custom host "${host}" resolves to a loopback, private, link-local or metadata address, which this deployment does not allow.`,
    { param: "custom_host", code: "custom_host_forbidden" },
  );
}

function refuseOwn(host: string): never {
  throw new BadRequestError(`Custom host "${host}" is this gateway itself; the gateway never calls itself.`, {
    param: "custom_host",
    code: "custom_host_forbidden",
  });
}

function invalid(message: string): BadRequestError {
  return new BadRequestError(message, { param: "custom_host", code: "invalid_custom_host" });
}

/** Lower case, without IPv6 brackets and without the trailing dot of a fully qualified name. */
function normalHost(hostname: string): string {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

/** Where the authority of an http(s) URL ends (at `/ ? # \` or the end), or -1 for any other URL. */
function authorityEnd(url: string): number {
  const start = url.startsWith("https://") ? 8 : url.startsWith("http://") ? 7 : -1;
  if (start < 0) return -1;
  let end = start;
  for (; end < url.length; end++) {
    const c = url.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c) break;
  }
  return end;
}

function hopIdOf(seed: string | undefined): string {
  const bytes = seed ? createHash("sha256").update(`x-portkey-hop\n${seed}`).digest() : randomBytes(32);
  return bytes.toString("base64url").slice(0, 22);
}

export function createHostGuard(allowlistSpec: string | undefined, options: HostGuardOptions = {}): HostGuard {
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
      allowedNames.add(normalHost(entry));
    }
  }
  const ownPorts = new Set<number>();
  const ownHosts = new Set<string>();
  const hopId = hopIdOf(options.hopSeed);

  function addressAllowed(raw: string): boolean {
    const { address, family } = judgedAddress(raw);
    return !BLOCKED.check(address, family) || allowed.check(address, family);
  }

  function isOwn(host: string, port: number): boolean {
    if (ownHosts.has(host)) return true;
    if (!ownPorts.has(port)) return false;
    return host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && isThisHost(host));
  }

  function checkParsed(parsed: URL): URL {
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw invalid(`Custom host must use http or https, not ${parsed.protocol}`);
    }
    if (parsed.username || parsed.password) throw invalid("Custom host must not contain credentials.");
    const host = normalHost(parsed.hostname);
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
    if (isOwn(host, port)) refuseOwn(host);
    if (allowedNames.has(host)) return parsed;
    if (host === "localhost" || host.endsWith(".localhost") || METADATA_HOSTS.has(host)) refuse(host);
    if (isIP(host) && !addressAllowed(host)) refuse(host);
    return parsed;
  }

  const verdicts = new Map<string, URL | BadRequestError>();
  function cached(key: string, check: () => URL): URL {
    const known = verdicts.get(key);
    if (known instanceof URL) return known;
    if (known) throw known;
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    try {
      const parsed = check();
      verdicts.set(key, parsed);
      return parsed;
    } catch (err) {
      if (err instanceof BadRequestError) verdicts.set(key, err);
      throw err;
    }
  }

  function parse(url: string): URL {
    try {
      return new URL(url);
    } catch {
      throw invalid(`Custom host "${url}" is not a valid URL.`);
    }
  }

  function checkUrl(url: string): URL {
    return cached(url, () => checkParsed(parse(url)));
  }

  // The final URL is judged by its origin (`scheme://authority`, parsed once); the last admitted origin is
  // compared in place, so a run of requests to one provider costs no allocation.
  let lastOrigin = "";
  function checkOrigin(url: string): void {
    const end = authorityEnd(url);
    if (end === lastOrigin.length && end > 0 && url.startsWith(lastOrigin)) return;
    const origin = end < 0 ? url : url.slice(0, end);
    cached(`\u0000${origin}`, () => checkParsed(parse(origin)));
    if (end > 0) lastOrigin = origin;
  }

  function admit(req: UpstreamRequest): UpstreamRequest {
    checkOrigin(req.url);
    return { ...req, headers: outboundHeaders(req.headers, hopId) };
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
      const nameAllowed = allowedNames.has(normalHost(hostname));
      const bad = addresses.find((a) => !nameAllowed && !addressAllowed(a.address));
      if (bad) return cb(forbiddenConnection(hostname), []);
      if (opts.all) return cb(null, addresses);
      const first = addresses[0];
      if (!first) return cb(new Error(`No address for ${hostname}`), []);
      return cb(null, first.address, first.family);
    });
  }) as typeof dnsLookup;

  function connector(buildOptions: buildConnector.BuildOptions = {}): buildConnector.connector {
    const connect = buildConnector({ ...buildOptions, lookup } as buildConnector.BuildOptions);
    return function guardedConnect(opts, callback) {
      connect(opts, (err, socket) => {
        if (err || !socket) return callback(err ?? forbiddenConnection(opts.hostname), null);
        if (reachesOwnPort(socket)) {
          socket.destroy();
          return callback(forbiddenConnection(opts.hostname), null);
        }
        return callback(null, socket);
      });
    };
  }

  function reachesOwnPort(socket: Socket): boolean {
    const { remoteAddress, remotePort } = socket;
    return (
      remotePort !== undefined && ownPorts.has(remotePort) && remoteAddress !== undefined && isThisHost(remoteAddress)
    );
  }

  function denyOwn(listener: OwnListener): void {
    const before = ownPorts.size + ownHosts.size;
    if (listener.port !== undefined) ownPorts.add(listener.port);
    else if (listener.host) ownHosts.add(normalHost(listener.host));
    if (ownPorts.size + ownHosts.size === before) return;
    verdicts.clear();
    lastOrigin = "";
  }

  return {
    checkUrl,
    admit,
    lookup,
    connector,
    denyOwn,
    hopId,
    isOwnHop: (value) => value?.includes(hopId) === true,
  };
}

function forbiddenConnection(hostname: string): NodeJS.ErrnoException {
  const e = new Error(`Refused to connect to ${hostname}: it is a forbidden address.`) as NodeJS.ErrnoException;
  e.code = "ECUSTOMHOSTFORBIDDEN";
  return e;
}
