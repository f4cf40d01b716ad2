/** Dotted-quad text to an unsigned 32-bit number; -1 when the text is not an IPv4 address. */
export function parseIp(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const part = parts[i];
    if (part.length < 1 || part.length > 3) return -1;
    let octet = 0;
    for (let j = 0; j < part.length; j++) {
      const digit = part.charCodeAt(j) - 48;
      if (digit < 0 || digit > 9) return -1;
      octet = octet * 10 + digit;
    }
    if (octet > 255) return -1;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIp(ip: number): string {
  return (ip >>> 24) + '.' + ((ip >>> 16) & 255) + '.' + ((ip >>> 8) & 255) + '.' + (ip & 255);
}
