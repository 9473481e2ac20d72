// Weir's dashboard: reads the job's control endpoint (the same JSON API `weir status` uses) once a
// second and draws it. Plain JavaScript, no dependencies; every text goes in through textContent.

import { $, bytes, clock, count, el, ms, percent, svg } from './format.js';

const POLL_MS = 1000;
/** The full history is read again this often, or as soon as a checkpoint or failure ends. */
const HISTORY_POLL_MS = 5000;
/** Points of the throughput chart (one per poll). */
const RATE_POINTS = 120;
const TABLE_ROWS = 200;
const COLORS = ['#1f8a7f', '#3b6fd8', '#d08a1d', '#9b4dca', '#c8453c', '#2f9e5b', '#6b7280', '#0e7490'];

const view = {
  plan: undefined,
  job: undefined,
  previous: undefined,
  stats: undefined,
  history: undefined,
  historyReadAt: 0,
  historyKey: '',
  selected: undefined,
  /** Task id → [{ at, in, out }] records/s. */
  rates: new Map(),
  taskBoxes: new Map(),
  failedPolls: 0,
};

// ---------------------------------------------------------------------------------------------
// Reading the endpoint.

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.error ?? `${path}: ${res.status}`), { status: res.status });
  return body;
}

async function postJson(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.error ?? `${path}: ${res.status}`);
  return answer;
}

