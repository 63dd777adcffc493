/**
 * The status page and login form, server-rendered with Hono's html helper; styles and script
 * are inline (no external assets). The script (page-script.ts) polls /api/v1/status every
 * second and redraws the pool tables in place, keeping 10 s of samples per member for req/s.
 */
import { html, raw } from "hono/html";
import { SCRIPT } from "./page-script.ts";
import type { PoolView } from "./views.ts";

const STYLE = `body{font:14px system-ui,sans-serif;margin:1rem;color:#222}h1{font-size:1.3rem}h2{font-size:1.05rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse;width:100%}td,th{padding:2px 6px;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}
th{background:#f3f3f3}.up{color:#fff;background:#2a8a3a}.ejected{color:#000;background:#f0b400}.down{color:#fff;background:#c0392b}
.badge{padding:1px 6px;border-radius:3px}.drain{color:#8a5a00;font-weight:600}.disabled{color:#999;font-weight:600}.ov{color:#b00}
button{font-size:12px;margin-right:2px}input.w{width:3em}#meta{color:#555}.num{text-align:right}.probe{color:#555}
#logout{float:right}section{content-visibility:auto;contain-intrinsic-size:auto 560px;overflow-x:auto}td.state{white-space:normal}`;
// content-visibility implies paint containment, which clips a table wider than the window:
// overflow-x makes the section scroll instead, so every button stays reachable.
/** No favicon request (a 401 or 404 in the console otherwise). */
const ICON = '<link rel="icon" href="data:,">';

/**
 * Without JavaScript (a text browser, a locked-down console) the members are read from a table
 * rendered here, refreshed every 5 s, as HAProxy's stats page and Apache's balancer-manager
 * read; changing them needs the script or the API.
 */
function plainView(pools: readonly PoolView[]) {
  const rows = pools.flatMap((p) => p.members.map((m) => html`<tr><td>${p.name}</td><td>${m.url}</td><td>${m.route}</td><td>${m.state}</td><td>${m.health.status}${m.health.reason ? ` (${m.health.reason})` : ""}</td><td>${m.weight}</td><td class="num">${m.requests}</td><td class="num">${m.errors}</td></tr>`));
  return html`<noscript><p>Without JavaScript: read-only, refreshed every 5 s.</p><table><thead><tr><th>pool</th><th>member</th><th>route</th><th>state</th><th>health</th><th>weight</th><th>requests</th><th>errors</th></tr></thead><tbody>${rows}</tbody></table></noscript>`;
}

/** session: the page was opened with the login cookie, so it offers to log out. */
export function statusPage(session: boolean, pools: readonly PoolView[] = []) {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>edge-proxy status</title>${raw(ICON)}<style>${raw(STYLE)}</style><noscript><meta http-equiv="refresh" content="5"></noscript></head>
<body><h1>edge-proxy</h1>${session ? raw('<form method="post" action="/logout" id="logout"><button type="submit">Log out</button></form>') : ""}${plainView(pools)}<div id="meta">loading…</div><div id="err" class="ov"></div>
<h2>routes</h2><table><thead><tr><th>route</th><th>pool</th><th>requests</th><th>req/s (10 s)</th><th>p50 / p99</th></tr></thead><tbody id="routes"></tbody></table>
<div id="pools"></div><script>${raw(SCRIPT)}</script></body></html>`;
}

export function loginPage(problem?: string) {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>edge-proxy login</title>${raw(ICON)}<style>${raw(STYLE)}</style></head>
<body><h1>edge-proxy admin</h1>${problem ? html`<p class="ov">${problem}</p>` : ""}
<form method="post" action="/login"><label>Token <input name="token" type="password" size="60" autofocus></label> <button type="submit">Log in</button></form>
<p>Make a token with <code>proxy token --secret-file admin.secret --scope write</code>.</p></body></html>`;
}
