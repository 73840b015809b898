// Find nodes (Ctrl+F): non-matching nodes fade, Enter walks through the
// matches, selecting and centring each one.

import { useEffect, useRef } from 'react';
import { ChevronDown, ChevronUp, Search, X } from 'lucide-react';

export function SearchBar({ query, matches, index, onQuery, onStep, onClose }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const n = matches.length;
  return (
    <div className="searchbar" role="search">
      <Search size={15} className="muted" />
      <input
        ref={ref}
        className="searchbar-input"
        value={query}
        placeholder="Find steps by text, id or type"
        aria-label="Find steps"
        onChange={(ev) => onQuery(ev.target.value)}
        onKeyDown={(ev) => {
          if (ev.key === 'Enter') {
            ev.preventDefault();
            onStep(ev.shiftKey ? -1 : 1);
          } else if (ev.key === 'Escape') {
            ev.preventDefault();
            onClose();
          }
        }}
      />
      <span className="searchbar-count muted small" aria-live="polite">
        {query ? (n ? `${index + 1} of ${n}` : 'no match') : ''}
      </span>
      <button type="button" className="icon-btn" disabled={!n} onClick={() => onStep(-1)} aria-label="Previous match">
        <ChevronUp size={16} />
      </button>
      <button type="button" className="icon-btn" disabled={!n} onClick={() => onStep(1)} aria-label="Next match">
        <ChevronDown size={16} />
      </button>
      <button type="button" className="icon-btn" onClick={onClose} aria-label="Close search">
        <X size={16} />
      </button>
    </div>
  );
}
