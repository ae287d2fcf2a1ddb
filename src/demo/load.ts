// Load for the demo target, from its own process so it never shows in the
// target's profiles: `node load.js <url> [requests per second]`.
const [url, perSecond = '40'] = process.argv.slice(2);
if (!url) {
  console.error('usage: load.js <url> [requests per second]');
  process.exit(2);
}
const gap = 1000 / Number(perSecond);
let inFlight = 0;
setInterval(() => {
  if (inFlight >= 8) return;
  inFlight++;
  fetch(url)
    .then((r) => r.arrayBuffer())
    .catch(() => undefined)
    .finally(() => inFlight--);
}, gap);
