import { useMemo, useState } from 'react';
import { TIME_ZONES } from '@autopilot/contracts';
import { describedBy, FieldError } from '../settings/settings-ui';
import { matchZones, zoneOffset } from './schedule-form';

/**
 * A searchable time-zone field (ARIA combobox): typing lists the matching IANA zones ("berlin", "new york"),
 * arrows move through them, Enter or a click picks one. The value is any text; the form checks it is a zone.
 */
export function ZonePicker({ value, onChange, error, disabled }: { value: string; onChange: (z: string) => void; error?: string; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const matches = useMemo(() => (TIME_ZONES.includes(value) ? [] : matchZones(value)), [value]);
  const shown = open && matches.length > 0;
  const pick = (z: string) => {
    onChange(z);
    setOpen(false);
  };
  const known = TIME_ZONES.includes(value);
  return (
    <div className="st-field sc-zone">
      <label htmlFor="sch-timezone">Time zone</label>
      <input
        id="sch-timezone"
        role="combobox"
        aria-expanded={shown}
        aria-controls="sch-timezone-list"
        aria-autocomplete="list"
        aria-activedescendant={shown ? `sch-tz-${active}` : undefined}
        value={value}
        autoComplete="off"
        spellCheck={false}
        disabled={disabled}
        onChange={(e) => {
          onChange(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (!shown) return;
          if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, matches.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter') pick(matches[active]);
          else if (e.key === 'Escape') setOpen(false);
          else return;
          e.preventDefault();
        }}
        {...describedBy('sch-timezone-error', error)}
      />
      {shown && (
        <ul id="sch-timezone-list" role="listbox" className="sc-zone-list" aria-label="Matching time zones">
          {matches.map((z, i) => (
            <li
              key={z}
              id={`sch-tz-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              // mousedown, not click: the input's blur would close the list before a click lands.
              onMouseDown={(e) => {
                e.preventDefault();
                pick(z);
              }}
            >
              {z} <span className="st-muted">{zoneOffset(z)}</span>
            </li>
          ))}
        </ul>
      )}
      {known && <span className="st-hint">Now {zoneOffset(value)}; the cron is read in this zone's local time (DST included)</span>}
      <FieldError id="sch-timezone-error" text={error} />
    </div>
  );
}
