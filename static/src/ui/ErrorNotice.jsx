// An API error as the user sees it: the server's message and, below it,
// each structured problem it named (path or node, and what is wrong).

import { CircleAlert } from 'lucide-react';

import { describeProblem } from '../lib/api.js';

export function ErrorNotice({ error, title, children }) {
  if (!error) return null;
  // Skip details that only repeat the message (a single problem usually does).
  const problems = (error.problems ?? []).filter((p) => !String(error.message).includes(describeProblem(p)));
  return (
    <div className="notice notice-error" role="alert">
      <CircleAlert size={18} className="notice-icon" />
      <div>
        {title && <strong className="notice-title">{title}</strong>}
        <p>{error.message}</p>
        {problems.length > 0 && (
          <ul className="notice-list">
            {problems.slice(0, 12).map((p, i) => (
              <li key={i}>{describeProblem(p)}</li>
            ))}
            {problems.length > 12 && <li>… and {problems.length - 12} more</li>}
          </ul>
        )}
        {children}
      </div>
    </div>
  );
}
