'use client';

import { useEffect, useId, useRef, useState } from 'react';

export interface FilterField {
  name: string;
  label: string;
  type: 'text' | 'select';
  options?: readonly (readonly [value: string, label: string])[];
  placeholder?: string;
}

/** Typing settles for this long before the filter (and the URL) changes: one request per pause, not per key. */
const TEXT_SETTLE_MS = 300;

function TextFilter({ field, value, onChange }: { field: FilterField; value: string; onChange: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const id = useId();
  // The URL changed from elsewhere (back button, a link): show it. Adjusted during render, as React advises.
  if (value !== seen) {
    setSeen(value);
    setDraft(value);
  }
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <label htmlFor={id}>
      {field.label}
      <input
        id={id}
        type="search"
        value={draft}
        placeholder={field.placeholder}
        onChange={(e) => {
          const next = e.target.value;
          setDraft(next);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => onChange(next), TEXT_SETTLE_MS);
        }}
      />
    </label>
  );
}

/** The filters above a table; values and changes belong to the page (usually the URL, via useTableUrlState). */
export function FilterBar({ fields, values, onChange, label = 'Filters' }: { fields: readonly FilterField[]; values: Record<string, string>; onChange: (name: string, value: string) => void; label?: string }) {
  return (
    <div className="filter-bar card" role="search" aria-label={label}>
      {fields.map((field) =>
        field.type === 'text' ? (
          <TextFilter key={field.name} field={field} value={values[field.name] ?? ''} onChange={(v) => onChange(field.name, v)} />
        ) : (
          <label key={field.name}>
            {field.label}
            <select value={values[field.name] ?? ''} onChange={(e) => onChange(field.name, e.target.value)}>
              {(field.options ?? []).map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          </label>
        ),
      )}
    </div>
  );
}
