import { describe, expect, it } from 'vitest';
import { messageHtml } from './console-message.js';

describe('console message HTML', () => {
  it('renders headings, bold, code, lists and links as elements', () => {
    const html = messageHtml('## order-api: confirmed\n\n**pool exhausted**\n\n1. at `main.loadOrder`\n   - probe:db: CRITICAL\n\nFull report: http://127.0.0.1:3000/reports/abc');
    expect(html).toContain('<h2>order-api: confirmed</h2>');
    expect(html).toContain('<strong>pool exhausted</strong>');
    expect(html).toContain('<code>main.loadOrder</code>');
    expect(html).toMatch(/<ol>\s*<li>/);
    expect(html).toContain('<a href="http://127.0.0.1:3000/reports/abc" target="_blank" rel="noopener noreferrer">');
    expect(html).not.toContain('**');
  });

  it('shows raw HTML and script URLs from a report as text', () => {
    const html = messageHtml('<img src=x onerror=alert(1)> and <script>alert(2)</script> [x](javascript:alert(3))');
    expect(html).not.toMatch(/<img|<script|href="javascript/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('[x](javascript:alert(3))');
  });

  it('wraps emoji in spans that name them, outside attributes only', () => {
    expect(messageHtml('⚠️ slow')).toBe('<p><span class="emoji" data-alt="warning">⚠️</span> slow</p>');
    expect(messageHtml('[🔥](http://x/🔥)')).toContain('href="http://x/%F0%9F%94%A5"');
  });
});
