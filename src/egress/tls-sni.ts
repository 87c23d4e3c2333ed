/**
 * The server name (SNI) a TLS ClientHello asks for, read from the first bytes a client
 * sends through a CONNECT tunnel. The proxy compares it with the CONNECT target: a
 * client that CONNECTs to an allowed name and then asks the server for another (domain
 * fronting) is refused before a byte reaches the server.
 *
 * Returns `{ name }`, `{ name: null }` for a complete ClientHello without SNI,
 * `'incomplete'` when more bytes are needed, or `'not-tls'`.
 */
export type SniResult = { name: string | null } | 'incomplete' | 'not-tls';

/** A ClientHello larger than this is not waited for. */
export const MAX_CLIENT_HELLO = 16 * 1024;

export function readSni(buf: Buffer): SniResult {
  if (buf.length < 5) return 'incomplete';
  // TLS record: type 22 (handshake), version 3.x, length.
  if (buf[0] !== 22 || buf[1] !== 3) return 'not-tls';
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return recordLen + 5 > MAX_CLIENT_HELLO ? 'not-tls' : 'incomplete';
  const hs = buf.subarray(5, 5 + recordLen);
  // Handshake type 1 = ClientHello; a hello split over records is not supported (clients don't).
  if (hs.length < 4 || hs[0] !== 1) return 'not-tls';
  const helloLen = hs.readUIntBE(1, 3);
  if (helloLen + 4 > hs.length) return 'not-tls';
  let p = 4 + 2 + 32; // version, random
  const need = (n: number) => p + n <= 4 + helloLen;
  if (!need(1)) return 'not-tls';
  p += 1 + hs[p]!; // session id
  if (!need(2)) return 'not-tls';
  p += 2 + hs.readUInt16BE(p); // cipher suites
  if (!need(1)) return 'not-tls';
  p += 1 + hs[p]!; // compression methods
  if (p === 4 + helloLen) return { name: null };
  if (!need(2)) return 'not-tls';
  const extEnd = p + 2 + hs.readUInt16BE(p);
  p += 2;
  if (extEnd > 4 + helloLen) return 'not-tls';
  while (p + 4 <= extEnd) {
    const type = hs.readUInt16BE(p);
    const len = hs.readUInt16BE(p + 2);
    p += 4;
    if (p + len > extEnd) return 'not-tls';
    if (type === 0) {
      // server_name: list length, then entries of (type 0 = host_name, length, name).
      let q = p + 2;
      while (q + 3 <= p + len) {
        const nameType = hs[q]!;
        const nameLen = hs.readUInt16BE(q + 1);
        q += 3;
        if (q + nameLen > p + len) return 'not-tls';
        if (nameType === 0) return { name: hs.subarray(q, q + nameLen).toString('latin1') };
        q += nameLen;
      }
      return 'not-tls';
    }
    p += len;
  }
  return { name: null };
}
