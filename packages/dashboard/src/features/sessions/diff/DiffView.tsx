import { Fragment, memo, useMemo, useState } from 'react';
import { parseUnifiedDiff, toSplitRows, type DiffLine, type FileDiff } from './parse';
import { languageOf, tokenize } from './highlight';

type Mode = 'unified' | 'split';
const MODE_KEY = 'autopilot.diffMode';

function storedMode(): Mode {
  try {
    return localStorage.getItem(MODE_KEY) === 'split' ? 'split' : 'unified';
  } catch {
    return 'unified';
  }
}

const Code = memo(function Code({ text, lang }: { text: string; lang: string | null }) {
  return (
    <>
      {tokenize(text, lang).map((t, i) => (t.kind === 'plain' ? <Fragment key={i}>{t.text}</Fragment> : <span key={i} className={`tk-${t.kind}`}>{t.text}</span>))}
    </>
  );
});

const SIGN = { add: '+', del: '-', ctx: ' ' } as const;

function UnifiedFile({ file, lang }: { file: FileDiff; lang: string | null }) {
  return (
    <table className="diff diff-unified">
      <tbody>
        {file.hunks.map((h, hi) => (
          <Fragment key={hi}>
            <tr className="diff-hunk">
              <td colSpan={3}>{h.header}</td>
            </tr>
            {h.lines.map((l, li) => (
              <tr key={li} className={`diff-${l.kind}`}>
                <td className="ln">{l.oldNo ?? ''}</td>
                <td className="ln">{l.newNo ?? ''}</td>
                <td className="code">
                  <span className="sign" aria-hidden="true">{SIGN[l.kind]}</span>
                  <Code text={l.text} lang={lang} />
                </td>
              </tr>
            ))}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function Side({ line, side, lang }: { line: DiffLine | null; side: 'old' | 'new'; lang: string | null }) {
  if (!line) return (<><td className="ln diff-empty" /><td className="code diff-empty" /></>);
  const kind = line.kind === 'ctx' ? 'ctx' : line.kind;
  return (
    <>
      <td className={`ln diff-${kind}`}>{side === 'old' ? line.oldNo : line.newNo}</td>
      <td className={`code diff-${kind}`}>
        <span className="sign" aria-hidden="true">{SIGN[line.kind]}</span>
        <Code text={line.text} lang={lang} />
      </td>
    </>
  );
}

function SplitFile({ file, lang }: { file: FileDiff; lang: string | null }) {
  return (
    <table className="diff diff-split">
      <tbody>
        {file.hunks.map((h, hi) => (
          <Fragment key={hi}>
            <tr className="diff-hunk">
              <td colSpan={4}>{h.header}</td>
            </tr>
            {toSplitRows(h).map((r, ri) => (
              <tr key={ri}>
                <Side line={r.left} side="old" lang={lang} />
                <Side line={r.right} side="new" lang={lang} />
              </tr>
            ))}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A changeSet's patch: the file list with +/- counts, then the selected file in unified or split view with light
 * syntax colouring. The mode choice is remembered.
 */
export function DiffView({ patch, title }: { patch: string; title?: string }) {
  const files = useMemo(() => parseUnifiedDiff(patch), [patch]);
  const [selected, setSelected] = useState(0);
  const [mode, setMode] = useState<Mode>(storedMode);
  const choose = (m: Mode) => {
    setMode(m);
    try {
      localStorage.setItem(MODE_KEY, m);
    } catch {
      /* not remembered without storage */
    }
  };
  if (!files.length) return <p className="muted">This change set has no file changes.</p>;
  const file = files[Math.min(selected, files.length - 1)];
  const lang = languageOf(file.path);
  const adds = files.reduce((n, f) => n + f.additions, 0);
  const dels = files.reduce((n, f) => n + f.deletions, 0);
  return (
    <div className="diffview" data-testid="diff">
      <div className="diff-toolbar">
        <strong>{title ?? 'Changes'}</strong>
        <span className="muted">
          {files.length} file{files.length === 1 ? '' : 's'} <span className="plus">+{adds}</span> <span className="minus">−{dels}</span>
        </span>
        <span className="spacer" />
        <div className="segmented" role="group" aria-label="Diff layout">
          <button type="button" aria-pressed={mode === 'unified'} onClick={() => choose('unified')}>
            Unified
          </button>
          <button type="button" aria-pressed={mode === 'split'} onClick={() => choose('split')}>
            Split
          </button>
        </div>
      </div>
      <div className="diff-body">
        <ul className="diff-files" aria-label="Changed files">
          {files.map((f, i) => (
            <li key={`${f.path}-${i}`}>
              <button type="button" aria-current={i === selected ? 'true' : undefined} onClick={() => setSelected(i)} title={f.path}>
                <span className={`fstatus fstatus-${f.status}`} title={f.status}>
                  {f.status[0].toUpperCase()}
                </span>
                <span className="fname">{f.path}</span>
                <span className="plus">+{f.additions}</span>
                <span className="minus">−{f.deletions}</span>
              </button>
            </li>
          ))}
        </ul>
        <div className="diff-file" data-testid="diff-file">
          <div className="diff-file-head mono">
            {file.status === 'renamed' ? `${file.oldPath} → ${file.newPath}` : file.path}
          </div>
          {file.binary ? <p className="muted">Binary file not shown.</p> : mode === 'split' ? <SplitFile file={file} lang={lang} /> : <UnifiedFile file={file} lang={lang} />}
        </div>
      </div>
    </div>
  );
}
