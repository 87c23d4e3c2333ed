import { request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * The real Docker engine behind a unix socket of the test's, with one change: GET /info
 * (any API version) answers the engine's own /info passed through `edit`. Every other
 * request, upgrades (attach, exec) included, goes to the engine byte for byte. Used
 * where a test needs the engine to describe itself as configured otherwise (e.g. a
 * runtime registered with other flags) without reconfiguring the machine's daemon,
 * which the other tests share. Each connection's first request is inspected; it is
 * sent on with `Connection: close` (unless it upgrades), so the client opens a new
 * connection, inspected the same way, for its next request.
 */
export interface InfoRewrite {
  socket: string;
  /** How many /info requests were answered with the edited body. */
  infoServed: () => number;
  close: () => Promise<void>;
}

const INFO = /^GET (\/v[\d.]+)?\/info(\?\S*)? HTTP\/1\.[01]$/;

export async function startInfoRewrite(
  socket: string,
  engineSocket: string,
  edit: (info: Record<string, unknown>) => Record<string, unknown>,
): Promise<InfoRewrite> {
  let served = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      if (INFO.test(lines[0]!)) {
        served++;
        answerInfo(client, engineSocket, edit);
        return;
      }
      const upgrade = lines.some((l) => /^connection:.*upgrade/i.test(l));
      const sent = upgrade
        ? head
        : Buffer.concat([
            Buffer.from(
              [...lines.filter((l) => !/^connection:/i.test(l)), 'Connection: close', '', ''].join('\r\n'),
              'latin1',
            ),
            head.subarray(end + 4),
          ]);
      const engine = connect(engineSocket, () => {
        engine.write(sent);
        client.pipe(engine);
        engine.pipe(client);
        client.resume();
      });
      open.add(engine);
      engine.on('close', () => {
        open.delete(engine);
        client.destroy();
      });
      engine.on('error', () => client.destroy());
      client.on('error', () => engine.destroy());
      client.on('close', () => engine.destroy());
    };
    client.on('data', onData);
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });
  return {
    socket,
    infoServed: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function answerInfo(
  client: Socket,
  engineSocket: string,
  edit: (info: Record<string, unknown>) => Record<string, unknown>,
): void {
  const req = request({ socketPath: engineSocket, path: '/info', method: 'GET' }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.from(JSON.stringify(edit(JSON.parse(Buffer.concat(chunks).toString('utf8')))));
      client.end(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
            'latin1',
          ),
          body,
        ]),
      );
    });
  });
  req.on('error', () => client.destroy());
  req.end();
}
