/**
 * Which methods a path takes, for 405 Method Not Allowed with an `Allow` header. Computed from the app's own
 * routes (`app.routes`: what is registered is what is allowed), compiled once into one matcher per route pattern
 * and only consulted on a miss (the notFound handler), so the hot path pays nothing. Catch-alls (`*`, the
 * dashboard's `GET *`) and middleware (`ALL`) are left out: they would make every path "exist".
 */
export interface RouteLike {
  method: string;
  path: string;
}

interface Compiled {
  re: RegExp;
  methods: Set<string>;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/api/sessions/:id` -> /^\/api\/sessions\/[^/]+$/; `:name{re}` keeps its own pattern. */
function compile(path: string): RegExp {
  const parts = path.split('/').map((seg) => {
    const m = /^:(\w+)(?:\{(.+)\})?$/.exec(seg);
    if (!m) return escape(seg);
    return m[2] ? `(?:${m[2]})` : '[^/]+';
  });
  return new RegExp(`^${parts.join('/')}/?$`);
}

export function methodIndex(routes: () => readonly RouteLike[]) {
  let compiled: Compiled[] = [];
  let seen = -1;
  const build = () => {
    const list = routes();
    if (list.length === seen) return;
    seen = list.length;
    const byPath = new Map<string, Set<string>>();
    for (const r of list) {
      if (r.method === 'ALL' || r.path.includes('*')) continue;
      const set = byPath.get(r.path) ?? new Set<string>();
      set.add(r.method.toUpperCase());
      byPath.set(r.path, set);
    }
    compiled = [...byPath].map(([path, methods]) => ({ re: compile(path), methods }));
  };
  return {
    /** The methods `path` takes (GET implies HEAD), sorted; empty when no route has this path. */
    allowed(path: string): string[] {
      build();
      const out = new Set<string>();
      for (const c of compiled) if (c.re.test(path)) for (const m of c.methods) out.add(m);
      if (out.has('GET')) out.add('HEAD');
      return [...out].sort();
    },
  };
}
