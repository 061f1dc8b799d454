// DPM Server playground. The parameter form is built from GET /v1/samplers (the server's own
// description of its samplers), so it shows what the validators accept; the server stays the judge:
// its problem details are shown next to the fields they name.
'use strict';
const $ = id => document.getElementById(id);
const esc = s => String(s == null ? '' : s).replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const MINE = 'dpm.jobs';
const state = { models: [], catalog: null, current: null, socket: null, rate: null, lastTick: null };

// ------------------------------------------------------------------ tabs
function showTab() {
  const compare = location.hash === '#compare';
  $('play').hidden = compare;
  $('compare').hidden = !compare;
  $('tab-play').classList.toggle('active', !compare);
  $('tab-compare').classList.toggle('active', compare);
}
window.addEventListener('hashchange', showTab);

// ------------------------------------------------------------------ models and the sampler catalog
async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  return r.json();
}

async function loadModels() {
  state.models = (await getJson('/v1/models')).items;
  // a model that failed to load is listed, not offered (its error as the tooltip)
  const opts = state.models.map(m => m.status === 'failed'
    ? `<option value="${esc(m.name)}" disabled title="${esc(m.error || '')}">${esc(m.name)} (failed to load)</option>`
    : `<option value="${esc(m.name)}">${esc(m.name)}</option>`).join('');
  $('model').innerHTML = opts;
  $('cmpModel').innerHTML = opts;
  await modelChanged();
  await cmpModelChanged();
}

function model(name) { return state.models.find(m => m.name === name && m.status !== 'failed'); }
function isImage(m) { return m && m.dataRange && m.sampleShape.length >= 2; }

async function modelChanged(keepSampler) {
  const m = model($('model').value);
  if (!m) return;
  state.catalog = await getJson('/v1/samplers?model=' + encodeURIComponent(m.name));
  const prev = keepSampler || $('sampler').value;
  $('sampler').innerHTML = state.catalog.samplers.map(s =>
    `<option value="${esc(s.name)}" ${s.available ? '' : 'disabled'} title="${esc(s.reason || s.summary)}">${esc(s.name)}${s.available ? '' : s.needsGamma ? ' (needs Γ)' : ' (unavailable)'}</option>`).join('');
  const avail = name => state.catalog.samplers.some(s => s.name === name && s.available);
  $('sampler').value = avail(prev) ? prev : avail('analytic-ddim') ? 'analytic-ddim' : 'ddim';
  $('modelSummary').textContent = `${m.description || ''} — shape [${m.sampleShape}], N = ${state.catalog.steps}`
    + (m.gamma && m.gamma.present ? ', Γ calibrated' : ', no Γ (analytic samplers unavailable)');
  $('n').value = isImage(m) ? Math.min(+$('n').value || 16, 16) : $('n').value;
  buildParams();
  conditioning(m);
  samplerChanged();
}

// Conditional models (the manifest's conditioning block in /v1/models): a label menu (unconditional = the null
// label) and, when the sampler catalog does not already list it, the classifier-free guidance weight w.
function conditioning(m) {
  const c = m.conditioning;
  const box = $('conditioning');
  box.hidden = !c;
  if (!c) { box.innerHTML = '<legend>Conditioning</legend>'; return; }
  const listed = state.catalog.parameters.some(p => p.name === 'guidance');
  box.innerHTML = '<legend>Conditioning</legend>'
    + '<label>Label <select id="label" name="label"><option value="">(unconditional)</option>'
    + c.classes.map((n, i) => `<option value="${i}">${i} ${esc(n)}</option>`).join('') + '</select></label>'
    + (listed ? '' : ' <label>Guidance w <input id="guidance" name="guidance" inputmode="decimal" value="3"'
      + ' title="classifier-free guidance: ε(x,∅) + w·(ε(x,c) − ε(x,∅)); 1 = plain conditional"></label>');
}
function conditioningValues() {
  const l = $('label');
  if (!l || $('conditioning').hidden || l.value === '') return {};
  return { label: +l.value };
}

