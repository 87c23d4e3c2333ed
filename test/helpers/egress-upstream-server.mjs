// A stand-in for an allowed public host (a PyPI-style index), run inside a network
// namespace at 198.51.100.1 by proxy.test.ts: plain HTTP on 80, TLS on 443.
import { readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';

const [certFile, keyFile, address, staticDir] = process.argv.slice(2);

// `/pypi/...` is served from `staticDir` when given: a PEP 503 index (simple pages and
// wheels) for the install-phase test. A folder's page is its index.html.
function serveStatic(req, res) {
  const rel = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname.slice('/pypi/'.length)));
  if (rel.startsWith('..')) return false;
  let file = join(staticDir, rel);
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    const body = readFileSync(file);
    const type = file.endsWith('.html') ? 'text/html' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
  return true;
}

function handle(req, res) {
  let received = 0;
  req.on('data', (c) => {
    received += c.length;
  });
  req.on('end', () => {
    if (staticDir && req.url.startsWith('/pypi/') && serveStatic(req, res)) return;
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
