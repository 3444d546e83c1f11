import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ValidationIssue } from '@imageflow/pipeline';
import type { PartPort } from '../api/types';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { useCanvas } from './canvas-context';
import { findPart, type PortSide } from './catalog';
import { opsTexts } from '../operations/operations';
import { isCompatibleEnd } from './connection';
import { handleId, type PartFlowNode, type SourceFlowNode } from './graph';

export const issueKey = (issue: ValidationIssue): MessageKey => `issue.${issue.code}` as MessageKey;

export function useIssueText() {
  const { t } = useI18n();
  return (issue: ValidationIssue): string => t(issueKey(issue), { path: issue.cycle?.join(' → ') ?? '' });
}

function PortRow({
  nodeId,
  side,
  port,
  issues,
}: {
  nodeId: string;
  side: PortSide;
  port: PartPort;
  issues: ValidationIssue[];
}) {
  const { t, local } = useI18n();
  const { connectingFrom } = useCanvas();
  const issueText = useIssueText();
  const compatible = isCompatibleEnd(connectingFrom, side, port.kind);
  const classes = [
    'port',
    `port--${side}`,
    compatible && 'port--compatible',
    issues.length > 0 && 'port--error',
  ]
    .filter(Boolean)
    .join(' ');
  const aria = t(side === 'in' ? 'node.inputAria' : 'node.outputAria', {
    port: port.name,
    node: nodeId,
    kind: port.kind,
  });
  return (
    <div className={classes} title={issues.map((i) => i.message).join('\n') || undefined}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={handleId(side, port.name)}
        className={`handle handle--${port.kind.toLowerCase()}${compatible ? ' handle--compatible' : ''}`}
        aria-label={aria}
        title={compatible ? `${aria} — ${t('node.compatible')}` : aria}
      />
      <span className="port__name">{local(port.title) || port.name}</span>
      <span className="port__kind">{port.kind}</span>
      {issues.length > 0 && (
        <span className="port__issue" role="img" aria-label={issues.map(issueText).join(' ')}>
          !
        </span>
      )}
    </div>
  );
}

export const PartNode = memo(function PartNode({ id, data, selected }: NodeProps<PartFlowNode>) {
  const { t, local } = useI18n();
  const { catalog, placed, live, ops } = useCanvas();
  const issueText = useIssueText();
  const part = findPart(catalog, data.part);
  const run = live?.nodes[id];
  const nodeOps = ops?.get(id);
  const opsText = nodeOps ? opsTexts(nodeOps) : null;
  const opsLine = opsText
    ? t('ops.node', { throughput: opsText.throughput, p95: opsText.p95, lag: opsText.lag })
    : '';
  const issues = placed.byNode.get(id);
  const title = part
    ? local(part.title)
    : t('node.unknownPart', { part: `${data.part.id}@${data.part.version}` });
  const portIssues = (side: PortSide, name: string) => issues?.ports.get(handleId(side, name)) ?? [];
  const count =
    (issues?.node.length ?? 0) + [...(issues?.ports.values() ?? [])].reduce((n, l) => n + l.length, 0);
  const classes = [
    'node',
    `node--${part?.category ?? 'unknown'}`,
    count > 0 && 'node--error',
    issues?.inCycle && 'node--cycle',
    run && `node--run-${run.state}`,
    selected && 'node--selected',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className={classes}
      role="group"
      aria-label={t('node.aria', { title, id })}
      aria-invalid={count > 0 || undefined}
    >
      <div className="node__header">
        <span className="node__title">{data.label || title}</span>
        <span className="node__id">{id}</span>
      </div>
      <div className="node__ports">
        <div className="node__inputs">
          {part?.inputs.map((p) => (
            <PortRow key={p.name} nodeId={id} side="in" port={p} issues={portIssues('in', p.name)} />
          ))}
        </div>
        <div className="node__outputs">
          {part?.outputs.map((p) => (
            <PortRow key={p.name} nodeId={id} side="out" port={p} issues={portIssues('out', p.name)} />
          ))}
        </div>
      </div>
      {run && (
        <div
          className={`node__state node__state--${run.state}`}
          data-testid={`node-state-${id}`}
          data-state={run.state}
          title={run.error ? `${run.error.code}: ${run.error.message}` : undefined}
        >
          {t(`state.${run.state}`)}
          {run.durationMs != null && <span className="node__time"> {run.durationMs} ms</span>}
        </div>
      )}
      {opsText && (
        <div
          className={`node__ops${opsText.warn ? ' node__ops--warn' : ''}`}
          data-testid={`node-ops-${id}`}
          aria-label={t('ops.nodeAria', { id, text: opsLine })}
        >
          {opsLine}
        </div>
      )}
      {count > 0 && (
        <ul className="node__issues" aria-label={t('node.problems', { count })}>
          {issues?.node.slice(0, 3).map((issue, i) => (
            <li key={i} title={issue.message}>
              {issueText(issue)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});

export const SourceNode = memo(function SourceNode({ id, selected }: NodeProps<SourceFlowNode>) {
  const { t } = useI18n();
  const { connectingFrom } = useCanvas();
  const compatible = isCompatibleEnd(connectingFrom, 'out', 'IMAGE');
  const aria = t('node.outputAria', { port: 'image', node: id, kind: 'IMAGE' });
  return (
    <div
      className={`node node--source${selected ? ' node--selected' : ''}`}
      role="group"
      aria-label={t('node.sourceAria')}
    >
      <div className="node__header">
        <span className="node__title">{t('node.source')}</span>
      </div>
      <div className={`port port--out${compatible ? ' port--compatible' : ''}`}>
        <span className="port__name">image</span>
        <span className="port__kind">IMAGE</span>
        <Handle
          type="source"
          position={Position.Right}
          id={handleId('out', 'image')}
          className={`handle handle--image${compatible ? ' handle--compatible' : ''}`}
          aria-label={aria}
          title={aria}
        />
      </div>
    </div>
  );
});

export const nodeTypes = { part: PartNode, source: SourceNode };
