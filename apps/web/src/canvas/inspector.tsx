import { useEffect, useId, useState } from 'react';
import type { ValidationIssue } from '@imageflow/pipeline';
import { fieldsOf, fieldText, isUnparsedJson, parseFieldInput, type FormField } from '../forms/schema-fields';
import { useI18n } from '../i18n/i18n';
import { useCanvas } from './canvas-context';
import { findPart } from './catalog';
import type { PartFlowNode } from './graph';
import { useIssueText } from './nodes';

interface InspectorProps {
  node: PartFlowNode | undefined;
  onParameter: (nodeId: string, name: string, value: unknown) => void;
  onLabel: (nodeId: string, label: string) => void;
}

/** JSON text keeps its own draft so re-formatting never fights the typist; undo/redo replaces it. */
function JsonInput({
  common,
  value,
  onChange,
}: {
  common: Record<string, unknown>;
  value: unknown;
  onChange: (text: string) => void;
}) {
  const [text, setText] = useState(() => (typeof value === 'string' ? value : fieldText(value)));
  useEffect(() => {
    setText((current) => {
      let parsed: unknown = current;
      try {
        parsed = current.trim() ? JSON.parse(current) : undefined;
      } catch {
        // keep the raw text
      }
      return JSON.stringify(parsed) === JSON.stringify(value)
        ? current
        : typeof value === 'string'
          ? value
          : fieldText(value);
    });
  }, [value]);
  return (
    <textarea
      {...common}
      rows={5}
      spellCheck={false}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value);
      }}
    />
  );
}

function FieldInput({
  field,
  value,
  errors,
  onChange,
}: {
  field: FormField;
  value: unknown;
  errors: ValidationIssue[];
  onChange: (value: unknown) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const badJson = isUnparsedJson(field, value);
  const invalid = errors.length > 0 || badJson;
  const described = [invalid ? errorId : '', helpId].filter(Boolean).join(' ');
  const help = [
    field.description,
    field.default !== undefined ? t('inspector.default', { value: fieldText(field.default) }) : '',
    field.minimum !== undefined || field.maximum !== undefined
      ? t('inspector.range', { min: field.minimum ?? '−∞', max: field.maximum ?? '∞' })
      : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const common = {
    id,
    'aria-invalid': invalid || undefined,
    'aria-describedby': described,
    'aria-required': field.required || undefined,
  };

  let control;
  switch (field.kind) {
    case 'boolean':
      control = (
        <input
          {...common}
          type="checkbox"
          checked={(value ?? field.default) === true}
          onChange={(e) => onChange(parseFieldInput(field, e.target.checked))}
        />
      );
      break;
    case 'enum':
      control = (
        <select
          {...common}
          value={fieldText(value)}
          onChange={(e) => onChange(parseFieldInput(field, e.target.value))}
        >
          <option value="">
            {t('inspector.unset')}
            {field.default !== undefined ? ` ${fieldText(field.default)}` : ''}
          </option>
          {field.options?.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'integer':
    case 'number':
      control = (
        <input
          {...common}
          type="text"
          inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
          value={fieldText(value)}
          placeholder={fieldText(field.default)}
          onChange={(e) => onChange(parseFieldInput(field, e.target.value))}
        />
      );
      break;
    case 'string':
      control = (
        <input
          {...common}
          type="text"
          value={fieldText(value)}
          placeholder={fieldText(field.default)}
          maxLength={field.maxLength}
          onChange={(e) => onChange(parseFieldInput(field, e.target.value))}
        />
      );
      break;
    default:
      control = (
        <JsonInput
          common={common}
          value={value}
          onChange={(text) => onChange(parseFieldInput(field, text))}
        />
      );
  }

  return (
    <div className={`field${invalid ? ' field--error' : ''}`}>
      <label htmlFor={id}>
        {field.label}
        {field.required && <span className="field__required"> ({t('inspector.required')})</span>}
      </label>
      {control}
      {help && (
        <small id={helpId} className="hint">
          {help}
        </small>
      )}
      {invalid && (
        <p id={errorId} className="error" role="alert">
          {badJson ? `${t('inspector.badJson')} ` : ''}
          {errors.map((e) => e.message).join('; ')}
        </p>
      )}
    </div>
  );
}

export function Inspector({ node, onParameter, onLabel }: InspectorProps) {
  const { t, local } = useI18n();
  const { catalog, placed } = useCanvas();
  const issueText = useIssueText();
  const labelId = useId();
  if (!node) {
    return (
      <section className="inspector" aria-label={t('inspector.title')}>
        <h2>{t('inspector.title')}</h2>
        <p className="hint">{t('inspector.empty')}</p>
      </section>
    );
  }
  const part = findPart(catalog, node.data.part);
  const fields = part ? fieldsOf(part.parametersSchema) : [];
  const issues = placed.byNode.get(node.id);
  const formLevel = issues?.parameters.get('') ?? [];
  return (
    <section className="inspector" aria-label={t('inspector.title')}>
      <h2>{part ? local(part.title) : node.data.part.id}</h2>
      <dl className="inspector__facts">
        <dt>{t('inspector.id')}</dt>
        <dd>{node.id}</dd>
        <dt>{t('inspector.part')}</dt>
        <dd>
          {node.data.part.id}@{node.data.part.version}
        </dd>
      </dl>
      {part && <p className="hint">{local(part.description)}</p>}
      <div className="field">
        <label htmlFor={labelId}>{t('inspector.label')}</label>
        <input
          id={labelId}
          type="text"
          maxLength={200}
          value={node.data.label ?? ''}
          onChange={(e) => onLabel(node.id, e.target.value)}
        />
      </div>
      <h3>{t('inspector.parameters')}</h3>
      {fields.length === 0 && <p className="hint">{t('inspector.noParameters')}</p>}
      {formLevel.length > 0 && (
        <p className="error" role="alert">
          {formLevel.map((i) => i.message).join('; ')}
        </p>
      )}
      <form onSubmit={(e) => e.preventDefault()} aria-label={t('inspector.parameters')}>
        {fields.map((f) => (
          <FieldInput
            key={`${node.id}/${f.name}`}
            field={f}
            value={node.data.parameters[f.name]}
            errors={issues?.parameters.get(`/${f.name}`) ?? []}
            onChange={(v) => onParameter(node.id, f.name, v)}
          />
        ))}
      </form>
      {issues && issues.node.some((i) => i.code !== 'INVALID_PARAMETERS') && (
        <ul className="error-list">
          {issues.node
            .filter((i) => i.code !== 'INVALID_PARAMETERS')
            .map((i, n) => (
              <li key={n} title={i.message}>
                {issueText(i)}
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}
