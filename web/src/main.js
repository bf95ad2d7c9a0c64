// iadsim viewer: map (Leaflet, offline Natural Earth basemap), coverage overlays, nominal rings,
// timeline playback of threats, tracks, interceptor fly-outs, kills and leaks; scenario panel.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./style.css";
import { feature, mesh } from "topojson-client";
import countries from "world-atlas/countries-50m.json";

const $ = (id) => document.getElementById(id);
const state = { run: null, detail: null, t: 0, tMax: 0, playing: false, speed: 10, overlayUrl: null,
  threats: [], tracks: [], shots: [], outcomes: [], sites: {}, ready: false, positions: {} };
window.iadsimViewer = state; // read by the browser tests

// ---- map and basemap -------------------------------------------------------------------------
const map = L.map("map", { worldCopyJump: false, preferCanvas: true, attributionControl: true }).setView([39.9, 32.7], 6);
map.attributionControl.setPrefix(false);
map.attributionControl.addAttribution("Natural Earth (public domain) · Leaflet");
map.createPane("basemap").style.zIndex = 250; // below the coverage images and the vector layers
map.createPane("coverage").style.zIndex = 300;
const baseRenderer = L.canvas({ pane: "basemap" });
L.geoJSON(feature(countries, countries.objects.land), {
  style: { color: "#8a8a80", weight: 0.6, fillColor: "#efeee4", fillOpacity: 1 }, interactive: false,
  renderer: baseRenderer, pane: "basemap",
}).addTo(map);
L.geoJSON(mesh(countries, countries.objects.countries, (a, b) => a !== b), {
  style: { color: "#777", weight: 0.8, dashArray: "3 3", fill: false }, interactive: false,
  renderer: baseRenderer, pane: "basemap",
}).addTo(map);
L.control.scale({ imperial: false }).addTo(map);
const coverageLayer = L.layerGroup().addTo(map);
const staticLayer = L.layerGroup().addTo(map);
const ringLayer = L.layerGroup().addTo(map);
const dynLayer = L.layerGroup().addTo(map);

async function api(path, opts) {
  const r = await fetch(path, opts);
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.text();
  if (!r.ok && r.status !== 422) throw new Error(typeof body === "string" ? body : (body.detail ?? JSON.stringify(body)));
  return { status: r.status, body };
}

// ---- runs ------------------------------------------------------------------------------------
async function loadRuns(select) {
  const { body: runs } = await api("/api/runs");
  const sel = $("run-select");
  sel.innerHTML = "";
  for (const r of runs) sel.add(new Option(`${r.name}${r.complete ? "" : " (incomplete)"}`, r.name));
  if (select) sel.value = select;
  if (sel.value) await openRun(sel.value);
}

$("run-select").addEventListener("change", (e) => openRun(e.target.value));

function fill(sel, values, fmt = (v) => v) {
  const old = sel.value;
  sel.innerHTML = "";
  for (const v of values) sel.add(new Option(fmt(v), String(v)));
  if (values.map(String).includes(old)) sel.value = old;
}

async function openRun(name) {
  state.ready = false;
  state.run = name;
  const { body: d } = await api(`/api/runs/${encodeURIComponent(name)}`);
  state.detail = d;
  $("run-info").textContent = `${d.job} · seed ${d.seed} · ${d.sites.length} site(s) · ${d.layers.length} layer(s)`;
  const uniq = (k) => [...new Set(d.layers.map((l) => l[k]))];
  fill($("site-select"), uniq("site"));
  fill($("class-select"), uniq("threat_class"));
  fill($("product-select"), uniq("product"));
  fill($("alt-select"), uniq("altitude_m"), (a) => `${a} m ${d.altitude_ref ?? ""}`);
  drawStatic(d);
  await Promise.all([updateCoverage(), loadPlayback(d)]);
  fitView();
  state.ready = true;
}

function drawStatic(d) {
  staticLayer.clearLayers();
  ringLayer.clearLayers();
  state.sites = {};
  const pts = [];
  for (const s of d.sites) {
    state.sites[s.name] = s;
    pts.push([s.lat_deg, s.lon_deg]);
    L.circleMarker([s.lat_deg, s.lon_deg], { radius: 7, color: "#063", fillColor: "#0a0", fillOpacity: 1 })
      .bindTooltip(`${s.name}: ${s.radars.join(", ")}`).addTo(staticLayer);
    for (const ring of s.rings) {
      L.circle([s.lat_deg, s.lon_deg], { radius: ring.range_km * 1000, fill: false, weight: 1.2,
        color: ring.kind === "radar" ? "#246" : "#a22", dashArray: ring.kind === "radar" ? "6 4" : null })
        .bindTooltip(`${ring.name}: ${ring.range_km} km (nominal)`).addTo(ringLayer);
    }
  }
  for (const a of d.assets) {
    L.circleMarker([a.lat_deg, a.lon_deg], { radius: 5, color: "#333", fillColor: "#fd0", fillOpacity: 1 })
      .bindTooltip(a.name).addTo(staticLayer);
    pts.push([a.lat_deg, a.lon_deg]);
  }
  state.fitPoints = pts;
}

