// The gateway's dashboard: device list, live charts per sensor, alert feed, dead-letter counter and actuator
// commands whose status follows the devices' reports, the device twin (desired vs reported per component). Data:
// /api/* for history, /events (SSE) for live updates.
'use strict';

const MAX_POINTS = 120;
const state = { device: null, charts: new Map(), deviceStream: null, components: {}, commands: new Map(), twin: null };

const $ = (selector) => document.querySelector(selector);
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
  children.forEach((child) => node.append(child));
  return node;
};

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// Devices ------------------------------------------------------------------------------------------------------

async function refreshDevices() {
  const devices = await getJson('/api/devices');
  const list = $('#devices');
  list.replaceChildren(...devices.map((device) => {
    const item = el('li', { 'data-device': device.deviceId },
      device.deviceId, el('br'), el('small', {}, `last seen ${new Date(device.lastSeen).toLocaleTimeString()}`));
    if (device.deviceId === state.device) item.classList.add('selected');
    item.addEventListener('click', () => selectDevice(device.deviceId));
    return item;
  }));
  $('#no-devices').hidden = devices.length > 0;
}

async function selectDevice(deviceId) {
  state.device = deviceId;
  history.replaceState(null, '', `?device=${encodeURIComponent(deviceId)}`);
  document.querySelectorAll('#devices li').forEach((li) => li.classList.toggle('selected', li.dataset.device === deviceId));
  $('#device-title').textContent = deviceId;
  state.charts.forEach((chart) => chart.chart.destroy());
  state.charts.clear();
  $('#charts').replaceChildren();
  state.commands.clear();
  state.twin = null;
  $('#command-log tbody').replaceChildren();
  renderCommandForm();

  const readings = await getJson(`/api/devices/${encodeURIComponent(deviceId)}/telemetry?limit=500`);
  readings.reverse().forEach(addReading);
  const commands = await getJson(`/api/devices/${encodeURIComponent(deviceId)}/commands?limit=20`);
  commands.reverse().forEach(showCommand);
  showTwin(await getJson(`/api/devices/${encodeURIComponent(deviceId)}/twin`));
  openDeviceStream(deviceId);
}

// Charts -------------------------------------------------------------------------------------------------------

function chartFor(sensorType, unit) {
  let entry = state.charts.get(sensorType);
  if (entry) return entry;
  const canvas = el('canvas');
  const caption = el('div', { class: 'caption' });
  // Chart.js sizes the canvas to its container, so the container's height must be fixed.
  const box = el('div', { class: 'chart', 'data-sensor': sensorType },
    el('strong', {}, sensorType), el('div', { class: 'plot' }, canvas), caption);
  $('#charts').append(box);
  const chart = new Chart(canvas, {
    type: 'line',
    data: { labels: [], datasets: [{ label: unit ? `${sensorType} (${unit})` : sensorType, data: [], tension: 0.2, pointRadius: 2 }] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } },
  });
  entry = { chart, caption, unit, points: 0 };
  state.charts.set(sensorType, entry);
  return entry;
}

function addReading(reading) {
  const entry = chartFor(reading.sensorType, reading.unit);
  const { labels, datasets } = entry.chart.data;
  labels.push(new Date(reading.timestamp).toLocaleTimeString());
  datasets[0].data.push(reading.value);
  if (labels.length > MAX_POINTS) { labels.shift(); datasets[0].data.shift(); }
  entry.points += 1;
  entry.caption.textContent = `latest ${reading.value}${entry.unit ? ' ' + entry.unit : ''} · ${entry.points} points`;
  entry.chart.update('none');
}

// Commands -----------------------------------------------------------------------------------------------------

function renderCommandForm() {
  const form = $('#commands');
  form.replaceChildren(...Object.entries(state.components).map(([component, range]) => {
    const initial = Math.max(range.min, Math.min(range.max, 0));
    const output = el('output', {}, String(initial));
    const slider = el('input', { type: 'range', min: range.min, max: range.max, value: initial, name: component });
    slider.addEventListener('input', () => { output.textContent = slider.value; });
    const button = el('button', { type: 'button', 'data-component': component }, 'Send');
    button.addEventListener('click', () => sendCommand(component, Number(slider.value)));
    return el('fieldset', {}, el('legend', {}, component), slider, ' ', output, ' ', button);
  }));
}

