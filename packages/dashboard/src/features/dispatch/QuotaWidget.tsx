import type { DispatchAccount } from '@autopilot/contracts';
import { useMe } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { isAdmin } from '../settings/settings-ui';
import { useDispatchAccounts } from './data';
import { LimitsEditor } from './LimitsEditor';
import { meter, quotaSummary, whenText } from './quota-logic';
import './dispatch.css';

/** One bar: used / limit with role=progressbar, or "no limit known" when the plan is unknown. */
function QuotaMeter({ label, used, limit }: { label: string; used: number; limit: number | null }) {
  const m = meter(used, limit);
  return (
    <div className="qw-meter">
      <div className="qw-meter-head">
        <span>{label}</span>
        <span className="qw-meter-value">{m ? m.text : `${used}, no limit known`}</span>
      </div>
      {m && (
        <div className={`qw-bar${m.full ? ' full' : ''}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={m.limit} aria-valuenow={Math.min(m.used, m.limit)} aria-valuetext={m.text}>
          <span style={{ width: `${m.pct}%` }} />
        </div>
      )}
    </div>
  );
}

function QuotaCard({ a, admin }: { a: DispatchAccount; admin: boolean }) {
  const summary = quotaSummary(a);
  const rateLimited = whenText(a.rateLimitedUntil);
  const frees = whenText(a.dailyFreesAt);
  return (
    <div className="qw-card" data-testid="quota-widget" data-account-id={a.accountId} aria-label={`Quota of ${a.accountName}: ${summary}`} role="group">
      <div className="qw-head">
        <strong className="st-wrap">Dispatch quota</strong>
        <span className={`pill${summary === 'has room' ? ' pill-ok' : summary === 'paused' ? '' : ' pill-degraded'}`}>{summary}</span>
        {a.limits.plan === 'unknown' && <span className="st-hint">Plan unknown: set it so work waits for free slots here.</span>}
      </div>
      <div className="qw-meters">
        <QuotaMeter label="Active sessions" used={a.active} limit={a.limits.concurrent} />
        <QuotaMeter label="Created in the last 24 h" used={a.createdToday} limit={a.limits.daily} />
      </div>
      <dl className="st-facts qw-facts">
        <div>
          <dt>Queued</dt>
          <dd data-testid="quota-queued">{a.queued}</dd>
        </div>
        <div>
          <dt>Being sent</dt>
          <dd>
            {a.dispatching} (at most {a.limits.inFlight} at once)
          </dd>
        </div>
        {rateLimited && (
          <div>
            <dt>Rate limited until</dt>
            <dd className="qw-warn">{rateLimited}</dd>
          </div>
        )}
        {frees && (
          <div>
            <dt>Next daily slot frees</dt>
            <dd>{frees}</dd>
          </div>
        )}
      </dl>
      {/* The note is the server's estimate in words: shown as text, never as markup. */}
      <p className="qw-note" data-testid="quota-forecast">
        {a.forecast.note}
      </p>
      {admin ? <LimitsEditor account={a} /> : <p className="st-hint">Only admins and owners set the plan, creates in flight and pause.</p>}
    </div>
  );
}

/**
 * The dispatcher's view of Jules accounts: active / concurrent limit and created today / daily limit as bars,
 * queued, rate limit, when a daily slot frees, and the forecast in words; admins set the plan, creates in flight
 * and pause. `accountId` shows that account only (its card in Settings), otherwise every account. Live.
 */
export function QuotaWidget({ accountId }: { accountId?: string }) {
  const me = useMe();
  const accounts = useDispatchAccounts();
  if (accounts.isError) return <ErrorNote error={accounts.error} retry={() => void accounts.refetch()} />;
  if (!accounts.data) return <p className="st-muted">Loading the quota…</p>;
  const items = accountId ? accounts.data.items.filter((a) => a.accountId === accountId) : accounts.data.items;
  if (items.length === 0) return accountId ? null : <p className="st-muted">No Jules account yet.</p>;
  const admin = isAdmin(me.data);
  return (
    <div className="qw-list">
      {items.map((a) => (
        <QuotaCard key={a.accountId} a={a} admin={admin} />
      ))}
    </div>
  );
}
