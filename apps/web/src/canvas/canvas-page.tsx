import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type OnConnectEnd,
  type OnConnectStart,
} from '@xyflow/react';
import {
  canonicalJson,
  validateDefinition,
  type PipelineDefinition,
  type PortKind,
} from '@imageflow/pipeline';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Part, PartsCatalogResponse } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { useOperations } from '../operations/use-operations';
import { NodeRunView } from '../runs/node-run-view';
import { RunPanel } from '../runs/run-panel';
import { useRunWatch } from '../runs/use-run-watch';
import { SavePanel, VersionsPanel, type OpenPipeline } from '../versions/versions-panel';
import { CanvasContext, setUnsavedChanges, type CanvasState } from './canvas-context';
import { copySelection, pasteClipboard, type Clipboard } from './clipboard';
import { ConnectInputs } from './connect-inputs';
import { setFeed, type OutputRef } from './port-connections';
import { buildCatalog, portKind, type CanvasCatalog, type PortSide } from './catalog';
import { checkConnection } from './connection';
import {
  definitionToGraph,
  edgeId,
  graphToDefinition,
  nextNodeId,
  parseHandleId,
  sourceNode,
  type FlowEdge,
  type FlowGraph,
  type FlowNode,
  type PartFlowNode,
} from './graph';
import { emptyHistory, record, redo, undo, type History } from './history';
import { Inspector } from './inspector';
import { placeIssues } from './issues';
import { layoutGraph } from './layout';
import { nodeTypes, useIssueText } from './nodes';
import { Palette } from './palette';
import { PART_DRAG_TYPE } from './palette-filter';

type Load =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; response: PartsCatalogResponse };