function buildParams() {
  $('params').innerHTML = state.catalog.parameters.map(p => {
    let input;
    if (p.type === 'enum' || p.type === 'boolean') {
      const choices = p.type === 'boolean' ? ['true', 'false'] : p.choices;
      input = `<select id="p-${p.name}" name="${p.name}"><option value="">default</option>`
        + choices.map(c => `<option>${esc(c)}</option>`).join('') + '</select>';
    } else {
      const num = p.type !== 'integer-list';
      input = `<input id="p-${p.name}" name="${p.name}" ${num ? 'inputmode="decimal"' : ''} autocomplete="off">`;
    }
    const range = p.min != null || p.max != null
      ? ` ${p.min != null ? (p.minExclusive ? '>' : '≥') + ' ' + p.min : ''}${p.min != null && p.max != null ? ', ' : ''}${p.max != null ? '≤ ' + p.max : ''}` : '';
    return `<label class="param" id="row-${p.name}" data-param="${p.name}"><span>${esc(p.name)}</span>${input}`
      + `<span class="help" id="help-${p.name}">${esc(p.help)}${esc(range)}</span><span class="err" data-for="sampler.${p.name}"></span></label>`;
  }).join('');
}

function samplerEntry() { return state.catalog.samplers.find(s => s.name === $('sampler').value); }

function samplerChanged() {
  const s = samplerEntry();
  if (!s) return;
  $('samplerSummary').textContent = s.summary + (s.available ? '' : ' — ' + s.reason);
  for (const p of state.catalog.parameters) {
    const use = s.parameters[p.name];
    const el = $('p-' + p.name);
    const row = $('row-' + p.name);
    el.disabled = !use;
    row.classList.toggle('off', !use);
    row.title = use ? p.help : `${p.name} does not apply to ${s.name} (applies to ${p.appliesTo.join(', ')})`;
    if (!use) continue;
    const def = use.default;
    if (el.tagName === 'SELECT') {
      el.options[0].textContent = def == null ? 'default (unset)' : `default (${def})`;
    } else {
      el.placeholder = use.required ? 'required' : def == null ? 'unset' : 'default ' + def;
      if (use.min != null) el.dataset.min = use.min;
      if (use.max != null) el.dataset.max = use.max;
    }
    if (p.name === 'steps') {
      const range = ` ${use.min} … ${use.max}`;
      $('help-steps').textContent = p.help + ',' + range;
      if (use.required && !el.value) el.value = Math.min(50, use.max);
    }
  }
}

function samplerBody() {
  const s = samplerEntry();
  const out = { name: s.name };
  for (const p of state.catalog.parameters) {
    const el = $('p-' + p.name);
    if (el.disabled || el.value.trim() === '') continue;
    const v = el.value.trim();
    if (p.type === 'boolean') out[p.name] = v === 'true';
    else if (p.type === 'enum') out[p.name] = v;
    else if (p.type === 'integer-list') out[p.name] = v.split(/[\s,]+/).filter(x => x).map(x => isNaN(+x) ? x : +x);
    else out[p.name] = isNaN(+v) ? v : +v; // a non-number goes as text: the server names the field
  }
  const g = $('guidance');
  if (g && !$('conditioning').hidden && $('label') && $('label').value !== '' && g.value.trim() !== '') {
    out.guidance = isNaN(+g.value) ? g.value : +g.value;
  }
  return out;
}

function clearErrors() {
  document.querySelectorAll('.err').forEach(e => { e.textContent = ''; });
  document.querySelectorAll('.bad').forEach(e => e.classList.remove('bad'));
  $('formError').textContent = '';
}

