/** One line of a hunk, with its line numbers on each side (null where the line does not exist). */
export interface DiffLine {
  kind: 'add' | 'del' | 'ctx';
  text: string;
  oldNo: number | null;
  newNo: number | null;
}

export interface Hunk {
  header: string;
  lines: DiffLine[];
}

export interface FileDiff {
  oldPath: string | null;
  newPath: string | null;
  /** The path to show: the new path, or the old one for deletions. */
  path: string;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  binary: boolean;
  hunks: Hunk[];
  additions: number;
  deletions: number;
}

const stripPrefix = (p: string) => (p === '/dev/null' ? null : p.replace(/^[ab]\//, ''));

/**
 * Parses a git unified diff (what Jules puts in `changeSet.gitPatch.unidiffPatch`) into files and hunks. Tolerant:
 * unknown header lines are skipped, and a patch without `diff --git` headers (plain `---`/`+++`) works too.
 */
export function parseUnifiedDiff(patch: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | null = null;
  let hunk: Hunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  // Lines the current hunk still expects on each side, from its header: a hunk ends when both reach 0, so a
  // following `--- ` line is read as the next file's header, not as a deleted line starting with "-- ".
  let oldLeft = 0;
  let newLeft = 0;

  const startFile = (oldPath: string | null, newPath: string | null) => {
    file = { oldPath, newPath, path: newPath ?? oldPath ?? '(unknown)', status: 'modified', binary: false, hunks: [], additions: 0, deletions: 0 };
    files.push(file);
    hunk = null;
  };
  const finish = (f: FileDiff) => {
    f.path = f.newPath ?? f.oldPath ?? '(unknown)';
    if (f.oldPath === null && f.newPath !== null) f.status = 'added';
    else if (f.newPath === null && f.oldPath !== null) f.status = 'deleted';
    else if (f.oldPath !== f.newPath) f.status = 'renamed';
  };

  for (const raw of patch.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const git = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
    if (git) {
      startFile(git[1], git[2]);
      continue;
    }
    const cur = file as FileDiff | null;
    if (hunk && oldLeft <= 0 && newLeft <= 0) hunk = null;
    if (line.startsWith('--- ') && !hunk) {
      // A plain diff without `diff --git` starts a file at its `---` line.
      if (!cur || cur.hunks.length > 0) startFile(null, null);
      (file as unknown as FileDiff).oldPath = stripPrefix(line.slice(4).split('\t')[0]);
      continue;
    }
    if (line.startsWith('+++ ') && cur && !hunk) {
      cur.newPath = stripPrefix(line.slice(4).split('\t')[0]);
      continue;
    }
    if (cur && !hunk) {
      if (line.startsWith('new file mode')) cur.oldPath = null;
      else if (line.startsWith('deleted file mode')) cur.newPath = null;
      else if (line.startsWith('rename from ')) cur.oldPath = line.slice(12);
      else if (line.startsWith('rename to ')) cur.newPath = line.slice(10);
      else if (line.startsWith('Binary files')) cur.binary = true;
    }
    const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/.exec(line);
    if (h && cur) {
      oldNo = Number(h[1]);
      oldLeft = h[2] === undefined ? 1 : Number(h[2]);
      newNo = Number(h[3]);
      newLeft = h[4] === undefined ? 1 : Number(h[4]);
      hunk = { header: line, lines: [] };
      cur.hunks.push(hunk);
      continue;
    }
    const hk = hunk as Hunk | null;
    if (!hk || !cur) continue;
    if (line.startsWith('+')) {
      hk.lines.push({ kind: 'add', text: line.slice(1), oldNo: null, newNo: newNo++ });
      cur.additions++;
      newLeft--;
    } else if (line.startsWith('-')) {
      hk.lines.push({ kind: 'del', text: line.slice(1), oldNo: oldNo++, newNo: null });
      cur.deletions++;
      oldLeft--;
    } else if (line.startsWith(' ')) {
      hk.lines.push({ kind: 'ctx', text: line.slice(1), oldNo: oldNo++, newNo: newNo++ });
      oldLeft--;
      newLeft--;
    }
    // Anything else ("\ No newline at end of file", the patch's trailing newline) is metadata, not content.
  }
  files.forEach(finish);
  return files;
}

export interface SplitRow {
  left: DiffLine | null;
  right: DiffLine | null;
}

/** Pairs a hunk's lines for a side-by-side view: deletions on the left next to the additions that replace them. */
export function toSplitRows(h: Hunk): SplitRow[] {
  const rows: SplitRow[] = [];
  let dels: DiffLine[] = [];
  let adds: DiffLine[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) rows.push({ left: dels[i] ?? null, right: adds[i] ?? null });
    dels = [];
    adds = [];
  };
  for (const l of h.lines) {
    if (l.kind === 'del') {
      if (adds.length) flush();
      dels.push(l);
    } else if (l.kind === 'add') adds.push(l);
    else {
      flush();
      rows.push({ left: l, right: l });
    }
  }
  flush();
  return rows;
}
