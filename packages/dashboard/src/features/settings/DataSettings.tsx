import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import type { ExportTableName, ImportResult } from '@autopilot/contracts';
import { useApi, useMe } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { errorsOf, RANK } from './settings-ui';

/** An import problem's path `line.12.row.name` as "Line 12" + "row.name"; anything else as it is. */
export function lineOf(path: string): { line: number | null; field: string } {
  const m = /^(?:body\.)?line\.(\d+)(?:\.(.*))?$/.exec(path);
  return m ? { line: Number(m[1]), field: m[2] ?? '' } : { line: null, field: path.replace(/^body\.?/, '') };
}

function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function ExportCard() {
  const api = useApi();
  const tables = useQuery({ queryKey: ['settings', 'export-tables'], queryFn: () => api.transfer.tables(), staleTime: 300_000 });
  const [picked, setPicked] = useState<Set<ExportTableName> | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const all = tables.data?.tables ?? [];
  const chosen = picked ?? new Set(all.filter((t) => t.default).map((t) => t.name));
  const run = useMutation({
    mutationFn: async () => {
      const opts = { tables: [...chosen] };
      const stream = passphrase ? await api.transfer.exportSealedStream({ ...opts, passphrase }) : await api.transfer.exportStream(opts);
      const blob = await new Response(stream).blob();
      const name = `autopilot-export-${new Date().toISOString().slice(0, 10)}.ndjson`;
      saveBlob(blob, name);
      return `${name} (${Math.max(1, Math.round(blob.size / 1024))} KB)`;
    },
    onSuccess: setDone,
  });
  const toggle = (n: ExportTableName, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(n);
    else next.delete(n);
    setPicked(next);
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    run.mutate();
  }
  const shortPass = passphrase.length > 0 && passphrase.length < 8;
  return (
    <form className="st-card st-form" onSubmit={submit} aria-labelledby="export-title" data-testid="export-form" noValidate>
      <h3 id="export-title">Export</h3>
      <p className="st-hint" style={{ margin: 0 }}>
        One NDJSON file of the chosen tables of this workspace. Without a passphrase every secret (provider keys, tokens) is left out; with one they are
        sealed, and an import with the same passphrase restores them.
      </p>
      {tables.isError ? (
        <ErrorNote error={tables.error} retry={() => void tables.refetch()} />
      ) : !tables.data ? (
        <p className="muted">Loading tables…</p>
      ) : (
        <fieldset className="st-scopes">
          <legend>Tables</legend>
          <div className="st-checks">
            {all.map((t) => (
              <label key={t.name} title={t.description}>
                <input type="checkbox" checked={chosen.has(t.name)} onChange={(e) => toggle(t.name, e.target.checked)} /> {t.name}
                {t.secrets.length > 0 && <span className="st-hint"> (secrets)</span>}
              </label>
            ))}
          </div>
          <div className="st-actions start">
            <button type="button" onClick={() => setPicked(new Set(all.map((t) => t.name)))}>
              All
            </button>
            <button type="button" onClick={() => setPicked(null)}>
              Defaults
            </button>
          </div>
        </fieldset>
      )}
      <div className="st-field" style={{ maxWidth: '28rem' }}>
        <label htmlFor="export-pass">Passphrase (optional, 8+ characters)</label>
        <input id="export-pass" type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} aria-invalid={shortPass || undefined} />
        {shortPass && <span className="st-field-error">At least 8 characters, or leave it empty to leave secrets out.</span>}
      </div>
      {run.isError && (
        <p className="st-error" role="alert">
          {errorsOf(run.error).message}
        </p>
      )}
      {done && (
        <p className="st-note" role="status" data-testid="export-done">
          Downloaded {done}.
        </p>
      )}
      <div className="st-actions">
        <button type="submit" className="primary" disabled={run.isPending || chosen.size === 0 || shortPass}>
          {run.isPending ? 'Exporting…' : 'Download export'}
        </button>
      </div>
    </form>
  );
}