function showProblem(problem) {
  const rest = [];
  for (const e of problem.errors || []) {
    let field = e.field;
    let slot = document.querySelector(`.err[data-for="${CSS.escape(field)}"]`)
      || document.querySelector(`.err[data-for="sampler.${CSS.escape(field)}"]`);
    if (slot) {
      slot.textContent = e.message;
      const input = slot.parentElement.querySelector('input, select');
      if (input) input.classList.add('bad');
    } else {
      rest.push(`${field}: ${e.message}`);
    }
  }
  if (!problem.errors || !problem.errors.length || rest.length) {
    $('formError').textContent = `${problem.title || 'Error'}: ${rest.length ? rest.join('; ') : problem.detail || ''}`;
  }
}

async function submit(ev) {
  ev.preventDefault();
  clearErrors();
  const body = Object.assign({
    model: $('model').value, sampler: samplerBody(),
    n: numberOr($('n').value), seed: numberOr($('seed').value), previewEvery: numberOr($('previewEvery').value),
  }, conditioningValues());
  const r = await fetch('/v1/jobs', {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': uuid() },
  });
  const j = await r.json();
  if (!r.ok) { showProblem(j); return; }
  remember(j.id);
  watch(j);
  refreshJobs();
}

function numberOr(v) { return v.trim() === '' ? undefined : isNaN(+v) ? v : +v; }
function uuid() { return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random(); }
function mine() { try { return JSON.parse(localStorage.getItem(MINE)) || []; } catch (e) { return []; } }
function remember(id) { localStorage.setItem(MINE, JSON.stringify([id].concat(mine()).slice(0, 200))); }

// ------------------------------------------------------------------ the current job
function watch(job) {
  if (state.socket) { state.socket.onclose = null; state.socket.close(); }
  state.current = job.id;
  state.rate = null;
  state.lastTick = null;
  $('current').hidden = false;
  $('curId').textContent = job.id;
  $('view').removeAttribute('src');
  $('viewCaption').textContent = '';
  $('resultPanel').hidden = true;
  $('bar').value = 0;
  $('progressText').textContent = '';
  setStatus(job.status);
  connect(job.id, null);
}

function setStatus(status, extra) {
  const el = $('curStatus');
  el.className = 'status ' + status;
  el.textContent = status + (extra ? ' — ' + extra : '');
  $('cancel').disabled = ['succeeded', 'failed', 'canceled'].includes(status);
}

function connect(id, after) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let last = after;
  const ws = new WebSocket(`${proto}//${location.host}/v1/jobs/${id}/events` + (after != null ? `?after=${after}` : ''));
  state.socket = ws;
  ws.onmessage = m => {
    const e = JSON.parse(m.data);
    if (e.seq != null) last = e.seq;
    if (state.current === id) onEvent(e);
  };
  ws.onclose = ev => {
    const s = $('curStatus').textContent.split(' ')[0];
    if (state.current === id && !['succeeded', 'failed', 'canceled'].includes(s)) setTimeout(() => connect(id, last), 1000);
  };
}

function onEvent(e) {
  switch (e.type) {
    case 'queued':
      setStatus('queued', e.position != null ? `position ${e.position + 1} in the queue` : '');
      break;
    case 'started':
      setStatus('running');
      break;
    case 'progress':
      setStatus('running');
      progress(e);
      break;
    case 'preview':
      $('view').src = 'data:image/png;base64,' + e.png;
      $('viewCaption').textContent = `x̂₀ preview after step ${e.step}` + (e.total ? ` of ${e.total}` : '');
      break;
    case 'succeeded':
      finished(e.job);
      break;
    case 'failed': case 'canceled':
      setStatus(e.type, e.error ? e.error.message : '');
      refreshJobs();
      break;
    default:
      if (e.job) jobState(e.job);
  }
}

// the state event on connect: the job as it is now
function jobState(job) {
  if (job.status === 'succeeded') finished(job);
  else {
    setStatus(job.status, job.error ? job.error.message : '');
    if (job.progress) progress(job.progress);
  }
}