async function sendCommand(component, value) {
  const names = { fan: 'setSpeed', resistance: 'setLevel', incline: 'setIncline' };
  const response = await fetch(`/api/devices/${encodeURIComponent(state.device)}/commands/${component}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ command: names[component] || 'set', value }),
  });
  const body = await response.json();
  if (response.ok) {
    showCommand(body);
  } else {
    showCommand({ commandId: `rejected-${Date.now()}`, component, value, status: 'REJECTED', timestamp: new Date().toISOString(),
      reason: `${body.reason}: ${body.detail}` });
  }
}

function showCommand(command) {
  const known = state.commands.get(command.commandId);
  const row = known || el('tr', { 'data-command': command.commandId });
  state.commands.set(command.commandId, row);
  row.replaceChildren(
    el('td', {}, new Date(command.timestamp).toLocaleTimeString()),
    el('td', {}, command.component),
    el('td', {}, String(command.value)),
    el('td', { class: `status-${command.status}` }, command.status),
    el('td', {}, command.roundTripMs != null ? `${command.roundTripMs} ms` : ''),
    el('td', {}, command.reason || (command.state ? JSON.stringify(command.state) : '')));
  if (!known) $('#command-log tbody').prepend(row);
}

// Twin ---------------------------------------------------------------------------------------------------------

// Desired vs reported per component; a component whose values differ is open until the device reports the desired one.
function showTwin(twin) {
  if (twin.deviceId !== state.device || (state.twin && state.twin.version > twin.version)) return;
  state.twin = twin;
  $('#twin-version').textContent = `version ${twin.version}`;
  const names = new Set([...Object.keys(state.components), ...Object.keys(twin.desired), ...Object.keys(twin.reported)]);
  $('#twin tbody').replaceChildren(...[...names].sort().map((component) => {
    const desired = twin.desired[component];
    const reported = twin.reported[component];
    const open = component in twin.delta;
    const range = state.components[component] || {};
    const input = el('input', { type: 'number', 'data-twin-input': component, min: range.min ?? '', max: range.max ?? '', step: 'any',
      value: desired ?? reported ?? '' });
    const button = el('button', { type: 'button', 'data-twin': component }, 'Set');
    button.addEventListener('click', () => setDesired(component, input.value === '' ? null : Number(input.value)));
    return el('tr', { 'data-component': component },
      el('td', {}, component),
      el('td', { class: 'twin-desired' }, desired ?? '–'),
      el('td', { class: 'twin-reported' }, reported ?? '–'),
      el('td', { class: open ? 'status-PENDING' : 'status-ACKED' }, desired === undefined ? '' : open ? 'pending' : 'in sync'),
      el('td', {}, input, ' ', button));
  }));
}

async function setDesired(component, value) {
  const response = await fetch(`/api/devices/${encodeURIComponent(state.device)}/twin/desired`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify({ [component]: value }),
  });
  const body = await response.json();
  $('#twin-error').textContent = response.ok ? '' : `${body.reason}: ${body.detail}`;
  if (response.ok) showTwin(body);
}

// Live streams -------------------------------------------------------------------------------------------------

function openDeviceStream(deviceId) {
  if (state.deviceStream) state.deviceStream.close();
  const stream = new EventSource(`/events?deviceId=${encodeURIComponent(deviceId)}&type=telemetry,command-report,twin`);
  stream.addEventListener('twin', (event) => showTwin(JSON.parse(event.data)));
  stream.addEventListener('telemetry', (event) => addReading(JSON.parse(event.data)));
  stream.addEventListener('command-report', (event) => {
    const command = JSON.parse(event.data);
    if (command.deviceId === state.device) showCommand(command);
  });
  state.deviceStream = stream;
}

function openAlertStream() {
  const stream = new EventSource('/events?type=alert');
  const badge = $('#connection');
  stream.onopen = () => { badge.dataset.state = 'live'; badge.textContent = 'live'; };
  stream.onerror = () => { badge.dataset.state = 'offline'; badge.textContent = 'reconnecting'; };
  stream.addEventListener('alert', (event) => {
    const alert = JSON.parse(event.data);
    const item = el('li', {}, el('strong', {}, alert.rule), ` ${alert.deviceId}: ${alert.sensorType} ${alert.value}`,
      el('br'), el('small', { class: 'muted' }, `${alert.condition} ${alert.threshold} at ${new Date(alert.timestamp).toLocaleTimeString()}`));
    $('#alerts').prepend(item);
    while ($('#alerts').children.length > 50) $('#alerts').lastChild.remove();
  });
}

async function refreshDeadLetters() {
  const stats = await getJson('/api/dead-letters');
  $('#dlq-total').textContent = String(stats.total);
  $('#dlq-reasons').textContent = Object.entries(stats.byReason).map(([reason, count]) => `${reason} ${count}`).join(' · ');
}

const keepRefreshing = (task, millis) => { task().catch(console.error); setInterval(() => task().catch(console.error), millis); };

async function start() {
  state.components = await getJson('/api/components');
  keepRefreshing(refreshDevices, 10000);
  keepRefreshing(refreshDeadLetters, 5000);
  openAlertStream();
  const requested = new URLSearchParams(location.search).get('device');
  if (requested) await selectDevice(requested);
}

start().catch((error) => { $('#connection').textContent = `error: ${error.message}`; });
