// The step picker that opens where a connection was dropped on empty canvas
// (or on a double click): type to filter, Enter or click to add.

import { useEffect, useMemo, useRef, useState } from 'react';

import { filterTypes } from '../lib/palette.js';
import { TypeIcon } from '../ui/icons.jsx';

export function QuickAdd({ reg, at, title, onPick, onClose }) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const ref = useRef(null);
  const inputRef = useRef(null);
  const types = useMemo(() => filterTypes(reg.types, query).filter((t) => t.kind !== 'start'), [reg, query]);
  useEffect(() => inputRef.current?.focus(), []);
  useEffect(() => {
    const away = (ev) => ref.current && !ref.current.contains(ev.target) && onClose();
    window.addEventListener('pointerdown', away, true);
    return () => window.removeEventListener('pointerdown', away, true);
  }, [onClose]);
  const left = Math.min(at.x, window.innerWidth - 260);
  const top = Math.min(at.y, window.innerHeight - 340);
  return (
    <div className="quickadd" style={{ left, top }} ref={ref} role="dialog" aria-label={title}>
      <div className="quickadd-title muted small">{title}</div>
      <input
        ref={inputRef}
        className="input input-small"
        value={query}
        placeholder="Type to filter"
        onChange={(ev) => {
          setQuery(ev.target.value);
          setActive(0);
        }}
        onKeyDown={(ev) => {
          if (ev.key === 'ArrowDown') setActive((a) => Math.min(types.length - 1, a + 1));
          else if (ev.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
          else if (ev.key === 'Enter' && types[active]) onPick(types[active].type);
          else if (ev.key === 'Escape') onClose();
          else return;
          ev.preventDefault();
        }}
      />
      <ul className="quickadd-list" role="listbox">
        {types.map((t, i) => (
          <li key={t.type} role="option" aria-selected={i === active}>
            <button
              type="button"
              className={`quickadd-item cat-${t.category}${i === active ? ' is-active' : ''}`}
              onMouseEnter={() => setActive(i)}
              onClick={() => onPick(t.type)}
            >
              <span className="palette-icon">
                <TypeIcon name={t.icon} size={14} />
              </span>
              {t.label}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
