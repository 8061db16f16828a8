/** The pieces of dx-runner's self-contained HTML reports: every string drawn is escaped (ids and prompts are input). */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value made safe for HTML; null and undefined read `-`. */
export const esc = (s: unknown): string => String(s ?? '-').replace(/[&<>"']/g, (c) => ENTITIES[c]);

/** A row's cells; the values are HTML already (escape text with `esc`). */
export const cells = (tag: 'td' | 'th', values: Array<string | number>): string =>
  values.map((v) => `<${tag}>${v}</${tag}>`).join('');

/** A link to a file relative to the report, or `-` when there is none. */
export const fileLink = (href: string | null, text: string): string =>
  href === null ? '-' : `<a href="${esc(encodeURI(href))}">${esc(text)}</a>`;

/** One self-contained page: inline CSS, no scripts, no external assets (it opens offline, anywhere). */
export const htmlPage = (title: string, css: string, body: string): string =>
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}th,td{border:1px solid #ccd;padding:4px 10px;text-align:left}
th{background:#eef}.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.pass{background:#dff5e1;border:1px solid #2e8b57}.fail{background:#fbdede;border:1px solid #c0392b}
.dry{background:#fff3cd;border:2px dashed #b8860b;color:#6b4e00}.warn{background:#fff8e6;border:1px solid #d9a400}
${css}
</style></head><body>
${body}
</body></html>
`;
