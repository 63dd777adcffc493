/**
 * The status page's inline script. It fetches /api/v1/status every second and redraws in
 * place. At 50 pools of 20 members a full innerHTML redraw took 4-6 s in headless Chromium,
 * so the page builds the pool tables once and then rewrites only the rows whose text changed.
 * Sections off screen are skipped by the browser (CSS content-visibility). The next fetch is
 * scheduled after the current one has finished, so a slow redraw cannot pile up behind itself.
 * #meta carries data-refreshes (finished redraws) and data-render-ms (the last redraw's script
 * time), for people checking the page and for its tests. A button's answer (the updated member)
 * is drawn into its row at once, before the next refresh.
 */
export const REFRESH_MS = 1000;

export const SCRIPT = `
const EVERY = ${REFRESH_MS};
const $ = (id) => document.getElementById(id);
const hist = new Map(); // key -> [t0, requests0, t1, requests1, ...] over the last 10 s
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const ms = (s) => s == null ? "-" : (s * 1000).toFixed(1) + " ms";
const hms = (iso) => esc(iso.slice(11, 19));
function rate(key, requests, now, seen) {
  seen.add(key);
  let h = hist.get(key);
  if (!h) hist.set(key, (h = []));
  h.push(now, requests);
  while (h.length > 2 && now - h[0] > 10000) h.splice(0, 2);
  return now > h[0] ? ((requests - h[1]) * 1000 / (now - h[0])).toFixed(1) : "0.0";
}
async function act(pool, member, body, method) {
  const url = "/api/v1/pools/" + encodeURIComponent(pool) + "/members/" + encodeURIComponent(member) + (method === "DELETE" ? "/override" : "");
  const r = await fetch(url, { method: method || "PATCH", headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined, credentials: "same-origin" });
  const answer = await r.json();
  if (!r.ok) return void ($("err").textContent = answer.error);
  $("err").textContent = "";
  paint(pool, answer, Date.now(), new Set()); // the updated Member, at once: no wait for a refresh under way
  tick();
}
function paint(pool, m, now, seen) {
  const row = rows.get(pool + "\\0" + m.route), html = cells(pool, m, now, seen);
  if (!row || html === row.html) return;
  const typing = document.activeElement && document.activeElement.classList.contains("w") ? document.activeElement : null;
  if (!typing || !row.tr.contains(typing)) row.tr.innerHTML = row.html = html; // not under a weight being typed
}
function health(h) {
  const probe = h.lastProbe ? ' <small class="probe">probe ' + (h.lastProbe.ok ? "ok" : '<b class="ov">failed</b>') + " " + h.lastProbe.ms + " ms at " + hms(h.lastProbe.at) + "</small>" : "";
  return '<span class="badge ' + h.status + '">' + h.status + "</span> " + esc(h.reason) + (h.until ? " until " + hms(h.until) : "") + " <small>since " + hms(h.since) + "</small>" + probe;
}
function cells(pool, m, now, seen) {
  const st = m.state === "active" ? "active" : '<span class="' + m.state + '">' + m.state + "</span>";
  const ov = m.overridden ? ' <span class="ov" title="routes.json: ' + esc(m.configState) + ", weight " + m.configWeight + '">(routes.json: ' + esc(m.configState) + "/" + m.configWeight + ")</span>" : "";
  const d = ' data-p="' + esc(pool) + '" data-m="' + esc(m.route) + '"';
  return "<td>" + esc(m.route) + "</td><td>" + esc(m.url) + (m.standby ? " (standby)" : "") + '</td><td class="state">' + st + ov + "</td><td>" + m.weight + "</td><td>" + health(m.health) +
    '</td><td class="num">' + m.inFlight + '</td><td class="num req">' + m.requests + '</td><td class="num">' + rate(pool + " " + m.url, m.requests, now, seen) + '</td><td class="num">' + m.errors +
    '</td><td class="num">' + m.bytesOut + "</td><td>" + ms(m.latency.p50) + " / " + ms(m.latency.p99) + "</td><td>" +
    '<button data-a="drain"' + d + '>drain</button><button data-a="disabled"' + d + '>disable</button><button data-a="active"' + d + ">enable</button>" +
    '<input class="w" type="number" min="1" max="100" value="' + m.weight + '"' + d + '><button data-a="weight"' + d + ">set</button>" +
    (m.overridden ? '<button data-a="reset"' + d + ">reset</button>" : "") + "</td>";
}
const HEAD = "<thead><tr><th>route</th><th>url</th><th>state</th><th>weight</th><th>health</th><th>in flight</th><th>requests</th><th>req/s (10 s)</th><th>errors</th><th>bytes out</th><th>p50 / p99</th><th>actions</th></tr></thead>";
let shape = "", rows = new Map(), routesHtml = "";
/** The pool sections and empty member rows, built again only when pools or members change (a reload). */
function layout(pools) {
  const key = JSON.stringify(pools.map((p) => [p.name, p.method, p.sticky, p.members.map((m) => m.route)]));
  if (key === shape) return;
  shape = key;
  rows = new Map();
  $("pools").innerHTML = pools.map((p) => '<section data-pool="' + esc(p.name) + '"><h2>pool ' + esc(p.name) + " <small>" + esc(p.method) + (p.sticky ? ", sticky" : "") + "</small></h2><table>" + HEAD + "<tbody>" +
    p.members.map((m) => '<tr data-member="' + esc(m.route) + '"></tr>').join("") + "</tbody></table></section>").join("");
  for (const sec of $("pools").children) for (const tr of sec.querySelectorAll("tr[data-member]")) rows.set(sec.dataset.pool + "\\0" + tr.dataset.member, { tr, html: "" });
}
async function refresh() {
  const r = await fetch("/api/v1/status", { credentials: "same-origin" });
  if (r.status === 401) return void location.reload(); // the session's token expired: back to the login form
  if (!r.ok) { $("err").textContent = "status: HTTP " + r.status; return; }
  const s = await r.json(), now = Date.now(), t0 = performance.now(), seen = new Set();
  const meta = $("meta");
  meta.textContent = "edge-proxy " + s.version + " · started " + s.startedAt + " · config " + s.config.file + " generation " + s.config.generation + " · listeners " + s.listeners.map((l) => l.address).join(", ") + " · updated " + new Date(now).toISOString().slice(11, 19);
  const routes = s.routes.map((x) => "<tr><td>" + esc(x.name) + "</td><td>" + esc(x.pool || x.action) + '</td><td class="num">' + x.requests + '</td><td class="num">' + rate("route " + x.name, x.requests, now, seen) + "</td><td>" + ms(x.latency.p50) + " / " + ms(x.latency.p99) + "</td></tr>").join("");
  if (routes !== routesHtml) $("routes").innerHTML = routesHtml = routes;
  const pools = Object.values(s.pools);
  layout(pools);
  for (const p of pools) for (const m of p.members) paint(p.name, m, now, seen);
  for (const k of hist.keys()) if (!seen.has(k)) hist.delete(k); // members and routes gone after a reload
  meta.dataset.renderMs = (performance.now() - t0).toFixed(1);
  meta.dataset.refreshes = String(Number(meta.dataset.refreshes || 0) + 1);
}
let timer = 0, running = false, again = false;
async function tick() {
  if (running) { again = true; return; }
  running = true;
  clearTimeout(timer);
  const started = performance.now();
  try { await refresh(); } catch (e) { $("err").textContent = "status: " + e.message; }
  running = false;
  if (again) { again = false; return tick(); }
  timer = setTimeout(tick, Math.max(0, EVERY - (performance.now() - started)));
}
document.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-a]"); if (!b) return;
  const a = b.dataset.a, p = b.dataset.p, m = b.dataset.m;
  if (a === "reset") return act(p, m, null, "DELETE");
  if (a === "weight") return act(p, m, { weight: Number(b.previousElementSibling.value) });
  act(p, m, { state: a });
});
tick();
`;
