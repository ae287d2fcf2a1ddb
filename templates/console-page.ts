// The local console channel: a page that behaves like an incident channel.
// Type /rca demo-api, watch the status message change, open the thread's
// report and flame graphs, press the buttons. Self-contained, no network.

export function consolePage(channel = 'incident'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>rca-bot console · #${channel}</title>
<style>
body{margin:0;overflow-wrap:anywhere;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f6f8;color:#1d1c1d}
header{background:#3f0e40;color:#fff;padding:10px 16px;font-weight:600}
#log{padding:12px 16px 90px;max-width:1100px}
.msg{background:#fff;border:1px solid #e2e2e6;border-radius:8px;padding:8px 12px;margin:8px 0}
.msg .who{font-weight:600;margin-right:6px}.msg.user .who{color:#1264a3}
.msg .body{overflow-wrap:anywhere}.msg .body>:first-child{margin-top:2px}.msg .body>:last-child{margin-bottom:2px}
.msg .body h2{font-size:16px;margin:6px 0}.msg .body h3{font-size:14px;margin:10px 0 4px}.msg .body p{margin:4px 0}
.msg .body ol,.msg .body ul{margin:4px 0;padding-left:22px}.msg .body li{margin:2px 0}
.msg .body code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f1f3;border:1px solid #e2e2e6;border-radius:3px;padding:0 3px;color:#c01343}
.msg .body pre{background:#f8f8fa;border:1px solid #e2e2e6;border-radius:4px;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere}
.msg .body pre code{background:none;border:0;padding:0;color:inherit}
.msg .body a{color:#1264a3}
.emoji{font-family:"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji",sans-serif}
.no-emoji .emoji{font-size:0}.no-emoji .emoji::before{content:"[" attr(data-alt) "]";font-size:12px;color:#616061}
.thread{margin:6px 0 0 24px;border-left:3px solid #e2e2e6;padding-left:10px}
.thread .msg{margin:6px 0}
img.flame{max-width:100%;border:1px solid #ddd;border-radius:4px;margin-top:4px}
button.action{margin:6px 6px 0 0;padding:4px 10px;border:1px solid #bbb;border-radius:4px;background:#fff;cursor:pointer}
button.action:hover{background:#f0f0f0}
form{position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:1px solid #ddd;padding:10px 16px;display:flex;gap:8px}
#text{flex:1;padding:8px;font:inherit;border:1px solid #bbb;border-radius:6px}
</style></head>
<body><header>#${channel} · rca-bot console</header>
<div id="log" aria-live="polite"></div>
<form id="send"><input id="text" autocomplete="off" placeholder="/rca demo-api" aria-label="message"><button>Send</button></form>
<script>
var channel = ${JSON.stringify(channel)};
var log = document.getElementById('log');
// Without a colour emoji font (a bare server) an emoji is a box: say what it means instead.
(function () {
  var c = document.createElement('canvas').getContext('2d');
  if (!c) return;
  c.font = '16px "Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji",sans-serif';
  c.fillStyle = '#000';
  c.fillText('\u{1F525}', 0, 16);
  var d = c.getImageData(0, 0, 20, 20).data, colour = false;
  for (var i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2])) colour = true;
  if (!colour) document.documentElement.classList.add('no-emoji');
})();
function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
function render(messages) {
  var roots = messages.filter(function (m) { return !m.thread; });
  var byThread = {};
  messages.forEach(function (m) { if (m.thread) (byThread[m.thread] = byThread[m.thread] || []).push(m); });
  log.textContent = '';
  roots.forEach(function (m) {
    var box = message(m);
    var replies = byThread[m.id] || [];
    if (replies.length) {
      var t = el('div', 'thread');
      replies.forEach(function (r) { t.appendChild(message(r)); });
      box.appendChild(t);
    }
    log.appendChild(box);
  });
  window.scrollTo(0, document.body.scrollHeight);
}
function message(m) {
  var box = el('div', 'msg ' + m.from);
  box.id = m.id;
  box.setAttribute('data-id', m.id);
  box.appendChild(el('span', 'who', m.from === 'bot' ? 'rca-bot' : (m.user || 'you')));
  if (m.image) {
    box.appendChild(el('span', 'body', m.title || m.text));
    var img = el('img', 'flame');
    img.src = '/console/image/' + m.image;
    img.alt = m.title || m.text;
    box.appendChild(img);
  } else {
    // m.html is made on the server from the message's Markdown, with every tag of the text escaped.
    var body = el('div', 'body');
    body.innerHTML = m.html;
    box.appendChild(body);
  }
  (m.buttons || []).forEach(function (b) {
    var btn = el('button', 'action', b.label);
    btn.setAttribute('data-action', b.action);
    btn.onclick = function () {
      fetch('/console/api/action', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: channel, action: b.action, value: b.value, thread: m.thread, message: m.id }) });
    };
    box.appendChild(btn);
  });
  return box;
}
function refresh() { fetch('/console/api/messages?channel=' + encodeURIComponent(channel)).then(function (r) { return r.json(); }).then(render); }
document.getElementById('send').onsubmit = function (ev) {
  ev.preventDefault();
  var input = document.getElementById('text');
  var text = input.value.trim();
  if (!text) return;
  input.value = '';
  fetch('/console/api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: channel, text: text }) });
};
new EventSource('/console/api/events').onmessage = function (ev) {
  var e = JSON.parse(ev.data);
  if (e.channel === channel) refresh();
};
refresh();
</script></body></html>`;
}
