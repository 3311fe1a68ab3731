import dns from 'node:dns';
import net from 'node:net';

// VAKT_AGENT_ALLOW: comma-separated hostnames, IP addresses and CIDR ranges. The allowlist defines
// which *addresses* Vakt may connect to: CIDR ranges and single addresses directly, hostnames through
// the addresses they resolve to (re-resolved every minute). Every connection is checked after DNS
// resolution, so a name that resolves outside the list is refused whatever it is called.
export type TAllowList = { spec: string; block: net.BlockList; names: string[] };

export function parseAllowList(spec: string): TAllowList {
  const block = new net.BlockList();
  const names: string[] = [];
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [addr, bits] = raw.split('/');
    const family = net.isIP(addr);
    if (family) {
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits !== undefined) {
        const prefix = Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) throw new Error(`VAKT_AGENT_ALLOW: bad CIDR "${raw}"`);
        block.addSubnet(addr, prefix, type);
      } else block.addAddress(addr, type);
    } else if (/^[a-z0-9.-]+$/i.test(raw) && bits === undefined) {
      names.push(raw.toLowerCase().replace(/\.$/, ''));
    } else throw new Error(`VAKT_AGENT_ALLOW: "${raw}" is neither a hostname, an address nor a CIDR range`);
  }
  return { spec, block, names };
}

/** "::ffff:10.0.0.1" -> "10.0.0.1" so IPv4 ranges match v4-mapped addresses. */
export function normaliseAddress(address: string): { address: string; family: 4 | 6 } {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return { address: m[1], family: 4 };
  return { address, family: net.isIP(address) === 6 ? 6 : 4 };
}

const nameCache = new Map<string, { at: number; addresses: string[] }>();
async function namedAddresses(name: string): Promise<string[]> {
  const hit = nameCache.get(name);
  if (hit && Date.now() - hit.at < 60_000) return hit.addresses;
  let addresses: string[] = [];
  try {
    addresses = (await dns.promises.lookup(name, { all: true })).map((a) => normaliseAddress(a.address).address);
  } catch {
    addresses = [];
  }
  nameCache.set(name, { at: Date.now(), addresses });
  return addresses;
}

/** Is a resolved address inside the allowlist? */
export async function isAddressAllowed(list: TAllowList, rawAddress: string): Promise<boolean> {
  const { address, family } = normaliseAddress(rawAddress);
  if (list.block.check(address, family === 6 ? 'ipv6' : 'ipv4')) return true;
  for (const n of list.names) if ((await namedAddresses(n)).includes(address)) return true;
  return false;
}