function fitView() {
  const pts = [...(state.fitPoints ?? [])];
  for (const th of state.threats) for (const r of [th.rows[0], th.rows[th.rows.length - 1]]) pts.push([r.lat_deg, r.lon_deg]);
  if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.05), { maxZoom: 9 });
}

async function updateCoverage() {
  const d = state.detail;
  coverageLayer.clearLayers();
  state.overlayUrl = null;
  if (!d || !d.layers.length) return;
  const q = new URLSearchParams({ site: $("site-select").value, threat_class: $("class-select").value,
    product: $("product-select").value, altitude_m: $("alt-select").value });
  const { status, body } = await api(`/api/runs/${encodeURIComponent(state.run)}/coverage?${q}`);
  if (status !== 200) return;
  const [w, s, e, n] = body.bounds;
  L.imageOverlay(body.url, [[s, w], [n, e]], { opacity: 0.75, interactive: false, pane: "coverage" }).addTo(coverageLayer);
  state.overlayUrl = body.url;
}
for (const id of ["site-select", "class-select", "product-select", "alt-select"]) $(id).addEventListener("change", updateCoverage);
$("rings-toggle").addEventListener("change", (e) => (e.target.checked ? map.addLayer(ringLayer) : map.removeLayer(ringLayer)));

// ---- playback --------------------------------------------------------------------------------
async function table(name) {
  if (!state.detail.tables.includes(name)) return [];
  const { body } = await api(`/api/runs/${encodeURIComponent(state.run)}/tables/${name}?limit=200000`);
  return body.rows ?? [];
}

function groupBy(rows, key) {
  const m = new Map();
  for (const r of rows) { if (!m.has(r[key])) m.set(r[key], []); m.get(r[key]).push(r); }
  for (const v of m.values()) v.sort((a, b) => a.t_s - b.t_s);
  return m;
}

async function loadPlayback(d) {
  const [truth, tracks, shots, outcomes] = await Promise.all([table("truth"), table("tracks"), table("shots"), table("outcomes")]);
  state.threats = [...groupBy(truth.filter((r) => r.lat_deg != null), "threat_id").entries()]
    .map(([id, rows]) => ({ id, name: rows[0].threat, rows }));
  state.tracks = [...groupBy(tracks.filter((r) => r.lat_deg != null), "track_id").entries()].map(([id, rows]) => ({ id, rows }));
  state.shots = shots;
  state.outcomes = outcomes;
  // a threat disappears at its kill or leak (the truth table follows the whole route)
  const ends = new Map(outcomes.filter((o) => (o.outcome === "killed" || o.outcome === "leaked") && o.t_s != null)
    .map((o) => [o.name, o.t_s]));
  for (const th of state.threats) th.end = ends.get(th.name) ?? Infinity;
  const times = [...truth.map((r) => r.t_s), ...shots.map((s) => s.t_intercept_s ?? 0), 0];
  state.tMax = times.reduce((a, b) => Math.max(a, b ?? 0), 0);
  $("scrub").max = String(state.tMax);
  setTime(0);
}

function lastIndexAtOrBefore(rows, t) {
  let lo = 0, hi = rows.length - 1, ans = -1;
  while (lo <= hi) { const mid = (lo + hi) >> 1; if (rows[mid].t_s <= t) { ans = mid; lo = mid + 1; } else hi = mid - 1; }
  return ans;
}

function threatAt(th, t) {
  if (t > th.end) return null;
  const i = lastIndexAtOrBefore(th.rows, t);
  if (i < 0) return null;
  const a = th.rows[i], b = th.rows[i + 1];
  if (a.active === false) return null;
  if (!b || b.active === false) return t - a.t_s < 1e-6 ? [a.lat_deg, a.lon_deg] : null;
  const f = (t - a.t_s) / Math.max(1e-9, b.t_s - a.t_s);
  return [a.lat_deg + f * (b.lat_deg - a.lat_deg), a.lon_deg + f * (b.lon_deg - a.lon_deg)];
}

