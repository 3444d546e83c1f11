import { createContext, useContext } from 'react';
import type { PortKind } from '@imageflow/pipeline';
import type { CanvasCatalog, PortSide } from './catalog';
import type { PlacedIssues } from './issues';

export interface CanvasState {
  catalog: CanvasCatalog;
  placed: PlacedIssues;
  /** The port a connection is being dragged from, so compatible ports can light up. */
  connectingFrom: { kind: PortKind; side: PortSide } | null;
}

export const CanvasContext = createContext<CanvasState | null>(null);

export function useCanvas(): CanvasState {
  const value = useContext(CanvasContext);
  if (!value) throw new Error('useCanvas outside CanvasContext');
  return value;
}
