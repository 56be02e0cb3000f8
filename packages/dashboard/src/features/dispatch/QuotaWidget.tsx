/** Per Jules account: active / limit, created today / limit, queued, forecast (skeleton: its owner fills it in). */
export function QuotaWidget() {
  return null;
}
