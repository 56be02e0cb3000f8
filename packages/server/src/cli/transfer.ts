import fs from 'node:fs';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import type { ExportTableName, ImportResult } from '@autopilot/contracts';
import { connect, printJson, run, say, table, UsageError, withConnection, type ConnectionOptions } from './common';

/*
 * `autopilot export [--tables a,b] [--passphrase-file F] > file` and `autopilot import FILE [--dry-run]`: a
 * workspace's configuration (and, when named, its history) as an NDJSON file; progress on stderr, the file on
 * stdout (or --output), so it pipes. Secrets are left out unless a passphrase seals them.
 */

/** A progress line on stderr, redrawn in place at a terminal; elsewhere only the last one is written. */
function progress() {
  const tty = !!process.stderr.isTTY;
  let last = '';
  return {
    update(text: string) {
      last = text;
      if (tty) process.stderr.write(`\r\u001b[2K${text}`);
    },
    done(text = last) {
      process.stderr.write(tty ? `\r\u001b[2K${text}\n` : `${text}\n`);
    },
  };
}

const bar = (done: number, total: number, width = 20) => {
  const n = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
};

function readPassphrase(file: string | undefined): string | undefined {
  if (!file) return undefined;
  const text = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  if (text.length < 8) throw new UsageError(`${file}: a passphrase has at least 8 characters`);
  return text;
}

/** `autopilot export`. */
export function exportCommand(): Command {
  return withConnection(
    new Command('export')
      .description("export this key's workspace as NDJSON (secrets left out unless --passphrase-file seals them)")
      .option('--tables <a,b>', 'comma-separated tables (default: the configuration; see GET /api/export/tables)')
      .option('--passphrase-file <file>', 'seal every secret with the passphrase in this file (an import needs the same one)')
      .option('-o, --output <file>', 'write the file here instead of stdout'),
  ).action(
    run(async (o: ConnectionOptions & { tables?: string; passphraseFile?: string; output?: string }) => {
      const passphrase = readPassphrase(o.passphraseFile);
      const { client } = await connect(o);
      // Checked by the server (an unknown name is a 400 listing the tables).
      const tables = o.tables?.split(',').map((s) => s.trim()).filter(Boolean) as ExportTableName[] | undefined;
      const body = passphrase ? await client.transfer.exportSealedStream({ tables, passphrase }) : await client.transfer.exportStream({ tables });
      const sink: NodeJS.WritableStream = o.output ? fs.createWriteStream(o.output, { mode: 0o600 }) : process.stdout;
      const p = progress();
      let total = 0;
      let rows = 0;
      let done = 0;
      let current = '';
      let pending = '';
      const decoder = new TextDecoder();
      for await (const chunk of Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)) {
        if (!sink.write(chunk as Uint8Array)) await new Promise<void>((r) => sink.once('drain', () => r()));
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (total === 0 && line.startsWith('{"format"')) total = (JSON.parse(line) as { tables: string[] }).tables.length;
          const m = /^\{"table":"([a-z_]+)"/.exec(line);
          if (!m) continue;
          rows++;
          if (m[1] !== current) [current, done] = [m[1], done + 1];
        }
        p.update(`${bar(done, total)} ${done}/${total} tables  ${current}  ${rows} rows`);
      }
      if (o.output) await new Promise<void>((r) => sink.end(() => r()));
      p.done(`exported ${rows} rows of ${total} tables${passphrase ? ', secrets sealed' : ', secrets left out'}${o.output ? ` to ${o.output}` : ''}`);
    }),
  );
}

/** `autopilot import FILE`. */
export function importCommand(): Command {
  return withConnection(
    new Command('import')
      .description("import an export file into this key's workspace: everything checked first, then applied at once (importing it again changes nothing)")
      .argument('<file>', 'the file `autopilot export` wrote')
      .option('--dry-run', 'check the file and count what would change; write nothing')
      .option('--passphrase-file <file>', 'the passphrase the export was sealed with'),
  ).action(
    run(async (file: string, o: ConnectionOptions & { dryRun?: boolean; passphraseFile?: string }) => {
      if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
      const passphrase = readPassphrase(o.passphraseFile);
      const { client } = await connect(o);
      const size = fs.statSync(file).size;
      const p = progress();
      let sent = 0;
      const counted = Readable.from(
        (async function* () {
          for await (const chunk of fs.createReadStream(file)) {
            sent += (chunk as Buffer).length;
            p.update(`${bar(sent, size)} sent ${Math.round(sent / 1024)} of ${Math.round(size / 1024)} KiB`);
            yield chunk as Buffer;
          }
          p.update(`${bar(size, size)} sent; the server is checking every line…`);
        })(),
      );
      const result: ImportResult = await client.transfer.import(Readable.toWeb(counted) as unknown as ReadableStream<Uint8Array>, { passphrase, dryRun: o.dryRun });
      p.done(`${o.dryRun ? 'checked (dry run, nothing written)' : 'imported'}: ${result.rows} rows from ${result.sourceWorkspace.name}`);
      if (o.json) return printJson(result);
      say(o, table(['TABLE', 'INSERTED', 'UPDATED', 'UNCHANGED'], Object.entries(result.tables).map(([t, c]) => [t, c.inserted, c.updated, c.unchanged])));
    }),
  );
}
