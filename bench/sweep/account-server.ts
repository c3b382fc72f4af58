/**
 * The synthetic account in a process of its own, served over HTTP on loopback, so that the sweep's
 * process holds only what a Lambda running the sweep would hold (the SDK, the sweep, its reads): its
 * peak RSS is then measured, not estimated. The server answers with the same transport
 * (`transport.ts`), routed by the request's SigV4 scope (the service's signing name) instead of its
 * host, and computes the minimum calls (`minimum.ts`) next to the account they are computed from.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { HttpRequest } from '@smithy/core/protocols';
import type { SweepMode } from '../../src/lib/sweep.js';
import { REGION, SIZES, buildAccount, imageCount } from './account.js';
import { WRITE_OPERATIONS, minimumCalls, modelledSeconds, readAheadShare } from './minimum.js';
import { createTransport } from './transport.js';

/** What the sweep's process learns of the account when the server is up. */
export interface AccountFacts {
  readonly endpoint: string;
  readonly images: number;
  readonly buildMs: number;
  readonly aheadShare: number;
  /** The shape line printed per size (`shapeOf` needs the account, so the server writes it). */
  readonly shape: string;
}

/** Calls made and their minimum, per operation, for one run. */
export interface RunCalls {
  readonly ops: readonly { readonly op: string; readonly calls: number; readonly min: number; readonly why: string }[];
  readonly rereadRepositories: number;
  readonly dataMinimumReads: number;
  readonly dataMinimumReadSeconds: number;
}

type Request = { readonly kind: 'reset' } | { readonly kind: 'measure'; readonly mode: SweepMode; readonly discoveryPasses: number };

/** The server's side: `--account-server SIZE` (forked by `startAccountServer`). */
export const serveAccount = async (sizeName: string, shapeOf: (account: ReturnType<typeof buildAccount>) => string, readAheadImages: number): Promise<void> => {
  const size = SIZES.find((s) => s.name === sizeName);
  if (size === undefined) throw new Error(`unknown size ${sizeName}`);
  const started = performance.now();
  const account = buildAccount(size);
  const buildMs = performance.now() - started;
  const transport = createTransport(account);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      // SigV4: Credential=KEY/DATE/REGION/SERVICE/aws4_request names the service whatever the host.
      const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers['authorization'] ?? '')?.[1] ?? '';
      const request = new HttpRequest({
        method: req.method ?? 'GET',
        protocol: 'http:',
        hostname: `${service}.${REGION}.amazonaws.com`,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      transport.handle(request).then(
        ({ response }) => {
          res.writeHead(response.statusCode, response.headers);
          (response.body as NodeJS.ReadableStream).pipe(res);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.on('message', (message: Request) => {
    if (message.kind === 'reset') {
      transport.reset();
      process.send?.({ kind: 'reset' });
      return;
    }
    // Only the re-checked pass of an apply reads a repository again; a second listing anywhere else is waste, counted as such.
    const reread = message.mode === 'apply' && message.discoveryPasses > 1 ? new Set([...transport.effects.listings].filter(([, n]) => n > 1).map(([name]) => name)) : new Set<string>();
    const minimum = minimumCalls(account, { mode: message.mode, discoveryPasses: message.discoveryPasses, rereadRepositories: reread, effects: transport.effects });
    const dataOnly = minimumCalls(account, { mode: message.mode, discoveryPasses: 1, rereadRepositories: new Set(), effects: transport.effects });
    const dataReads = new Map([...dataOnly].filter(([op]) => !WRITE_OPERATIONS.has(op)).map(([op, m]) => [op, m.min]));
    const calls: RunCalls = {
      ops: [...new Set([...minimum.keys(), ...transport.counts.keys()])].map((op) => ({ op, calls: transport.counts.get(op) ?? 0, min: minimum.get(op)?.min ?? 0, why: minimum.get(op)?.why ?? 'no minimum modelled' })),
      rereadRepositories: reread.size,
      dataMinimumReads: [...dataReads.values()].reduce((a, b) => a + b, 0),
      dataMinimumReadSeconds: modelledSeconds(dataReads, () => true).serial,
    };
    process.send?.({ kind: 'measure', calls });
  });
  const facts: AccountFacts = { endpoint: `http://127.0.0.1:${port}`, images: imageCount(account), buildMs, aheadShare: readAheadShare(account, readAheadImages), shape: shapeOf(account) };
  process.send?.({ kind: 'ready', facts });
  process.on('disconnect', () => process.exit(0));
};

/** The sweep's side: the account server of `sizeName`, with one request at a time over IPC. */
export interface AccountServer {
  readonly facts: AccountFacts;
  readonly reset: () => Promise<void>;
  readonly measure: (mode: SweepMode, discoveryPasses: number) => Promise<RunCalls>;
  readonly stop: () => void;
}

export const startAccountServer = (entry: string, sizeName: string): Promise<AccountServer> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = fork(fileURLToPath(entry), ['--account-server', sizeName], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let pending: ((message: { kind: string; calls?: RunCalls }) => void) | undefined;
    const ask = <T>(request: Request, pick: (message: { kind: string; calls?: RunCalls }) => T): Promise<T> =>
      new Promise((done) => {
        pending = (message) => done(pick(message));
        child.send(request);
      });
    child.on('message', (message: { kind: string; facts?: AccountFacts; calls?: RunCalls }) => {
      if (message.kind === 'ready' && message.facts !== undefined) {
        const facts = message.facts;
        resolve({
          facts,
          reset: () => ask({ kind: 'reset' }, () => undefined),
          measure: (mode, discoveryPasses) => ask({ kind: 'measure', mode, discoveryPasses }, (m) => m.calls as RunCalls),
          stop: () => child.disconnect(),
        });
        return;
      }
      const handler = pending;
      pending = undefined;
      handler?.(message);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`account server of ${sizeName} exited with ${String(code)}`)));
  });
