// The right-hand panel: tabs over the panels of the editor.
//
// Panels are a list ({id, label, badge, render}) so that later ones (test
// call with DTMF keypad, versions and diff, live calls) are one more entry.

export function SidePanel({ tabs, active, onChange }) {
  const current = tabs.find((t) => t.id === active) ?? tabs[0];
  return (
    <aside className="side-panel" aria-label="Properties and problems">
      <div className="tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={t.id === current.id}
            aria-controls={`panel-${t.id}`}
            className={`tab${t.id === current.id ? ' is-active' : ''}`}
            onClick={() => onChange(t.id)}
          >
            {t.label}
            {t.badge != null && t.badge !== 0 && <span className={`tab-badge badge-${t.badgeTone ?? 'neutral'}`}>{t.badge}</span>}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`}>
        {current.render()}
      </div>
    </aside>
  );
}
