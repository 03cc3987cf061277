import { api, ApiError, download, fetchBlob, follow, isFinished, session } from './api.js';
import { diffLine, highlightText, languageOf, splitDiff } from './highlight.js';
import { renderMarkdown } from './markdown.js';

const main = document.getElementById('main');
let leave = new AbortController(); // aborted when the page changes: stops polls and streams

/** Builds an element; strings become text nodes (never HTML). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else element.setAttribute(key, value === true ? '' : value);
  }
  element.append(...children.flat().filter(c => c !== null && c !== undefined && c !== false));
  return element;
}

const badge = status => h('span', { class: `badge status-${status}` }, status.replace('_', ' '));
const cost = value => (value === null || value === undefined ? '' : `$${Number(value).toFixed(4)}`);
const when = value => (value ? new Date(value).toLocaleString() : '');
const changes = c => (c ? `${c.files} file${c.files === 1 ? '' : 's'} +${c.additions} −${c.deletions}` : '');
const errorBox = () => h('p', { class: 'error', role: 'alert', hidden: true });
function showError(box, e) { box.textContent = e instanceof Error ? e.message : String(e); box.hidden = false; }
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function render(title, ...content) {
  document.title = `${title} · Claude Batch Server`;
  main.replaceChildren(h('h1', {}, title), ...content);
  main.focus({ preventScroll: true });
}

/** Runs `tick` every `ms` until the page changes. */
async function every(ms, tick, signal) {
  while (!signal.aborted) {
    try { await tick(); } catch (e) { if (e instanceof ApiError && e.status === 401) return; }
    await sleep(ms);
  }
}

// ---------- sign in / out ----------
function signIn() {
  const error = errorBox();
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'card', onsubmit: async e => {
    e.preventDefault();
    error.hidden = true;
    try {
      const answer = await api('/auth/login', { method: 'POST', json: { username: username.value, password: password.value } });
      session.token = answer.token;
      location.hash = '#/jobs';
    } catch (x) { showError(error, x); }
  } },
  h('h2', {}, 'Operating-system account'),
  h('label', { for: 'username' }, 'User name'), username,
  h('label', { for: 'password' }, 'Password'), password,
  h('button', { type: 'submit' }, 'Sign in'));
  const tokenInput = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', placeholder: 'cbs_…' });
  const tokenForm = h('form', { class: 'card', onsubmit: async e => {
    e.preventDefault();
    error.hidden = true;
    session.token = tokenInput.value.trim();
    try { await api('/auth/me'); location.hash = '#/jobs'; } catch (x) { session.token = null; showError(error, x); }
  } },
  h('h2', {}, 'Personal access token'),
  h('label', { for: 'token' }, 'Token'), tokenInput,
  h('button', { type: 'submit' }, 'Sign in with token'));
  render('Sign in', error, h('div', { class: 'grid' }, form, tokenForm));
}

async function signOut() {
  try { await api('/auth/logout', { method: 'POST' }); } catch { /* the token may be gone already */ }
  session.token = null;
  location.hash = '#/login';
}

// ---------- jobs ----------
const STATUSES = ['created', 'queued', 'git_pulling', 'git_failed', 'cidx_indexing', 'cidx_ready', 'running', 'completed', 'failed', 'timeout', 'cancelled'];
const PAGE_SIZE = 25;

