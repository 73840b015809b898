// An accessible modal dialog: focus moves in, Escape and the backdrop close
// it, and focus returns to where it was.

import { useEffect, useRef, useState } from 'react';
import { X } from 'lucide-react';

export function Modal({ title, onClose, children, footer, wide = false, labelledBy, testId }) {
  const ref = useRef(null);
  // Where focus was before the dialog opened (read during the first render,
  // before any autoFocus inside the dialog moved it).
  const [previous] = useState(() => document.activeElement);
  useEffect(() => {
    if (!ref.current?.contains(document.activeElement)) {
      const first = ref.current?.querySelector('input, textarea, select, button:not(.modal-close)');
      (first ?? ref.current)?.focus();
    }
    return () => previous?.focus?.();
  }, [previous]);
  const onKeyDown = (ev) => {
    if (ev.key === 'Escape') {
      ev.stopPropagation();
      onClose?.();
    }
  };
  return (
    <div className="modal-backdrop" onMouseDown={(ev) => ev.target === ev.currentTarget && onClose?.()}>
      <div
        className={`modal${wide ? ' modal-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={labelledBy ?? 'modal-title'}
        ref={ref}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <header className="modal-head">
          <h2 id={labelledBy ?? 'modal-title'}>{title}</h2>
          {onClose && (
            <button type="button" className="icon-btn modal-close" onClick={onClose} aria-label="Close">
              <X size={18} />
            </button>
          )}
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-foot">{footer}</footer>}
      </div>
    </div>
  );
}
