// Keyboard-friendly wiring of the selected node: each input has a list of the compatible outputs to feed it from.
import { useId } from 'react';
import { useI18n } from '../i18n/i18n';
import { useCanvas } from './canvas-context';
import { findPart } from './catalog';
import type { FlowGraph, PartFlowNode } from './graph';
import { compatibleOutputs, feedOf, type OutputRef } from './port-connections';

const refText = (r: OutputRef): string => `${r.node}.${r.port}`;

export function ConnectInputs({
  node,
  graph,
  onFeed,
}: {
  node: PartFlowNode;
  graph: FlowGraph;
  onFeed: (nodeId: string, port: string, from: OutputRef | null) => void;
}) {
  const { t, local } = useI18n();
  const { catalog } = useCanvas();
  const id = useId();
  const part = findPart(catalog, node.data.part);
  if (!part || part.inputs.length === 0) return null;
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('connect.title')}</h3>
      {part.inputs.map((input) => {
        const offered = compatibleOutputs(graph, catalog, node.id, input.name);
        const current = feedOf(graph, node.id, input.name);
        return (
          <div className="field" key={input.name}>
            <label htmlFor={`${id}-${input.name}`}>
              {t('connect.input', { port: local(input.title) || input.name, kind: input.kind })}
            </label>
            <select
              id={`${id}-${input.name}`}
              value={current ? refText(current) : ''}
              onChange={(e) =>
                onFeed(node.id, input.name, offered.find((r) => refText(r) === e.target.value) ?? null)
              }
            >
              <option value="">{t('connect.none')}</option>
              {offered.map((r) => (
                <option key={refText(r)} value={refText(r)}>
                  {refText(r)}
                </option>
              ))}
            </select>
          </div>
        );
      })}
    </section>
  );
}
