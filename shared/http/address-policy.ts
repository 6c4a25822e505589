import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";

/**
 * Which IP addresses an upstream may have. Loopback, private, link-local, CGNAT, multicast, reserved and
 * cloud-metadata ranges are blocked; an IPv6 address that carries an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is judged as the IPv4 address it carries.
 */
export const BLOCKED = new BlockList();
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
  // local-use NAT64 (RFC 8215): where the IPv4 address sits depends on the operator's prefix length
  ["64:ff9b:1::", 48],
  // Teredo: the IPv4 address it carries is obfuscated; nothing legitimate is served from it
  ["2001::", 32],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv6");
}

/** The eight 16-bit groups of an IPv6 address (with or without a trailing dotted quad), or undefined. */
export function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    const dotted = text.slice(lastColon + 1);
    if (isIP(dotted) !== 4) return undefined;
    const [a, b, c, d] = dotted.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] =>
    part ? part.split(":").map((g) => Number.parseInt(g, 16)) : [];
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function quad(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 /96, 6to4), else undefined. */
export function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  if (g0 === 0x2002) return quad(g1, g2); // 6to4
  const zeroHead = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroHead && g5 === 0xffff) return quad(g6, g7); // IPv4-mapped
  if (zeroHead && g5 === 0 && (g6 !== 0 || g7 > 1)) return quad(g6, g7); // IPv4-compatible (not :: or ::1)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return quad(g6, g7); // NAT64
  return undefined;
}

/** The address to judge and its family: an IPv6 address carrying an IPv4 one is judged as that IPv4 address. */
export function judgedAddress(raw: string): { address: string; family: "ipv4" | "ipv6" } {
  const v = isIP(raw);
  if (v === 4) return { address: raw, family: "ipv4" };
  const inner = v === 6 ? embeddedIpv4(raw) : undefined;
  return inner ? { address: inner, family: "ipv4" } : { address: raw, family: "ipv6" };
}

const THIS_HOST = new BlockList();
THIS_HOST.addSubnet("127.0.0.0", 8, "ipv4");
THIS_HOST.addSubnet("0.0.0.0", 8, "ipv4");
THIS_HOST.addAddress("::1", "ipv6");
THIS_HOST.addAddress("::", "ipv6");

let interfaceAddresses: Set<string> | undefined;

/**
 * True when `raw` (an IP address) reaches this machine: loopback, unspecified (`0.0.0.0` connects to the local
 * host), or an address of one of its interfaces. The interfaces are read once.
 */
export function isThisHost(raw: string): boolean {
  const { address, family } = judgedAddress(raw);
  if (THIS_HOST.check(address, family)) return true;
  interfaceAddresses ??= new Set(
    Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .map((i) => i.address.toLowerCase()),
  );
  return interfaceAddresses.has(address.toLowerCase());
}
