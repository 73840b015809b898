// A sticky note on the canvas (stored in the document's `notes`): free text
// for the people who maintain the flow; the engine ignores it.

import { memo, useEffect, useState } from 'react';
import { NodeResizeControl } from '@xyflow/react';

import { NOTE_COLORS } from '../lib/document.js';

function NoteNodeView({ data, selected }) {
  const { note, onText, onColor, onResize, onEditEnd, readOnly = false } = data;
  const [text, setText] = useState(note.text ?? '');
  // Follow undo/redo and other outside changes of the text.
  useEffect(() => setText(note.text ?? ''), [note.text]);
  return (
    <div
      className={`note note-${NOTE_COLORS.includes(note.color) ? note.color : 'yellow'}${selected ? ' is-selected' : ''}`}
      data-note-id={note.id}
    >
      {!readOnly && (
        <NodeResizeControl
          minWidth={140}
          minHeight={80}
          position="bottom-right"
          className="note-resize"
          onResizeEnd={(_, p) => onResize(note.id, p)}
        />
      )}
      <div className="note-bar">
        <span className="note-grip" aria-hidden="true" />
        {selected && !readOnly && (
          <div className="note-colors nodrag">
            {NOTE_COLORS.map((c) => (
              <button
                key={c}
                type="button"
                className={`note-swatch note-${c}${c === note.color ? ' is-on' : ''}`}
                aria-label={`${c} note`}
                onClick={() => onColor(note.id, c)}
              />
            ))}
          </div>
        )}
      </div>
      <textarea
        className="note-text nodrag nowheel"
        value={text}
        placeholder={readOnly ? '' : 'Write a note…'}
        aria-label="Note text"
        readOnly={readOnly}
        maxLength={5000}
        onChange={(ev) => {
          setText(ev.target.value);
          onText(note.id, ev.target.value);
        }}
        onBlur={onEditEnd}
      />
    </div>
  );
}

export const NoteNode = memo(NoteNodeView);
