// A console message's text (the same Markdown the chat posts) as HTML, the
// way a chat client shows it. markdown-it with `html: false` escapes every
// tag a report could carry, and its link check refuses javascript: and data:
// URLs, so nothing from a report runs in the page.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true, breaks: true });
// Links open beside the console, never in place of it.
const link = md.renderer.rules.link_open ?? ((tokens, i, options, _env, self) => self.renderToken(tokens, i, options));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i].attrSet('target', '_blank');
  tokens[i].attrSet('rel', 'noopener noreferrer');
  return link(tokens, i, options, env, self);
};

// What an emoji says where the browser has no emoji font (a bare server, a CI runner): the page shows these instead.
const names: Record<string, string> = {
  '⚠️': 'warning', '✅': 'done', '❌': 'failed', '🔥': 'firing', '📡': 'capturing', '🔎': 'analysing', '⏳': 'queued',
  '🔴': 'red', '🟠': 'orange', '🟡': 'yellow', '🟢': 'green', '⚪': 'white', '✔️': 'ok', '👀': 'looking', '📈': 'chart', '📊': 'chart', '🌙': 'quiet',
};
const emoji = /\p{Extended_Pictographic}\uFE0F?/gu;

/** Safe HTML for a message; each emoji in a span that names it. */
export function messageHtml(text: string): string {
  // Only text between tags is touched: an emoji in an attribute stays as it is.
  return md
    .render(text)
    .trim()
    .split(/(<[^>]*>)/)
    .map((part) => (part.startsWith('<') ? part : part.replace(emoji, (e) => `<span class="emoji" data-alt="${names[e] ?? names[e.replace('\uFE0F', '')] ?? 'emoji'}">${e}</span>`)))
    .join('');
}
