import net from "node:net";

const PRIVATE_V4: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function v4ToInt(address: string): number {
  return address.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function isPrivateV4Int(value: number): boolean {
  return PRIVATE_V4.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base);
    return value >= start && value < start + size;
  });
}

/**
 * The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted IPv4 part turned
 * into two groups), so every spelling of one address — `::ffff:127.0.0.1` or `::ffff:7f00:1`, the
 * form WHATWG URLs normalise it to — is judged the same.
 */
export function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const value = v4ToInt(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill("0");
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16));
}

/** The IPv4 address an IPv6 address carries in its last 32 bits. */
function embeddedV4(groups: number[], from = 6): number {
  return groups[from] * 65536 + groups[from + 1];
}

function isPublicV6(groups: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5] = groups;
  const isZeroPrefix = (count: number) => groups.slice(0, count).every((group) => group === 0);
  // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped): the IPv4 decides.
  if (isZeroPrefix(6)) return !isPrivateV4Int(embeddedV4(groups)) && embeddedV4(groups) > 0xffff;
  if (isZeroPrefix(5) && g5 === 0xffff) return !isPrivateV4Int(embeddedV4(groups));
  // ::ffff:0:0:0/96 (IPv4-translated) and 64:ff9b::/96, 64:ff9b:1::/48 (NAT64) can reach private IPv4.
  if (isZeroPrefix(4) && g4 === 0xffff && g5 === 0) return false;
  if (g0 === 0x64 && g1 === 0xff9b) return false;
  // 6to4 (2002::/16) embeds an IPv4 in groups 1–2; Teredo (2001::/32) tunnels anywhere.
  if (g0 === 0x2002) return !isPrivateV4Int(g1 * 65536 + g2);
  if (g0 === 0x2001 && g1 === 0) return false;
  if (g0 === 0x2001 && g1 === 0xdb8) return false; // documentation
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return false; // discard-only
  if ((g0 & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return false; // fe80::/10 link local
  if ((g0 & 0xffc0) === 0xfec0) return false; // fec0::/10 site local (deprecated, still routed inside)
  if ((g0 & 0xff00) === 0xff00) return false; // ff00::/8 multicast
  return true;
}

/**
 * Whether an IP address is publicly routable: not loopback, private, link-local, CGNAT, multicast,
 * documentation, reserved, unique-local IPv6, or an IPv6 form that embeds or reaches one of those
 * (IPv4-mapped, -compatible or -translated, NAT64, 6to4, Teredo), however the address is spelled.
 */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !isPrivateV4Int(v4ToInt(address));
  if (family !== 6) return false;
  const groups = ipv6Groups(address);
  if (groups.length !== 8 || groups.some((group) => !Number.isInteger(group))) return false;
  return isPublicV6(groups);
}
