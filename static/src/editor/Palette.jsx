// The node palette, generated from the registry and grouped by category.
// Drag a type onto the canvas, or click it to add it after the selected node.
// Typing in the filter narrows it by name and description (lib/palette.js).
// Collapsed, it is a narrow strip of the same entries as icons (still
// draggable and clickable, named by their tooltips) and ignores the filter.
// Read-only (a published version shown, or a role that may not edit): every
// entry is disabled and says why (`reason`).

import { useMemo, useState } from 'react';
import { PanelLeftClose, PanelLeftOpen, Search, X } from 'lucide-react';

import { filterCategories } from '../lib/palette.js';
import { categoryTitle } from '../lib/registry.js';
import { TypeIcon } from '../ui/icons.jsx';
import { DRAG_TYPE } from './Canvas.jsx';

export function Palette({
  reg,
  hasStart,
  onAdd,
  collapsed = false,
  onToggle,
  toggleHint = null,
  readOnly = false,
  reason = null,
}) {
  const [filter, setFilter] = useState('');
  const groups = useMemo(() => filterCategories(reg.categories, collapsed ? '' : filter), [reg, filter, collapsed]);
  const toggleLabel = collapsed ? 'Expand the palette' : 'Collapse the palette';

  const toggle = (
    <button
      type="button"
      className="icon-btn palette-toggle"
      onClick={onToggle}
      title={toggleHint ? `${toggleLabel} (${toggleHint})` : toggleLabel}
      aria-label={toggleLabel}
      aria-expanded={!collapsed}
      data-testid="palette-toggle"
    >
      {collapsed ? <PanelLeftOpen size={16} /> : <PanelLeftClose size={16} />}
    </button>
  );

  return (
    <aside
      className={`palette${collapsed ? ' is-collapsed' : ''}${readOnly ? ' is-read-only' : ''}`}
      aria-label="Node palette"
      data-collapsed={collapsed ? 'true' : 'false'}
    >
      <div className="palette-head">
        {!collapsed && (
          <div className="palette-search">
            <Search size={15} className="palette-search-icon" />
            <input
              className="input input-small"
              placeholder="Filter steps"
              value={filter}
              onChange={(ev) => setFilter(ev.target.value)}
              onKeyDown={(ev) => {
                // Escape empties the filter first; the editor's Escape (leave the field) comes next time.
                if (ev.key === 'Escape' && filter) {
                  ev.stopPropagation();
                  setFilter('');
                }
              }}
              aria-label="Filter the palette"
            />
            {filter && (
              <button type="button" className="palette-clear" onClick={() => setFilter('')} title="Clear the filter" aria-label="Clear the filter">
                <X size={13} />
              </button>
            )}
          </div>
        )}
        {toggle}
      </div>
      <div className="palette-groups">
        {groups.map((group) => (
          <section key={group.name} className="palette-group" aria-label={categoryTitle(group.name)}>
            <h3>{categoryTitle(group.name)}</h3>
            {group.types.map((t) => {
              const disabled = readOnly || (t.kind === 'start' && hasStart);
              const how = collapsed ? `${t.label}: ${t.description}` : t.description;
              return (
                <button
                  key={t.type}
                  type="button"
                  className={`palette-item cat-${t.category}`}
                  draggable={!disabled}
                  disabled={disabled}
                  data-palette-type={t.type}
                  aria-label={t.label}
                  title={
                    readOnly
                      ? (reason ?? 'The flow cannot be edited here.')
                      : disabled
                        ? 'A flow has exactly one incoming-call node.'
                        : `${how}\nDrag onto the canvas, or click to add.`
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
        {groups.length === 0 && (
          <div className="palette-none" data-testid="palette-empty">
            <p className="muted small">No step matches “{filter}”.</p>
            <button type="button" className="link-btn small" onClick={() => setFilter('')}>
              Show all steps
            </button>
          </div>
        )}
      </div>
    </aside>
  );
}