function siteOfLauncher(launcher) {
  const s = state.sites[String(launcher).split("/")[0]];
  return s ? [s.lat_deg, s.lon_deg] : null;
}

function draw() {
  const t = state.t;
  dynLayer.clearLayers();
  const positions = {};
  let nThreats = 0, nTracks = 0, nFlying = 0, nKills = 0, nLeaks = 0;
  for (const th of state.threats) {
    const p = threatAt(th, t);
    if (!p) continue;
    positions[th.name] = p; nThreats++;
    L.circleMarker(p, { radius: 4, color: "#900", fillColor: "#d22", fillOpacity: 1, weight: 1 }).bindTooltip(th.name).addTo(dynLayer);
  }
  for (const tr of state.tracks) {
    const i = lastIndexAtOrBefore(tr.rows, t);
    if (i < 0 || t - tr.rows[i].t_s > 30) continue;
    nTracks++;
    const trail = tr.rows.slice(Math.max(0, i - 20), i + 1).map((r) => [r.lat_deg, r.lon_deg]);
    L.polyline(trail, { color: "#15c", weight: 1.5, opacity: 0.8 }).addTo(dynLayer);
    L.circleMarker(trail[trail.length - 1], { radius: 3, color: "#15c", fillOpacity: 0.3, weight: 1.5 }).addTo(dynLayer);
  }
  for (const s of state.shots) {
    if (!(s.t_launch_s <= t && t < s.t_intercept_s)) continue;
    const from = siteOfLauncher(s.launcher);
    if (!from || s.aim_lat_deg == null) continue;
    const f = (t - s.t_launch_s) / Math.max(1e-9, s.t_intercept_s - s.t_launch_s);
    const p = [from[0] + f * (s.aim_lat_deg - from[0]), from[1] + f * (s.aim_lon_deg - from[1])];
    nFlying++;
    L.polyline([from, p], { color: "#7a2bd6", weight: 1, dashArray: "2 3" }).addTo(dynLayer);
    L.circleMarker(p, { radius: 3, color: "#7a2bd6", fillColor: "#7a2bd6", fillOpacity: 1 }).bindTooltip(`${s.missile} → ${s.threat}`).addTo(dynLayer);
  }
  for (const o of state.outcomes) {
    if (o.t_s == null || o.t_s > t || o.lat_deg == null) continue;
    if (o.outcome === "killed") {
      nKills++;
      L.circleMarker([o.lat_deg, o.lon_deg], { radius: 5, color: "#000", fillColor: "#000", fillOpacity: 0.9 }).bindTooltip(`${o.name} killed at T+${o.t_s} s`).addTo(dynLayer);
    } else if (o.outcome === "leaked") {
      nLeaks++;
      L.circleMarker([o.lat_deg, o.lon_deg], { radius: 6, color: "#c60", fillColor: "#f90", fillOpacity: 0.9 }).bindTooltip(`${o.name} leaked${o.leak_asset ? " at " + o.leak_asset : ""}`).addTo(dynLayer);
    }
  }
  state.positions = positions;
  $("counts").textContent = `${nThreats} threats · ${nTracks} tracks · ${nFlying} interceptors in flight · ${nKills} kills · ${nLeaks} leaks`;
}

function setTime(t) {
  state.t = Math.max(0, Math.min(state.tMax, t));
  $("scrub").value = String(state.t);
  $("time").textContent = state.t.toFixed(1);
  draw();
}
$("scrub").addEventListener("input", (e) => setTime(parseFloat(e.target.value)));
$("speed").addEventListener("change", (e) => (state.speed = parseFloat(e.target.value)));
$("play").addEventListener("click", () => { if (state.t >= state.tMax) setTime(0); state.playing = true; });
$("pause").addEventListener("click", () => (state.playing = false));
let last = performance.now();
function tick(now) {
  const dt = (now - last) / 1000;
  last = now;
  if (state.playing) {
    setTime(state.t + dt * state.speed);
    if (state.t >= state.tMax) state.playing = false;
  }
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);

// ---- scenario panel --------------------------------------------------------------------------
function showResult(res) {
  const box = $("scen-result");
  if (res.ok) {
    box.className = "small ok";
    box.textContent = `valid${res.estimate ? " — " + res.estimate : ""}${res.warnings.length ? "\nwarnings:\n" + res.warnings.join("\n") : ""}`;
  } else {
    box.className = "small error";
    box.textContent = res.errors.map((e) => `${e.file}:${e.line ?? "?"}:${e.column ?? "?"}: ${e.field ?? ""}${e.field ? ": " : ""}${e.message}`).join("\n");
  }
}

