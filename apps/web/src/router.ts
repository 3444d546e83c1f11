// Hash routes: the gateway serves index.html at `/`, and a hash keeps every route a client-side one.
//   #/            the canvas          #/runs?lot=…   the runs table       #/runs/<id>   one run
//   #/replays     start a replay      #/replays/<id> its progress and the comparison
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'canvas' }
  | { page: 'runs'; query: string }
  | { page: 'run'; id: string }
  | { page: 'replays' }
  | { page: 'replay'; id: string }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = raw.split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'canvas')) return { page: 'canvas' };
  if (parts[0] === 'runs' && parts.length === 1) return { page: 'runs', query };
  if (parts[0] === 'runs' && parts.length === 2 && parts[1]) return { page: 'run', id: parts[1] };
  if (parts[0] === 'replays' && parts.length === 1) return { page: 'replays' };
  if (parts[0] === 'replays' && parts.length === 2 && parts[1]) return { page: 'replay', id: parts[1] };
  return { page: 'not-found', path };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'canvas':
      return '#/';
    case 'runs':
      return route.query ? `#/runs?${route.query}` : '#/runs';
    case 'run':
      return `#/runs/${encodeURIComponent(route.id)}`;
    case 'replays':
      return '#/replays';
    case 'replay':
      return `#/replays/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const navigate = (route: Route): void => {
  window.location.hash = hrefOf(route);
};