async function poll() {
  try {
    const [job, stats] = await Promise.all([getJson('job'), getJson('checkpoints')]);
    if (view.plan === undefined) view.plan = await getJson('job/plan');
    const key = `${job.restarts}/${stats.counts.completed}/${stats.counts.failed}/${job.exceptions.length}`;
    if (view.history === undefined || key !== view.historyKey || Date.now() - view.historyReadAt > HISTORY_POLL_MS) {
      view.history = await getJson('checkpoints/history?limit=' + TABLE_ROWS);
      view.historyReadAt = Date.now();
      view.historyKey = key;
    }
    view.previous = view.job;
    view.job = { ...job, readAt: Date.now() };
    view.stats = stats;
    view.failedPolls = 0;
    banner(undefined);
    render();
  } catch (e) {
    view.failedPolls++;
    if (e.status === 503) banner('The job is starting…');
    else if (view.failedPolls > 1) banner(`Cannot reach the job (${e.message}): it has ended, or its endpoint is unreachable.`, true);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting (the plain helpers live in format.js).

/** `v1#0` → `count -> sink 1/2` with the tasks of the run the entry belongs to. */
function subtaskName(taskKey, run) {
  const [task, index] = taskKey.split('#');
  const tasks = view.history?.runs.find((r) => r.run === run)?.tasks ?? {};
  const info = tasks[task];
  return info === undefined ? taskKey : `${info.name} ${Number(index) + 1}/${info.parallelism}`;
}

function banner(text, bad = false) {
  const b = $('banner');
  b.hidden = text === undefined;
  b.textContent = text ?? '';
  b.classList.toggle('bad', bad);
}

// ---------------------------------------------------------------------------------------------
// Derived figures: rates between two polls, and what the runtime may add (lag, backpressure…).

/** Records/s in and out per task between the last two polls; undefined after a restart. */
function taskRates() {
  const { job, previous } = view;
  const rates = new Map();
  if (job === undefined || previous === undefined) return rates;
  const seconds = (job.readAt - previous.readAt) / 1000;
  for (const v of job.vertices) {
    const before = previous.vertices.find((p) => p.id === v.id);
    if (before === undefined || seconds <= 0 || v.recordsIn < before.recordsIn || v.recordsOut < before.recordsOut) continue;
    rates.set(v.id, { in: (v.recordsIn - before.recordsIn) / seconds, out: (v.recordsOut - before.recordsOut) / seconds });
  }
  return rates;
}

/** Lag (where a source reports it), dead letters, and the share of time backpressured and busy, per task. */
function taskFlows() {
  const { job, previous } = view;
  const flows = new Map();
  if (job === undefined) return flows;
  const seconds = previous === undefined ? 0 : (job.readAt - previous.readAt) / 1000;
  for (const v of job.vertices) {
    const before = previous?.vertices.find((p) => p.id === v.id);
    const sum = (pick) => (v.subtasks.some((s) => pick(s) !== undefined) ? v.subtasks.reduce((n, s) => n + (pick(s) ?? 0), 0) : undefined);
    const share = (pick) => {
      let most;
      for (const s of v.subtasks) {
        const b = before?.subtasks.find((p) => p.index === s.index);
        const now = pick(s);
        const then = b === undefined ? undefined : pick(b);
        if (now === undefined || then === undefined || now < then || seconds <= 0) continue;
        most = Math.max(most ?? 0, Math.min(1, (now - then) / 1000 / seconds));
      }
      return most;
    };
    flows.set(v.id, {
      lag: sum((s) => s.source?.lagRecords),
      deadLetters: sum((s) => s.deadLetters),
      backpressured: share((s) => s.backpressuredMs),
      busy: share((s) => s.busyMs),
    });
  }
  return flows;
}

// ---------------------------------------------------------------------------------------------
// Drawing.

function render() {
  const rates = taskRates();
  const flows = taskFlows();
  renderHeader(rates, flows);
  renderGraph(rates, flows);
  renderThroughput(rates);
  renderThreads();
  renderCheckpoints();
  renderFailures();
}

function renderHeader(rates, flows) {
  const { job, stats } = view;
  document.title = `${job.jobName} · ${job.state} · Weir`;
  $('job-name').textContent = job.jobName;
  const state = $('job-state');
  state.textContent = job.state;
  state.className = `state ${job.state}`;
  $('job-uptime').textContent = ms(job.uptimeMs);
  const read = new Set(job.vertices.flatMap((v) => v.inputs));
  const sources = job.vertices.filter((v) => v.inputs.length === 0 && read.has(v.id));
  const sinks = job.vertices.filter((v) => !read.has(v.id) && v.inputs.length > 0);
  const sumRate = (vs, pick) => (vs.length === 0 || vs.some((v) => !rates.has(v.id)) ? undefined : vs.reduce((n, v) => n + pick(rates.get(v.id)), 0));
  const inRate = sumRate(sources, (r) => r.out);
  const outRate = sumRate(sinks, (r) => r.in);
  $('job-rate-in').textContent = inRate === undefined ? '-' : `${count(inRate)}/s`;
  $('job-rate-out').textContent = outRate === undefined ? '-' : `${count(outRate)}/s`;
  const latest = stats.latestCompleted ?? view.history?.checkpoints.find((c) => c.status === 'completed');
  $('job-last-checkpoint').textContent =
    latest === undefined || latest === null ? 'none yet' : `${latest.checkpointId}, ${ms(Date.now() - latest.triggeredAt - latest.durationMs)} ago`;
  $('job-restarts').textContent = String(job.restarts);
  const lags = [...flows.values()].filter((f) => f.lag !== undefined);
  $('job-lag-fact').hidden = lags.length === 0;
  $('job-lag').textContent = count(lags.reduce((n, f) => n + f.lag, 0));
  const dead = [...flows.values()].filter((f) => f.deadLetters !== undefined);
  $('job-dead-letters-fact').hidden = dead.length === 0;
  $('job-dead-letters').textContent = count(dead.reduce((n, f) => n + f.deadLetters, 0));
  const running = job.state === 'running';
  $('savepoint-button').disabled = !running;
  $('cancel-button').disabled = !(running || job.state === 'restarting' || job.state === 'initializing');
}

const BOX = { width: 250, height: 120, gapX: 70, gapY: 24 };

/** Columns by depth (longest path from a source), rows in plan order. */
function layout(plan) {
  const depth = new Map();
  const depthOf = (t) => {
    if (depth.has(t.id)) return depth.get(t.id);
    depth.set(t.id, 0);
    const d = t.inputs.length === 0 ? 0 : 1 + Math.max(...t.inputs.map((i) => depthOf(plan.find((p) => p.id === i.from))));
    depth.set(t.id, d);
    return d;
  };
  const rows = new Map();
  const at = new Map();
  for (const t of plan) {
    const col = depthOf(t);
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    at.set(t.id, { x: col * (BOX.width + BOX.gapX), y: row * (BOX.height + BOX.gapY) });
  }
  const width = (Math.max(...depth.values()) + 1) * (BOX.width + BOX.gapX) - BOX.gapX;
  const height = Math.max(...rows.values()) * (BOX.height + BOX.gapY) - BOX.gapY;
  return { at, width, height };
}

function buildGraph() {
  const graph = $('graph');
  graph.replaceChildren();
  const { at, width, height } = layout(view.plan);
  graph.style.height = `${height + 4}px`;
  const edges = svg('svg', { width: width + 4, height: height + 4 });
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8aa0b4' }));
  const defs = svg('defs');
  defs.append(marker);
  edges.append(defs);
  for (const task of view.plan) {
    const to = at.get(task.id);
    for (const input of task.inputs) {
      const from = at.get(input.from);
      const x1 = from.x + BOX.width;
      const y1 = from.y + 40;
      const x2 = to.x - 2;
      const y2 = to.y + 40;
      const mid = (x1 + x2) / 2;
      edges.append(svg('path', { class: 'edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, 'marker-end': 'url(#arrow)' }));
      const label = svg('text', { class: 'edge-label', x: mid, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle' });
      label.textContent = input.partitioning.toUpperCase();
      edges.append(label);
    }
  }
  graph.append(edges);
  view.taskBoxes.clear();
  for (const task of view.plan) {
    const figures = el('dl', { className: 'task-figures' });
    const figure = (name) => {
      const dd = el('dd', { dataset: { figure: name } });
      figures.append(el('dt', { text: name }), dd);
      return dd;
    };
    const box = el(
      'div',
      { className: 'task', dataset: { task: task.id } },
      el('div', { className: 'task-head' }, el('span', {}, el('span', { className: 'task-id', text: `${task.id} ` }), task.operators[0]?.name ?? task.name), el('span', { className: 'parallelism', title: 'parallelism', text: `×${task.parallelism}` })),
      el('ol', { className: 'chain', title: 'operators chained in this task' }, ...task.operators.slice(1).map((o) => el('li', { text: o.name, title: `uid ${o.uid}` }))),
      figures,
    );
    const pos = at.get(task.id);
    box.style.left = `${pos.x}px`;
    box.style.top = `${pos.y}px`;
    box.style.minHeight = `${BOX.height}px`;
    graph.append(box);
    view.taskBoxes.set(task.id, { box, figures, figure, cells: new Map() });
  }
}

function renderGraph(rates, flows) {
  if (view.plan === undefined) return;
  if (view.taskBoxes.size !== view.plan.length) buildGraph();
  const read = new Set(view.job.vertices.flatMap((v) => v.inputs));
  for (const v of view.job.vertices) {
    const t = view.taskBoxes.get(v.id);
    if (t === undefined) continue;
    const rate = rates.get(v.id);
    const flow = flows.get(v.id) ?? {};
    const set = (name, text) => {
      let cell = t.cells.get(name);
      if (cell === undefined && text === undefined) return;
      if (cell === undefined) t.cells.set(name, (cell = t.figure(name)));
      cell.textContent = text ?? '-';
    };
    if (v.inputs.length > 0) {
      set('records in', count(v.recordsIn));
      set('in/s', rate === undefined ? '…' : count(rate.in));
    }
    if (read.has(v.id)) {
      set('records out', count(v.recordsOut));
      set('out/s', rate === undefined ? '…' : count(rate.out));
    }
    set('threads', [...new Set(v.subtasks.map((s) => (s.thread === 0 ? 'main' : String(s.thread))))].join(', ') || '-');
    if (flow.backpressured !== undefined) set('backpressured', percent(flow.backpressured));
    if (flow.busy !== undefined) set('busy', percent(flow.busy));
    if (flow.lag !== undefined) set('lag', count(flow.lag));
    if (flow.deadLetters !== undefined) set('dead letters', count(flow.deadLetters));
    t.box.dataset.recordsIn = String(v.recordsIn);
    t.box.dataset.recordsOut = String(v.recordsOut);
    t.box.classList.toggle('pressured', (flow.backpressured ?? 0) >= 0.1 && (flow.backpressured ?? 0) < 0.5);
    t.box.classList.toggle('pressured-high', (flow.backpressured ?? 0) >= 0.5);
  }
}

function renderThroughput(rates) {
  const now = Date.now();
  for (const v of view.job.vertices) {
    const series = view.rates.get(v.id) ?? [];
    const r = rates.get(v.id);
    // A task's throughput: what it takes in, or for a source what it sends.
    series.push({ at: now, value: r === undefined ? undefined : v.inputs.length === 0 ? r.out : r.in });
    if (series.length > RATE_POINTS) series.shift();
    view.rates.set(v.id, series);
  }
  const chart = $('throughput-chart');
  const { W, H } = fitChart(chart, 180);
  const pad = { left: 44, right: 6, top: 8, bottom: 16 };
  const max = Math.max(1, ...[...view.rates.values()].flatMap((s) => s.map((p) => p.value ?? 0)));
  const top = niceCeil(max);
  const x = (t) => pad.left + ((t - (now - RATE_POINTS * POLL_MS)) / (RATE_POINTS * POLL_MS)) * (W - pad.left - pad.right);
  const y = (v) => H - pad.bottom - (v / top) * (H - pad.top - pad.bottom);
  chart.replaceChildren();
  for (const f of [0, 0.5, 1]) {
    chart.append(svg('line', { class: 'grid', x1: pad.left, x2: W - pad.right, y1: y(top * f), y2: y(top * f) }));
    const label = svg('text', { class: 'axis', x: pad.left - 4, y: y(top * f) + 3, 'text-anchor': 'end' });
    label.textContent = count(top * f);
    chart.append(label);
  }
  for (const [label, t, anchor] of [['2 min ago', now - RATE_POINTS * POLL_MS, 'start'], ['now', now, 'end']]) {
    const text = svg('text', { class: 'axis', x: x(t), y: H - 3, 'text-anchor': anchor });
    text.textContent = label;
    chart.append(text);
  }
  const legend = $('throughput-legend');
  legend.replaceChildren();
  view.job.vertices.forEach((v, i) => {
    const color = COLORS[i % COLORS.length];
    const points = (view.rates.get(v.id) ?? []).filter((p) => p.value !== undefined);
    if (points.length > 1) {
      const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
      chart.append(svg('path', { class: 'series', d, stroke: color }));
    }
    const last = points.at(-1);
    const swatch = el('span', { className: 'swatch' });
    swatch.style.background = color;
    legend.append(el('li', { dataset: { task: v.id } }, swatch, `${v.id} ${shortName(v.name)}: ${last === undefined ? '…' : `${count(last.value)}/s`}`));
  });
}

/** Draws in the chart's own pixels, so that text keeps its shape. */
function fitChart(chart, height) {
  const W = Math.max(200, Math.round(chart.clientWidth || 600));
  chart.setAttribute('viewBox', `0 0 ${W} ${height}`);
  return { W, H: height };
}

function shortName(name) {
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function renderThreads() {
  const list = $('threads');
  list.replaceChildren();
  for (const t of view.job.threads) {
    const meter = el('div', { className: `meter${t.utilization > 0.85 ? ' high' : ''}` }, el('span'));
    meter.firstChild.style.width = percent(Math.min(1, t.utilization));
    list.append(el('li', { dataset: { thread: String(t.thread) } }, el('span', { text: t.thread === 0 ? 'main' : `worker ${t.thread}` }), meter, el('span', { className: 'num', text: percent(t.utilization) })));
  }
  if (view.job.threads.length === 0) list.append(el('li', { className: 'empty', text: 'no thread runs tasks right now' }));
}

/** Checkpoints newest first: the ones in progress (this run), then the history. */
function checkpointList() {
  const { stats, history } = view;
  const run = history?.run ?? 0;
  const live = stats.history.filter((c) => c.status === 'in-progress').map((c) => ({ ...c, run, inProgress: true }));
  return [...live, ...(history?.checkpoints ?? [])];
}

function renderCheckpoints() {
  const { stats } = view;
  const all = checkpointList();
  const totals = { completed: 0, failed: 0 };
  for (const c of view.history?.checkpoints ?? []) totals[c.status] = (totals[c.status] ?? 0) + 1;
  $('checkpoint-counts').textContent =
    `${stats.counts.completed} completed, ${stats.counts.failed} failed, ${stats.counts.inProgress} in progress in this run; ` +
    `${totals.completed} completed and ${totals.failed} failed kept in the history`;

  // Durations of the last 60, oldest left.
  const chart = $('checkpoint-chart');
  chart.replaceChildren();
  const recent = all.slice(0, 60).reverse();
  const { W, H } = fitChart(chart, 120);
  // One slow checkpoint (the first, while everything warms up) must not flatten the others: the
  // scale stops at four times the typical duration, and taller bars are cut (and marked).
  const sorted = recent.map((c) => c.durationMs).sort((a, b) => a - b);
  const typical = sorted[Math.floor(sorted.length * 0.75)] ?? 1;
  const top = niceCeil(Math.max(1, Math.min(sorted.at(-1) ?? 1, 4 * typical)));
  const slot = W / 60;
  recent.forEach((c, i) => {
    const cut = c.durationMs > top;
    const h = Math.max(1.5, (Math.min(c.durationMs, top) / top) * (H - 14));
    const status = c.inProgress ? 'in-progress' : c.status;
    const selected = view.selected?.id === c.checkpointId && view.selected?.run === c.run;
    const bar = svg('rect', { x: i * slot + 1, y: H - h, width: slot - 2, height: h, class: `bar-${status}${selected ? ' bar-selected' : ''}` });
    const title = svg('title');
    title.textContent = `${c.kind} ${c.checkpointId} (run ${c.run}): ${status}, ${ms(c.durationMs)}`;
    bar.append(title);
    bar.addEventListener('click', () => select(c));
    chart.append(bar);
    if (cut) chart.append(svg('rect', { x: i * slot + 1, y: H - h, width: slot - 2, height: 3, class: 'bar-cut' }));
  });
  const label = svg('text', { class: 'axis', x: 4, y: 10 });
  label.textContent = `${ms(top)}`;
  chart.append(label);

  const rows = $('checkpoint-rows');
  rows.replaceChildren();
  for (const c of all.slice(0, TABLE_ROWS)) {
    const status = c.inProgress ? 'in-progress' : c.status;
    const tr = el(
      'tr',
      { dataset: { checkpoint: String(c.checkpointId), run: String(c.run), status } },
      el('td', { className: 'mono', text: `${c.kind === 'savepoint' ? 'sp ' : ''}${c.checkpointId}` }),
      el('td', { className: 'num', text: String(c.run) }),
      el('td', { className: `status-${status}`, text: c.failureReason === undefined ? status : `failed: ${c.failureReason}` }),
      el('td', { className: 'mono', text: clock(c.triggeredAt) }),
      el('td', { className: 'num', text: ms(c.durationMs) }),
      el('td', { className: 'num', text: bytes(c.stateSize) }),
      el('td', { className: 'num', text: c.alignmentMs === undefined ? '-' : ms(c.alignmentMs) }),
      el('td', { text: c.lastAcknowledged === undefined ? '-' : `${subtaskName(c.lastAcknowledged.taskKey, c.run)} after ${ms(c.lastAcknowledged.ackDelayMs)}` }),
    );
    if (view.selected?.id === c.checkpointId && view.selected?.run === c.run) tr.classList.add('selected');
    tr.addEventListener('click', () => select(c));
    rows.append(tr);
  }
  if (all.length === 0) rows.append(el('tr', {}, el('td', { className: 'empty', colspan: '8', text: 'no checkpoint yet' })));
}

async function select(c) {
  view.selected = { id: c.checkpointId, run: c.run };
  renderCheckpoints();
  const detail = $('checkpoint-detail');
  try {
    const { checkpoint } = await getJson(`checkpoints/history/${c.checkpointId}?run=${c.run}`);
    renderDetail(checkpoint);
  } catch (e) {
    detail.replaceChildren(el('p', { className: 'hint', text: `Checkpoint ${c.checkpointId}: ${e.message}` }));
  }
}

function renderDetail(c) {
  const detail = $('checkpoint-detail');
  const status = c.status;
  const parts = [
    el('h3', { text: `${c.kind} ${c.checkpointId} · run ${c.run} · ${status}` }),
    el('p', { text: `triggered ${clock(c.triggeredAt)}, took ${ms(c.durationMs)}, ${bytes(c.stateSize)}` }),
  ];
  if (c.failureReason !== undefined) parts.push(el('p', { className: 'status-failed', text: `failed: ${c.failureReason}` }));
  if (c.missing?.length > 0) parts.push(el('p', { text: `never acknowledged: ${c.missing.map((k) => subtaskName(k, c.run)).join(', ')}` }));
  const subtasks = [...(c.subtasks ?? [])].sort((a, b) => b.ackDelayMs - a.ackDelayMs);
  if (subtasks.length === 0) {
    parts.push(el('p', { className: 'hint', text: c.subtasks === undefined ? 'Per-subtask details are kept for the newest 100 checkpoints.' : 'No subtask has acknowledged yet.' }));
  } else {
    const slowest = subtasks[0].ackDelayMs || 1;
    const table = el('table', {}, el('thead', {}, el('tr', {}, ...['subtask', 'acknowledged after', 'alignment', 'sync', 'async', 'size'].map((h) => el('th', { text: h })))));
    const body = el('tbody', { id: 'detail-rows' });
    subtasks.forEach((s, i) => {
      const meter = el('div', { className: 'meter' }, el('span'));
      meter.firstChild.style.width = percent(s.ackDelayMs / slowest);
      const tr = el(
        'tr',
        { dataset: { subtask: s.taskKey }, className: i === 0 && subtasks.length > 1 ? 'slowest' : '' },
        el('td', { title: s.taskKey, text: subtaskName(s.taskKey, c.run) }),
        el('td', { className: 'num' }, meter, ms(s.ackDelayMs)),
        el('td', { className: 'num', text: ms(s.alignmentMs) }),
        el('td', { className: 'num', text: ms(s.syncMs) }),
        el('td', { className: 'num', text: ms(s.asyncMs) }),
        el('td', { className: 'num', text: bytes(s.stateSize) }),
      );
      body.append(tr);
    });
    table.append(body);
    parts.push(table);
  }
  detail.replaceChildren(...parts);
}

function renderFailures() {
  const history = view.history;
  const list = $('failures');
  list.replaceChildren();
  const failures = history?.failures ?? [];
  for (const f of failures) {
    const named = f.operator === undefined || f.message.includes(`'${f.operator}'`);
    const where = named ? '' : ` in '${f.operator}' subtask ${(f.subtask ?? 0) + 1}${f.phase === undefined ? '' : ` (${f.phase})`}`;
    const then =
      f.restoredCheckpointId === undefined ? '' : f.restoredCheckpointId === null ? ' → restarted from the beginning' : ` → restarted from checkpoint ${f.restoredCheckpointId}`;
    list.append(el('li', { dataset: { run: String(f.run) } }, el('div', { className: 'when', text: `${clock(f.time)} · run ${f.run}${where}${then}` }), el('div', { className: 'message', text: f.message })));
  }
  if (failures.length === 0) list.append(el('li', { className: 'empty', text: 'No failure: the job has not restarted.' }));

  const rows = $('run-rows');
  rows.replaceChildren();
  for (const r of history?.runs ?? []) {
    const outcome = r.outcome === 'lost' ? 'killed or crashed' : (r.outcome ?? (r.run === history.run ? 'running' : 'no end recorded'));
    const from = [r.fresh ? '--fresh' : undefined, r.fromCheckpoint, r.restoredCheckpointId === null ? 'nothing' : r.restoredCheckpointId === undefined ? undefined : `checkpoint ${r.restoredCheckpointId}`]
      .filter((x) => x !== undefined)
      .join(', ');
    rows.append(
      el(
        'tr',
        { dataset: { run: String(r.run) } },
        el('td', { className: 'num', text: String(r.run) }),
        el('td', { className: 'num', text: String(r.pid) }),
        el('td', { className: 'mono', text: clock(r.startedAt) }),
        el('td', { className: 'mono', text: r.endedAt === undefined ? '-' : clock(r.endedAt) }),
        el('td', { className: `outcome-${r.outcome ?? 'running'}`, text: outcome }),
        el('td', { text: from || '-' }),
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Savepoint and cancel: the same API (and the same token) as `weir savepoint` and `weir cancel`.

$('savepoint-button').addEventListener('click', async () => {
  const dir = window.prompt('Write a savepoint below this directory (an absolute path on the machine the job runs on):', '/tmp/savepoints');
  if (dir === null || dir.trim() === '') return;
  banner('Writing a savepoint…');
  try {
    const { path } = await postJson('savepoints', { dir: dir.trim() });
    banner(`Savepoint written: ${path}`);
  } catch (e) {
    banner(`Savepoint failed: ${e.message}`, true);
  }
});

$('cancel-button').addEventListener('click', async () => {
  if (!window.confirm(`Cancel job '${view.job?.jobName ?? ''}'? Its checkpoints are kept; 'weir run' resumes from them.`)) return;
  try {
    await postJson('cancel', {});
    banner('Cancelling the job…');
  } catch (e) {
    banner(`Cancel failed: ${e.message}`, true);
  }
});

poll();
