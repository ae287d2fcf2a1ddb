// The demo's alert: what Alertmanager would post when demo-api's CPU alert
// fires, with its bearer token, so the console shows an alert arriving and
// its diagnosis in the thread. Run: node alert.js <bot base URL> <token>.
const [base, token] = process.argv.slice(2);
const startsAt = new Date().toISOString();
const body = {
  version: '4',
  groupKey: '{}:{alertname="HighCPU"}',
  status: 'firing',
  receiver: 'rca-bot',
  groupLabels: { alertname: 'HighCPU' },
  commonLabels: { alertname: 'HighCPU', service: 'demo-api' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.demo:9093',
  alerts: [{ status: 'firing', labels: { alertname: 'HighCPU', service: 'demo-api', severity: 'page' }, annotations: { summary: 'CPU above 80% for 1 minute (demo)' }, startsAt, endsAt: '0001-01-01T00:00:00Z', fingerprint: 'de110a1e47f0c0de' }],
};
const res = await fetch(`${base}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
process.exitCode = res.ok ? 0 : 1;
