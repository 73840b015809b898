// What panels may ask of the editor without owning it: centre or select a
// node, and draw an overlay on the canvas (used by the live-call and heat
// views: `setOverlay("live", {nodes: {id: {tone: "active", badge: "3"}}})`,
// `setOverlay("live", null)` to clear).

import { createContext, useContext } from 'react';

export const EditorContext = createContext(null);

export const useEditor = () => useContext(EditorContext);