const elapsed = job => {
  if (!job.startedAt || isFinished(job.status)) return '';
  const seconds = Math.max(0, Math.round((Date.now() - new Date(job.startedAt)) / 1000));
  return ` ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};

function jobsPage(signal) {
  const body = h('tbody');
  const total = h('p', { class: 'muted', 'aria-live': 'polite' });
  const error = errorBox();
  const status = h('select', { id: 'filter-status' }, h('option', { value: '' }, 'any'), STATUSES.map(s => h('option', { value: s }, s.replace('_', ' '))));
  const repository = h('select', { id: 'filter-repository' }, h('option', { value: '' }, 'any'));
  const previous = h('button', { type: 'button', disabled: true }, 'Previous');
  const next = h('button', { type: 'button', disabled: true }, 'Next');
  const table = h('table', { class: 'jobs' },
    h('thead', {}, h('tr', {}, ['Status', 'Repository', 'Prompt', 'Cost', 'Changes', 'Created'].map(t => h('th', { scope: 'col' }, t)))),
    body);
  render('Jobs', h('p', {}, h('a', { class: 'button', href: '#/new' }, 'New job')), error,
    h('div', { class: 'row filters' },
      h('div', {}, h('label', { for: 'filter-status' }, 'Status'), ' ', status),
      h('div', {}, h('label', { for: 'filter-repository' }, 'Repository'), ' ', repository)),
    total, h('div', { class: 'scroll' }, table), h('div', { class: 'row pager' }, previous, next));
  let etag = null;
  let page = 1;
  let answer = null;
  let shown = null;
  const show = () => {
    if (!answer) return;
    // Rows are rebuilt only when something changed (a keyboard user's focus stays put); elapsed times tick in place.
    const key = etag;
    if (key === shown) {
      for (const cell of body.querySelectorAll('[data-started]')) cell.textContent = elapsed(JSON.parse(cell.dataset.started));
      return;
    }
    shown = key;
    const { jobs, total: count } = answer;
    const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
    total.textContent = `${count} job${count === 1 ? '' : 's'} · page ${page} of ${pages}`;
    previous.disabled = page <= 1;
    next.disabled = page >= pages;
    body.replaceChildren(...jobs.map(job => h('tr', { 'data-job': job.jobId },
      h('td', { 'data-label': 'Status' }, badge(job.status),
        job.queuePosition ? h('span', { class: 'queue-position muted' }, `#${job.queuePosition}`) : null,
        h('span', { class: 'elapsed', 'data-started': JSON.stringify({ startedAt: job.startedAt, status: job.status }) }, elapsed(job))),
      h('td', { 'data-label': 'Repository' }, job.repository),
      h('td', { 'data-label': 'Prompt' }, h('a', { href: `#/jobs/${job.jobId}` }, excerpt(job.prompt))),
      h('td', { 'data-label': 'Cost' }, cost(job.totalCostUsd ?? job.costUsd)),
      h('td', { 'data-label': 'Changes' }, changes(job.changes)),
      h('td', { 'data-label': 'Created' }, when(job.createdAt)))));
  };
  const load = async () => {
    const query = `/jobs?page=${page}&pageSize=${PAGE_SIZE}${status.value ? `&status=${encodeURIComponent(status.value)}` : ''}`
      + (repository.value ? `&repository=${encodeURIComponent(repository.value)}` : '');
    const response = await api(query, { etag, full: true, signal });
    if (response.status !== 304) { etag = response.etag; answer = response.body; }
    show(); // also when unchanged: the elapsed times move on
  };
  const reload = () => { etag = null; load().catch(e => showError(error, e)); };
  status.addEventListener('change', () => { page = 1; reload(); });
  repository.addEventListener('change', () => { page = 1; reload(); });
  // The filter offers every registered repository, not only those on the page shown.
  api('/repositories', { signal }).then(repositories => repository.append(
    ...repositories.map(r => r.name).sort().map(n => h('option', { value: n }, n)))).catch(() => {});
  previous.addEventListener('click', () => { page--; reload(); });
  next.addEventListener('click', () => { page++; reload(); });
  every(2000, load, signal).catch(e => showError(error, e));
}

const excerpt = text => { const t = (text ?? '').replace(/\s+/g, ' ').trim(); return t.length > 90 ? `${t.slice(0, 90)}…` : t || '(no prompt)'; };

