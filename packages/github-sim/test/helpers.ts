import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { createGitHubSimulator, type GitHubSimulator, type GitHubSimulatorOptions } from '../src/index.ts';

export const TOKEN = 'ghp_test_token_1234';
export const REPO = 'acme/shop';
export const [OWNER, NAME] = REPO.split('/');

export interface Harness {
  sim: GitHubSimulator;
  baseUrl: string;
  /** A stock Octokit pointed at the simulator. */
  gh: Octokit;
  octokit(token: string): Octokit;
  close(): Promise<void>;
}

/** A manual-clock simulator over real HTTP with one repository, and stock Octokit clients for it. */
export async function startSim(opts: GitHubSimulatorOptions = {}): Promise<Harness> {
  const sim = createGitHubSimulator({ manualClock: true, seed: 3, tokens: { [TOKEN]: 'octo-bot' }, repos: [REPO], ...opts });
  const listening = await sim.listen(0);
  const octokit = (token: string) => new Octokit({ auth: token, baseUrl: listening.baseUrl, log: { debug() {}, info() {}, warn() {}, error() {} } });
  return { sim, baseUrl: listening.baseUrl, gh: octokit(TOKEN), octokit, close: listening.close };
}

export interface Received { headers: IncomingHttpHeaders; body: string }

/** A webhook receiver on 127.0.0.1 that records every POST (and answers 200). */
export async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/** Catches the RequestError Octokit throws, for its status. */
export async function statusOf(p: Promise<unknown>): Promise<{ status: number; message: string; headers: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status?: number; message: string; response?: { headers: Record<string, string> } };
    if (typeof err.status === 'number') return { status: err.status, message: err.message, headers: err.response?.headers ?? {} };
    throw e;
  }
  throw new Error('expected the request to fail');
}
