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

function isPrivateV4(address: string): boolean {
  const value = v4ToInt(address);
  return PRIVATE_V4.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base);
    return value >= start && value < start + size;
  });
}

/**
 * Whether an IP address is publicly routable: not loopback, private, link-local, CGNAT, multicast,
 * documentation, reserved, unique-local IPv6, or an IPv4-mapped/compatible form of one of those.
 */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !isPrivateV4(address);
  if (family !== 6) return false;
  const lower = address.toLowerCase();
  const mapped = /^::(ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return !isPrivateV4(mapped[2]);
  if (lower === "::" || lower === "::1") return false;
  const firstHextet = parseInt(lower.split(":")[0] || "0", 16);
  if ((firstHextet & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((firstHextet & 0xffc0) === 0xfe80) return false; // fe80::/10 link local
  if ((firstHextet & 0xff00) === 0xff00) return false; // ff00::/8 multicast
  if (lower.startsWith("2001:db8:")) return false; // documentation
  if (lower.startsWith("64:ff9b:")) return false; // NAT64 can reach private v4
  return true;
}