/** Progress text with a rate measured here and a smoothed ETA (exponential average of the work rate). */
function progress(p) {
  $('bar').value = p.fraction || 0;
  const now = performance.now() / 1000;
  if (state.lastTick && p.fraction > state.lastTick.fraction && now > state.lastTick.t) {
    const df = (p.fraction - state.lastTick.fraction) / (now - state.lastTick.t);
    const dn = (p.nfe - state.lastTick.nfe) / (now - state.lastTick.t);
    state.rate = state.rate == null ? { df, dn } : { df: 0.7 * state.rate.df + 0.3 * df, dn: 0.7 * state.rate.dn + 0.3 * dn };
  }
  if (!state.lastTick || p.fraction > state.lastTick.fraction) state.lastTick = { t: now, fraction: p.fraction, nfe: p.nfe };
  let eta = null;
  if (state.rate && state.rate.df > 0) eta = (1 - p.fraction) / state.rate.df;
  else if (p.etaSeconds != null) eta = p.etaSeconds;
  const parts = [`step ${p.step} of ${p.total}`, `${p.nfe} network evaluations per sample`, `${Math.round(100 * p.fraction)} %`];
  if (state.rate && state.rate.dn > 0) parts.push(`${state.rate.dn.toFixed(state.rate.dn < 10 ? 1 : 0)} evaluations/s`);
  if (eta != null) parts.push(`about ${formatSeconds(eta)} left`);
  $('progressText').textContent = parts.join(' · ');
}

function formatSeconds(s) {
  if (s < 1) return '< 1 s';
  if (s < 90) return Math.round(s) + ' s';
  return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
}

function finished(job) {
  setStatus('succeeded', job.startedAt && job.finishedAt
    ? `${((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000).toFixed(1)} s` : '');
  $('bar').value = 1;
  $('progressText').textContent = `${job.n} samples · ${job.sampler ? job.sampler.name : job.kind}`
    + (job.progress ? ` · ${job.progress.nfe} network evaluations per sample` : '');
  const links = job.results || {};
  if (links.png) {
    $('view').src = links.png; // the result replaces the last preview
    $('viewCaption').textContent = `result: ${job.n} samples, ${job.sampler ? job.sampler.name : ''}`;
  } else {
    $('view').removeAttribute('src');
    $('viewCaption').textContent = 'result (no PNG output)';
  }
  $('downloads').innerHTML = Object.keys(links).filter(f => ['npy', 'png', 'json'].includes(f)).map(f =>
    `<a id="dl-${f}" href="${esc(links[f])}" download>download ${f}</a>`).join(' · ');
  $('resultPanel').hidden = false;
  const idx = $('sampleIndex');
  idx.max = job.n - 1;
  idx.value = Math.min(+idx.value || 0, job.n - 1);
  state.resultJob = job;
  showSample();
  refreshJobs();
}

async function showSample() {
  const job = state.resultJob;
  if (!job) return;
  const i = Math.max(0, Math.min(job.n - 1, +$('sampleIndex').value || 0));
  const m = model(job.model);
  if (isImage(m) && job.outputs.includes('png')) {
    $('sampleImg').hidden = false;
    const url = `/v1/jobs/${job.id}/result?format=png&index=${i}`;
    $('sampleImg').src = url;
    $('sampleInfo').innerHTML = `of ${job.n} · <a href="${url}" download>PNG of sample ${i}</a>`;
  } else if (job.outputs.includes('npy')) {
    $('sampleImg').hidden = true;
    if (!state.npy || state.npy.id !== job.id) state.npy = { id: job.id, data: await npy(`/v1/jobs/${job.id}/result?format=npy`) };
    const d = state.npy.data.values.length / job.n;
    const row = Array.from(state.npy.data.values.slice(i * d, i * d + Math.min(d, 8))).map(x => x.toFixed(4));
    $('sampleInfo').textContent = `of ${job.n}: (${row.join(', ')}${d > 8 ? ', …' : ''})`;
  }
}

