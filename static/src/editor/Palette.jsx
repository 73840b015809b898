// The node palette, generated from the registry and grouped by category.
// Drag a type onto the canvas, or click it to add it after the selected node.
// Read-only (a published version shown, or a role that may not edit): every
// entry is disabled and says why (`reason`).

import { useMemo, useState } from 'react';
import { Search } from 'lucide-react';

import { categoryTitle } from '../lib/registry.js';
import { TypeIcon } from '../ui/icons.jsx';
import { DRAG_TYPE } from './Canvas.jsx';

export function Palette({ reg, hasStart, onAdd, readOnly = false, reason = null }) {
  const [filter, setFilter] = useState('');
  const groups = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return reg.categories
      .map((c) => ({
        ...c,
        types: c.types.filter(
          (t) =>
            !q ||
            t.label.toLowerCase().includes(q) ||
            t.type.toLowerCase().includes(q) ||
            (t.description ?? '').toLowerCase().includes(q),
        ),
      }))
      .filter((c) => c.types.length);
  }, [reg, filter]);

  return (
    <aside className={`palette${readOnly ? ' is-read-only' : ''}`} aria-label="Node palette">
      <div className="palette-search">
        <Search size={15} className="palette-search-icon" />
        <input
          className="input input-small"
          placeholder="Filter steps"
          value={filter}
          onChange={(ev) => setFilter(ev.target.value)}
          aria-label="Filter the palette"
        />
      </div>
      <div className="palette-groups">
        {groups.map((group) => (
          <section key={group.name} className="palette-group">
            <h3>{categoryTitle(group.name)}</h3>
            {group.types.map((t) => {
              const disabled = readOnly || (t.kind === 'start' && hasStart);
              return (
                <button
                  key={t.type}
                  type="button"
                  className={`palette-item cat-${t.category}`}
                  draggable={!disabled}
                  disabled={disabled}
                  data-palette-type={t.type}
                  title={
                    readOnly
                      ? (reason ?? 'The flow cannot be edited here.')
                      : disabled
                        ? 'A flow has exactly one incoming-call node.'
                        : `${t.description}\nDrag onto the canvas, or click to add.`
                  }
                  onDragStart={(ev) => {
                    ev.dataTransfer.setData(DRAG_TYPE, t.type);
                    ev.dataTransfer.effectAllowed = 'copy';
                  }}
                  onClick={() => onAdd(t.type)}
                >
                  <span className="palette-icon">
                    <TypeIcon name={t.icon} size={15} />
                  </span>
                  <span className="palette-label">{t.label}</span>
                </button>
              );
            })}
          </section>
        ))}
        {groups.length === 0 && <p className="muted small palette-none">No step matches “{filter}”.</p>}
      </div>
    </aside>
  );
}
