import { useId, useMemo, useState, type DragEvent } from 'react';
import type { Part } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { dragKeyOf, groupParts, PART_DRAG_TYPE } from './palette-filter';

export function Palette({ parts, onAdd }: { parts: readonly Part[]; onAdd: (part: Part) => void }) {
  const { t, local } = useI18n();
  const [query, setQuery] = useState('');
  const groups = useMemo(() => groupParts(parts, query), [parts, query]);
  const searchId = useId();
  const hintId = useId();

  const onDragStart = (e: DragEvent, part: Part) => {
    e.dataTransfer.setData(PART_DRAG_TYPE, dragKeyOf(part));
    e.dataTransfer.effectAllowed = 'move';
  };

  return (
    <nav className="palette" aria-label={t('palette.title')}>
      <h2>{t('palette.title')}</h2>
      <label htmlFor={searchId} className="visually-hidden">
        {t('palette.search')}
      </label>
      <input
        id={searchId}
        type="search"
        placeholder={t('palette.search')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        aria-describedby={hintId}
      />
      <p id={hintId} className="hint">
        {t('palette.hint')}
      </p>
      {groups.length === 0 && <p>{t('palette.empty')}</p>}
      {groups.map((g) => (
        <section key={g.category} aria-labelledby={`palette-${g.category}`}>
          <h3 id={`palette-${g.category}`} className={`palette__group palette__group--${g.category}`}>
            {t(`palette.category.${g.category}`)}
          </h3>
          <ul className="palette__list">
            {g.parts.map((p) => {
              const title = local(p.title);
              return (
                <li key={dragKeyOf(p)}>
                  <button
                    type="button"
                    className={`palette__item palette__item--${p.category}`}
                    draggable
                    onDragStart={(e) => onDragStart(e, p)}
                    onClick={() => onAdd(p)}
                    aria-label={t('palette.add', { title })}
                    title={local(p.description) || p.id}
                    data-part-id={p.id}
                  >
                    <span className="palette__title">{title}</span>
                    <span className="palette__meta">
                      {p.id}@{p.version}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </nav>
  );
}
