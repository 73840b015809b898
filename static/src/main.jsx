// The one bundle behind every page: the server renders a shell with
// <div id="app" data-page="..."> and this mounts the matching page.

import '@xyflow/react/dist/style.css';
import './styles/app.css';
import './styles/editor.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { EditorPage } from './editor/EditorPage.jsx';
import { loadAccess } from './lib/access.js';
import { api } from './lib/api.js';
import { ApiPage } from './pages/ApiPage.jsx';
import { CallsPage } from './pages/CallsPage.jsx';
import { FlowsPage } from './pages/FlowsPage.jsx';
import { ToastProvider } from './ui/Toasts.jsx';

const PAGES = {
  flows: () => <FlowsPage />,
  editor: (el) => <EditorPage flowId={el.dataset.flowId} publicUrl={el.dataset.publicUrl || null} />,
  calls: () => <CallsPage />,
  api: () => <ApiPage />,
};

const el = document.getElementById('app');
const page = PAGES[el?.dataset.page];
if (el && page) {
  loadAccess(api); // who is signed in and what they may do, asked once, while the page loads
  createRoot(el).render(
    <StrictMode>
      <ToastProvider>{page(el)}</ToastProvider>
    </StrictMode>,
  );
}
