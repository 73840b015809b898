// A small drop-down menu for a toolbar button: opens below it, closes on a
// pick, on Escape and on a click elsewhere; arrow keys move between items.

import { useEffect, useRef, useState } from 'react';

export function MenuButton({ label, icon, items, testId, className = 'icon-btn tool' }) {
  const [open, setOpen] = useState(false);
  const root = useRef(null);

  useEffect(() => {
    if (!open) return undefined;
    const away = (ev) => {
      if (!root.current?.contains(ev.target)) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    root.current?.querySelector('[role="menuitem"]')?.focus();
    return () => document.removeEventListener('mousedown', away);
  }, [open]);

  const onKeyDown = (ev) => {
    if (ev.key === 'Escape') {
      ev.stopPropagation();
      setOpen(false);
      root.current?.querySelector('button')?.focus();
      return;
    }
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    ev.preventDefault();
    const entries = [...(root.current?.querySelectorAll('[role="menuitem"]') ?? [])];
    const i = entries.indexOf(document.activeElement);
    const next = entries[(i + (ev.key === 'ArrowDown' ? 1 : -1) + entries.length) % entries.length];
    next?.focus();
  };

  return (
    <span className="menu-wrap" ref={root} onKeyDown={onKeyDown}>
      <button
        type="button"
        className={className}
        title={label}
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid={testId}
      >
        {icon}
      </button>
      {open && (
        <div className="menu" role="menu" aria-label={label}>
          {items.map((item) => (
            <button
              key={item.id}
              type="button"
              role="menuitem"
              className="menu-item"
              onClick={() => {
                setOpen(false);
                item.onSelect();
              }}
              data-testid={item.testId}
            >
              {item.icon}
              <span className="menu-text">
                <span>{item.label}</span>
                {item.hint && <span className="menu-hint">{item.hint}</span>}
              </span>
            </button>
          ))}
        </div>
      )}
    </span>
  );
}