// ---------- new job ----------
async function newJobPage(signal) {
  const error = errorBox();
  const repository = h('select', { id: 'repository', name: 'repository', required: true });
  const prompt = h('textarea', { id: 'prompt', name: 'prompt', rows: 8, required: true });
  const files = h('input', { id: 'files', name: 'files', type: 'file', multiple: true });
  const placeholders = h('ul', { class: 'placeholders', 'aria-live': 'polite' });
  const chosen = h('ul', { class: 'chosen' });
  const drop = h('div', { class: 'drop' }, 'Or drop files here.');
  const showChosen = () => chosen.replaceChildren(...[...files.files].map((file, i) => h('li', {},
    h('input', { type: 'checkbox', id: `image-${i}`, 'data-name': file.name, checked: file.type.startsWith('image/') }), ' ',
    h('label', { for: `image-${i}` }, `${file.name} is an image`), h('span', { class: 'muted' }, ` ${bytes(file.size)}`))));
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => {
    e.preventDefault();
    drop.classList.remove('over');
    files.files = e.dataTransfer.files;
    files.dispatchEvent(new Event('change'));
  });
  const timeout = h('input', { id: 'timeout', name: 'timeout', type: 'number', min: 1, placeholder: 'server default' });
  const model = h('input', { id: 'model', name: 'model', placeholder: 'default' });
  const gitAware = h('input', { id: 'git-aware', name: 'gitAware', type: 'checkbox', checked: true });
  const cidxAware = h('input', { id: 'cidx-aware', name: 'cidxAware', type: 'checkbox' });
  const progress = h('progress', { max: 100, value: 0, hidden: true });
  const submit = h('button', { type: 'submit' }, 'Create and start');
  const showPlaceholders = () => {
    const names = new Set([...files.files].map(f => f.name));
    const used = [...new Set([...prompt.value.matchAll(/\{\{([^{}]+)\}\}/g)].map(m => m[1]))];
    placeholders.replaceChildren(...used.map(name => {
      const ok = name === 'filename' || names.has(name);
      return h('li', { class: ok ? 'ok' : 'missing' }, `{{${name}}} ${ok ? '✓ matches an upload' : '✗ no such upload'}`);
    }));
  };
  prompt.addEventListener('input', showPlaceholders);
  files.addEventListener('change', showPlaceholders);
  files.addEventListener('change', showChosen);
  const form = h('form', { class: 'card', onsubmit: async e => {
    e.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const options = {};
      if (timeout.value) options.timeout = Number(timeout.value);
      if (model.value.trim()) options.model = model.value.trim();
      options.gitAware = gitAware.checked;
      options.cidxAware = cidxAware.checked;
      const images = [...chosen.querySelectorAll('input:checked')].map(box => box.dataset.name);
      const created = await api('/jobs', { method: 'POST', json: { prompt: prompt.value, repository: repository.value, images, options } });
      if (files.files.length) {
        progress.hidden = false;
        await upload(created.jobId, files.files, progress);
      }
      await api(`/jobs/${created.jobId}/start`, { method: 'POST' });
      location.hash = `#/jobs/${created.jobId}`;
    } catch (x) { showError(error, x); submit.disabled = false; }
  } },
  h('label', { for: 'repository' }, 'Repository'), repository,
  h('label', { for: 'prompt' }, 'Prompt (use {{file name}} to refer to an upload)'), prompt, placeholders,
  h('label', { for: 'files' }, 'Files'), files, drop, chosen, progress,
  h('div', { class: 'row' },
    h('div', {}, h('label', { for: 'timeout' }, 'Timeout (seconds)'), timeout),
    h('div', {}, h('label', { for: 'model' }, 'Model'), model)),
  h('div', { class: 'row checks' },
    h('label', { for: 'git-aware' }, gitAware, ' Pull the repository first (git)'),
    h('label', { for: 'cidx-aware' }, cidxAware, ' Semantic code search (cidx)')),
  submit);
  render('New job', error, form);
  try {
    const repositories = await api('/repositories', { signal });
    repository.replaceChildren(...repositories.map(r => h('option', { value: r.name, disabled: r.cloneStatus !== 'completed' },
      r.cloneStatus === 'completed' ? r.name : `${r.name} (${r.cloneStatus})`)));
    if (!repositories.length) showError(error, 'Register a repository first.');
  } catch (x) { showError(error, x); }
}