$("scen-file").addEventListener("change", async (e) => {
  const f = e.target.files[0];
  if (!f) return;
  $("scen-text").value = await f.text();
  $("scen-name").value = f.name.replace(/\.ya?ml$/i, "").replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 60) || "scenario";
  await validate();
});

async function validate() {
  try {
    const name = `${$("scen-name").value}.yaml`;
    const { status, body } = await api(`/api/validate?name=${encodeURIComponent(name)}`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: $("scen-text").value }) });
    if (status === 413) throw new Error("file too large");
    showResult(body);
    return body.ok;
  } catch (err) {
    $("scen-result").className = "small error";
    $("scen-result").textContent = String(err.message ?? err);
    return false;
  }
}
$("validate").addEventListener("click", validate);

// Save the scenario, then POST `request(name)` to `url` (a run or a sweep) and poll its job.
async function saveAndStart(url, request) {
  const name = $("scen-name").value;
  try {
    const put = await api(`/api/scenarios/${encodeURIComponent(name)}`, {
      method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: $("scen-text").value }) });
    showResult(put.body);
    loadScenarioList();
    if (!put.body.ok) return;
    const { status, body } = await api(url, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify(request(name)) });
    if (status !== 202) { showResult(body); return; }
    $("job-progress").value = 0;
    poll(body.id);
  } catch (err) {
    $("job-status").className = "small error";
    $("job-status").textContent = String(err.message ?? err);
  }
}
$("run").addEventListener("click", () => saveAndStart("/api/runs", (name) => ({ scenario: name })));
$("run-sweep").addEventListener("click", () => saveAndStart("/api/sweeps", (name) => {
  const vary = $("sweep-vary").value.split("\n").map((l) => l.trim()).filter((l) => l);
  return { scenario: name, replications: parseInt($("sweep-reps").value, 10) || 1, ...(vary.length ? { vary } : {}) };
}));

async function loadScenarioList() {
  const { body } = await api("/api/scenarios");
  fill($("scen-stored"), body);
}

$("scen-load").addEventListener("click", async () => {
  const name = $("scen-stored").value;
  if (!name) return;
  const { body } = await api(`/api/scenarios/${encodeURIComponent(name)}`);
  $("scen-name").value = body.name;
  $("scen-text").value = body.text;
  await validate();
});

async function poll(id) {
  const { body: job } = await api(`/api/jobs/${id}`);
  $("job-progress").value = job.progress;
  $("job-status").className = job.state === "failed" ? "small error" : "small";
  $("job-status").textContent = `${job.run}: ${job.state} ${Math.round(job.progress * 100)} % — ${job.message}`;
  if (job.state === "done") await (job.kind === "sweep" ? loadSweeps(job.run) : loadRuns(job.run));
  else if (job.state !== "failed") setTimeout(() => poll(id), 500);
}

// ---- sweeps (folders written by iadsim sweep) ---------------------------------------------------
async function loadSweeps(select) {
  const { body: sweeps } = await api("/api/sweeps");
  $("sweeps").hidden = !sweeps.length;
  fill($("sweep-select"), sweeps.map((s) => s.name));
  if (select) $("sweep-select").value = select;
  if (sweeps.length) await showSweep($("sweep-select").value);
}

async function showSweep(name) {
  const { body } = await api(`/api/sweeps/${encodeURIComponent(name)}`);
  state.sweep = name; // read by the browser tests
  const metrics = body.summary.length ? Object.keys(body.summary[0]).filter((k) => k !== "point" && !k.startsWith("vary:")) : [];
  const fmt = (v) => (v == null ? "—" : Number(v).toFixed(2));
  const esc = (t) => String(t).replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
  const values = new Map((body.definition?.points ?? []).map((p) => [p.point, Object.entries(p.values ?? {})
    .map(([k, v]) => `${k.split(".").pop()}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ")]));
  $("sweep-table").innerHTML = `<p>${body.rows} replications</p><table><tr><th>point</th>${metrics.map((m) => `<th>${esc(m)} mean (min–max)</th>`).join("")}</tr>` +
    body.summary.map((p) => `<tr><td>${p.point}${values.get(p.point) ? " " + esc(values.get(p.point)) : ""}</td>${metrics.map((m) => `<td>${fmt(p[m].mean)} (${fmt(p[m].min)}–${fmt(p[m].max)})</td>`).join("")}</tr>`).join("") + "</table>";
}
$("sweep-select").addEventListener("change", (e) => showSweep(e.target.value));
loadSweeps().catch(() => {});
loadScenarioList().catch(() => {});

loadRuns().catch((err) => { $("run-info").textContent = String(err.message ?? err); });
