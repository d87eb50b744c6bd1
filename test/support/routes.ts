import type { Express } from 'express';

/** One route of the app: an HTTP method and its path pattern (`/tickets/:number`). */
export interface RouteInfo {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * Every route the app answers, read from Express 5's router stack (app.router), including the
 * routes of every router mounted with app.use (all are mounted at the root, so a route's path is
 * its full path). Sorted and without duplicates.
 */
export function routesOf(app: Express): RouteInfo[] {
  const found = new Map<string, RouteInfo>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          if (typeof path !== 'string') throw new Error(`route path ${String(path)} is not a string: teach routesOf about it`);
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') found.set(`${method.toUpperCase()} ${path}`, { method: method.toUpperCase(), path });
          }
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  const router = (app as unknown as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } }).router ?? (app as unknown as { _router?: { stack: Layer[] } })._router;
  if (!router) throw new Error('no router on the app');
  walk(router.stack);
  return [...found.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** The route's path with its parameters filled in (`:number` → values.number). */
export function fillPath(path: string, values: Record<string, string | number>): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(String(v));
  });
}
