// Form fields generated from the registry's parameter schemas.
//
// One component per schema shape (text, enum, integer, boolean, key picker,
// list, list of objects, object, weekly schedule); ParamField picks one from
// the schema alone, so a parameter added to the registry gets a form field
// with its limits and inline errors without any editor change.

import { useEffect, useId, useState } from 'react';
import { ArrowDown, ArrowUp, Plus, X } from 'lucide-react';

import { counter } from '../lib/params.js';
import { paramTitle } from '../lib/registry.js';

const LONG_TEXT = new Set(['prompt', 'template', 'expression']);
const DAYS = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];
// The phone keypad layout, for pickers whose choices are DTMF keys.
const KEYPAD = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

let timeZones = null;
function allTimeZones() {
  if (timeZones === null) {
    try {
      timeZones = Intl.supportedValuesOf('timeZone');
    } catch {
      timeZones = [];
    }
  }
  return timeZones;
}

/** The problems below `key`, re-rooted there. */
const below = (problems, key) =>
  problems.filter((p) => p.path[0] === key).map((p) => ({ ...p, path: p.path.slice(1) }));
const own = (problems) => problems.filter((p) => p.path.length === 0);

function FieldShell({ id, label, required, schema, problems, extra, children, wide }) {
  const mine = own(problems);
  return (
    <div className={`field${mine.length ? ' has-error' : ''}${wide ? ' field-wide' : ''}`}>
      <div className="field-top">
        <label className="field-label" htmlFor={id}>
          {label}
          {required && <span className="req" title="Required">*</span>}
          {schema?.['x-template'] && (
            <span className="tmpl" title="May contain templates such as {{ call.cli }} or {{ vars.name }}">
              {'{{ }}'}
            </span>
          )}
        </label>
        {extra}
      </div>
      {children}
      {mine.map((p, i) => (
        <div key={i} className="field-error" role="alert">
          {p.message}
        </div>
      ))}
      {schema?.description && !mine.length && <div className="field-hint">{schema.description}</div>}
    </div>
  );
}

