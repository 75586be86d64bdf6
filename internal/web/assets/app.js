// baton dashboard: plain JavaScript, no framework, no build step.
//
// The page is a client of the public API like any other: it calls the
// Connect JSON endpoints (POST /baton.v1.<Service>/<Method>) with the
// operator's bearer token, and follows EventService.Watch (the Connect
// streaming protocol, framed by hand below) to stay current. On every event
// it re-reads what it shows, at most once per 100 ms; when the stream drops
// it resumes after the last revision it saw.
'use strict';

(function () {
  const TOKEN_KEY = 'baton.token';
  const REFRESH_DELAY_MS = 100; // events are batched into one re-read
  const PAGE_SIZE = 500; // items per list call (callAll)
  const POLL_MS = 3000; // only when the principal may not Watch
  const MAX_BACKOFF_MS = 5000;
  const HISTORY_ROWS = 50;
  const OVERVIEW_ROWS = 500; // per table: the DOM stays light on big clusters
  // The API lives at the root of the origin the page came from (or at the
  // same prefix, behind a proxy that mounts the agent under a path).
  const API = location.pathname.replace(/ui\/[^/]*$/, '');

  const S = {
    gen: 0, // bumped when the session changes; old loops see it and stop
    token: '',
    cluster: null, // OpenClusterResponse
    full: false,
    nodes: [],
    groups: [],
    resources: [],
    types: [],
    extra: null, // {group, ops, opsErr, why, whyErr} for the group page
    nodeBusy: {}, // node name → a pause or resume call is under way
    nodeResults: {}, // node name → the answer to the last pause or resume
    loaded: false,
    loadErr: null,
    lastRevision: '0',
    watch: null, // AbortController of the running Watch call
    watchId: null, // identity of the Watch loop that may run; null: none
    polling: false, // the principal may not Watch: re-reading on a timer
    denied: {}, // GroupService methods refused to this principal, by name
    pollTimer: 0,
    refreshTimer: 0,
    refreshing: false,
    refreshAgain: false,
    reopen: false,
    route: { page: 'overview' },
    mounted: '', // key of the page skeleton in <main>
    drawn: '', // what the page was last drawn from (see render)
  };

  // ---------------------------------------------------------------- DOM

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, kids);
    return el;
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(SVG, tag);
    setAttrs(el, attrs);
    append(el, kids);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }

  function append(el, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined || k === false) continue;
      el.append(k instanceof Node ? k : String(k));
    }
  }

  const $ = (sel, root) => (root || document).querySelector(sel);

  // fill replaces the children of el; kids may nest arrays and hold nulls.
  function fill(el, ...kids) {
    el.replaceChildren();
    append(el, kids);
    return el;
  }

  // ---------------------------------------------------------------- token

  function loadToken() {
    try { return localStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }

  function saveToken(t) {
    try {
      if (t) localStorage.setItem(TOKEN_KEY, t);
      else localStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* storage disabled: the token lives for this page only */ }
  }

  // takeTokenFromURL takes a token from the fragment (#token=… or
  // #/group/G&token=…) and removes it from the address bar and the
  // history, so it is not left on screen or in bookmarks; linkToken
  // decides whether it is used.
  function takeTokenFromURL() {
    const frag = location.hash.replace(/^#/, '');
    const m = /(^|[&?])token=([^&]*)/.exec(frag);
    if (!m) return '';
    let tok = m[2];
    try { tok = decodeURIComponent(tok); } catch (e) { /* keep it raw */ }
    const rest = (frag.slice(0, m.index) + frag.slice(m.index + m[0].length)).replace(/^[&?]+|[&?]+$/g, '');
    history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
    return tok;
  }

  // linkToken takes the token a link carries: kept at once if this browser
  // holds none (or the same), else only if the operator agrees (askToken),
  // since a link can come from anyone and the dashboard acts with its
  // token's access. It returns true while the question is on screen.
  function linkToken(tok) {
    if (!tok) return false;
    const current = loadToken() || S.token;
    if (!current || current === tok) {
      saveToken(tok);
      return false;
    }
    askToken(tok, current);
    return true;
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(o) {
      super(o.message);
      this.code = o.code || ''; // Connect code: permission_denied, …
      this.win32 = o.win32; // e.g. 5960
      this.win32Name = o.win32Name || ''; // e.g. ERROR_CLUSTER_RESOURCE_LOCKED_STATUS
      this.text = o.text || o.message;
    }
    // title is how errors are shown: "ERROR_NAME (N)".
    get title() {
      if (this.win32Name) return this.win32Name + ' (' + this.win32 + ')';
      return this.code || 'Error';
    }
    get accessDenied() { return this.win32 === 5 || this.code === 'permission_denied' || this.code === 'unauthenticated'; }
  }

  // apiError reads a Connect error body: {"code","message","details"}; the
  // Win32 code is in the baton.v1.Win32Error detail, the Baton-Win32-Code
  // header and the message prefix "ERROR_NAME (N): ".
  function apiError(body, headerCode, httpStatus) {
    body = body || {};
    let win32 = headerCode ? Number(headerCode) : undefined;
    let name = '';
    for (const d of body.details || []) {
      if (!d || d.type !== 'baton.v1.Win32Error') continue;
      const w = d.debug || decodeWin32Detail(d.value);
      if (w) {
        if (w.code !== undefined) win32 = Number(w.code);
        if (w.name) name = w.name;
      }
    }
    const message = body.message || (httpStatus ? 'HTTP ' + httpStatus : 'request failed');
    let text = message;
    const m = /^([A-Z][A-Z0-9_]+) \((\d+)\):\s*([\s\S]*)$/.exec(message);
    if (m) {
      if (!name) name = m[1];
      if (win32 === undefined) win32 = Number(m[2]);
      text = m[3];
    }
    return new ApiError({ code: body.code, message, win32, win32Name: name, text });
  }

  // decodeWin32Detail decodes the protobuf bytes of a Win32Error detail
  // (field 1 varint code, field 2 string name), for servers that send no
  // "debug" copy.
  function decodeWin32Detail(b64) {
    if (!b64) return null;
    try {
      const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
      const b = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      const out = {};
      let i = 0;
      const varint = () => {
        let v = 0, shift = 0, x;
        do { x = b[i++]; v += (x & 0x7f) * 2 ** shift; shift += 7; } while (x & 0x80 && i < b.length);
        return v;
      };
      while (i < b.length) {
        const tag = varint();
        if (tag === 0x08) out.code = varint();
        else if (tag === 0x12) { const n = varint(); out.name = new TextDecoder().decode(b.subarray(i, i + n)); i += n; }
        else return out;
      }
      return out;
    } catch (e) {
      return null;
    }
  }

  async function errorFromResponse(res) {
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    return apiError(body, res.headers.get('Baton-Win32-Code'), res.status);
  }

  function headers(contentType) {
    const hd = { 'Content-Type': contentType, 'Connect-Protocol-Version': '1' };
    if (S.token) hd.Authorization = 'Bearer ' + S.token;
    return hd;
  }

  async function call(service, method, body) {
    let res;
    try {
      res = await fetch(API + 'baton.v1.' + service + '/' + method, {
        method: 'POST', headers: headers('application/json'), body: JSON.stringify(body || {}), cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError({ code: 'unavailable', message: 'cannot reach the agent (' + e.message + ')' });
    }
    if (!res.ok) throw await errorFromResponse(res);
    return res.json();
  }

  // callAll reads a list a page at a time (page_size PAGE_SIZE, following
  // nextPageToken to the last page) and returns every item of its field,
  // in order: a cluster of 10,000 groups is read in 20 calls, none big.
  async function callAll(service, method, field, body) {
    let items = [];
    let pageToken = '';
    for (;;) {
      const x = await call(service, method, Object.assign({}, body, { pageSize: PAGE_SIZE, pageToken }));
      items = items.concat(x[field] || []);
      pageToken = x.nextPageToken || '';
      if (!pageToken) return items;
    }
  }

  // ---------------------------------------------------------------- Watch
  //
  // Connect server streaming over HTTP/1.1: the request body is one
  // envelope, the response a sequence of envelopes. An envelope is a flag
  // byte, a 4-byte big-endian length and that many bytes of JSON; flag
  // 0x02 marks the last one, the end of stream: {} or {"error":{…}}.

  function envelope(obj) {
    const json = new TextEncoder().encode(JSON.stringify(obj));
    const b = new Uint8Array(5 + json.length);
    new DataView(b.buffer).setUint32(1, json.length, false);
    b.set(json, 5);
    return b;
  }

  async function* envelopes(reader) {
    let buf = new Uint8Array(0);
    for (;;) {
      while (buf.length >= 5) {
        const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1, false);
        if (buf.length < 5 + n) break;
        yield { flags: buf[0], data: buf.subarray(5, 5 + n) };
        buf = buf.subarray(5 + n);
      }
      const { value, done } = await reader.read();
      if (done) {
        if (buf.length) throw new Error('the event stream ended inside a message');
        return;
      }
      const next = new Uint8Array(buf.length + value.length);
      next.set(buf);
      next.set(value, buf.length);
      buf = next;
    }
  }

  // startWatch runs one Watch loop for this session; stopWatch ends it
  // (the page is hidden, or the session is over).
  function startWatch() {
    const id = {};
    S.watchId = id;
    watchLoop(S.gen, id);
  }

  function stopWatch() {
    S.watchId = null;
    if (S.watch) S.watch.abort();
  }

  async function watchLoop(gen, id) {
    const alive = () => gen === S.gen && id === S.watchId;
    const utf8 = new TextDecoder();
    let backoff = 500;
    let streamed = false;
    while (alive()) {
      const ctrl = new AbortController();
      S.watch = ctrl;
      setLive(streamed ? 'reconnecting' : 'connecting');
      try {
        const res = await fetch(API + 'baton.v1.EventService/Watch', {
          method: 'POST', headers: headers('application/connect+json'),
          body: envelope({ sinceRevision: S.lastRevision }), signal: ctrl.signal, cache: 'no-store',
        });
        if (!res.ok) throw await errorFromResponse(res);
        for await (const env of envelopes(res.body.getReader())) {
          if (env.flags & 0x01) throw new Error('compressed event (not asked for)');
          const msg = JSON.parse(utf8.decode(env.data));
          if (env.flags & 0x02) {
            if (msg.error) throw apiError(msg.error);
            break; // the server ended the stream cleanly: resume
          }
          if (!alive()) return;
          streamed = true;
          backoff = 500;
          onEvent(msg);
        }
      } catch (e) {
        if (!alive() || ctrl.signal.aborted) return;
        if (e instanceof ApiError) {
          if (e.accessDenied) { startPolling(gen); return; }
          if (e.win32Name === 'ERROR_CLUSTER_DATABASE_SEQMISMATCH') S.lastRevision = '0';
        }
      }
      if (!alive()) return;
      setLive('reconnecting');
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  // A hidden tab lets go of its stream (browsers allow few connections per
  // host over HTTP/1.1, and an open stream holds one) and resumes it, after
  // the last revision it saw, when it is shown again.
  function onVisibility() {
    if (!S.cluster || S.polling) return;
    if (document.hidden) {
      if (S.watchId) { stopWatch(); setLive('paused'); }
    } else if (!S.watchId) {
      startWatch();
    }
  }

  function onEvent(ev) {
    if (ev.revision) S.lastRevision = String(ev.revision);
    setLive('live');
    // Access may have changed: ask again who we are.
    if (ev.kind === 'security' || ev.kind === 'token' || ev.kind === 'cluster') S.reopen = true;
    // "sync" opens every stream (also a resumed one): re-read once, which
    // covers whatever happened while no stream was open.
    scheduleRefresh();
  }

  // startPolling is the fallback for principals the server does not let
  // call Watch: re-read every few seconds instead.
  function startPolling(gen) {
    if (gen !== S.gen) return;
    S.polling = true;
    S.watchId = null;
    setLive('polling');
    clearInterval(S.pollTimer);
    S.pollTimer = setInterval(() => {
      if (gen !== S.gen || document.hidden) return;
      S.reopen = true; // no events tell of a change of access either
      scheduleRefresh();
    }, POLL_MS);
  }

  function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

  function setLive(mode) {
    const el = $('#live');
    const text = {
      off: 'Not connected', connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…',
      polling: 'Polling every ' + POLL_MS / 1000 + ' s', paused: 'Paused (tab hidden)',
    }[mode];
    const title = {
      live: 'Following the cluster’s event stream (EventService.Watch).',
      reconnecting: 'The event stream dropped; resuming after revision ' + S.lastRevision + '.',
      polling: 'This principal may not call EventService.Watch, so the page re-reads every ' + POLL_MS / 1000 + ' s.',
    }[mode] || '';
    if (el.dataset.live === mode) return;
    el.dataset.live = mode;
    el.title = title;
    $('#live-text').textContent = text;
  }

  // ---------------------------------------------------------------- data

  function scheduleRefresh() {
    if (S.refreshTimer) return;
    S.refreshTimer = setTimeout(() => { S.refreshTimer = 0; refresh(); }, REFRESH_DELAY_MS);
  }

  // refresh re-reads the lists (and the group page's history and
  // explanation) and redraws. Calls never overlap: one asked for during a
  // re-read runs right after it, so an older answer never wins.
  async function refresh() {
    if (S.refreshing) { S.refreshAgain = true; return; }
    S.refreshing = true;
    const gen = S.gen;
    try {
      do {
        S.refreshAgain = false;
        if (S.reopen) { S.reopen = false; await openCluster(); }
        const route = S.route;
        const [n, g, r, extra] = await Promise.all([
          callAll('NodeService', 'ListNodes', 'nodes'),
          callAll('GroupService', 'ListGroups', 'groups'),
          callAll('ResourceService', 'ListResources', 'resources'),
          route.page === 'group' ? groupExtra(route.group) : null,
        ]);
        if (gen !== S.gen) return;
        S.nodes = n;
        S.groups = g;
        S.resources = r;
        S.extra = extra;
        S.loaded = true;
        S.loadErr = null;
        render();
      } while (S.refreshAgain && gen === S.gen);
    } catch (e) {
      if (gen !== S.gen) return;
      if (e instanceof ApiError && e.accessDenied) { showLogin(e); return; }
      S.loadErr = e;
      render();
    } finally {
      if (gen === S.gen) S.refreshing = false;
    }
  }

  function groupExtra(name) {
    const ref = { group: { name } };
    return Promise.all([
      optional('ListOperations', ref, 'operations'),
      optional('ExplainGroup', ref),
    ]).then(([[ops, opsErr], [why, whyErr]]) => ({ group: name, ops, opsErr, why, whyErr }));
  }

  // optional calls a GroupService method whose failure only blanks its
  // card; once refused for lack of access it is not asked again until the
  // caller's access changes.
  // A list (field names it) is read in pages to the end.
  function optional(method, body, field) {
    if (S.denied[method]) return Promise.resolve([null, S.denied[method]]);
    const answer = field ? callAll('GroupService', method, field, body) : call('GroupService', method, body);
    return answer.then((x) => [x, null], (e) => {
      if (e instanceof ApiError && e.accessDenied) S.denied[method] = e;
      return [null, e];
    });
  }

  async function openCluster() {
    const c = await call('ClusterService', 'OpenCluster');
    const wasFull = S.full;
    S.cluster = c;
    S.full = c.access === 'full';
    if (wasFull !== S.full) {
      S.mounted = ''; // show or hide the actions
      S.denied = {};
      if (S.polling) { // try the stream again with the new access
        S.polling = false;
        clearInterval(S.pollTimer);
        if (!document.hidden) startWatch();
      }
    }
    renderTopbar();
  }

  // ---------------------------------------------------------------- session

  async function startSession(token) {
    S.gen++;
    const gen = S.gen;
    stopWatch();
    clearInterval(S.pollTimer);
    Object.assign(S, {
      polling: false, denied: {},
      token, cluster: null, full: false, nodes: [], groups: [], resources: [], types: [], extra: null, nodeBusy: {}, nodeResults: {},
      loaded: false, loadErr: null, lastRevision: '0', refreshing: false, refreshAgain: false, reopen: false, mounted: '', drawn: '',
    });
    renderTopbar();
    setLive('off');
    if (!token) { showLogin(null); return; }
    fill($('#main'), h('p', { class: 'notice', text: 'Connecting…' }));
    try {
      await openCluster();
    } catch (e) {
      if (gen === S.gen) showLogin(e);
      return;
    }
    if (gen !== S.gen) return;
    call('ClusterService', 'ListResourceTypes').then((x) => {
      if (gen !== S.gen) return;
      S.types = x.types || [];
      const dl = $('#param-names');
      if (dl) fillParamNames(dl);
    }, () => { /* hints only */ });
    S.route = parseRoute();
    render();
    refresh();
    if (document.hidden) setLive('paused');
    else startWatch();
  }

  function showLogin(err) {
    S.gen++;
    stopWatch();
    clearInterval(S.pollTimer);
    S.polling = false;
    S.mounted = 'login';
    S.cluster = null;
    renderTopbar();
    setLive('off');
    const input = h('input', { type: 'password', id: 'token-input', autocomplete: 'off', spellcheck: 'false', placeholder: 'baton_…', 'aria-label': 'Bearer token' });
    const form = h('form', {
      onsubmit: (ev) => {
        ev.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        saveToken(t);
        startSession(t);
      },
    }, input, h('button', { class: 'btn btn-online', type: 'submit', text: 'Connect' }));
    fill($('#main'), h('div', { class: 'login' },
      err ? h('div', { class: 'banner err', role: 'alert' }, h('b', { text: err.title }), ' ', err.text) : null,
      h('section', { class: 'card' },
        h('h2', { text: 'Connect to the cluster' }),
        h('div', { class: 'card-body' },
          h('p', {}, 'Paste a bearer token. Create one on a node with ', h('code', { text: 'baton acl token create ui --access full' }),
            ' (or ', h('code', { text: '--access read' }), ' for a view-only dashboard). It is kept in this browser’s local storage.'),
          form))));
    input.focus();
  }

  // askToken asks whether the token of a link replaces the stored one;
  // the session is stopped until the operator answers. Who each token is
  // (OpenCluster's principal and access) is filled in when known.
  function askToken(tok, current) {
    S.gen++;
    stopWatch();
    clearInterval(S.pollTimer);
    S.polling = false;
    S.mounted = 'ask-token';
    S.cluster = null;
    renderTopbar();
    setLive('off');
    const gen = S.gen;
    const keep = h('button', {
      class: 'btn', type: 'button', id: 'token-keep', text: 'Keep the stored token',
      onclick: () => startSession(current),
    });
    const replace = h('button', {
      class: 'btn btn-online', type: 'button', id: 'token-replace', text: 'Use the link’s token',
      onclick: () => { saveToken(tok); startSession(tok); },
    });
    const whoStored = h('b', { id: 'token-ask-stored', text: '…' });
    const whoLink = h('b', { id: 'token-ask-link', text: '…' });
    fill($('#main'), h('div', { class: 'login', id: 'token-ask' },
      h('section', { class: 'card' },
        h('h2', { text: 'Replace the stored token?' }),
        h('div', { class: 'card-body' },
          h('p', {}, 'The link you followed carries a bearer token other than the one this browser keeps. ',
            'The dashboard acts with its token’s access: use the link’s only if you trust where it came from.'),
          h('p', {}, 'Stored token: ', whoStored, h('br'), 'The link’s token: ', whoLink),
          h('form', { onsubmit: (ev) => ev.preventDefault() }, keep, replace)))));
    keep.focus();
    for (const [el, t] of [[whoStored, current], [whoLink, tok]]) {
      whoIs(t).then((w) => { if (gen === S.gen) el.textContent = w; });
    }
  }

  // whoIs says who a token is, as the agent sees it.
  async function whoIs(token) {
    try {
      const res = await fetch(API + 'baton.v1.ClusterService/OpenCluster', {
        method: 'POST', cache: 'no-store', body: '{}',
        headers: { 'Content-Type': 'application/json', 'Connect-Protocol-Version': '1', Authorization: 'Bearer ' + token },
      });
      if (!res.ok) return (await errorFromResponse(res)).title;
      const c = await res.json();
      return c.principal + ' (' + (c.access === 'full' ? 'Full' : 'Read') + ')';
    } catch (e) {
      return 'unknown (' + e.message + ')';
    }
  }

  // ---------------------------------------------------------------- routes

  function parseRoute() {
    const frag = location.hash.replace(/^#\/?/, '');
    if (location.hash === '') {
      const g = new URLSearchParams(location.search).get('group');
      if (g) return { page: 'group', group: g };
    }
    const m = /^group\/(.+)$/.exec(frag);
    if (m) {
      let name = m[1];
      try { name = decodeURIComponent(name); } catch (e) { /* as is */ }
      return { page: 'group', group: name };
    }
    return { page: 'overview' };
  }

  function groupHref(name) { return '#/group/' + encodeURIComponent(name); }

  function onRoute() {
    const tok = loadToken();
    if (tok !== S.token) { startSession(tok); return; }
    if (!S.cluster) return;
    S.route = parseRoute();
    S.extra = null;
    render();
    window.scrollTo(0, 0);
    scheduleRefresh();
  }

  // ---------------------------------------------------------------- states

  const GROUP_STATES = { 0: 'Online', 1: 'Offline', 2: 'Failed', 3: 'PartialOnline', 4: 'Pending' };
  const RESOURCE_STATES = { 0: 'Inherited', 1: 'Initializing', 2: 'Online', 3: 'Offline', 4: 'Failed', 128: 'Pending', 129: 'OnlinePending', 130: 'OfflinePending' };
  const NODE_STATES = { 0: 'Up', 1: 'Down', 2: 'Paused', 3: 'Joining' };

  // stateClass maps a state name to its colour: online (green), offline
  // (grey), pending (amber), failed (red), partial (blue).
  function stateClass(name) {
    if (!name) return 'unknown';
    if (name === 'PartialOnline') return 'partial';
    if (/Pending$|^Initializing$|^Joining$|^Paused$/.test(name)) return 'pending';
    if (name === 'Online' || name === 'Up') return 'online';
    if (name === 'Offline') return 'offline';
    if (name === 'Failed' || name === 'Down') return 'failed';
    return 'unknown';
  }

  const groupState = (g) => g.stateName || GROUP_STATES[g.state || 0] || 'Unknown';
  const resState = (r) => r.stateName || RESOURCE_STATES[r.state || 0] || 'Unknown';
  const nodeState = (n) => n.stateName || NODE_STATES[n.state || 0] || 'Unknown';

  function pill(name, extraClass, id) {
    return h('span', { class: 'state s-' + stateClass(name) + (extraClass ? ' ' + extraClass : ''), id, text: name });
  }

  const LOCK_PATH = 'M5 7V5a3 3 0 0 1 6 0v2h.5A1.5 1.5 0 0 1 13 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-7A1.5 1.5 0 0 1 3 13.5v-5A1.5 1.5 0 0 1 4.5 7H5Zm1.5 0h3V5a1.5 1.5 0 0 0-3 0v2Z';

  const LOCK_EFFECT = '. Online, offline and move answer ERROR_CLUSTER_RESOURCE_LOCKED_STATUS (5960) unless the ignore-locked flag is given.';

  function lockBadge(r) {
    const why = r.lockedReason ? 'Locked: ' + r.lockedReason : 'In locked mode (no reason given)';
    return lockLabel('Locked', why + LOCK_EFFECT);
  }

  // groupLockBadge marks a group with locked resources: "2 locked".
  function groupLockBadge(locked) {
    return lockLabel(locked.length + ' locked', 'In locked mode: ' + locked.map((r) => r.name + (r.lockedReason ? ' (' + r.lockedReason + ')' : '')).join(', ') + LOCK_EFFECT);
  }

  function lockLabel(text, title) {
    return h('span', { class: 'lock', title }, s('svg', { viewBox: '0 0 16 16', 'aria-hidden': 'true' }, s('path', { d: LOCK_PATH })), text);
  }

  function lockCell(r) {
    if (!r.locked) return h('span', { class: 'muted', text: '—' });
    return [lockBadge(r), r.lockedReason ? h('span', { class: 'lock-reason', text: r.lockedReason }) : null];
  }

  const byName = (a, b) => a.name.localeCompare(b.name);

  // ---------------------------------------------------------------- render

  function renderTopbar() {
    const c = S.cluster;
    const cn = $('#cluster-name');
    fill(cn);
    if (c) append(cn, ['cluster ', h('b', { text: c.clusterName || '?' }), ' · via node ', h('b', { text: c.nodeName || '?' })]);
    const who = $('#who');
    who.hidden = !c;
    fill(who);
    if (c) append(who, [h('span', { text: c.principal }), h('span', { class: 'access access-' + (S.full ? 'full' : 'read'), text: S.full ? 'Full' : 'Read' })]);
    $('#change-token').hidden = !c;
    document.title = c ? 'baton · ' + (c.clusterName || 'cluster') : 'baton';
  }

  function render() {
    if (!S.cluster) return;
    const key = S.route.page + ':' + (S.route.group || '') + ':' + (S.full ? 'full' : 'read');
    if (S.mounted !== key) {
      S.mounted = key;
      S.drawn = '';
      fill($('#main'), ...(S.route.page === 'group' ? mountGroup(S.route.group) : mountOverview()));
    }
    const banner = $('#load-error');
    banner.hidden = !S.loadErr;
    if (S.loadErr) fill(banner, h('b', { text: S.loadErr.title }), ' ', S.loadErr.text, ' — showing the last data read.');
    if (!S.loaded) return;
    // A re-read that brought nothing new (the "sync" that opens every
    // stream, a poll) leaves the page alone, so no link or button is
    // replaced under the operator's pointer for nothing.
    const drawn = JSON.stringify([S.route, S.nodes, S.groups, S.resources, S.extra, S.nodeBusy, S.nodeResults, S.types.length]);
    if (drawn === S.drawn) return;
    S.drawn = drawn;
    if (S.route.page === 'group') updateGroup(S.route.group);
    else updateOverview();
  }

  function card(id, extraClass, ...kids) { return h('section', { class: 'card' + (extraClass ? ' ' + extraClass : ''), id }, kids); }
  function loading() { return h('p', { class: 'empty', text: 'Loading…' }); }

  function cardHead(title, count, aside) {
    return h('h2', {}, title, count !== undefined ? h('span', { class: 'count', text: count }) : null,
      aside ? h('span', { class: 'aside' }, aside) : null);
  }

  // ---- overview

  function mountOverview() {
    return [
      h('div', { class: 'banner err', id: 'load-error', role: 'alert', hidden: true }),
      h('div', { class: 'page-head' }, h('h1', { text: 'Cluster overview' })),
      h('div', { class: 'tiles', id: 'tiles' }),
      h('div', { class: 'grid grid-overview' },
        card('nodes-card', '', loading()),
        card('groups-card', '', loading()),
        card('resources-card', '', loading())),
    ];
  }

  function stateBar(items, order) {
    const counts = {};
    for (const x of items) counts[x] = (counts[x] || 0) + 1;
    const bar = h('div', { class: 'bar' });
    for (const c of order) {
      if (counts[c]) bar.append(h('span', { class: 's-' + c, title: counts[c] + ' ' + c }));
    }
    // Widths are set through CSSOM (the page's CSP allows no inline style).
    let i = 0;
    for (const c of order) {
      if (!counts[c]) continue;
      bar.children[i++].style.width = (100 * counts[c] / items.length) + '%';
    }
    return bar;
  }

  function tile(label, value, sub, bar, warn) {
    return h('div', { class: 'card tile' + (warn ? ' warn' : '') },
      h('div', { class: 'label', text: label }),
      h('div', { class: 'value' }, value, sub ? h('small', { text: ' ' + sub }) : null),
      bar);
  }

  function countLine(classes) {
    const names = { online: 'online', partial: 'partial', pending: 'pending', failed: 'failed', offline: 'offline', unknown: 'other' };
    const counts = {};
    for (const c of classes) counts[c] = (counts[c] || 0) + 1;
    return Object.keys(names).filter((k) => counts[k]).map((k) => counts[k] + ' ' + names[k]).join(' · ');
  }

  function updateOverview() {
    const order = ['online', 'partial', 'pending', 'failed', 'offline', 'unknown'];
    const nodeCls = S.nodes.map((n) => stateClass(nodeState(n)));
    const groupCls = S.groups.map((g) => stateClass(groupState(g)));
    const resCls = S.resources.map((r) => stateClass(resState(r)));
    const locked = S.resources.filter((r) => r.locked);
    fill($('#tiles'),
      tile('Nodes', String(nodeCls.filter((c) => c === 'online').length), 'of ' + S.nodes.length + ' up', stateBar(nodeCls, order)),
      tile('Groups', String(groupCls.filter((c) => c === 'online').length), 'of ' + S.groups.length + ' online', stateBar(groupCls, order)),
      tile('Resources', String(resCls.filter((c) => c === 'online').length), 'of ' + S.resources.length + ' online', stateBar(resCls, order)),
      tile('Locked resources', String(locked.length), locked.length ? locked.map((r) => r.name).join(', ') : 'none', null, locked.length > 0));

    // Groups
    const resOf = new Map();
    for (const r of S.resources) {
      if (!resOf.has(r.group)) resOf.set(r.group, []);
      resOf.get(r.group).push(r);
    }
    const groups = [...S.groups].sort(byName);
    fill($('#groups-card'),
      cardHead('Groups', groups.length, countLine(groupCls)),
      groups.length ? [h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', { text: 'Group' }), h('th', { text: 'State' }), h('th', { text: 'Owner' }),
          h('th', { text: 'Resources' }), h('th', { text: 'Persistent' }))),
        h('tbody', {}, groups.slice(0, OVERVIEW_ROWS).map((g) => {
          const rs = resOf.get(g.name) || [];
          const on = rs.filter((r) => resState(r) === 'Online').length;
          const lk = rs.filter((r) => r.locked);
          return h('tr', { 'data-group': g.name },
            h('td', {}, h('a', { class: 'name', href: groupHref(g.name), text: g.name })),
            h('td', {}, pill(groupState(g))),
            h('td', {}, ownerCell(g)),
            h('td', {}, h('span', { text: on + ' of ' + rs.length + ' online' }), lk.length ? [' ', groupLockBadge(lk)] : null),
            h('td', { class: 'muted', text: g.persistentState ? 'online' : 'offline', title: 'Persistent state: the state the cluster keeps the group in across failures' }));
        })))), moreRows(groups.length, 'groups')] : h('p', { class: 'empty', text: 'No groups yet. Create one with: baton group create NAME' }));

    // Nodes
    updateNodes();

    // Resources
    const res = [...S.resources].sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name));
    fill($('#resources-card'),
      cardHead('Resources', res.length, countLine(resCls)),
      res.length ? [h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Resource', 'Group', 'Type', 'State', 'Owner', 'Locked mode'].map((t) => h('th', { text: t })))),
        h('tbody', {}, res.slice(0, OVERVIEW_ROWS).map((r) => h('tr', { 'data-resource': r.name },
          h('td', { class: 'name', text: r.name }),
          h('td', {}, h('a', { href: groupHref(r.group), text: r.group })),
          h('td', { class: 'muted', text: r.type }),
          h('td', {}, pill(resState(r))),
          h('td', { text: r.ownerNode || '—' }),
          h('td', {}, lockCell(r))))))), moreRows(res.length, 'resources')] : h('p', { class: 'empty', text: 'No resources.' }));
  }

  // ownerCell is a group's owner, and where it is moving to: "n1 → n2".
  function ownerCell(g) {
    if (!g.moveTo) return g.ownerNode || '—';
    return h('span', { class: 'moving-inline', title: 'Moving from ' + (g.ownerNode || 'no owner') + ' to ' + g.moveTo },
      g.ownerNode || '—', h('span', { class: 'arrow-to', text: ' → ' }), h('b', { text: g.moveTo }));
  }

  // ---- nodes panel

  const ROLE_TITLES = {
    member: 'A member of the embedded cluster database (etcd): it votes in the quorum.',
    client: 'A client of the cluster database, joined through a member: it does not vote.',
    external: 'Uses an existing etcd cluster outside baton.',
  };
  const NODE_ORDER = { Up: 0, Paused: 1, Joining: 2, Down: 3 };
  const DRAIN_CLASS = { 'in progress': 'pending', completed: 'online', failed: 'failed' };
  const NODE_GROUPS_SHOWN = 12;
  const NODE_RESULT_MS = 10000;

  // updateNodes draws the nodes panel. A row is rebuilt only when what it
  // shows changed, so a button is not replaced under the pointer by a
  // redraw that changed nothing in its row.
  function updateNodes() {
    const cardEl = $('#nodes-card');
    let tbody = $('#nodes-body');
    if (!tbody || tbody.dataset.full !== String(S.full)) {
      tbody = h('tbody', { id: 'nodes-body', 'data-full': String(S.full) });
      fill(cardEl, h('h2'), h('div', { class: 'table-wrap' }, h('table', { class: 'nodes' },
        h('thead', {}, h('tr', {}, ['Node', 'State', 'Database', 'Groups', 'Drain'].map((t) => h('th', { text: t })),
          S.full ? h('th', { text: 'Actions' }) : null)),
        tbody)));
    }
    const nodes = [...S.nodes].sort(byName);
    const byState = {};
    for (const n of nodes) byState[nodeState(n)] = (byState[nodeState(n)] || 0) + 1;
    const aside = Object.keys(NODE_ORDER).filter((k) => byState[k]).map((k) => byState[k] + ' ' + k.toLowerCase())
      .concat(Object.keys(byState).filter((k) => !(k in NODE_ORDER)).map((k) => byState[k] + ' ' + k.toLowerCase())).join(' · ');
    cardEl.firstElementChild.replaceWith(cardHead('Nodes', nodes.length, aside));
    const old = new Map([...tbody.children].map((tr) => [tr.dataset.node, tr]));
    const rows = nodes.map((n) => {
      const sig = JSON.stringify([n, !!S.nodeBusy[n.name], S.nodeResults[n.name] || null]);
      const tr = old.get(n.name);
      if (tr && tr.dataset.sig === sig) return tr;
      const row = nodeRow(n);
      row.dataset.sig = sig;
      if (tr) tr.replaceWith(row);
      return row;
    });
    const same = rows.length === tbody.children.length && rows.every((r, i) => tbody.children[i] === r);
    if (!same) tbody.replaceChildren(...rows);
  }

  function nodeRow(n) {
    const groups = [...(n.groups || [])].sort();
    const shown = groups.slice(0, NODE_GROUPS_SHOWN);
    const drain = n.drainStatus || '';
    return h('tr', { 'data-node': n.name },
      h('td', {}, h('div', { class: 'name', text: n.name }), h('div', { class: 'sub mono', text: n.address || '' })),
      h('td', { class: 'node-state' }, pill(nodeState(n))),
      h('td', { class: 'node-role' }, n.databaseRole
        ? h('span', { class: 'role role-' + n.databaseRole, title: ROLE_TITLES[n.databaseRole] || '', text: n.databaseRole })
        : h('span', { class: 'muted', text: '—' })),
      h('td', { class: 'node-groups' }, shown.length
        ? [shown.map((g, i) => [i ? ', ' : '', h('a', { href: groupHref(g), text: g })]),
          groups.length > shown.length ? h('span', { class: 'muted', title: groups.slice(NODE_GROUPS_SHOWN).join(', '), text: ' and ' + (groups.length - shown.length) + ' more' }) : null]
        : h('span', { class: 'muted', text: 'none' })),
      h('td', { class: 'drain', 'data-drain': drain }, drain
        ? [h('span', { class: 'state s-' + (DRAIN_CLASS[drain] || 'unknown'), text: drain }), n.drainDetail ? h('div', { class: 'sub', text: n.drainDetail }) : null]
        : h('span', { class: 'muted', text: '—' })),
      S.full ? h('td', { class: 'node-actions' }, nodeButtons(n), nodeResult(n.name)) : null);
  }

  // nodeButtons are Pause, Pause & drain and Resume; a button that would
  // change nothing is disabled (the server would refuse Resume of an Up
  // node; Pause of a paused one would do nothing).
  function nodeButtons(n) {
    const st = nodeState(n);
    const busy = !!S.nodeBusy[n.name];
    const drained = n.drainStatus === 'in progress' || n.drainStatus === 'completed';
    const btn = (action, text, title, disabled) => h('button', {
      type: 'button', class: 'btn btn-small' + (action === 'resume' ? ' btn-resume' : ''), 'data-node-action': action,
      title, text, disabled: busy || disabled, onclick: () => nodeAct(n.name, action),
    });
    return h('div', { class: 'node-btns' },
      btn('pause', 'Pause', 'PauseNode: ' + n.name + ' takes no new groups; the groups it runs stay.', st === 'Paused'),
      btn('drain', 'Pause & drain', 'PauseNode with drain: ' + n.name + ' takes no new groups, and its groups move to other nodes by placement.', st === 'Paused' && drained),
      btn('resume', 'Resume', 'ResumeNode: ' + n.name + ' takes groups again (groups that prefer it fail back as their AutoFailbackType says).', st === 'Up'));
  }

  function nodeResult(name) {
    const r = S.nodeResults[name];
    if (!r) return null;
    return h('div', { class: 'result small ' + (r.ok ? 'ok' : 'err'), role: r.ok ? 'status' : 'alert' },
      h('span', { class: 'code', text: r.code }), h('span', { class: 'msg', text: r.msg }));
  }

  async function nodeAct(name, action) {
    const gen = S.gen;
    S.nodeBusy[name] = true;
    delete S.nodeResults[name];
    redraw();
    let result;
    try {
      const r = action === 'resume'
        ? await call('NodeService', 'ResumeNode', { name })
        : await call('NodeService', 'PauseNode', { name, drain: action === 'drain' });
      const n = r.node || { name };
      if (gen !== S.gen) return;
      // Show the node as the answer has it at once; the event that follows
      // re-reads everything anyway.
      const i = S.nodes.findIndex((x) => x.name === n.name);
      if (i >= 0 && r.node) S.nodes[i] = r.node;
      const msg = action === 'resume' ? 'ResumeNode: ' + name + ' is ' + nodeState(n) + ' and takes groups again.'
        : action === 'pause' ? 'PauseNode: ' + name + ' is ' + nodeState(n) + ' and takes no new groups; its groups stay.'
          : 'PauseNode (drain): ' + name + ' is ' + nodeState(n) + '; its groups move to other nodes.';
      result = { ok: true, code: 'ERROR_SUCCESS (0)', msg };
    } catch (e) {
      if (gen !== S.gen) return;
      result = { ok: false, code: e.title || 'Error', msg: e.text || e.message };
    }
    delete S.nodeBusy[name];
    S.nodeResults[name] = result;
    redraw();
    scheduleRefresh();
    // A success has done its job once the panel shows the change; an
    // error stays until the next action on that node.
    if (result.ok) {
      setTimeout(() => {
        if (gen !== S.gen || S.nodeResults[name] !== result) return;
        delete S.nodeResults[name];
        redraw();
      }, NODE_RESULT_MS);
    }
  }

  // redraw draws the page again from what was last read.
  function redraw() { render(); }

  function moreRows(n, what) {
    if (n <= OVERVIEW_ROWS) return null;
    return h('p', { class: 'empty', text: 'Showing the first ' + OVERVIEW_ROWS + ' of ' + n + ' ' + what + ' (by name); open a group for all of its resources.' });
  }

  // ---- group page

  function mountGroup(name) {
    return [
      h('div', { class: 'crumbs' }, h('a', { href: '#/', text: '← Overview' })),
      h('div', { class: 'banner err', id: 'load-error', role: 'alert', hidden: true }),
      h('div', { class: 'page-head', id: 'group-head' }, h('h1', { text: name })),
      h('div', { class: 'grid grid-group' },
        h('div', { class: 'stack' },
          card('graph-card', '', loading()),
          card('group-resources-card', '', loading())),
        h('div', { class: 'stack' },
          S.full ? actionsCard(name) : h('section', { class: 'card', id: 'read-only-card' },
            h('h2', { text: 'Actions' }),
            h('p', { class: 'notice inline', text: 'You have Read access: online, offline and move need Full access (baton acl grant PRINCIPAL --access full).' })),
          card('why-card', '', loading())),
        card('history-card', 'span-all', loading())),
    ];
  }

  function updateGroup(name) {
    const g = S.groups.find((x) => x.name === name);
    const head = $('#group-head');
    if (!g) {
      fill(head, h('h1', { text: name }), pill('Not found'));
      for (const id of ['graph-card', 'group-resources-card', 'why-card', 'history-card']) {
        fill($('#' + id), h('p', { class: 'empty', text: 'There is no group named “' + name + '”.' }));
      }
      return;
    }
    const rs = S.resources.filter((r) => r.group === name).sort(byName);
    const prefs = g.preferredOwners || [];
    fill(head,
      h('h1', { text: g.name }),
      pill(groupState(g), 'big', 'group-state'),
      g.moveTo ? h('span', { class: 'moving', id: 'group-moving', title: 'A move is under way: the group goes offline on ' + (g.ownerNode || 'its owner') + ', then online on ' + g.moveTo + '.' },
        s('svg', { viewBox: '0 0 16 16', 'aria-hidden': 'true' }, s('path', { d: MOVE_PATH })), 'moving to ' + g.moveTo) : null,
      h('span', { class: 'meta' },
        g.ownerNode ? ['on node ', h('b', { id: 'group-owner', text: g.ownerNode })] : 'no owner',
        ' · kept ', h('b', { text: g.persistentState ? 'online' : 'offline' }),
        prefs.length ? ' · preferred owners ' + prefs.join(', ') : '',
        ' · ' + rs.length + ' resource' + (rs.length === 1 ? '' : 's')),
      failoverLine(g));

    fill($('#graph-card'),
      cardHead('Dependencies', undefined, 'online: left to right · offline: right to left'),
      rs.length ? [h('div', { class: 'graph-wrap' }, depGraph(rs)),
        h('p', { class: 'graph-legend', text: 'Each column is a dependency layer; an arrow points from a resource to the resource it depends on.' })]
        : h('p', { class: 'empty', text: 'This group has no resources.' }));

    fill($('#group-resources-card'),
      cardHead('Resources', rs.length),
      rs.length ? h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Resource', 'Type', 'State', 'Locked mode', 'Processes', 'Depends on'].map((t) => h('th', { text: t })))),
        h('tbody', {}, rs.map((r) => h('tr', { 'data-resource': r.name },
          h('td', {}, h('div', { class: 'name', text: r.name }), r.lastError ? h('div', { class: 'sub', text: r.lastError }) : null),
          h('td', { class: 'muted', text: r.type }),
          h('td', {}, pill(resState(r))),
          h('td', {}, lockCell(r)),
          usageCell(r),
          h('td', { class: 'muted', text: r.dependencyExpression || (r.dependsOn || []).join(', ') || '—' })))))) : null);

    if (S.full) {
      const dl = $('#param-names');
      if (dl) fillParamNames(dl, rs);
      updateMoveTargets(g);
    }

    const ex = S.extra && S.extra.group === name ? S.extra : null;
    fill($('#why-card'), cardHead('Why'), ex ? whyBody(ex) : loading());
    fill($('#history-card'), ...(ex ? historyCard(ex) : [cardHead('History'), loading()]));
  }

  const MOVE_PATH = 'M1 8a.75.75 0 0 1 .75-.75h10.69L9.22 4.03a.75.75 0 0 1 1.06-1.06l4.5 4.5a.75.75 0 0 1 0 1.06l-4.5 4.5a.75.75 0 0 1-1.06-1.06l3.22-3.22H1.75A.75.75 0 0 1 1 8Z';
  const INFINITE = 4294967295;

  // statusValue is a resource's status property (a number for dword and
  // ularge), or undefined.
  function statusValue(r, name) {
    const p = ((r.status || {}).properties || []).find((x) => x.name === name);
    const v = p && (p.values || [])[0];
    if (!v) return undefined;
    if (v.dword !== undefined) return Number(v.dword);
    if (v.ularge !== undefined) return Number(v.ularge);
    return v.sz;
  }

  // usageCell shows what the processes in a resource's cgroup use (the
  // host's Processes and MemoryBytes status properties).
  function usageCell(r) {
    const n = statusValue(r, 'Processes');
    if (n === undefined) return h('td', { class: 'muted', text: '—', title: 'No cgroup on its node' });
    const mem = statusValue(r, 'MemoryBytes') || 0;
    const mib = mem / (1024 * 1024);
    return h('td', { class: 'num nowrap', text: n + (n ? ' · ' + (mib >= 10 ? mib.toFixed(0) : mib.toFixed(1)) + ' MiB' : ''),
      title: 'Processes in the resource\u2019s cgroup, and their memory: ' + (statusValue(r, 'Cgroup') || '') });
  }

  function groupProp(g, name) {
    const p = ((g.properties || {}).properties || []).find((x) => x.name === name);
    const v = p && (p.values || [])[0];
    return v && v.dword !== undefined ? Number(v.dword) : undefined;
  }

  // failoverLine shows the automatic failovers that count against the
  // group's FailoverThreshold (those within FailoverPeriod), and when the
  // oldest of them stops counting.
  function failoverLine(g) {
    const times = g.failoversUnixNano || [];
    const period = groupProp(g, 'FailoverPeriod');
    const raw = groupProp(g, 'FailoverThreshold');
    const threshold = raw === INFINITE ? Math.max(S.nodes.length - 1, 0) : raw;
    const thresholdText = raw === undefined ? '' : raw === INFINITE ? threshold + ' (nodes − 1)'
      : threshold === 0 ? '0 (no automatic failover)' : String(threshold);
    const within = period === undefined ? 'in the failover period' : 'in the last ' + period + ' h';
    const reached = threshold !== undefined && times.length >= threshold;
    const kids = [h('span', { class: 'label', text: 'Failovers' })];
    if (threshold !== undefined && threshold > 0 && threshold <= 10) {
      const meter = h('span', { class: 'meter' + (reached ? ' full' : ''), title: times.length + ' of ' + threshold + ' allowed ' + within });
      for (let i = 0; i < threshold; i++) meter.append(h('span', { class: i < times.length ? 'on' : '' }));
      kids.push(meter);
    }
    if (!times.length) {
      kids.push(h('span', { class: 'count-text', text: 'none ' + within }),
        thresholdText ? h('span', { class: 'muted', text: ' · threshold ' + thresholdText }) : null);
    } else {
      kids.push(h('b', { class: 'count-text', text: times.length + (thresholdText ? ' of ' + thresholdText : '') }),
        h('span', { text: within + ', at ' + (times.length > 4 ? times.slice(0, 2).map(fmtTime).join(', ') + ', … ' + fmtTime(times[times.length - 1])
          : times.map(fmtTime).join(', ')) }));
      if (g.failoverCountExpiresUnixNano && g.failoverCountExpiresUnixNano !== '0') {
        kids.push(h('span', { text: ' · the oldest stops counting at ' }),
          h('b', { class: 'expires', text: fmtTime(g.failoverCountExpiresUnixNano), title: isoTime(g.failoverCountExpiresUnixNano) }));
      }
      if (reached) kids.push(' ', h('span', { class: 'chip c-held', text: 'threshold reached', title: 'No more automatic failovers until enough of these leave the failover period.' }));
    }
    return h('div', { class: 'failovers' + (reached && times.length ? ' reached' : ''), id: 'group-failovers' }, kids);
  }

  // updateMoveTargets offers the Up nodes other than the owner, and "best
  // node"; it keeps the operator's choice while that node is still there.
  function updateMoveTargets(g) {
    const sel = $('#move-node');
    if (!sel) return;
    const want = S.nodes.filter((n) => nodeState(n) === 'Up' && n.name !== g.ownerNode).map((n) => n.name).sort();
    const have = [...sel.options].slice(1).map((o) => o.value);
    if (have.join('\n') === want.join('\n') && sel.options.length) return;
    const cur = sel.value;
    fill(sel, h('option', { value: '', text: 'best node' }), want.map((n) => h('option', { value: n, text: n })));
    sel.value = want.includes(cur) ? cur : '';
  }

  function deniedNote(err, what) {
    if (err.accessDenied) return h('p', { class: 'notice inline', text: what + ' needs Full access for this principal (' + err.title + ').' });
    return h('p', { class: 'notice inline' }, h('b', { text: err.title }), ' ', err.text);
  }

  function whyBody(ex) {
    if (ex.whyErr) return deniedNote(ex.whyErr, 'The explanation');
    const w = ex.why;
    const reasons = w.reasons || [];
    return h('div', { class: 'card-body' },
      h('p', { class: 'summary', id: 'why-summary' }, h('b', { text: w.name }), ' is ', pill(w.stateName || GROUP_STATES[w.state || 0]),
        w.ownerNode ? [' on ', h('b', { text: w.ownerNode })] : null, ': ', w.summary || ''),
      reasons.length ? h('ul', { class: 'reasons' }, reasons.map((r) => h('li', {},
        h('span', { class: 'chip c-' + (r.code || 'other'), text: r.code || 'note' }),
        h('span', {}, h('span', { class: 'reason-who', text: r.resource || 'group' }), ': ', r.text)))) : null);
  }

  // ---- dependency graph

  // layersOf puts each resource in the column of its dependency depth: 0
  // for no dependencies (online first), else one more than its deepest
  // dependency. Within a column, resources sit near what they depend on.
  function layersOf(rs) {
    const by = new Map(rs.map((r) => [r.name, r]));
    const depth = new Map();
    const visiting = new Set();
    const d = (name) => {
      if (depth.has(name)) return depth.get(name);
      if (visiting.has(name)) return 0; // a cycle: the server refuses them, draw anyway
      visiting.add(name);
      let v = 0;
      for (const dep of by.get(name).dependsOn || []) if (by.has(dep)) v = Math.max(v, d(dep) + 1);
      visiting.delete(name);
      depth.set(name, v);
      return v;
    };
    rs.forEach((r) => d(r.name));
    const layers = [];
    for (const r of rs) (layers[depth.get(r.name)] = layers[depth.get(r.name)] || []).push(r);
    const pos = new Map();
    layers.forEach((layer, i) => {
      if (i > 0) {
        const key = (r) => {
          const ps = (r.dependsOn || []).filter((x) => pos.has(x)).map((x) => pos.get(x));
          return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0;
        };
        layer.sort((a, b) => key(a) - key(b) || a.name.localeCompare(b.name));
      }
      layer.forEach((r, j) => pos.set(r.name, j));
    });
    return layers;
  }

  function clip(t, n) { return t.length > n ? t.slice(0, n - 1) + '…' : t; }

  function depGraph(rs) {
    const W = 176, H = 54, GAP_X = 72, GAP_Y = 16, PAD = 6, TOP = 24;
    const layers = layersOf(rs);
    const layerOf = new Map();
    layers.forEach((layer, i) => layer.forEach((r) => layerOf.set(r.name, i)));
    const rows = Math.max(...layers.map((l) => l.length));
    // An edge that skips a layer would run through the boxes between; it
    // dips below them instead, so the graph needs room underneath.
    let dip = 0;
    for (const r of rs) {
      for (const dep of r.dependsOn || []) {
        if (layerOf.has(dep)) dip = Math.max(dip, bowFor(layerOf.get(r.name) - layerOf.get(dep)));
      }
    }
    const width = PAD * 2 + layers.length * W + (layers.length - 1) * GAP_X;
    const height = TOP + PAD + rows * H + (rows - 1) * GAP_Y + PAD + (dip ? dip + 6 : 0);
    const at = new Map();
    layers.forEach((layer, i) => {
      const off = (rows - layer.length) * (H + GAP_Y) / 2;
      layer.forEach((r, j) => at.set(r.name, { x: PAD + i * (W + GAP_X), y: TOP + PAD + off + j * (H + GAP_Y) }));
    });
    const svg = s('svg', { class: 'graph', id: 'dep-graph', width, height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'Dependency graph' },
      s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { class: 'arrow', d: 'M0 0 10 5 0 10z' }))));
    layers.forEach((layer, i) => {
      const label = layers.length === 1 ? 'No dependencies' : i === 0 ? 'Layer 1 · online first' : i === layers.length - 1 ? 'Layer ' + (i + 1) + ' · offline first' : 'Layer ' + (i + 1);
      svg.append(s('text', { class: 'layer-label', x: PAD + i * (W + GAP_X) + 2, y: 14, text: label }));
    });
    for (const r of rs) {
      const a = at.get(r.name);
      for (const dep of r.dependsOn || []) {
        const b = at.get(dep);
        if (!b) continue;
        const span = layerOf.get(r.name) - layerOf.get(dep);
        let d;
        if (span > 1) {
          // Out of the bottom of the dependent, under the layers between,
          // into the bottom of the dependency.
          const x1 = a.x + 28, y1 = a.y + H, x2 = b.x + W - 28, y2 = b.y + H;
          const yb = Math.max(y1, y2) + bowFor(span) * 4 / 3;
          d = `M${x1} ${y1} C${x1} ${yb} ${x2} ${yb} ${x2} ${y2 + 1}`;
        } else {
          const x1 = a.x, y1 = a.y + H / 2, x2 = b.x + W, y2 = b.y + H / 2, dx = Math.max(24, (x1 - x2) / 2);
          d = `M${x1} ${y1} C${x1 - dx} ${y1} ${x2 + dx} ${y2} ${x2 + 1} ${y2}`;
        }
        svg.append(s('path', { class: 'edge', d, 'marker-end': 'url(#arrow)', 'data-edge': r.name + '>' + dep }));
      }
    }
    for (const r of rs) {
      const p = at.get(r.name);
      const st = resState(r);
      const g = s('g', { class: 'g-' + stateClass(st), 'data-resource': r.name, transform: `translate(${p.x} ${p.y})` },
        s('title', { text: r.name + ' (' + r.type + '): ' + st + (r.locked ? ', locked' + (r.lockedReason ? ': ' + r.lockedReason : '') : '') +
          ((r.dependsOn || []).length ? '\ndepends on ' + (r.dependencyExpression || r.dependsOn.join(', ')) : '') }),
        s('rect', { class: 'box', width: W, height: H, rx: 8 }),
        s('text', { class: 'node-name', x: 12, y: 22, text: clip(r.name, r.locked ? 14 : 21) }),
        s('text', { class: 'node-sub', x: 12, y: 40, text: clip(st + ' · ' + r.type, 24) }));
      if (r.locked) {
        g.append(s('g', { class: 'lock-badge', transform: `translate(${W - 72} 8)` },
          s('rect', { width: 64, height: 18, rx: 9 }),
          s('path', { d: LOCK_PATH, transform: 'translate(6 2.5) scale(0.8)' }),
          s('text', { class: 'lock-text', x: 21, y: 13, text: 'Locked' })));
      }
      svg.append(g);
    }
    return svg;
  }

  // bowFor is how far below the boxes an edge spanning span layers dips.
  function bowFor(span) { return span > 1 ? 22 + 8 * (span - 2) : 0; }

  // ---- actions

  function actionsCard(group) {
    const list = h('div', { id: 'param-list' });
    const datalist = h('datalist', { id: 'param-names' });
    fillParamNames(datalist);
    const addRow = (focus) => {
      const name = h('input', { type: 'text', name: 'pname', placeholder: 'name (a resource type)', list: 'param-names', 'aria-label': 'Parameter name', autocomplete: 'off' });
      const kind = h('select', { name: 'pkind', 'aria-label': 'Kind' }, h('option', { value: 'dword', text: 'dword' }), h('option', { value: 'sz', text: 'sz' }));
      const value = h('input', { type: 'text', name: 'pvalue', placeholder: 'value', 'aria-label': 'Value', autocomplete: 'off' });
      const row = h('div', { class: 'param-row' }, name, kind, value,
        h('button', { type: 'button', class: 'btn btn-icon', title: 'Remove', 'aria-label': 'Remove parameter', onclick: () => row.remove(), text: '×' }));
      list.append(row);
      if (focus) name.focus();
    };
    addRow(false);
    const ignore = h('input', { type: 'checkbox', id: 'ignore-locked' });
    const ignoreAffinity = h('input', { type: 'checkbox', id: 'ignore-affinity' });
    const target = h('select', { id: 'move-node', 'aria-label': 'Move to node' });
    const result = h('div', { id: 'action-result', role: 'status', hidden: true });
    const buttons = [
      h('button', { type: 'button', class: 'btn btn-online', 'data-action': 'online', text: 'Online', onclick: () => act('online') }),
      h('button', { type: 'button', class: 'btn btn-offline', 'data-action': 'offline', text: 'Offline', onclick: () => act('offline') }),
    ];
    const moveButton = h('button', { type: 'button', class: 'btn btn-move', 'data-action': 'move', text: 'Move', onclick: () => act('move') });
    const all = [...buttons, moveButton];

    async function act(what) {
      let params;
      try {
        params = readParams(list);
      } catch (e) {
        showResult(false, 'Invalid parameter', e.message);
        return;
      }
      // 0x1 is "ignore locked mode" for all three calls; 0x20 "ignore
      // anti-affinity" only exists for a move.
      const body = { group: { name: group }, flags: ignore.checked ? 1 : 0 };
      if (params.length) body.params = { properties: params };
      const dest = target.value; // "": the best node
      if (what === 'move') {
        body.node = dest;
        if (ignoreAffinity.checked) body.flags |= 0x20;
      }
      const send = {
        online: () => call('GroupService', 'OnlineGroup', body),
        offline: () => call('GroupService', 'OfflineGroup', body),
        move: () => call('GroupService', 'MoveGroup', body),
      }[what];
      const method = { online: 'OnlineGroup', offline: 'OfflineGroup', move: 'MoveGroup' }[what];
      const g = S.groups.find((x) => x.name === group) || {};
      all.forEach((b) => { b.disabled = true; });
      try {
        const r = await send();
        const status = r.status || 0;
        let msg;
        if (what === 'move') {
          msg = status === 997
            ? 'MoveGroup accepted' + (r.operationId ? ' as operation ' + r.operationId : '') + ': the group goes offline on ' +
              (g.ownerNode || 'its owner') + ', then online on ' + (dest || 'the best node') + '; the page follows live.'
            : 'MoveGroup: nothing to do, the group is already on ' + (dest || 'the best node') + '.';
        } else {
          msg = status === 997 ? method + ' accepted' + (r.operationId ? ' as operation ' + r.operationId : '') + '; the state follows live.'
            : method + ': nothing to do, the group is already there.';
        }
        showResult(true, (r.statusName || (status === 0 ? 'ERROR_SUCCESS' : 'status')) + ' (' + status + ')', msg);
        scheduleRefresh();
      } catch (e) {
        showResult(false, e.title || 'Error', e.text || e.message);
      } finally {
        all.forEach((b) => { b.disabled = false; });
      }
    }

    function showResult(ok, code, msg) {
      result.hidden = false;
      result.className = 'result ' + (ok ? 'ok' : 'err');
      result.setAttribute('role', ok ? 'status' : 'alert');
      fill(result, h('span', { class: 'code', text: code }), h('span', { class: 'msg', text: msg }));
    }

    return h('section', { class: 'card actions', id: 'actions-card' },
      h('h2', { text: 'Actions' }),
      h('div', { class: 'card-body' },
        h('fieldset', {},
          h('legend', { text: 'Operation parameters' }),
          list, datalist,
          h('button', { type: 'button', class: 'btn btn-small', text: '+ Add parameter', onclick: () => addRow(true) }),
          h('p', { class: 'hint', text: 'Sent as the operation’s property list. Each resource reads the value named after its type, e.g. dummy = dword 1 (save).' })),
        h('label', { class: 'check', for: 'ignore-locked' }, ignore,
          h('span', {}, 'Ignore locked mode', h('small', { text: 'flag 0x1: go ahead even if a resource is locked' }))),
        h('div', { class: 'row' }, buttons),
        h('div', { class: 'move', id: 'move-form' },
          h('label', { class: 'move-label', for: 'move-node', text: 'Move to' }),
          h('div', { class: 'row' }, target, moveButton),
          h('label', { class: 'check', for: 'ignore-affinity' }, ignoreAffinity,
            h('span', {}, 'Ignore anti-affinity', h('small', { text: 'flag 0x20 (move only): the destination may run a group of the same AntiAffinityClassNames' })))),
        result));
  }

  function fillParamNames(dl, rs) {
    const inGroup = rs ? new Set(rs.map((r) => r.type)) : null;
    const names = new Set();
    for (const t of S.types) {
      if (t.offlineParameter && (!inGroup || inGroup.has(t.name))) names.add(t.offlineParameter);
    }
    const want = [...names].sort();
    if ([...dl.children].map((o) => o.value).join('\n') === want.join('\n')) return;
    fill(dl, ...want.map((n) => h('option', { value: n })));
  }

  // readParams turns the form rows into PropertyList.properties; a row
  // with neither name nor value is skipped.
  function readParams(list) {
    const out = [];
    for (const row of list.querySelectorAll('.param-row')) {
      const name = row.querySelector('[name=pname]').value.trim();
      const kind = row.querySelector('[name=pkind]').value;
      const raw = row.querySelector('[name=pvalue]').value;
      if (!name && !raw.trim()) continue;
      if (!name) throw new Error('a parameter has a value but no name');
      if (kind === 'dword') {
        const t = raw.trim();
        const m = /^(0x[0-9a-f]+|[0-9]+)$/i.exec(t);
        const n = m ? Number(t) : NaN;
        if (!m || n > 0xffffffff) throw new Error('“' + name + '”: a dword is a number from 0 to 4294967295 (decimal or 0x hex), not “' + raw + '”');
        out.push({ name, values: [{ dword: n }] });
      } else {
        out.push({ name, values: [{ sz: raw }] });
      }
    }
    return out;
  }

  // ---- history

  function historyCard(ex) {
    if (ex.opsErr) return [cardHead('History'), deniedNote(ex.opsErr, 'The history')];
    const ops = ex.ops.slice().reverse();
    const shown = ops.slice(0, HISTORY_ROWS);
    return [
      cardHead('History', ops.length, ops.length > shown.length ? 'newest ' + shown.length + ' shown' : 'newest first'),
      ops.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'history' },
        h('thead', {}, h('tr', {}, ['When', 'Operation', 'Flags', 'Parameters', 'Who', 'Outcome', h('th', { class: 'num', text: 'Took' })]
          .map((t) => typeof t === 'string' ? h('th', { text: t }) : t))),
        h('tbody', {}, shown.map((op) => {
          const outcome = op.outcome || 'in progress';
          const oc = { succeeded: 'o-succeeded', failed: 'o-failed', superseded: 'o-superseded' }[outcome] || 'o-progress';
          return h('tr', { 'data-operation': op.id },
            h('td', { class: 'nowrap', text: fmtTime(op.createdUnixNano), title: isoTime(op.createdUnixNano) }),
            h('td', {}, h('b', { text: op.kind }), op.resource ? ' ' + op.resource : ''),
            h('td', { class: 'mono nowrap', text: fmtFlags(op), title: flagNames(op) }),
            h('td', { class: 'mono', text: fmtParams(op.inBuffer) }),
            h('td', { text: op.caller || '—' }),
            h('td', { class: 'outcome ' + oc, text: outcome }),
            h('td', { class: 'num nowrap', text: op.finishedUnixNano ? fmtDuration(op.createdUnixNano, op.finishedUnixNano) : '—' }));
        })))) : h('p', { class: 'empty', text: 'No operations yet.' }),
    ];
  }

  function nsToMs(ns) {
    try { return Number(BigInt(ns || 0) / 1000000n); } catch (e) { return 0; }
  }

  function pad(n, w) { return String(n).padStart(w || 2, '0'); }

  function fmtTime(ns) {
    const d = new Date(nsToMs(ns));
    const today = new Date();
    const time = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
    if (d.toDateString() === today.toDateString()) return time;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + time;
  }

  function isoTime(ns) { return new Date(nsToMs(ns)).toISOString(); }

  function fmtDuration(from, to) {
    let ms;
    try { ms = Number(BigInt(to) - BigInt(from)) / 1e6; } catch (e) { return '—'; }
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
  }

  function fmtFlags(op) { return '0x' + (op.flags || 0).toString(16); }

  const FLAG_NAMES = {
    OnlineGroup: { 1: 'ignore locked mode', 2: 'synchronous', 4: 'best possible node', 8: 'ignore affinity' },
    OfflineGroup: { 1: 'ignore locked mode' },
    OfflineResource: { 1: 'ignore locked mode', 2: 'force termination' },
    MoveGroup: { 1: 'ignore locked mode', 2: 'return to source node on error', 4: 'queue', 8: 'high priority start', 0x10: 'failback', 0x20: 'ignore affinity' },
  };
  FLAG_NAMES.Failover = FLAG_NAMES.MoveGroup;

  function flagNames(op) {
    const f = op.flags || 0;
    const known = FLAG_NAMES[op.kind] || { 1: 'ignore locked mode' };
    const names = [];
    for (let bit = 1; bit <= f && bit <= 0x80000000; bit *= 2) {
      if (f & bit) names.push('0x' + bit.toString(16) + ' ' + (known[bit] || 'flag'));
    }
    return names.join(', ') || 'no flags';
  }

  // ---- property lists

  // fmtParams shows an operation's input buffer (base64 in JSON) as the CLI
  // does: NAME=KIND:VALUE; …
  function fmtParams(b64) {
    if (!b64) return '—';
    let bytes;
    try {
      bytes = Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    } catch (e) {
      return '(unreadable)';
    }
    try {
      const list = decodePropList(bytes);
      return list.length ? list.map(fmtProp).join('; ') : '—';
    } catch (e) {
      return bytes.length + ' bytes (not a property list)';
    }
  }

  function fmtProp(p) { return p.name + '=' + p.values.map((v) => v.kind + ':' + v.text).join(', '); }

  const KINDS = { 1: 'binary', 2: 'dword', 3: 'sz', 4: 'expand_sz', 5: 'multi_sz', 6: 'ularge', 7: 'long', 8: 'expanded_sz', 9: 'security_descriptor', 10: 'large', 11: 'word', 12: 'filetime', 14: 'property_list' };
  const SYNTAX_NAME = 0x00040003;

  // decodePropList decodes the WSFC property-list bytes (reference §4): a
  // count, then per property a NAME entry, its values and an ENDMARK; each
  // entry is syntax, length and data padded to 4 bytes, little-endian.
  function decodePropList(bytes) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const utf16 = new TextDecoder('utf-16le');
    let off = 0;
    const u32 = () => {
      if (off + 4 > bytes.length) throw new Error('short');
      const v = dv.getUint32(off, true);
      off += 4;
      return v;
    };
    const data = () => {
      const n = u32();
      if (off + n > bytes.length) throw new Error('short');
      const d = bytes.subarray(off, off + n);
      off += (n + 3) & ~3;
      return d;
    };
    const sz = (d) => { const t = utf16.decode(d); const i = t.indexOf('\0'); return i < 0 ? t : t.slice(0, i); };
    const hex = (d) => Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
    const count = u32();
    const out = [];
    for (let i = 0; i < count; i++) {
      if (u32() !== SYNTAX_NAME) throw new Error('no name');
      const p = { name: sz(data()), values: [] };
      for (;;) {
        const syntax = u32();
        if (syntax === 0) break;
        const d = data();
        const fmt = syntax & 0xffff;
        const kind = KINDS[fmt] || 'syntax:0x' + syntax.toString(16).padStart(8, '0').toUpperCase();
        const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
        let text;
        switch (fmt) {
          case 2: text = String(v.getUint32(0, true)); break;
          case 7: text = String(v.getInt32(0, true)); break;
          case 11: text = String(v.getUint16(0, true)); break;
          case 6: case 12: text = String(v.getBigUint64(0, true)); break;
          case 10: text = String(v.getBigInt64(0, true)); break;
          case 3: case 4: case 8: text = sz(d); break;
          case 5: text = utf16.decode(d).split('\0').filter((x) => x !== '').join(';'); break;
          case 14: text = '[' + decodePropList(d).map(fmtProp).join('; ') + ']'; break;
          default: text = hex(d);
        }
        p.values.push({ kind, text });
      }
      out.push(p);
    }
    return out;
  }

  // ---------------------------------------------------------------- boot

  function boot() {
    const fromURL = takeTokenFromURL();
    const asking = linkToken(fromURL);
    window.addEventListener('hashchange', () => {
      const t = takeTokenFromURL();
      if (linkToken(t)) return;
      if (t && t !== S.token) startSession(t); // also without storage
      else onRoute();
    });
    document.addEventListener('visibilitychange', onVisibility);
    $('#change-token').addEventListener('click', () => {
      saveToken('');
      startSession('');
    });
    if (!asking) startSession(loadToken() || fromURL);
  }

  boot();
})();
