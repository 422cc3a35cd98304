/**
 * What a program prints (`exec`) or a server answers (`http`) is read as UTF-8 strictly too:
 * bytes that are not UTF-8 used to become U+FFFD in the records (`caf\uFFFD`), which an update
 * would write back. The read now stops, saying where the bad byte is.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { connectorFor, makeSource, makeWorkspace, readAll } from './source-fixture.js';

const LATIN1_JSON = Buffer.from('[{"id": "1",\n  "name": "caf\xe9"}]', 'latin1');

describe('bytes that are not UTF-8 from a program or a server', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(request.url === '/good' ? Buffer.from('[{"id": "1", "name": "café"}]') : LATIN1_JSON);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('exec: stops, naming the line and column of the bad byte in the output', async () => {
    const ws = makeWorkspace({
      'latin1.mjs': `process.stdout.write(Buffer.from(${JSON.stringify(LATIN1_JSON.toString('base64'))}, 'base64'));`,
      'good.mjs': `process.stdout.write('[{"id": "1", "name": "café"}]');`,
    });
    try {
      const source = (script: string) => makeSource('exec', ['node', [script]], { at: 'hosts.recon:2:1' });
      const error = await readAll(connectorFor(source('latin1.mjs'), ws.root)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as Error).message).toMatch(/the output of .*node.* is not valid UTF-8 \(byte 0xE9 at line 2, column 15\); JSON must be UTF-8$/);
      const { records } = await readAll(connectorFor(source('good.mjs'), ws.root));
      expect(records).toEqual([{ id: '1', name: 'café' }]);
    } finally {
      ws.cleanup();
    }
  });

  it('http: stops, naming the line and column of the bad byte in the answer', async () => {
    const error = await readAll(connectorFor(makeSource('http', [`${url}/latin1`]), '/nonexistent')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe(`source things: GET ${url}/latin1: the answer is not valid UTF-8 (byte 0xE9 at line 2, column 15); JSON must be UTF-8`);
    const { records } = await readAll(connectorFor(makeSource('http', [`${url}/good`]), '/nonexistent'));
    expect(records).toEqual([{ id: '1', name: 'café' }]);
  });
});
