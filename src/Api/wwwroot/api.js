// The public HTTP API, with the bearer token from sessionStorage (never in a URL).
const KEY = 'cbs.token';
export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set token(value) { if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

function headers(extra) {
  const h = new Headers(extra ?? {});
  if (session.token) h.set('Authorization', `Bearer ${session.token}`);
  return h;
}

async function failure(response) {
  let problem = null;
  try { problem = await response.json(); } catch { /* not JSON */ }
  if (response.status === 401 && session.token) {
    session.token = null;
    location.hash = '#/login';
  }
  return new ApiError(response.status, problem);
}

/** Calls the API; JSON in and out. Returns { status, etag, body } when `full` is set. */
export async function api(path, { method = 'GET', json, body, etag, full = false, signal } = {}) {
  const h = headers();
  if (json !== undefined) { h.set('Content-Type', 'application/json'); body = JSON.stringify(json); }
  if (etag) h.set('If-None-Match', etag);
  const response = await fetch(path, { method, headers: h, body, signal, cache: 'no-store' });
  if (!response.ok && response.status !== 304) throw await failure(response);
  let data = null;
  if (response.status !== 204 && response.status !== 304) {
    const type = response.headers.get('Content-Type') ?? '';
    data = type.includes('json') ? await response.json() : await response.text();
  }
  return full ? { status: response.status, etag: response.headers.get('ETag'), body: data } : data;
}

/** The bytes of a file that needs the bearer header, as a Blob. */
export async function fetchBlob(path) {
  const response = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (!response.ok) throw await failure(response);
  return response.blob();
}

/** Downloads a file that needs the bearer header: fetch, then a blob URL and a temporary link. */
export async function download(path, filename) {
  const url = URL.createObjectURL(await fetchBlob(path));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const FINISHED = new Set(['completed', 'failed', 'timeout', 'cancelled', 'git_failed']);
export const isFinished = status => FINISHED.has(status);

/**
 * Follows /jobs/{id}/stream with fetch (EventSource cannot send the bearer header), resuming with Last-Event-ID
 * after a dropped connection, until the event that finishes the job or until `signal` aborts.
 */
export async function follow(jobId, onEvent, signal, lastId = null) {
  while (!signal.aborted) {
    let finished = false;
    try {
      const h = headers({ Accept: 'text/event-stream' });
      if (lastId !== null) h.set('Last-Event-ID', String(lastId));
      const response = await fetch(`/jobs/${encodeURIComponent(jobId)}/stream`, { headers: h, signal, cache: 'no-store' });
      if (!response.ok) throw await failure(response);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id = null, type = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') id = text;
            else if (field === 'event') type = text;
            else if (field === 'data') data.push(text);
          }
          if (!data.length) continue;
          if (id !== null) lastId = id;
          const event = JSON.parse(data.join('\n'));
          if (type === 'status' && isFinished(event.status)) finished = true;
          onEvent(type, event);
        }
      }
      if (finished) return lastId;
    } catch (e) {
      if (signal.aborted) return lastId;
      if (e instanceof ApiError && e.status < 500) throw e;
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
  return lastId;
}