/** Reads a little-endian float32 .npy file. */
async function npy(url) {
  const buf = await (await fetch(url)).arrayBuffer();
  const view = new DataView(buf);
  const hl = view.getUint16(8, true);
  return { values: new Float32Array(buf.slice(10 + hl)) };
}

async function cancelCurrent() {
  if (state.current) await fetch('/v1/jobs/' + state.current, { method: 'DELETE' });
  refreshJobs();
}

// ------------------------------------------------------------------ history and queue
async function refreshJobs() {
  let items;
  try { items = (await getJson('/v1/jobs?limit=50')).items; } catch (e) { return; }
  const ids = mine();
  if ($('onlyMine').checked) items = items.filter(j => ids.includes(j.id));
  const html = items.map(j => {
    const live = !['succeeded', 'failed', 'canceled'].includes(j.status);
    const pct = j.progress ? Math.round(100 * j.progress.fraction) + ' %' : '';
    return `<tr data-id="${esc(j.id)}" class="${j.id === state.current ? 'current' : ''}">
      <td><code>${esc(j.id)}</code></td><td>${esc(j.model)}</td><td>${esc(j.sampler ? j.sampler.name : j.kind)}</td>
      <td>${esc(j.sampler && j.sampler.steps != null ? j.sampler.steps : '')}</td><td>${j.n}</td><td>${esc(j.seed)}</td>
      <td><span class="status ${esc(j.status)}">${esc(j.status)}${j.queuePosition != null ? ' #' + (j.queuePosition + 1) : ''}</span></td>
      <td>${pct}</td><td>${esc((j.createdAt || '').replace('T', ' ').replace(/\..*|Z/, ''))}</td>
      <td><button type="button" data-act="view">view</button>
      ${live ? '<button type="button" data-act="cancel">cancel</button>' : ''}
      ${j.sampler ? '<button type="button" data-act="again">run again</button>' : ''}</td></tr>`;
  }).join('');
  if (html !== state.jobsHtml) $('jobs').tBodies[0].innerHTML = state.jobsHtml = html; // no churn while nothing changed
  state.jobs = items;
}

async function jobAction(ev) {
  const b = ev.target.closest('button');
  if (!b) return;
  const id = b.closest('tr').dataset.id;
  const job = (state.jobs || []).find(j => j.id === id);
  if (b.dataset.act === 'view') watch(job);
  else if (b.dataset.act === 'cancel') { await fetch('/v1/jobs/' + id, { method: 'DELETE' }); refreshJobs(); }
  else if (b.dataset.act === 'again') await runAgain(job);
}

/** Fills the form with a job's settings (every default the server filled included), ready to change and submit. */
async function runAgain(job) {
  location.hash = '#play';
  $('model').value = job.model;
  await modelChanged(job.sampler.name);
  $('sampler').value = job.sampler.name;
  for (const p of state.catalog.parameters) $('p-' + p.name).value = '';
  samplerChanged();
  for (const [k, v] of Object.entries(job.sampler)) {
    const el = $('p-' + k);
    if (el && !el.disabled && v != null) el.value = Array.isArray(v) ? v.join(', ') : String(v);
  }
  $('n').value = job.n;
  $('seed').value = job.seed;
  $('previewEvery').value = job.previewEvery || 0;
  $('form').scrollIntoView();
}

// ------------------------------------------------------------------ compare grid
async function cmpModelChanged() {
  const m = model($('cmpModel').value);
  if (!m) return;
  const cat = await getJson('/v1/samplers?model=' + encodeURIComponent(m.name));
  state.cmpCatalog = cat;
  const pre = ['ddpm', 'analytic-ddpm', 'ddim', 'analytic-ddim'];
  $('cmpSamplers').innerHTML = cat.samplers.map(s => `<label title="${esc(s.reason || s.summary)}"><input type="checkbox" value="${esc(s.name)}"
    ${s.available ? '' : 'disabled'} ${s.available && pre.includes(s.name) ? 'checked' : ''}> ${esc(s.name)}</label>`).join('');
  $('cmpN').value = isImage(m) ? 16 : 256;
}

