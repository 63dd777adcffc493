/**
 * The status page and login form, server-rendered with Hono's html helper; styles and script
 * are inline (no external assets). The script polls /api/v1/status every second and redraws
 * the pool tables in place, keeping 10 s of samples per member for req/s.
 */
import { html, raw } from "hono/html";

const STYLE = `body{font:14px system-ui,sans-serif;margin:1rem;color:#222}h1{font-size:1.3rem}h2{font-size:1.05rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse;width:100%}td,th{padding:2px 6px;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}
th{background:#f3f3f3}.up{color:#fff;background:#2a8a3a}.ejected{color:#000;background:#f0b400}.down{color:#fff;background:#c0392b}
.badge{padding:1px 6px;border-radius:3px}.drain{color:#8a5a00;font-weight:600}.disabled{color:#999;font-weight:600}.ov{color:#b00}
button{font-size:12px;margin-right:2px}input.w{width:3em}#meta{color:#555}.num{text-align:right}`;

const SCRIPT = `
const hist = new Map();
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const ms = (s) => s == null ? "-" : (s * 1000).toFixed(1) + " ms";
function rate(key, requests, now) {
  const h = hist.get(key) || []; h.push([now, requests]);
  while (h.length > 1 && now - h[0][0] > 10000) h.shift();
  hist.set(key, h);
  const [t0, r0] = h[0]; return now > t0 ? ((requests - r0) * 1000 / (now - t0)).toFixed(1) : "0.0";
}
async function act(pool, member, body, method) {
  const url = "/api/v1/pools/" + encodeURIComponent(pool) + "/members/" + encodeURIComponent(member) + (method === "DELETE" ? "/override" : "");
  const r = await fetch(url, { method: method || "PATCH", headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined, credentials: "same-origin" });
  if (!r.ok) document.getElementById("err").textContent = (await r.json()).error;
  else { document.getElementById("err").textContent = ""; refresh(); }
}
function row(pool, m, now) {
  const st = m.state === "active" ? "active" : '<span class="' + m.state + '">' + m.state + "</span>";
  const ov = m.overridden ? ' <span class="ov" title="routes.json: ' + esc(m.configState) + ", weight " + m.configWeight + '">(routes.json: ' + esc(m.configState) + "/" + m.configWeight + ")</span>" : "";
  const hl = '<span class="badge ' + m.health.status + '">' + m.health.status + "</span> " + esc(m.health.reason) + (m.health.until ? " until " + esc(m.health.until.slice(11, 19)) : "") + " <small>since " + esc(m.health.since.slice(11, 19)) + "</small>";
  const p = esc(pool), r = esc(m.route);
  return "<tr data-member=\\"" + r + "\\"><td>" + r + "</td><td>" + esc(m.url) + (m.standby ? " (standby)" : "") + '</td><td class="state">' + st + ov + "</td><td>" + m.weight + "</td><td>" + hl +
    '</td><td class="num">' + m.inFlight + '</td><td class="num">' + m.requests + '</td><td class="num">' + rate(pool + " " + m.url, m.requests, now) + '</td><td class="num">' + m.errors +
    '</td><td class="num">' + m.bytesOut + "</td><td>" + ms(m.latency.p50) + " / " + ms(m.latency.p99) + "</td><td>" +
    '<button data-a="drain" data-p="' + p + '" data-m="' + r + '">drain</button><button data-a="disabled" data-p="' + p + '" data-m="' + r + '">disable</button><button data-a="active" data-p="' + p + '" data-m="' + r + '">enable</button>' +
    '<input class="w" type="number" min="1" max="100" value="' + m.weight + '" data-p="' + p + '" data-m="' + r + '"><button data-a="weight" data-p="' + p + '" data-m="' + r + '">set</button>' +
    (m.overridden ? '<button data-a="reset" data-p="' + p + '" data-m="' + r + '">reset</button>' : "") + "</td></tr>";
}
async function refresh() {
  const r = await fetch("/api/v1/status", { credentials: "same-origin" });
  if (!r.ok) { document.getElementById("err").textContent = "status: HTTP " + r.status; return; }
  const s = await r.json(), now = Date.now();
  document.getElementById("meta").textContent = "edge-proxy " + s.version + " · started " + s.startedAt + " · config " + s.config.file + " generation " + s.config.generation + " · listeners " + s.listeners.map((l) => l.address).join(", ");
  document.getElementById("routes").innerHTML = s.routes.map((x) => "<tr><td>" + esc(x.name) + "</td><td>" + esc(x.pool || x.action) + '</td><td class="num">' + x.requests + '</td><td class="num">' + rate("route " + x.name, x.requests, now) + "</td><td>" + ms(x.latency.p50) + " / " + ms(x.latency.p99) + "</td></tr>").join("");
  const focus = document.activeElement && document.activeElement.classList.contains("w");
  if (focus) return; // do not redraw under a weight being typed
  document.getElementById("pools").innerHTML = Object.values(s.pools).map((p) =>
    '<h2 data-pool="' + esc(p.name) + '">pool ' + esc(p.name) + " <small>" + esc(p.method) + (p.sticky ? ", sticky" : "") + "</small></h2><table><tr><th>route</th><th>url</th><th>state</th><th>weight</th><th>health</th><th>in flight</th><th>requests</th><th>req/s (10 s)</th><th>errors</th><th>bytes out</th><th>p50 / p99</th><th>actions</th></tr>" +
    p.members.map((m) => row(p.name, m, now)).join("") + "</table>").join("");
}
document.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-a]"); if (!b) return;
  const a = b.dataset.a, p = b.dataset.p, m = b.dataset.m;
  if (a === "reset") return act(p, m, null, "DELETE");
  if (a === "weight") return act(p, m, { weight: Number(b.previousElementSibling.value) });
  act(p, m, { state: a });
});
refresh(); setInterval(refresh, 1000);
`;

export function statusPage(_session: boolean) {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>edge-proxy status</title><style>${raw(STYLE)}</style></head>
<body><h1>edge-proxy</h1><div id="meta">loading…</div><div id="err" class="ov"></div>
<h2>routes</h2><table><thead><tr><th>route</th><th>pool</th><th>requests</th><th>req/s (10 s)</th><th>p50 / p99</th></tr></thead><tbody id="routes"></tbody></table>
<div id="pools"></div><script>${raw(SCRIPT)}</script></body></html>`;
}

export function loginPage(problem?: string) {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>edge-proxy login</title><style>${raw(STYLE)}</style></head>
<body><h1>edge-proxy admin</h1>${problem ? html`<p class="ov">${problem}</p>` : ""}
<form method="post" action="/login"><label>Token <input name="token" type="password" size="60" autofocus></label> <button type="submit">Log in</button></form>
<p>Make a token with <code>proxy token --secret-file admin.secret --scope write</code>.</p></body></html>`;
}
