// "Connect to Sinch": the callback URL to paste into the Sinch dashboard,
// the steps to get there, and the phone numbers bound to this flow (bind one
// with PUT /api/numbers/<e164>, unbind with DELETE).  Binding and unbinding
// need the publisher role: anyone else sees the bindings and why they
// cannot change them.

import { useCallback, useEffect, useState } from 'react';
import { Check, Copy, ExternalLink, LoaderCircle, Phone, Trash2 } from 'lucide-react';

import { api, ApiError, callbackUrl } from '../lib/api.js';
import { ON_MAC, shortcutHint } from '../lib/keymap.js';
import { ErrorNotice } from '../ui/ErrorNotice.jsx';
import { Modal } from '../ui/Modal.jsx';
import { useToast } from '../ui/Toasts.jsx';
import { useAccess } from '../ui/useAccess.js';

const E164 = /^\+[1-9][0-9]{1,14}$/;

async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http on another host): select the text instead.
    input?.select();
    return document.execCommand?.('copy') ?? false;
  }
}

export function ConnectDialog({ flowId, publicUrl, latestVersion, onClose }) {
  const url = callbackUrl(publicUrl);
  const local = /^https?:\/\/(localhost|127\.|\[::1\])/.test(url);
  const [copied, setCopied] = useState(false);
  const notify = useToast();

  const copy = async () => {
    const ok = await copyText(url, document.getElementById('callback-url'));
    setCopied(ok);
    if (ok) setTimeout(() => setCopied(false), 2000);
    else notify(`Select the URL and copy it with ${shortcutHint('copy', { mac: ON_MAC })}.`, { tone: 'error' });
  };

  return (
    <Modal title="Connect to Sinch" onClose={onClose} wide testId="connect-dialog">
      <div className="connect">
        <section>
          <h3 className="connect-h">Callback URL</h3>
          <p className="muted small">Sinch sends every event of a call (ICE, ACE, PIE, DiCE) to this one address.</p>
          <div className="copy-row">
            <input id="callback-url" className="input input-mono" value={url} readOnly onFocus={(ev) => ev.target.select()} data-testid="callback-url" />
            <button type="button" className="btn" onClick={copy} data-testid="copy-callback-url">
              {copied ? <Check size={15} /> : <Copy size={15} />} {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
          {!publicUrl && (
            <p className={`small ${local ? 'notice-inline-warning' : 'muted'}`}>
              {local
                ? 'This is a local address: Sinch cannot reach it. Run the server where the internet can reach it (or through a tunnel) and set DESIGNER_PUBLIC_URL to that address.'
                : 'Taken from this page’s address; set DESIGNER_PUBLIC_URL if Sinch reaches the server elsewhere.'}
            </p>
          )}
        </section>

        <section>
          <h3 className="connect-h">Set up the Sinch dashboard</h3>
          <ol className="steps">
            <li>
              Sign in to the{' '}
              <a href="https://dashboard.sinch.com/" target="_blank" rel="noreferrer">
                Sinch dashboard <ExternalLink size={12} />
              </a>{' '}
              and open <strong>Voice &amp; Video → Apps</strong>. Create an application or pick yours; note its key and
              secret.
            </li>
            <li>
              In the application’s voice settings, paste the address above as its <strong>Callback URL</strong> and save.
            </li>
            <li>
              Assign the phone number(s) callers will dial to that application (the app’s <strong>Numbers</strong>, or
              Sinch’s configuration API).
            </li>
            <li>
              Tell this designer which flow answers each number: bind it below (or <code>PUT /api/numbers/+46…</code>).
              Calls run the latest published version unless you pin one.
            </li>
            <li>
              To check Sinch’s signature on every callback, register the application key and secret with{' '}
              <code>POST /api/applications</code>; unsigned or forged callbacks are then refused.
            </li>
          </ol>
        </section>

        <NumberBindings flowId={flowId} latestVersion={latestVersion} />
      </div>
    </Modal>
  );
}

function NumberBindings({ flowId, latestVersion }) {
  const [bindings, setBindings] = useState(null);
  const [apps, setApps] = useState([]);
  const [number, setNumber] = useState('');
  const [version, setVersion] = useState('');
  const [application, setApplication] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const notify = useToast();
  const cannotBind = useAccess().why('publish', 'binding phone numbers');

  const reload = useCallback(async () => {
    try {
      const [numbers, applications] = await Promise.all([api.listNumbers(), api.listApplications()]);
      setBindings((numbers.data.items ?? []).filter((b) => b.flow === flowId));
      setApps(applications.data.items ?? []);
    } catch (err) {
      setError(err);
      setBindings([]);
    }
  }, [flowId]);

  useEffect(() => {
    reload();
  }, [reload]);

  const bind = async (ev) => {
    ev.preventDefault();
    const e164 = number.replace(/[\s()-]/g, '');
    if (!E164.test(e164)) {
      setError(new ApiError(400, 'number', `“${number}” is not an E.164 number: write it as +, country code and number, e.g. +46700000001.`));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.bindNumber(e164, {
        flow: flowId,
        version: version ? Number(version) : null,
        application: application || null,
      });
      notify(`${e164} now rings this flow.`, { tone: 'ok' });
      setNumber('');
      await reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const unbind = async (n) => {
    try {
      await api.unbindNumber(n);
      notify(`${n} no longer rings this flow.`);
      await reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <h3 className="connect-h">Phone numbers of this flow</h3>
      {bindings === null ? (
        <p className="muted small">
          <LoaderCircle size={13} className="spin" /> Loading…
        </p>
      ) : bindings.length ? (
        <ul className="bindings" data-testid="bindings">
          {bindings.map((b) => (
            <li key={b.number} data-number={b.number}>
              <Phone size={14} className="muted" />
              <code>{b.number}</code>
              <span className="muted small">
                {b.version ? `version ${b.version}` : 'latest version'}
                {b.application ? ` · app ${b.application}` : ''}
              </span>
              {!cannotBind && (
                <button type="button" className="btn btn-ghost btn-small btn-danger" onClick={() => unbind(b.number)} title={`Unbind ${b.number}`}>
                  <Trash2 size={14} /> Unbind
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No number rings this flow yet.</p>
      )}
      {cannotBind ? (
        <p className="lock-notice small" data-testid="bind-locked">
          {cannotBind}
        </p>
      ) : latestVersion ? (
        <form className="bind-form" onSubmit={bind} data-testid="bind-form">
          <label className="field field-inline">
            <span className="field-label">Number</span>
            <input className="input input-mono" value={number} onChange={(ev) => setNumber(ev.target.value)} placeholder="+46700000001" aria-label="Phone number to bind" />
          </label>
          <label className="field field-inline">
            <span className="field-label">Runs</span>
            <select className="input" value={version} onChange={(ev) => setVersion(ev.target.value)} aria-label="Version">
              <option value="">the latest version</option>
              {Array.from({ length: latestVersion }, (_, i) => latestVersion - i).map((n) => (
                <option key={n} value={n}>
                  version {n} only
                </option>
              ))}
            </select>
          </label>
          {apps.length > 0 && (
            <label className="field field-inline">
              <span className="field-label">Application</span>
              <select className="input" value={application} onChange={(ev) => setApplication(ev.target.value)} aria-label="Sinch application">
                <option value="">any</option>
                {apps.map((a) => (
                  <option key={a.key} value={a.key}>
                    {a.name || a.key}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="submit" className="btn btn-primary" disabled={busy || !number.trim()}>
            {busy ? 'Binding…' : 'Bind number'}
          </button>
        </form>
      ) : (
        <p className="notice notice-warning small">Publish the flow first: a number always runs a published version.</p>
      )}
      <ErrorNotice error={error} title="Not bound" />
    </section>
  );
}
