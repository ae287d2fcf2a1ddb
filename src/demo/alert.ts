// The demo's alert: what Alertmanager would post when demo-api's CPU alert
// fires, with its bearer token, so the console shows an alert arriving and
// its diagnosis in the thread. Run: node alert.js <bot base URL> <token>.
import { demoAlertBody } from './alert-body.js';

const [base, token] = process.argv.slice(2);
const body = demoAlertBody(new Date().toISOString());
const res = await fetch(`${base}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
process.exitCode = res.ok ? 0 : 1;
