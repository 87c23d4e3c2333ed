// A stand-in for an allowed public host (a PyPI-style index), run inside a network
// namespace at 198.51.100.1 by proxy.test.ts: plain HTTP on 80, TLS on 443.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';

const [certFile, keyFile, address] = process.argv.slice(2);

function handle(req, res) {
  let received = 0;
  req.on('data', (c) => {
    received += c.length;
  });
  req.on('end', () => {
    if (req.url === '/redirect-out') {
      res.writeHead(302, { location: 'http://evil.test/steal' });
      return res.end();
    }
    if (req.url === '/redirect-in') {
      res.writeHead(302, { location: '/simple/' });
      return res.end();
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(Buffer.alloc(256 * 1024, 7));
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`upstream ${req.method} ${req.url} host=${req.headers.host} received=${received}\n`);
  });
}

const plain = createServer(handle);
const tls = createTlsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handle);
plain.listen(80, address, () => {
  tls.listen(443, address, () => process.stdout.write('ready\n'));
});
