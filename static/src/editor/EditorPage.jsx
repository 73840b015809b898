// "/flows/<id>": loads the registry and the draft, then opens the editor
// ("/flows/<id>?call=<callid>" with that call's path drawn).

import { useEffect, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';

import { loadAccess } from '../lib/access.js';
import { api } from '../lib/api.js';
import { normalize } from '../lib/document.js';
import { indexRegistry } from '../lib/registry.js';
import { ErrorNotice } from '../ui/ErrorNotice.jsx';
import { Editor, placeUnpositioned } from './Editor.jsx';

export function EditorPage({ flowId, publicUrl = null }) {
  // ?call=<callid> (a link from the call log) draws that call's path.
  const [callId] = useState(() => new URLSearchParams(window.location.search).get('call'));
  const [state, setState] = useState({ status: 'loading' });
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        // What the user may do is known before the editor opens: a viewer's
        // canvas is read-only from the first frame, and nothing is ever saved.
        const [nodes, flow] = await Promise.all([api.nodes(), api.getFlow(flowId), loadAccess(api)]);
        const serverDoc = normalize(flow.data.document);
        const initialDoc = await placeUnpositioned(serverDoc);
        if (!cancelled) {
          document.title = `${flow.data.name} · Call-flow designer`;
          setState({
            status: 'ready',
            reg: indexRegistry(nodes.data),
            record: flow.data,
            serverDoc,
            initialDoc,
            etag: flow.etag,
          });
        }
      } catch (error) {
        if (!cancelled) setState({ status: 'error', error });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [flowId]);

  if (state.status === 'loading') return <div className="loading loading-page">Opening the flow…</div>;
  if (state.status === 'error') {
    const missing = state.error.status === 404;
    return (
      <div className="page">
        <ErrorNotice error={state.error} title={missing ? 'This flow does not exist' : 'The flow could not be opened'}>
          <p>
            <a href="/">Back to all flows</a>
          </p>
        </ErrorNotice>
      </div>
    );
  }
  return (
    <ReactFlowProvider>
      <Editor
        reg={state.reg}
        flowId={flowId}
        record={state.record}
        serverDoc={state.serverDoc}
        initialDoc={state.initialDoc}
        etag={state.etag}
        publicUrl={publicUrl}
        callId={callId}
      />
    </ReactFlowProvider>
  );
}
