import { gzipSync } from 'node:zlib';

/*
 * A repository tarball: hand-written ustar headers + node:zlib rather than a tar library, because the writer
 * needs only regular files and directories (about 40 lines) and this keeps the package to hono alone.
 * Like GitHub's, every path sits under one top directory `owner-repo-sha7/`.
 */

const BLOCK = 512;

function header(name: string, size: number, type: '0' | '5', mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar splits long paths at a slash: prefix (155 bytes) + name (100 bytes).
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`path too long for a tarball: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const put = (s: string, at: number, len: number) => h.write(s, at, len, 'utf8');
  const oct = (n: number, offset: number, len: number) => put(n.toString(8).padStart(len - 1, '0'), offset, len);
  put(base, 0, 100);
  oct(type === '5' ? 0o755 : 0o644, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(Math.floor(mtime / 1000), 136, 12);
  h.fill(' ', 148, 156);
  put(type, 156, 1);
  put('ustar', 257, 6);
  put('00', 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** A gzip'd ustar archive of `files` (path -> text) under `root/`. */
export function tarball(root: string, files: Map<string, string>, mtime: number): Buffer {
  const parts: Buffer[] = [header(`${root}/`, 0, '5', mtime)];
  const dirs = new Set<string>();
  for (const path of [...files.keys()].sort()) {
    const segs = path.split('/');
    for (let k = 1; k < segs.length; k++) {
      const d = segs.slice(0, k).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        parts.push(header(`${root}/${d}/`, 0, '5', mtime));
      }
    }
    const data = Buffer.from(files.get(path)!, 'utf8');
    parts.push(header(`${root}/${path}`, data.length, '0', mtime), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}