export function CanvasPage({
  client,
  apiKey,
  onUnauthorized,
}: {
  client: ApiClient;
  apiKey: string;
  onUnauthorized: () => void;
}) {
  const { t } = useI18n();
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  // A ref, so a parent re-render (e.g. switching language) never reloads the parts and loses the drawing.
  const onUnauthorizedRef = useRef(onUnauthorized);
  onUnauthorizedRef.current = onUnauthorized;

  useEffect(() => {
    const abort = new AbortController();
    setLoad({ status: 'loading' });
    client.listParts(abort.signal).then(
      (response) => setLoad({ status: 'ready', response }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && err.unauthorized) onUnauthorizedRef.current();
        else setLoad({ status: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => abort.abort();
  }, [client, attempt]);

  if (load.status === 'loading')
    return (
      <p className="page-status" role="status">
        {t('palette.loading')}
      </p>
    );
  if (load.status === 'error') {
    return (
      <div className="page-status" role="alert">
        <p>{t('palette.loadFailed', { message: load.message })}</p>
        <button type="button" onClick={() => setAttempt((n) => n + 1)}>
          {t('palette.retry')}
        </button>
      </div>
    );
  }
  return (
    <ReactFlowProvider>
      <Editor response={load.response} client={client} apiKey={apiKey} />
    </ReactFlowProvider>
  );
}

const EMPTY_BASELINE = canonicalJson({ nodes: [], edges: [] });

const isTyping = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

function Editor({
  response,
  client,
  apiKey,
}: {
  response: PartsCatalogResponse;
  client: ApiClient;
  apiKey: string;
}) {
  const { t, language } = useI18n();
  const issueText = useIssueText();
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const catalog: CanvasCatalog = useMemo(() => buildCatalog(response.parts), [response]);
  const [graph, setGraph] = useState<FlowGraph>(() => ({ nodes: [sourceNode({ x: 0, y: 150 })], edges: [] }));
  const [history, setHistory] = useState<History<FlowGraph>>(emptyHistory);
  const [connectingFrom, setConnectingFrom] = useState<{ kind: PortKind; side: PortSide } | null>(null);
  const [notice, setNotice] = useState('');
  const graphRef = useRef(graph);
  graphRef.current = graph;
  const wrapper = useRef<HTMLDivElement>(null);
  const [baseline, setBaseline] = useState(EMPTY_BASELINE);
  const [pipeline, setPipeline] = useState<OpenPipeline | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const clipboard = useRef<Clipboard | null>(null);
  // An opened version is laid out with default node sizes; once React Flow has measured the nodes it is laid out
  // again with their real sizes and fitted to the view.
  const relayoutPending = useRef(false);
  const nodesInitialized = useNodesInitialized();
  useEffect(() => {
    if (!nodesInitialized || !relayoutPending.current) return;
    relayoutPending.current = false;
    setGraph((g) => ({ ...g, nodes: layoutGraph(g) }));
    requestAnimationFrame(() => void flow.fitView({ padding: 0.2 }));
  }, [nodesInitialized, flow]);
  const [showOps, setShowOps] = useState(false);
  const operations = useOperations(
    client,
    showOps && pipeline ? { pipelineId: pipeline.id, version: pipeline.version } : null,
  );
  const opsByNode = useMemo(
    () => (operations.ops ? new Map(operations.ops.nodes.map((n) => [n.nodeId, n])) : null),
    [operations.ops],
  );

  /** Call before every change the user may want to undo. */
  const checkpoint = useCallback(() => setHistory((h) => record(h, graphRef.current)), []);

  const definition = useMemo(() => graphToDefinition(graph), [graph]);
  const definitionJson = useMemo(() => canonicalJson(definition), [definition]);
  // Re-validate only when what runs changes, not when a node is dragged.
  const validation = useMemo(() => {
    const result = validateDefinition(definition, catalog.specs);
    return { result, placed: placeIssues(result, definition) };
  }, [definitionJson, catalog]);
  const dirty = definitionJson !== baseline;
  const runNodeIds = useMemo(() => definition.nodes.map((n) => n.id), [definition]);
  const watch = useRunWatch(client, apiKey, runId, runNodeIds);

  useEffect(() => {
    setUnsavedChanges(dirty);
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) =>
      setGraph((g) => ({ ...g, nodes: applyNodeChanges(changes, g.nodes) })),
    [],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) =>
      setGraph((g) => ({ ...g, edges: applyEdgeChanges(changes, g.edges) })),
    [],
  );

  const isValidConnection = useCallback(
    (c: FlowEdge | Connection) => checkConnection(c, graphRef.current, catalog).ok,
    [catalog],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const verdict = checkConnection(c, graphRef.current, catalog);
      if (!verdict.ok) return;
      const from = parseHandleId(c.sourceHandle);
      const to = parseHandleId(c.targetHandle);
      if (!from || !to) return;
      checkpoint();
      const id = edgeId({ from: { node: c.source, port: from.port }, to: { node: c.target, port: to.port } });
      setGraph((g) => ({ ...g, edges: addEdge({ ...c, id }, g.edges) }));
      setNotice('');
    },
    [catalog, checkpoint],
  );

  const onConnectStart: OnConnectStart = useCallback(
    (_e, { nodeId, handleId }) => {
      const handle = parseHandleId(handleId);
      const node = graphRef.current.nodes.find((n) => n.id === nodeId);
      const kind = handle && node ? portKind(catalog, node, handle.side, handle.port) : undefined;
      setConnectingFrom(handle && kind ? { kind, side: handle.side } : null);
    },
    [catalog],
  );

  const onConnectEnd: OnConnectEnd = useCallback(
    (_e, state) => {
      setConnectingFrom(null);
      if (state.isValid !== false || !state.fromHandle || !state.toHandle) return;
      // Say why a drop on a port was refused (screen readers get it from the status region).
      const [source, target] =
        state.fromHandle.type === 'source'
          ? [state.fromHandle, state.toHandle]
          : [state.toHandle, state.fromHandle];
      const verdict = checkConnection(
        {
          source: source.nodeId,
          sourceHandle: source.id ?? null,
          target: target.nodeId,
          targetHandle: target.id ?? null,
        },
        graphRef.current,
        catalog,
      );
      if (verdict.ok) return;
      if (verdict.reason === 'type-mismatch')
        setNotice(t('canvas.refused.typeMismatch', { from: verdict.from ?? '?', to: verdict.to ?? '?' }));
      else if (verdict.reason === 'input-taken') setNotice(t('canvas.refused.inputTaken'));
    },
    [catalog, t],
  );

  const addPart = useCallback(
    (part: Part, position?: { x: number; y: number }) => {
      let at = position;
      if (!at) {
        const rect = wrapper.current?.getBoundingClientRect();
        const center = rect
          ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }
          : { x: 400, y: 300 };
        const offset = (graphRef.current.nodes.length % 5) * 24;
        at = flow.screenToFlowPosition({ x: center.x + offset, y: center.y + offset });
      }
      checkpoint();
      const id = nextNodeId(
        part.id,
        graphRef.current.nodes.map((n) => n.id),
      );
      const node: PartFlowNode = {
        id,
        type: 'part',
        position: at,
        data: { part: { id: part.id, version: part.version }, parameters: {} },
        selected: true,
      };
      setGraph((g) => ({
        ...g,
        nodes: [...g.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
      }));
    },
    [checkpoint, flow],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(PART_DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const key = e.dataTransfer.getData(PART_DRAG_TYPE);
      const part = key ? catalog.parts.get(key) : undefined;
      if (!part) return;
      e.preventDefault();
      addPart(part, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [addPart, catalog, flow],
  );

  /** Replaces the drawing with a saved version (asks first when there are unsaved changes). */
  const openDefinition = useCallback(
    (next: OpenPipeline, def: PipelineDefinition) => {
      if (definitionJson !== baseline && !window.confirm(t('canvas.discardConfirm'))) return;
      const loaded = definitionToGraph(def);
      checkpoint();
      setGraph({ ...loaded, nodes: layoutGraph(loaded) });
      setBaseline(canonicalJson(def));
      setPipeline(next);
      setRunId(null);
      relayoutPending.current = true;
    },
    [baseline, checkpoint, definitionJson, t],
  );

  const onSaved = useCallback(
    (saved: OpenPipeline) => {
      setPipeline(saved);
      setBaseline(definitionJson);
    },
    [definitionJson],
  );

  const copy = useCallback(() => {
    const clip = copySelection(graphRef.current);
    if (clip) clipboard.current = clip;
    return !!clip;
  }, []);
  const paste = useCallback(() => {
    const clip = clipboard.current;
    if (!clip) return;
    checkpoint();
    setGraph((g) => pasteClipboard(g, clip));
  }, [checkpoint]);

  const doUndo = useCallback(() => {
    const step = undo(history, graphRef.current);
    if (!step) return;
    setHistory(step.history);
    setGraph(step.present);
  }, [history]);
  const doRedo = useCallback(() => {
    const step = redo(history, graphRef.current);
    if (!step) return;
    setHistory(step.history);
    setGraph(step.present);
  }, [history]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || !(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) {
        e.preventDefault();
        doUndo();
      } else if ((key === 'z' && e.shiftKey) || key === 'y') {
        e.preventDefault();
        doRedo();
      } else if (key === 'c' && !e.shiftKey) {
        if (copy()) e.preventDefault();
      } else if (key === 'v' && !e.shiftKey) {
        e.preventDefault();
        paste();
      } else if (key === 'x' && !e.shiftKey) {
        if (copy()) {
          e.preventDefault();
          deleteSelectionRef.current();
        }
      } else if (key === '0' || (key === 'f' && e.shiftKey)) {
        e.preventDefault();
        void flow.fitView({ padding: 0.2, duration: 200 });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [doUndo, doRedo, copy, paste, flow]);

  const deleteSelection = useCallback(() => {
    const g = graphRef.current;
    void flow.deleteElements({
      nodes: g.nodes.filter((n) => n.selected),
      edges: g.edges.filter((e) => e.selected),
    });
  }, [flow]);
  const deleteSelectionRef = useRef(deleteSelection);
  deleteSelectionRef.current = deleteSelection;

  const autoLayout = useCallback(() => {
    checkpoint();
    setGraph((g) => ({ ...g, nodes: layoutGraph(g) }));
    requestAnimationFrame(() => void flow.fitView({ padding: 0.2, duration: 200 }));
  }, [checkpoint, flow]);

  const updateNode = useCallback(
    (nodeId: string, update: (n: PartFlowNode) => PartFlowNode) => {
      checkpoint();
      setGraph((g) => ({
        ...g,
        nodes: g.nodes.map((n) => (n.id === nodeId && n.type === 'part' ? update(n) : n)),
      }));
    },
    [checkpoint],
  );
  const onParameter = useCallback(
    (nodeId: string, name: string, value: unknown) =>
      updateNode(nodeId, (n) => {
        const parameters = { ...n.data.parameters };
        if (value === undefined) delete parameters[name];
        else parameters[name] = value;
        return { ...n, data: { ...n.data, parameters } };
      }),
    [updateNode],
  );
  const onFeed = useCallback(
    (nodeId: string, port: string, from: OutputRef | null) => {
      checkpoint();
      setGraph((g) => setFeed(g, nodeId, port, from));
    },
    [checkpoint],
  );
  const onLabel = useCallback(
    (nodeId: string, label: string) =>
      updateNode(nodeId, (n) => {
        const data = { ...n.data };
        if (label) data.label = label;
        else delete data.label;
        return { ...n, data };
      }),
    [updateNode],
  );

  const edges = useMemo(
    () =>
      graph.edges.map((e) => {
        const problems = validation.placed.byEdge.get(e.id);
        return problems
          ? { ...e, className: 'edge--error', ariaLabel: problems.map((p) => p.message).join('; ') }
          : e;
      }),
    [graph.edges, validation],
  );

  const selected = graph.nodes.filter((n): n is PartFlowNode => n.type === 'part' && !!n.selected);
  const context: CanvasState = useMemo(
    () => ({ catalog, placed: validation.placed, connectingFrom, live: watch.live, ops: opsByNode }),
    [catalog, validation, connectingFrom, watch.live, opsByNode],
  );
  const savedTarget =
    pipeline?.version && !dirty ? { pipelineId: pipeline.id, version: pipeline.version } : null;
  const { result, placed } = validation;
  const downSources = response.sources.filter((s) => !s.ok);

  return (
    <CanvasContext.Provider value={context}>
      <div className="editor">
        <aside className="editor__palette">
          <Palette parts={response.parts} onAdd={(p) => addPart(p)} />
          {downSources.map((s) => (
            <p key={s.address} className="error">
              {t('palette.sourceDown', { address: s.address, error: s.error ?? '' })}
            </p>
          ))}
        </aside>
        <main className="editor__main">
          <div className="toolbar" role="toolbar" aria-label={t('canvas.toolbar')}>
            <button type="button" onClick={doUndo} disabled={history.past.length === 0}>
              {t('canvas.undo')}
            </button>
            <button type="button" onClick={doRedo} disabled={history.future.length === 0}>
              {t('canvas.redo')}
            </button>
            <button
              type="button"
              onClick={deleteSelection}
              disabled={
                !graph.nodes.some((n) => n.selected && n.type === 'part') &&
                !graph.edges.some((e) => e.selected)
              }
            >
              {t('canvas.delete')}
            </button>
            <button type="button" onClick={autoLayout}>
              {t('canvas.layout')}
            </button>
            <button type="button" onClick={() => void flow.fitView({ padding: 0.2, duration: 200 })}>
              {t('canvas.fit')}
            </button>
            <button
              type="button"
              onClick={copy}
              disabled={!graph.nodes.some((n) => n.selected && n.type === 'part')}
            >
              {t('canvas.copy')}
            </button>
            <button type="button" onClick={paste}>
              {t('canvas.paste')}
            </button>
            <button
              type="button"
              aria-pressed={showOps}
              disabled={!pipeline}
              title={pipeline ? undefined : t('ops.needsPipeline')}
              onClick={() => setShowOps((v) => !v)}
            >
              {showOps ? t('ops.hide') : t('ops.show')}
            </button>
            <span className={dirty ? 'badge badge--dirty' : 'badge'} data-testid="dirty-status">
              {dirty ? t('canvas.unsaved') : t('canvas.clean')}
            </span>
            <span
              className={result.valid ? 'badge badge--ok' : 'badge badge--blocked'}
              data-testid="validation-status"
            >
              {result.valid ? t('validation.ok') : t('validation.blocked', { count: result.issues.length })}
            </span>
          </div>
          <p className="notice" role="status" aria-live="polite">
            {notice}
          </p>
          {showOps && operations.ops && (
            <p className="hint ops-summary" data-testid="ops-summary">
              {t('ops.at', {
                version: operations.ops.version.replace(/^sha256:/, '').slice(0, 10),
                at: new Date(operations.ops.at).toLocaleTimeString(),
              })}
              {!operations.ops.prometheus.ok && (
                <span className="error">
                  {' '}
                  · {t('ops.prometheusDown', { error: operations.ops.prometheus.error ?? '' })}
                </span>
              )}
            </p>
          )}
          {showOps && operations.error && <p className="error">{operations.error}</p>}
          <div
            className="canvas"
            ref={wrapper}
            onDragOver={onDragOver}
            onDrop={onDrop}
            aria-label={t('canvas.label')}
            role="region"
          >
            <ReactFlow<FlowNode, FlowEdge>
              nodes={graph.nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              onConnectStart={onConnectStart}
              onConnectEnd={onConnectEnd}
              isValidConnection={isValidConnection}
              onBeforeDelete={async () => {
                checkpoint();
                return true;
              }}
              onNodeDragStart={checkpoint}
              deleteKeyCode={['Backspace', 'Delete']}
              fitView
              fitViewOptions={{ padding: 0.4, maxZoom: 1 }}
              proOptions={{ hideAttribution: false }}
            >
              <Background />
              <Controls showInteractive={false} />
            </ReactFlow>
          </div>
          <p className="hint">{t('canvas.shortcuts')}</p>
        </main>
        <aside className="editor__side">
          <SavePanel
            client={client}
            definition={definition}
            valid={result.valid}
            dirty={dirty}
            pipeline={pipeline}
            onSaved={onSaved}
          />
          <RunPanel
            client={client}
            definition={definition}
            valid={result.valid}
            saved={savedTarget}
            watch={watch}
            runId={runId}
            onStarted={setRunId}
          />
          <Inspector
            node={selected.length === 1 ? selected[0] : undefined}
            onParameter={onParameter}
            onLabel={onLabel}
          />
          {selected.length === 1 && selected[0] && (
            <ConnectInputs node={selected[0]} graph={graph} onFeed={onFeed} />
          )}
          {runId && selected.length === 1 && selected[0] && (
            <NodeRunView
              client={client}
              nodeId={selected[0].id}
              live={watch.live?.nodes[selected[0].id]}
              details={watch.details}
              definition={definition}
            />
          )}
          <section className="problems" aria-label={t('validation.title')}>
            <h2>
              {t('validation.title')} ({result.issues.length})
            </h2>
            <ul>
              {result.issues.map((issue, i) => (
                <li key={i}>
                  {issue.nodeId && placed.byNode.has(issue.nodeId) ? (
                    <button
                      type="button"
                      className="link"
                      onClick={() =>
                        setGraph((g) => ({
                          ...g,
                          nodes: g.nodes.map((n) => ({ ...n, selected: n.id === issue.nodeId })),
                        }))
                      }
                    >
                      {issue.nodeId}
                    </button>
                  ) : null}{' '}
                  {/* The validator's messages are English; other languages get a translated summary first. */}
                  {language !== 'en' && <strong>{issueText(issue)} </strong>}
                  <span>{issue.message}</span>
                </li>
              ))}
            </ul>
          </section>
          <VersionsPanel
            client={client}
            pipeline={pipeline}
            refreshKey={`${pipeline?.id ?? ''}/${pipeline?.version ?? ''}`}
            onOpen={openDefinition}
          />
        </aside>
      </div>
    </CanvasContext.Provider>
  );
}
