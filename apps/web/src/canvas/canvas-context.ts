import { createContext, useContext } from 'react';
import type { PortKind } from '@imageflow/pipeline';
import type { CanvasCatalog, PortSide } from './catalog';
import type { NodeOperations } from '../api/types';
import type { RunLive } from '../runs/live-state';
import type { PlacedIssues } from './issues';

export interface CanvasState {
  catalog: CanvasCatalog;
  placed: PlacedIssues;
  /** The port a connection is being dragged from, so compatible ports can light up. */
  connectingFrom: { kind: PortKind; side: PortSide } | null;
  /** The node states of the run being watched, if any. */
  live: RunLive | null;
  /** Per-node throughput and lag of the open pipeline, while the operations view is on. */
  ops: ReadonlyMap<string, NodeOperations> | null;
}

// Whether the canvas holds a drawing that differs from the last saved (or opened) version. The canvas stays mounted
// while other pages are shown, so only leaving the app (sign-out, reload, closing the tab) can lose it.
let unsaved = false;
export const setUnsavedChanges = (value: boolean): void => {
  unsaved = value;
};
export const hasUnsavedChanges = (): boolean => unsaved;

export const CanvasContext = createContext<CanvasState | null>(null);

export function useCanvas(): CanvasState {
  const value = useContext(CanvasContext);
  if (!value) throw new Error('useCanvas outside CanvasContext');
  return value;
}