async function runCompare(ev) {
  ev.preventDefault();
  $('cmpError').textContent = '';
  const m = $('cmpModel').value;
  const steps = $('cmpSteps').value.split(/[\s,]+/).filter(x => x).map(Number);
  const samplers = [...$('cmpSamplers').querySelectorAll('input:checked')].map(i => i.value);
  if (!steps.length || steps.some(k => !Number.isInteger(k) || k < 1)) { $('cmpError').textContent = 'steps: a list of whole numbers, e.g. 5, 10, 25'; return; }
  if (!samplers.length) { $('cmpError').textContent = 'choose at least one sampler'; return; }
  const grid = $('cmpGrid');
  grid.innerHTML = '<tr><th></th>' + steps.map(k => `<th>K = ${k}</th>`).join('') + '</tr>'
    + samplers.map(s => `<tr><th>${esc(s)}</th>` + steps.map(k => `<td id="cell-${esc(s)}-${k}"><span class="cellStatus">…</span></td>`).join('') + '</tr>').join('');
  const seed = +$('cmpSeed').value;
  const n = +$('cmpN').value;
  for (const s of samplers) {
    const usesSteps = state.cmpCatalog.samplers.find(x => x.name === s).parameters.steps;
    for (const k of steps) {
      const cell = $(`cell-${s}-${k}`);
      if (!usesSteps && k !== steps[0]) { cell.innerHTML = '<span class="cellStatus">adaptive (see first column)</span>'; continue; }
      const sampler = usesSteps ? { name: s, steps: k } : { name: s };
      const r = await fetch('/v1/jobs', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': uuid() },
        body: JSON.stringify({ model: m, sampler, n, seed, outputs: ['npy', 'png'] }) });
      const j = await r.json();
      if (!r.ok) { cell.innerHTML = `<span class="error">${esc((j.errors || []).map(e => e.field + ': ' + e.message).join('; ') || j.detail)}</span>`; continue; }
      remember(j.id);
      pollCell(cell, j.id);
    }
  }
  refreshJobs();
}

async function pollCell(cell, id) {
  for (;;) {
    const j = await getJson('/v1/jobs/' + id);
    if (j.status === 'succeeded') {
      const secs = j.startedAt && j.finishedAt ? ((Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000).toFixed(1) + ' s' : '';
      cell.innerHTML = `<a href="${esc(j.results.png)}" target="_blank"><img alt="${esc(id)}" src="${esc(j.results.png)}"></a>`
        + `<span class="cellStatus">${j.progress.nfe} NFE · ${secs}</span>`;
      cell.classList.add('done');
      return;
    }
    if (j.status === 'failed' || j.status === 'canceled') {
      cell.innerHTML = `<span class="error">${esc(j.status)}${j.error ? ': ' + esc(j.error.message) : ''}</span>`;
      return;
    }
    cell.innerHTML = `<span class="cellStatus">${esc(j.status)} ${j.progress ? Math.round(100 * j.progress.fraction) + ' %' : ''}</span>`;
    await new Promise(res => setTimeout(res, 400));
  }
}

// ------------------------------------------------------------------ wiring
$('model').onchange = () => modelChanged();
$('sampler').onchange = samplerChanged;
$('form').onsubmit = submit;
$('resetParams').onclick = () => { for (const p of state.catalog.parameters) $('p-' + p.name).value = ''; clearErrors(); samplerChanged(); };
$('cancel').onclick = cancelCurrent;
$('sampleIndex').oninput = showSample;
$('jobs').onclick = jobAction;
$('onlyMine').onchange = refreshJobs;
$('cmpModel').onchange = cmpModelChanged;
$('cmpForm').onsubmit = runCompare;
showTab();
loadModels().then(refreshJobs).catch(e => { $('formError').textContent = String(e); });
setInterval(() => { if (!document.hidden) refreshJobs(); }, 2000);
