// What Alertmanager posts when demo-api's CPU alert fires, and when it resolves:
// the fields and their shape as Alertmanager 0.25 sends them (test/recorded pins it).
export function demoAlertBody(startsAt: string, endsAt?: string) {
  const status = endsAt ? 'resolved' : 'firing';
  return {
    receiver: 'rca-bot',
    status,
    alerts: [
      {
        status,
        labels: { alertname: 'HighCPU', service: 'demo-api', severity: 'page' },
        annotations: { summary: 'CPU above 80% for 1 minute (demo)' },
        startsAt,
        endsAt: endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.demo:9090/graph?g0.expr=cpu+%3E+0.8&g0.tab=1',
        fingerprint: 'de110a1e47f0c0de',
      },
    ],
    groupLabels: { alertname: 'HighCPU' },
    commonLabels: { alertname: 'HighCPU', service: 'demo-api', severity: 'page' },
    commonAnnotations: { summary: 'CPU above 80% for 1 minute (demo)' },
    externalURL: 'http://alertmanager.demo:9093',
    version: '4',
    groupKey: '{}:{alertname="HighCPU"}',
    truncatedAlerts: 0,
  };
}