/** Uploads with the multipart field `files`; XMLHttpRequest for the progress bar. */
function upload(jobId, fileList, progress) {
  return new Promise((resolve, reject) => {
    const data = new FormData();
    for (const file of fileList) data.append('files', file, file.name);
    const request = new XMLHttpRequest();
    request.open('POST', `/jobs/${encodeURIComponent(jobId)}/files`);
    request.setRequestHeader('Authorization', `Bearer ${session.token}`);
    request.upload.addEventListener('progress', e => { if (e.lengthComputable) progress.value = (100 * e.loaded) / e.total; });
    request.addEventListener('load', () => {
      if (request.status < 300) { progress.value = 100; resolve(); return; }
      let problem = null;
      try { problem = JSON.parse(request.responseText); } catch { /* not JSON */ }
      reject(new ApiError(request.status, problem));
    });
    request.addEventListener('error', () => reject(new Error('The upload failed.')));
    request.send(data);
  });
}

// ---------- job page ----------
async function jobPage(id, signal) {
  const error = errorBox();
  const summary = h('dl', { class: 'summary' });
  const transcript = h('ol', { class: 'transcript', 'aria-live': 'polite' });
  const diffSection = h('section', { class: 'diff-section', hidden: true });
  const filesSection = h('section', { class: 'files-section', hidden: true });
  const actions = h('div', { class: 'actions' });
  const followUp = h('form', { class: 'card', hidden: true });
  const path = `/jobs/${encodeURIComponent(id)}`;
  const historySection = h('section', { class: 'history-section' }, h('h2', {}, 'History'),
    h('button', { type: 'button', onclick: () => loadHistory() }, 'Show history'));
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Status timeline' });
  render('Job', error, summary, timeline, actions, h('h2', {}, 'Transcript'), transcript, followUp, diffSection, filesSection, historySection);
  main.querySelector('h1').textContent = `Job ${id.slice(0, 8)}`;

  let job = null;
  let shownFinished = null;
  let timelineStep = null;
  const refresh = async () => {
    const answer = await api(path, { etag: job?.etag, full: true, signal });
    if (answer.status === 304) return;
    job = { ...answer.body, etag: answer.etag };
    showSummary();
    // The trail holds every message too: read it again only when the job has moved to another step.
    const step = `${job.status}|${job.turn}`;
    if (step !== timelineStep) { timelineStep = step; loadTimeline().catch(() => { timelineStep = null; }); }
    if (isFinished(job.status) && shownFinished !== job.etag) {
      shownFinished = job.etag;
      loadDiff();
      loadFiles('');
    }
  };
  const showSummary = () => {
    const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
    summary.replaceChildren(
      ...row('Status', h('span', { id: 'job-status' }, badge(job.status),
        job.queuePosition ? h('span', { class: 'queue-position muted' }, `#${job.queuePosition} in the queue`) : null)),
      ...row('Repository', job.repository ?? ''),
      ...row('Turn', String(job.turn ?? 1)),
      ...row('Cost', h('span', { id: 'job-cost' }, cost(job.totalCostUsd ?? job.costUsd))),
      ...row('Changes', changes(job.changes)),
      ...row('Created', when(job.createdAt)),
      ...(job.error ? row('Error', h('span', { class: 'error-text' }, job.error)) : []));
    // Built once and only shown or hidden, so a refresh keeps what is typed in them and what a push answered.
    if (!actions.childElementCount) {
      actions.append(cancelButton, h('button', { type: 'button', class: 'danger', onclick: remove }, 'Delete job'), pushForm);
    }
    cancelButton.hidden = isFinished(job.status) || job.status === 'created';
    pushForm.hidden = !isFinished(job.status);
    followUp.hidden = !isFinished(job.status);
  };
  const cancel = async () => {
    if (!confirm('Cancel this job? Its agent is stopped; the workspace stays.')) return;
    try { await api(`${path}/cancel`, { method: 'POST' }); await refresh(); } catch (x) { showError(error, x); }
  };
  const remove = async () => {
    if (!confirm('Delete this job and its workspace? This cannot be undone.')) return;
    try { await api(path, { method: 'DELETE' }); location.hash = '#/jobs'; } catch (x) { showError(error, x); }
  };
  const cancelButton = h('button', { type: 'button', class: 'danger', onclick: () => cancel() }, 'Cancel job');
  const pushForm = (() => {
    const branch = h('input', { id: 'branch', name: 'branch', placeholder: 'claude-batch/…' });
    const result = h('span', { class: 'muted', 'aria-live': 'polite' });
    return h('form', { class: 'inline', onsubmit: async e => {
      e.preventDefault();
      try {
        const pushed = await api(`${path}/push`, { method: 'POST', json: branch.value.trim() ? { branch: branch.value.trim() } : {} });
        result.textContent = `Pushed ${pushed.branch} (${String(pushed.commit).slice(0, 8)})`;
      } catch (x) { showError(error, x); }
    } }, h('label', { for: 'branch' }, 'Branch'), branch, h('button', { type: 'submit' }, 'Push'), result);
  })();

  const followPrompt = h('textarea', { id: 'followup', name: 'followup', rows: 3, required: true });
  followUp.append(h('label', { for: 'followup' }, 'Follow-up'), followPrompt, h('button', { type: 'submit' }, 'Send'));
  let lastId = null;
  const stream = () => follow(id, onEvent, signal, lastId).then(last => { lastId = last; }).catch(x => showError(error, x));
  followUp.addEventListener('submit', async e => {
    e.preventDefault();
    try {
      await api(`${path}/prompts`, { method: 'POST', json: { prompt: followPrompt.value } });
      transcript.append(h('li', { class: 'prompt' }, h('strong', {}, 'You: '), followPrompt.value));
      followPrompt.value = '';
      await refresh();
      stream();
    } catch (x) { showError(error, x); }
  });

  const onEvent = (type, event) => {
    const data = event.data ?? {};
    if (event.type === 'AgentSaid') {
      const item = h('li', { class: 'said' });
      item.innerHTML = renderMarkdown(data.text); // escaped first, then a safe subset (markdown.js)
      transcript.append(item);
    } else if (event.type === 'AgentToolUsed') {
      transcript.append(h('li', { class: 'tool' }, h('details', {},
        h('summary', {}, h('span', { class: 'tool-name' }, data.tool ?? 'tool'), ' ', data.summary ?? ''),
        h('div', { class: 'tool-result muted' }, '…'))));
    } else if (event.type === 'AgentToolReturned') {
      const open = [...transcript.querySelectorAll('li.tool .tool-result')].pop();
      if (open) { open.textContent = data.summary ?? ''; open.classList.toggle('error-text', !!data.isError); }
    } else if (event.type === 'JobCreated' && data.prompt) {
      transcript.append(h('li', { class: 'prompt' }, h('strong', {}, 'Prompt: '), data.prompt));
    } else if (event.type === 'FollowUpSubmitted' || event.type === 'TurnStarted') {
      // shown when sent
    } else if (type === 'status') {
      transcript.append(h('li', { class: 'status-line' }, badge(event.status), ' ', event.type, ' ', h('time', {}, when(event.at))));
      refresh().catch(() => {});
    }
  };

  /** The steps the job went through, from its stored events, with when each began and how long it took. */
  let timelineAsked = 0;
  async function loadTimeline() {
    const ask = ++timelineAsked;
    const events = await api(`${path}/events`, { signal });
    if (ask !== timelineAsked) return;
    const steps = events.map(e => ({ step: STEPS[e.type], at: new Date(e.timestamp), type: e.type }))
      .filter(s => s.step)
      .filter((s, i, all) => i === 0 || all[i - 1].step !== s.step);
    timeline.replaceChildren(...steps.map((s, i) => {
      const next = steps[i + 1];
      const took = next && next.at - s.at >= 1000 ? ` · ${duration(next.at - s.at)}` : '';
      return h('li', { class: `step step-${s.step.replace(/\s+/g, '-')}`, 'data-event': s.type },
        h('span', { class: 'step-name' }, s.step), ' ',
        h('time', { datetime: s.at.toISOString(), class: 'muted' }, `${s.at.toLocaleTimeString()}${took}`));
    }));
  }

  async function loadDiff() {
    try {
      const [stat, text] = await Promise.all([api(`${path}/diff?format=stat`, { signal }), api(`${path}/diff`, { signal })]);
      const byPath = new Map(stat.files.map(f => [f.path, f]));
      const sections = splitDiff(text).map(file => diffFile(file, byPath.get(file.path)));
      diffSection.replaceChildren(h('h2', {}, 'Changes'),
        h('table', { class: 'stat' }, h('tbody', {}, stat.files.map(f => h('tr', {},
          h('td', {}, f.status), h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(id)}`, 'data-file': f.path, onclick: e => {
            e.preventDefault();
            diffSection.querySelector(`section.diff-file[data-path="${CSS.escape(f.path)}"]`)?.scrollIntoView();
          } }, f.oldPath ? `${f.oldPath} → ${f.path}` : f.path)),
          h('td', { class: 'add' }, `+${f.additions}`), h('td', { class: 'del' }, `−${f.deletions}`))))),
        ...(sections.length ? sections : [h('p', { class: 'muted' }, 'No changes.')]));
      diffSection.hidden = false;
    } catch (x) {
      diffSection.replaceChildren(h('h2', {}, 'Changes'), h('p', { class: 'muted' }, x.message));
      diffSection.hidden = false;
    }
  }

  /** One file of the diff: its name and stat, then its hunks highlighted for its language. */
  function diffFile(file, stat) {
    const language = languageOf(file.path);
    // Added and removed lines interleave: each side carries its own open comment or string.
    let before = {}, after = {};
    const lines = file.lines.slice(0, DIFF_LINES_PER_FILE).map(line => {
      const side = line[0] === '-' ? before : after;
      const { node, state } = diffLine(line, language, side);
      if (line.startsWith('@@')) { before = {}; after = {}; }
      else if (line[0] === '-') before = state;
      else if (line[0] === '+') after = state;
      else { before = state; after = state; }
      return node;
    });
    const binary = stat?.binary || file.header.some(l => l.startsWith('Binary files'));
    return h('section', { class: 'diff-file', 'data-path': file.path },
      h('h3', {}, h('span', { class: 'path' }, file.oldPath && file.oldPath !== file.path ? `${file.oldPath} → ${file.path}` : file.path), ' ',
        stat ? h('span', { class: 'muted' }, stat.status) : null, ' ',
        stat ? h('span', { class: 'add' }, `+${stat.additions}`) : null, ' ',
        stat ? h('span', { class: 'del' }, `−${stat.deletions}`) : null,
        language ? h('span', { class: 'muted language' }, ` ${language}`) : null),
      binary && !lines.length ? h('p', { class: 'muted' }, 'Binary file.')
        : h('pre', { class: 'diff', 'data-language': language ?? '' }, h('code', {}, lines)),
      file.lines.length > DIFF_LINES_PER_FILE
        ? h('p', { class: 'muted' }, `${file.lines.length - DIFF_LINES_PER_FILE} more lines not shown: download the file or the diff (GET /jobs/{id}/diff).`)
        : null);
  }

  async function loadFiles(folder) {
    try {
      const answer = await api(`${path}/files?path=${encodeURIComponent(folder)}&depth=1`, { signal });
      const entries = Array.isArray(answer) ? answer : answer.entries ?? [];
      const up = folder ? h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => loadFiles(folder.split('/').slice(0, -1).join('/')) }, '..')) : null;
      filesSection.replaceChildren(h('h2', {}, 'Files'), h('p', { class: 'muted' }, `/${folder}`), h('ul', { class: 'files' }, up,
        entries.map(entry => h('li', {}, entry.type === 'directory'
          ? h('button', { type: 'button', class: 'link', onclick: () => loadFiles(entry.path) }, `${entry.name}/`)
          : [h('button', { type: 'button', class: 'link', 'aria-label': `Preview ${entry.name}`, onclick: () => preview(entry) }, entry.name), ' ',
            h('span', { class: 'muted' }, bytes(entry.size)), ' ',
            h('button', { type: 'button', 'aria-label': `Download ${entry.name}`, onclick: () =>
              download(`${path}/files/download?path=${encodeURIComponent(entry.path)}`, entry.name).catch(x => showError(error, x)) }, 'Download')]))),
      previewBox);
      filesSection.hidden = false;
    } catch (x) {
      filesSection.replaceChildren(h('h2', {}, 'Files'), h('p', { class: 'muted' }, x.message));
      filesSection.hidden = false;
    }
  }

  /** Shows a file: an image as a picture (from a blob URL), anything else as text, highlighted, up to PREVIEW_BYTES. */
  const previewBox = h('section', { class: 'preview', 'aria-live': 'polite', hidden: true });
  let previewUrl = null;
  async function preview(entry) {
    if (previewUrl) { URL.revokeObjectURL(previewUrl); previewUrl = null; }
    const heading = h('h3', {}, entry.name);
    previewBox.hidden = false;
    try {
      if (IMAGE.test(entry.name)) {
        if (entry.size > PREVIEW_IMAGE_BYTES) { previewBox.replaceChildren(heading, h('p', { class: 'muted' }, 'Too large to preview: download it.')); return; }
        previewUrl = URL.createObjectURL(await fetchBlob(`${path}/files/download?path=${encodeURIComponent(entry.path)}`));
        previewBox.replaceChildren(heading, h('img', { src: previewUrl, alt: entry.name }));
        return;
      }
      const text = await api(`${path}/files/content?path=${encodeURIComponent(entry.path)}`, { signal });
      const content = text.content.length > PREVIEW_CHARACTERS ? text.content.slice(0, PREVIEW_CHARACTERS) : text.content;
      const cut = text.truncated || content.length < text.content.length;
      // replaceChildren would show a null as the text "null": only what is there.
      previewBox.replaceChildren(...[heading,
        h('pre', { class: 'file-text' }, h('code', {}, highlightText(content, languageOf(entry.name)))),
        cut ? h('p', { class: 'muted' }, `Only the start is shown (${bytes(text.size)} in all): download it for the rest.`) : null].filter(Boolean));
    } catch (x) {
      previewBox.replaceChildren(heading, h('p', { class: 'muted' }, x.status === 415 ? 'Not a text file: download it.' : x.message));
    }
  }

  /** "History at": a slider over the stored events; the job as it stood at the chosen one (GET /jobs/{id}/history). */
  async function loadHistory() {
    try {
      const events = await api(`${path}/events`, { signal });
      const slider = h('input', { id: 'history-at', type: 'range', min: 0, max: events.length - 1, step: 1, value: events.length - 1 });
      const moment = h('output', { for: 'history-at', class: 'muted' });
      const state = h('dl', { class: 'summary history-state', 'aria-live': 'polite' });
      let asked = 0;
      const show = async () => {
        const event = events[Number(slider.value)];
        moment.textContent = `${event.type} · ${when(event.timestamp)}`;
        const ask = ++asked;
        const then = await api(`${path}/history?at=${encodeURIComponent(event.timestamp)}`, { signal });
        if (ask !== asked) return;
        const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
        state.replaceChildren(...row('Status', badge(then.status)), ...row('Turn', String(then.turn ?? 1)),
          ...row('Cost', cost(then.totalCostUsd ?? then.costUsd)), ...row('Changes', changes(then.changes)));
      };
      slider.addEventListener('input', () => show().catch(x => showError(error, x)));
      historySection.replaceChildren(h('h2', {}, 'History'), h('label', { for: 'history-at' }, 'History at'), slider, moment, state);
      await show();
    } catch (x) { showError(error, x); }
  }

  try { await refresh(); } catch (x) { showError(error, x); return; }
  stream();
  every(3000, refresh, signal);
}

const bytes = size => (size === null || size === undefined ? '' : size < 1024 ? `${size} B`
  : size < 1048576 ? `${(size / 1024).toFixed(1)} KiB` : `${(size / 1048576).toFixed(1)} MiB`);

/** The events that start a step of the status timeline, and what the step is called. */
const STEPS = {
  JobCreated: 'created', JobQueued: 'queued', GitPullStarted: 'git pulling', GitPulled: 'git pulled', GitPullFailed: 'git failed',
  GitPullSkipped: 'git skipped', CodeIndexStarted: 'indexing', CodeIndexReady: 'index ready', CodeIndexFailed: 'index failed',
  AgentStarted: 'running', FollowUpRequested: 'follow-up', JobCompleted: 'completed', JobFailed: 'failed', JobTimedOut: 'timeout',
  JobCancelled: 'cancelled',
};

const duration = ms => {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
};

/** A page stays quick with a long generated file in the diff: each file shows this many lines at most. */
const DIFF_LINES_PER_FILE = 5000;

const IMAGE = /\.(png|jpe?g|gif|webp|bmp|avif)$/i;
const PREVIEW_IMAGE_BYTES = 10 * 1048576;
const PREVIEW_CHARACTERS = 200_000;

// ---------- repositories ----------
async function repositoriesPage(signal) {
  const error = errorBox();
  const body = h('tbody');
  const name = h('input', { id: 'repo-name', name: 'name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,99}' });
  const gitUrl = h('input', { id: 'repo-url', name: 'gitUrl', required: true });
  const description = h('input', { id: 'repo-description', name: 'description' });
  const form = h('form', { class: 'card', onsubmit: async e => {
    e.preventDefault();
    error.hidden = true;
    try {
      await api('/repositories/register', { method: 'POST', json: { name: name.value, gitUrl: gitUrl.value, description: description.value } });
      name.value = gitUrl.value = description.value = '';
      await list();
    } catch (x) { showError(error, x); }
  } },
  h('h2', {}, 'Register a repository'),
  h('label', { for: 'repo-name' }, 'Name'), name,
  h('label', { for: 'repo-url' }, 'Git URL'), gitUrl,
  h('label', { for: 'repo-description' }, 'Description'), description,
  h('button', { type: 'submit' }, 'Register'));
  let shown = null;
  const list = async () => {
    const repositories = await api('/repositories', { signal });
    const key = JSON.stringify(repositories);
    if (key === shown) return; // unchanged: keep the rows (and the focus in them)
    shown = key;
    body.replaceChildren(...repositories.map(r => h('tr', { 'data-repository': r.name },
      h('td', { 'data-label': 'Name' }, r.name),
      h('td', { 'data-label': 'Status' }, h('span', { class: `badge status-${r.cloneStatus}` }, r.cloneStatus),
        r.cloneStatus === 'cloning' ? h('progress', { 'aria-label': `Cloning ${r.name}` }) : null),
      h('td', { 'data-label': 'Branch' }, r.currentBranch ?? ''),
      h('td', { 'data-label': 'Commit' }, r.commitHash ? [h('code', { class: 'commit' }, r.commitHash.slice(0, 8)), ' '] : null,
        r.error ?? r.commitMessage ?? ''),
      h('td', {},
        h('button', { type: 'button', onclick: () => act(`/repositories/${encodeURIComponent(r.name)}/pull`, 'POST') }, 'Pull'), ' ',
        h('button', { type: 'button', class: 'danger', onclick: () => {
          if (confirm(`Remove the repository ${r.name}?`)) act(`/repositories/${encodeURIComponent(r.name)}`, 'DELETE');
        } }, 'Remove')))));
  };
  const act = async (url, method) => {
    error.hidden = true;
    try { await api(url, { method }); await list(); } catch (x) {
      showError(error, x.status === 409 ? `${x.message} Queued or running jobs use this repository: let them finish or cancel them, then remove it.` : x);
    }
  };
  render('Repositories', error, h('div', { class: 'scroll' }, h('table', { class: 'repositories' },
    h('thead', {}, h('tr', {}, ['Name', 'Status', 'Branch', 'Last commit', ''].map(t => h('th', { scope: 'col' }, t)))), body)), form);
  every(2000, list, signal).catch(x => showError(error, x));
}

// ---------- router ----------
async function route() {
  leave.abort();
  leave = new AbortController();
  const hash = location.hash.replace(/^#/, '') || '/jobs';
  const nav = document.getElementById('nav');
  if (!session.token || hash === '/login') {
    nav.hidden = true;
    signIn();
    return;
  }
  nav.hidden = false;
  api('/auth/me').then(me => { document.getElementById('who').textContent = me.user; }).catch(() => {});
  const job = hash.match(/^\/jobs\/([^/]+)$/);
  if (job) jobPage(decodeURIComponent(job[1]), leave.signal);
  else if (hash === '/new') newJobPage(leave.signal);
  else if (hash === '/repositories') repositoriesPage(leave.signal);
  else jobsPage(leave.signal);
}

document.getElementById('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
route();
