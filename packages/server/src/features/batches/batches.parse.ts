import { parse as parseCsv } from 'csv-parse/sync';
import type { TaskListFormat } from '@autopilot/contracts';

/**
 * Task lists as pasted or uploaded: plain lines, a markdown checklist, or CSV (RFC 4180, read by csv-parse). Every
 * task keeps the 1-based line of the text it starts on (`row`), so a problem can name the line a person sees in
 * their editor. Nothing here knows templates or repositories: the service gives the fields their meaning.
 */

export const MAX_TASKS = 500;

export interface ParsedTask {
  row: number;
  /** lines and checklist: the task's text. */
  text?: string;
  /** csv: the row's cells by header name (header names trimmed, as written). */
  cells?: Record<string, string>;
}

export interface TaskListProblem {
  row: number;
  message: string;
}

export interface ParsedTaskList {
  tasks: ParsedTask[];
  skipped: Array<{ row: number; reason: string }>;
  problems: TaskListProblem[];
  /** csv: the header's names, in order. */
  columns: string[];
}

const BOM = /^\uFEFF/;
const CHECKBOX = /^\s*[-*+]\s+\[([ xX])\](?:\s+(.*))?$/;

function lines(text: string): ParsedTaskList {
  const out: ParsedTaskList = { tasks: [], skipped: [], problems: [], columns: [] };
  text.replace(BOM, '').split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) out.skipped.push({ row: i + 1, reason: 'a comment (starts with #)' });
    else out.tasks.push({ row: i + 1, text: line });
  });
  return out;
}

function checklist(text: string): ParsedTaskList {
  const out: ParsedTaskList = { tasks: [], skipped: [], problems: [], columns: [] };
  text.replace(BOM, '').split(/\r\n|\r|\n/).forEach((raw, i) => {
    const m = CHECKBOX.exec(raw);
    if (!m) return; // headings, prose and plain bullets are not tasks
    const task = (m[2] ?? '').trim();
    if (m[1] !== ' ') out.skipped.push({ row: i + 1, reason: 'already checked' });
    else if (task === '') out.problems.push({ row: i + 1, message: 'the checklist item has no text' });
    else out.tasks.push({ row: i + 1, text: task });
  });
  return out;
}

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed (a " is missing); the rows after it could not be read',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote must be followed by a comma or the end of the line (write "" for a quote inside a quoted field); the rows after it could not be read',
  CSV_INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and write "" for the quote); the rows after it could not be read',
};

/**
 * The 1-based line where the record after byte `at` starts (past the empty lines skipped before it). Counted here
 * from csv-parse's byte offsets: its own line count reads a CRLF inside a quoted field as two lines.
 */
function lineCounter(text: string) {
  const buf = Buffer.from(text, 'utf8');
  // Offsets only grow (records come in order), so each call reads just the bytes since the last one.
  let byte = 0;
  let char = 0;
  let line = 1;
  return (at: number): number => {
    const chunk = buf.subarray(byte, at).toString('utf8');
    line += chunk.match(/\r\n|\r|\n/g)?.length ?? 0;
    char += chunk.length;
    byte = at;
    let blank = 0;
    for (let i = char; i < text.length && (text[i] === '\r' || text[i] === '\n'); i += 1) {
      if (text[i] === '\r' && text[i + 1] === '\n') i += 1;
      blank += 1;
    }
    return line + blank;
  };
}

function csv(text: string): ParsedTaskList {
  const out: ParsedTaskList = { tasks: [], skipped: [], problems: [], columns: [] };
  const records: Array<{ row: number; cells: string[] }> = [];
  const lineAt = lineCounter(text);
  let end = 0; // byte offset where the previous record (with its line break) ended
  try {
    parseCsv(text, {
      bom: true,
      relax_column_count: true, // a row with the wrong number of fields is reported by row below, not fatal
      skip_empty_lines: true,
      on_record: (cells: string[], ctx: { bytes: number }) => {
        records.push({ row: lineAt(end), cells });
        end = ctx.bytes;
        return null; // collected here; csv-parse need not keep them
      },
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    out.problems.push({ row: lineAt(end), message: (e.code && CSV_ERRORS[e.code]) ?? `not valid CSV: ${e.message ?? String(err)}` });
  }
  const [header, ...rows] = records;
  if (!header) {
    if (!out.problems.length) out.problems.push({ row: 1, message: 'the CSV is empty: it needs a header row, then one row per task' });
    return out;
  }
  out.columns = header.cells.map((c) => c.trim());
  const seen = new Set<string>();
  out.columns.forEach((name, i) => {
    if (name === '') out.problems.push({ row: header.row, message: `column ${i + 1} of the header has no name` });
    else if (seen.has(name.toLowerCase())) out.problems.push({ row: header.row, message: `the header names the column "${name}" twice` });
    seen.add(name.toLowerCase());
  });
  for (const r of rows) {
    if (r.cells.every((c) => c.trim() === '')) continue; // a line of blanks or commas only: not a task
    if (r.cells.length !== out.columns.length) {
      out.problems.push({ row: r.row, message: `has ${r.cells.length} field${r.cells.length === 1 ? '' : 's'}, the header has ${out.columns.length}` });
      continue;
    }
    out.tasks.push({ row: r.row, cells: Object.fromEntries(out.columns.map((name, i) => [name, r.cells[i]])) });
  }
  return out;
}

/** Reads a task list; problems name their row. More than MAX_TASKS tasks is one problem (the list is not cut). */
export function parseTaskList(format: TaskListFormat, text: string): ParsedTaskList {
  const out = format === 'csv' ? csv(text) : format === 'checklist' ? checklist(text) : lines(text);
  if (out.tasks.length === 0 && out.problems.length === 0) {
    out.problems.push({ row: 1, message: format === 'checklist' ? 'the checklist has no unchecked "- [ ] task" items' : format === 'csv' ? 'the CSV has a header but no task rows' : 'the list has no tasks (every line is blank or a comment)' });
  }
  if (out.tasks.length > MAX_TASKS) {
    out.problems.push({ row: out.tasks[MAX_TASKS].row, message: `a batch has at most ${MAX_TASKS} tasks; this list has ${out.tasks.length} (the first one over is here)` });
  }
  return out;
}