function TextField({ id, schema, value, onChange, required, onBlur }) {
  const long = LONG_TEXT.has(schema['x-format']) || (schema.maxLength ?? 0) > 300;
  const common = {
    id,
    className: 'input',
    value: value ?? '',
    placeholder: schema.default != null ? String(schema.default) : undefined,
    onChange: (ev) => onChange(ev.target.value === '' ? undefined : ev.target.value),
    onBlur,
    'aria-required': required || undefined,
    spellCheck: schema['x-format'] === 'template' || schema['x-format'] === 'prompt',
  };
  if (long) {
    const rows = Math.min(8, Math.max(2, Math.ceil(String(value ?? '').length / 38)));
    return <textarea {...common} rows={rows} />;
  }
  if (schema['x-format'] === 'timezone') {
    const listId = `${id}-zones`;
    return (
      <>
        <input {...common} list={listId} autoComplete="off" />
        <datalist id={listId}>
          {allTimeZones().map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </>
    );
  }
  return <input {...common} type={schema['x-secret'] ? 'password' : 'text'} autoComplete="off" />;
}

function EnumField({ id, schema, value, onChange, required }) {
  let unset = required ? 'Choose…' : 'Not set';
  if (schema.default != null) unset = `Default (${schema.default})`;
  else if (schema['x-format'] === 'locale') unset = 'Flow default';
  return (
    <select id={id} className="input" value={value ?? ''} onChange={(ev) => onChange(ev.target.value || undefined)}>
      <option value="">{unset}</option>
      {schema.enum.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </select>
  );
}

function NumberField({ id, schema, value, onChange, onBlur }) {
  // Keep the text being typed ("-", "1e") locally; report numbers only.
  const [text, setText] = useState(value == null ? '' : String(value));
  // What the browser could not read as a number ("1e", "-"): it reports an
  // empty value then, which must not silently clear the parameter.
  const [bad, setBad] = useState(false);
  useEffect(() => {
    setText((t) => (Number(t) === value && t !== '' ? t : value == null ? '' : String(value)));
  }, [value]);
  return (
    <>
      <input
        id={id}
        className="input input-number"
        type="number"
        inputMode="numeric"
        step={1}
        min={schema.minimum}
        max={schema.maximum}
        placeholder={schema.default != null ? String(schema.default) : undefined}
        value={text}
        aria-invalid={bad || undefined}
        onBlur={onBlur}
        onChange={(ev) => {
          const raw = ev.target.value;
          const unreadable = Boolean(ev.target.validity?.badInput);
          setBad(unreadable);
          setText(raw);
          if (unreadable) return;
          if (raw === '') onChange(undefined);
          else if (!Number.isNaN(Number(raw))) onChange(Number(raw));
        }}
      />
      {bad && (
        <div className="field-error" role="alert" data-testid="number-unreadable">
          Not a number: type digits only{value != null ? ` (${value} is kept until you do)` : ''}.
        </div>
      )}
    </>
  );
}

function Toggle({ id, schema, value, onChange }) {
  const effective = value ?? schema.default ?? false;
  return (
    <div className="toggle-row">
      <button
        id={id}
        type="button"
        role="switch"
        aria-checked={effective}
        className={`toggle${effective ? ' is-on' : ''}`}
        onClick={() => onChange(!effective)}
      >
        <span className="toggle-knob" />
      </button>
      <span className="muted small">
        {effective ? 'On' : 'Off'}
        {value === undefined && schema.default !== undefined ? ' (default)' : ''}
      </span>
      {value !== undefined && schema.default !== undefined && (
        <button type="button" className="link-btn small" onClick={() => onChange(undefined)}>
          Use default
        </button>
      )}
    </div>
  );
}

/** A set of choices from an enum, e.g. the menu's DTMF keys as a keypad. */
function KeyPicker({ id, schema, value, onChange, dtmfKeys }) {
  const choices = schema.items.enum;
  const isKeypad = choices.every((k) => KEYPAD.includes(k));
  const order = isKeypad ? (dtmfKeys?.length ? dtmfKeys : KEYPAD) : choices;
  const chosen = new Set(Array.isArray(value) ? value : []);
  const toggle = (key) => {
    const next = new Set(chosen);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    // Keep options in keypad order so ports are listed predictably.
    const list = order.filter((k) => next.has(k));
    const extra = [...next].filter((k) => !order.includes(k));
    onChange(list.length || extra.length ? [...list, ...extra] : undefined);
  };
  const layout = isKeypad ? KEYPAD.filter((k) => choices.includes(k)) : choices;
  return (
    <div id={id} className={isKeypad ? 'keypad' : 'chips'} role="group">
      {layout.map((k) => (
        <button
          key={k}
          type="button"
          className={`key${chosen.has(k) ? ' is-on' : ''}`}
          aria-pressed={chosen.has(k)}
          data-key={k}
          onClick={() => toggle(k)}
        >
          {k}
        </button>
      ))}
    </div>
  );
}

function move(list, i, delta) {
  const next = [...list];
  const j = i + delta;
  if (j < 0 || j >= next.length) return list;
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

function RowTools({ index, length, onMove, onRemove, label }) {
  return (
    <div className="row-tools">
      <button type="button" className="icon-btn" disabled={index === 0} onClick={() => onMove(index, -1)} aria-label={`Move ${label} up`}>
        <ArrowUp size={14} />
      </button>
      <button type="button" className="icon-btn" disabled={index === length - 1} onClick={() => onMove(index, 1)} aria-label={`Move ${label} down`}>
        <ArrowDown size={14} />
      </button>
      <button type="button" className="icon-btn" onClick={() => onRemove(index)} aria-label={`Remove ${label}`}>
        <X size={14} />
      </button>
    </div>
  );
}

function StringList({ id, schema, value, onChange, problems, onBlur }) {
  const list = Array.isArray(value) ? value : [];
  const set = (next) => onChange(next.length ? next : undefined);
  const full = schema.maxItems != null && list.length >= schema.maxItems;
  return (
    <div className="list" id={id}>
      {list.map((item, i) => {
        const mine = own(below(problems, i));
        return (
          <div key={i} className={`list-row${mine.length ? ' has-error' : ''}`}>
            <input
              className="input"
              value={item ?? ''}
              aria-label={`${paramTitle('entry', schema.items)} ${i + 1}`}
              onChange={(ev) => set(list.map((v, j) => (j === i ? ev.target.value : v)))}
              onBlur={onBlur}
            />
            <RowTools index={i} length={list.length} label={`entry ${i + 1}`} onMove={(a, d) => set(move(list, a, d))} onRemove={(a) => set(list.filter((_, j) => j !== a))} />
            {mine.map((p, k) => (
              <div key={k} className="field-error">
                {p.message}
              </div>
            ))}
          </div>
        );
      })}
      <button type="button" className="btn btn-small btn-ghost" disabled={full} onClick={() => onChange([...list, ''])}>
        <Plus size={14} /> Add
      </button>
    </div>
  );
}

function ObjectList({ id, schema, value, onChange, problems, dtmfKeys, onBlur }) {
  const list = Array.isArray(value) ? value : [];
  const set = (next) => onChange(next.length ? next : undefined);
  const full = schema.maxItems != null && list.length >= schema.maxItems;
  return (
    <div className="list" id={id}>
      {list.map((item, i) => (
        <div key={i} className="list-card">
          <div className="list-card-head">
            <span className="muted small">#{i + 1}</span>
            <RowTools index={i} length={list.length} label={`entry ${i + 1}`} onMove={(a, d) => set(move(list, a, d))} onRemove={(a) => set(list.filter((_, j) => j !== a))} />
          </div>
          <ObjectFields
            schema={schema.items}
            value={item ?? {}}
            keepEmpty
            onChange={(v) => set(list.map((old, j) => (j === i ? v ?? {} : old)))}
            problems={below(problems, i)}
            dtmfKeys={dtmfKeys}
            onBlur={onBlur}
          />
        </div>
      ))}
      <button type="button" className="btn btn-small btn-ghost" disabled={full} onClick={() => onChange([...list, {}])}>
        <Plus size={14} /> Add
      </button>
    </div>
  );
}

function ObjectFields({ schema, value, onChange, problems, dtmfKeys, keepEmpty = false, onBlur }) {
  const obj = value && typeof value === 'object' ? value : {};
  const required = new Set(schema.required ?? []);
  const setKey = (key, v) => {
    const next = { ...obj };
    if (v === undefined) delete next[key];
    else next[key] = v;
    onChange(Object.keys(next).length || keepEmpty ? next : undefined);
  };
  return (
    <div className="subfields">
      {Object.entries(schema.properties ?? {}).map(([key, sub]) => (
        <ParamField
          key={key}
          name={key}
          schema={sub}
          value={obj[key]}
          required={required.has(key)}
          onChange={(v) => setKey(key, v)}
          problems={below(problems, key)}
          dtmfKeys={dtmfKeys}
          onBlur={onBlur}
        />
      ))}
    </div>
  );
}

/** A weekly schedule: one line per day, "09:00-12:00, 13:00-17:00". */
function ScheduleField({ id, value, onChange, problems }) {
  const obj = value && typeof value === 'object' ? value : {};
  return (
    <div className="schedule" id={id}>
      {DAYS.map(([key, name]) => (
        <ScheduleDay
          key={key}
          name={name}
          ranges={obj[key]}
          problems={below(problems, key)}
          onChange={(ranges) => {
            const next = { ...obj };
            if (ranges.length) next[key] = ranges;
            else delete next[key];
            onChange(Object.keys(next).length ? next : undefined);
          }}
        />
      ))}
    </div>
  );
}

function ScheduleDay({ name, ranges, onChange, problems }) {
  const joined = Array.isArray(ranges) ? ranges.join(', ') : '';
  const [text, setText] = useState(joined);
  useEffect(() => setText((t) => (parseRanges(t).join(', ') === joined ? t : joined)), [joined]);
  const errors = problems.map((p) => p.message);
  return (
    <label className={`schedule-day${errors.length ? ' has-error' : ''}`}>
      <span className="schedule-name">{name}</span>
      <input
        className="input input-small"
        value={text}
        placeholder="closed"
        onChange={(ev) => {
          setText(ev.target.value);
          onChange(parseRanges(ev.target.value));
        }}
      />
      {errors.length > 0 && <span className="field-error">{[...new Set(errors)].join(' ')}</span>}
    </label>
  );
}

const parseRanges = (text) =>
  String(text)
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** One parameter's field, chosen from its schema. */
export function ParamField({ name, schema, value, required, onChange, problems = [], dtmfKeys, onBlur }) {
  const id = useId();
  const label = paramTitle(name, schema);
  const shell = { id, label, required, schema, problems };
  const input = { id, schema, value, onChange, required, problems, dtmfKeys, onBlur };
  switch (schema?.type) {
    case 'string': {
      const c = schema.enum ? null : counter(schema, value);
      // Counters where the limit matters: long texts, or a short one nearly full.
      const limit = schema.maxLength ?? schema.maxBytes ?? 0;
      const used = typeof value === 'string' ? [...value].length : 0;
      const show = c && (limit >= 100 || used >= 0.8 * limit);
      const extra = show && (
        <span className={`counter${c.over ? ' is-over' : ''}`} aria-live="polite">
          {c.text}
        </span>
      );
      return (
        <FieldShell {...shell} extra={extra}>
          {schema.enum ? <EnumField {...input} /> : <TextField {...input} />}
        </FieldShell>
      );
    }
    case 'integer':
      return (
        <FieldShell {...shell}>
          <NumberField {...input} />
          {(schema.minimum != null || schema.maximum != null) && (
            <div className="field-range muted small">
              {schema.minimum ?? '…'} – {schema.maximum ?? '…'}
            </div>
          )}
        </FieldShell>
      );
    case 'boolean':
      return (
        <FieldShell {...shell}>
          <Toggle {...input} />
        </FieldShell>
      );
    case 'array': {
      const items = schema.items ?? {};
      let body;
      if (items.type === 'string' && items.enum) body = <KeyPicker {...input} />;
      else if (items.type === 'object') body = <ObjectList {...input} />;
      else body = <StringList {...input} />;
      const count = Array.isArray(value) ? value.length : 0;
      const extra = schema.maxItems != null && (
        <span className="counter">
          {count}/{schema.maxItems}
        </span>
      );
      return (
        <FieldShell {...shell} extra={extra} wide>
          {body}
        </FieldShell>
      );
    }
    case 'object':
      return (
        <FieldShell {...shell} wide>
          {schema['x-format'] === 'schedule' ? (
            <ScheduleField {...input} />
          ) : (
            <ObjectFields schema={schema} value={value} onChange={onChange} problems={problems} dtmfKeys={dtmfKeys} onBlur={onBlur} />
          )}
        </FieldShell>
      );
    default:
      return (
        <FieldShell {...shell}>
          <div className="muted small">This parameter cannot be edited here ({String(schema?.type)}).</div>
        </FieldShell>
      );
  }
}