function ResultTable({ r }: { r: ImportResult }) {
  const rows = Object.entries(r.tables);
  return (
    <div className="table-wrap">
      <table className="table" data-testid="import-result">
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col" className="num">
              {r.dryRun ? 'Would insert' : 'Inserted'}
            </th>
            <th scope="col" className="num">
              {r.dryRun ? 'Would update' : 'Updated'}
            </th>
            <th scope="col" className="num">
              Unchanged
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([t, c]) => (
            <tr key={t}>
              <th scope="row">{t}</th>
              <td className="num">{c.inserted}</td>
              <td className="num">{c.updated}</td>
              <td className="num">{c.unchanged}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Problems({ error }: { error: unknown }) {
  // By line, so the file can be fixed top to bottom; problems without a line (the request itself) first.
  const issues = (error instanceof ApiError ? error.issues : []).map((i) => ({ ...i, ...lineOf(i.path) })).sort((a, b) => (a.line ?? -1) - (b.line ?? -1));
  if (issues.length === 0)
    return (
      <p className="st-error" role="alert">
        {errorsOf(error).message}
      </p>
    );
  return (
    <div className="st-error" role="alert" data-testid="import-problems">
      <strong>{errorsOf(error).message}</strong>
      <ul style={{ margin: '0.4rem 0 0', paddingLeft: '1.2rem' }}>
        {issues.map(({ line, field, message }, n) => {
          return (
            <li key={n}>
              {line !== null ? <strong>Line {line}</strong> : null}
              {field && <span className="st-mono"> {field}</span>}: {message}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function ImportCard() {
  const api = useApi();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const run = useMutation({
    mutationFn: (dryRun: boolean) => api.transfer.import(file!.text, { dryRun, passphrase: passphrase || undefined }),
    onSuccess: (r) => setPreview(r),
  });
  const reset = () => (setPreview(null), run.reset());
  async function pick(f: File | undefined) {
    reset();
    setFile(f ? { name: f.name, text: await f.text() } : null);
  }
  const applied = preview && !preview.dryRun;
  return (
    <div className="st-card st-form" aria-labelledby="import-title" data-testid="import-form">
      <h3 id="import-title">Import</h3>
      <p className="st-hint" style={{ margin: 0 }}>
        A file an export wrote. First a dry run checks every line and shows what would change (nothing is written); then apply it. Rows are matched by
        their id, so importing the same file twice changes nothing the second time.
      </p>
      <div className="st-fields">
        <div className="st-field">
          <label htmlFor="import-file">Export file</label>
          <input id="import-file" type="file" accept=".ndjson,application/x-ndjson,text/plain" onChange={(e) => void pick(e.target.files?.[0])} />
        </div>
        <div className="st-field">
          <label htmlFor="import-pass">Passphrase (sealed files)</label>
          <input id="import-pass" type="password" autoComplete="off" value={passphrase} onChange={(e) => (setPassphrase(e.target.value), reset())} />
        </div>
      </div>
      {run.isError && <Problems error={run.error} />}
      {preview && (
        <>
          <p className={applied ? 'st-note' : 'st-warn'} role="status" data-testid="import-summary">
            {applied ? <strong>Imported.</strong> : <strong>Dry run: nothing written yet.</strong>} {preview.rows} row{preview.rows === 1 ? '' : 's'} from
            workspace “{preview.sourceWorkspace.name}”; secrets {preview.secrets === 'sealed' ? 'sealed (restored with the passphrase)' : 'left out'}.
          </p>
          <ResultTable r={preview} />
        </>
      )}
      <div className="st-actions">
        <button type="button" disabled={!file || run.isPending} onClick={() => run.mutate(true)}>
          {run.isPending && run.variables ? 'Checking…' : 'Dry run'}
        </button>
        <button type="button" className="primary" disabled={!file || run.isPending || !preview || !preview.dryRun} onClick={() => run.mutate(false)} title={!preview ? 'Run a dry run first' : undefined}>
          {run.isPending && !run.variables ? 'Importing…' : 'Apply import'}
        </button>
      </div>
    </div>
  );
}

/** Settings → Data: export chosen tables (secrets left out or sealed), import a file with a dry run first (owners). */
export function DataSettings() {
  const me = useMe();
  const role = me.data?.key.role;
  return (
    <section aria-labelledby="settings-data" className="st-section">
      <h2 id="settings-data">Data</h2>
      <p className="st-lead">Move this workspace’s setup and history to another server or workspace, or keep a copy.</p>
      {!me.data ? (
        <p className="muted">Loading…</p>
      ) : RANK[role!] < RANK.admin ? (
        <p className="st-note">Only admins and owners can export, and only owners import.</p>
      ) : (
        <>
          <ExportCard />
          {role === 'owner' ? <ImportCard /> : <p className="st-note">Only owners can import into a workspace.</p>}
        </>
      )}
    </section>
  );
}
