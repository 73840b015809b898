// What panels may ask of the editor without owning it: centre or select a
// node, know whether the canvas is read-only (a published version is shown),
// and draw an overlay on the canvas:
// `setOverlay("mine", {nodes: {id: {tone, badge, title}}, edges: {"from:port": tone}})`,
// `setOverlay("mine", null)` to clear.  The editor's own views (test call,
// live calls, heat, version diff, a call's path) are overlays of the same
// shape, derived from their state in Editor.jsx; these come on top of them.

import { createContext, useContext } from 'react';

export const EditorContext = createContext(null);

export const useEditor = () => useContext(EditorContext);
