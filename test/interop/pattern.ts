/** What /bytes/N sends (firmware/services/http-server.ts): a 512-byte a..z pattern, repeated. */
export function patternBody(length: number): Buffer {
  const body = Buffer.alloc(length);
  for (let i = 0; i < length; i++) body[i] = 97 + ((i % 512) % 26);
  return body;
}
