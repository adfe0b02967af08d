/**
 * DNS-rebinding protection for `hbs2 serve`. A page on any web site can make its own
 * domain name resolve to 127.0.0.1 and then read what a loopback server answers, since to
 * the browser it is the same origin. Such a request still names the attacker's domain in
 * its Host header, so the server answers only requests whose Host is an IP address,
 * `localhost`, or a name the user allowed (`--allow-host`, e.g. for a reverse proxy).
 */

/** The host name of a Host header value (`name`, `name:port`, `[v6]`, `[v6]:port`), lower case. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(1, end);
  }
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** True for an IPv4 dotted quad or an IPv6 literal (no DNS name can rebind those). */
function isIpLiteral(name: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return name.split('.').every((n) => Number(n) <= 255);
  return name.includes(':') && /^[0-9a-f:.]+(%[\w.-]+)?$/.test(name);
}

/**
 * Whether a request with this Host header may be answered. No Host header (HTTP/1.0
 * clients, not browsers) is allowed; `allowed` names are compared without port and case;
 * `*` allows every name.
 * @param header - the request's Host header, if any
 * @param allowed - host names allowed beyond IP addresses and `localhost`
 * @returns true when the request may be answered
 */
export function isAllowedHost(
  header: string | undefined,
  allowed: readonly string[] = [],
): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  if (name === 'localhost' || isIpLiteral(name)) return true;
  return allowed.some((a) => a === '*' || a.toLowerCase() === name);
}
