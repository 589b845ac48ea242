/* docproc web page — vanilla JS, no build step, no downloads.
 *
 * Every piece of data comes from the /v1 API with the API key the clerk typed into the login form (kept in
 * sessionStorage, sent as "Authorization: Bearer"); the clerk's name goes along as X-Docproc-User for the audit
 * trail. Text from the server is only ever inserted with textContent (never as HTML).
 *
 * Views (hash routes): #/upload, #/docs, #/doc/<id>, #/ledger.
 * The notice view records performance marks "doc-data" (all data arrived) and "doc-rendered" (DOM built and
 * laid out) and exposes the figures as window.docprocPerf for the tests.
 */
'use strict';
(function () {
  // ---------------------------------------------------------------------------------------------- helpers
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  /** el('span', {class: 'x', title: 't', dataset: {a: 1}, onclick: fn}, 'text', child…) */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (v === true) e.setAttribute(k, '');
        else e.setAttribute(k, String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function pad(n) { return String(n).padStart(2, '0'); }
  function isoDay(d) { return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; }
  function today() { return isoDay(new Date()); }
  function addDays(iso, n) { const d = new Date(iso + 'T00:00:00'); d.setDate(d.getDate() + n); return isoDay(d); }
  function monthRange(ym) {
    const [y, m] = ym.split('-').map(Number);
    return [`${y}-${pad(m)}-01`, isoDay(new Date(y, m, 0))];
  }
  function when(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString('zh-CN', { hour12: false });
  }
  function list(v) { return Array.isArray(v) ? v.filter(x => x !== null && x !== undefined && String(x) !== '') : []; }
  function joinUnits(v) { return list(v).join('、'); }
  function splitUnits(s) { return (s || '').split(/[；;,\n]+/).map(x => x.trim()).filter(Boolean); }

  let toastTimer = null;
  function toast(msg, bad) {
    const t = $('#toast');
    t.textContent = msg;
    t.classList.toggle('bad', !!bad);
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, bad ? 8000 : 3500);
  }

  // ---------------------------------------------------------------------------------------------- words
  const ERROR_ZH = {
    unauthorized: '密钥无效或未登录',
    not_found: '未找到（可能已被删除）',
    too_large: '文件过大',
    archive_limit: '压缩包超出限制（文件数、解压后大小、压缩比或嵌套层数）',
    unsupported_format: '不支持的文件格式（支持 txt、html、docx、doc、pdf 及压缩包）',
    unreadable: '文件无法读取（可能已损坏）',
    empty: '文件是空的',
    encrypted: '文件已加密，无法读取',
    corrupt_archive: '压缩包已损坏，无法打开',
    unsafe_member: '压缩包内含有不安全的文件路径（如 ../），整个压缩包被拒绝',
    missing_tool: '服务器缺少读取此格式所需的工具',
    timeout: '处理超时',
    queue_full: '服务繁忙，排队任务已满，请稍后再试',
    no_documents: '上传内容中没有可处理的公文（压缩包是空的？）',
    invalid_request: '请求内容有误',
    conflict: '操作冲突',
    job_finished: '任务已结束',
    internal_error: '服务器内部错误',
    network: '无法连接服务器，请检查网络',
    worker_crashed: '处理进程意外退出',
  };
  const STATUS_ZH = { uploading: '上传中', queued: '排队中', running: '处理中', done: '已完成', failed: '失败',
                      cancelled: '已取消', rejected: '被拒绝' };
  const DOC_STATUS = { ok: ['正常', 'ok'], partial: ['部分可读', 'warn'], failed: ['失败', 'bad'] };
  const ISSUE_ZH = { lost_chars: '缺字（字符无法恢复）', truncated: '文本被截断', needs_ocr: '需要 OCR（扫描件，无文字层）',
                     guessed_chars: '推测补全的字符' };
  const FIXER_ZH = {
    tagshift: 'HTML 标签错位修复', boilerplate: '去除网页栏目、页脚等模板文字', punctuation: '标点符号规范化',
    spacing: '去除中文字间多余空格', mojibake: '乱码修复', pinyin: '拼音还原为汉字', pdfclean: 'PDF 版面清理',
    post_simplify: '简体化后校正', encoding: '编码修复', t2s: '繁体转简体', tw2sp: '繁体（台湾）转简体',
    hk2s: '繁体（香港）转简体', tw2s: '繁体（台湾）转简体', hk2sp: '繁体（香港）转简体',
  };
  const FIELD_ZH = { content: '任务内容', stage: '阶段', lead: '牵头单位', owners: '责任单位', partners: '配合单位',
                     start: '开始日期', due: '完成时限', time_text: '时限原文', recurrence: '周期' };
  const ACTION_ZH = { 'task.update': '修改任务', 'task.create': '新增任务', 'task.delete': '删除任务',
                      'task.revert': '还原为机器抽取值', 'task.restore': '恢复已删除任务',
                      'document.review': '标记为已审核', 'document.unreview': '取消审核标记' };

  function humanBytes(n) {
    if (typeof n !== 'number') return '';
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(n % (1 << 20) ? 1 : 0) + ' MiB';
    if (n >= 1024) return (n / 1024).toFixed(1) + ' KiB';
    return n + ' 字节';
  }

  /** The reason in plain Chinese (the server's own words kept as a detail). */
  function zhReason(code, message, extra) {
    let s = ERROR_ZH[code] || (code ? `无法处理（${code}）` : '无法处理');
    if (code === 'too_large' && extra && extra.limit) s += `（上限 ${humanBytes(extra.limit)}）`;
    return s;
  }

  class ApiError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status; this.code = code; this.body = body || {};
    }
    get zh() { return zhReason(this.code, this.message, this.body); }
  }

  // ---------------------------------------------------------------------------------------------- session
  const S = {
    key: sessionStorage.getItem('docproc.key') || '',
    user: sessionStorage.getItem('docproc.user') || '',
    authed: false,
    authRequired: null,
    jobs: new Map(),        // job id -> {card, names, timer}
    doc: null,              // the notice on screen: {doc, ann, audit, tasks, machine, runs}
    docToken: 0,
    docsOffset: 0,
    ledger: { items: [], total: 0, sort: 'due', dir: 1 },
  };

  function authHeaders(key, user) {
    const h = {};
    if (key) h.Authorization = 'Bearer ' + key;
    if (user) h['X-Docproc-User'] = encodeURIComponent(user);
    return h;
  }

  async function api(path, opts) {
    opts = opts || {};
    const headers = Object.assign(authHeaders(S.key, S.user), opts.headers || {});
    let resp;
    try {
      resp = await fetch(path, { method: opts.method || 'GET', headers, body: opts.body, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'network', String(e));
    }
    if (resp.status === 401 && !opts.noLogout) {
      logout('登录已失效，请重新输入密钥。');
      throw new ApiError(401, 'unauthorized', 'unauthorized');
    }
    if (!resp.ok) {
      let body = null;
      try { body = await resp.json(); } catch (e) { /* not JSON */ }
      const err = (body && body.error) || {};
      throw new ApiError(resp.status, err.code || 'http_' + resp.status, err.message || resp.statusText, err);
    }
    if (opts.raw) return resp;
    if (resp.status === 204) return null;
    return resp.json();
  }

  function json(method, path, body) {
    return api(path, { method, headers: { 'Content-Type': 'application/json' },
                       body: body === undefined ? undefined : JSON.stringify(body) });
  }

  function filenameOf(resp, fallback) {
    const cd = resp.headers.get('Content-Disposition') || '';
    const m = /filename\*=UTF-8''([^;]+)/i.exec(cd) || /filename="([^"]+)"/i.exec(cd);
    if (m) { try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; } }
    return fallback;
  }

  /** Fetch with the key and hand the file to the browser (a plain link could not carry the header). */
  async function download(path, fallback) {
    try {
      const resp = await api(path, { raw: true });
      const blob = await resp.blob();
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: filenameOf(resp, fallback) });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
      toast('已开始下载：' + filenameOf(resp, fallback));
    } catch (e) {
      if (e.status !== 401) toast('下载失败：' + e.zh, true);
    }
  }

  // ---------------------------------------------------------------------------------------------- login
  async function probe(key) {
    const resp = await fetch('/v1/documents?limit=1', { headers: authHeaders(key, ''), cache: 'no-store' });
    return resp.status;
  }

  function clearData() {
    for (const id of ['#jobs', '#docs-table tbody', '#doc-text', '#doc-fields', '#doc-issues', '#doc-repairs',
                      '#doc-audit', '#task-table tbody', '#ledger-table tbody', '#legend']) {
      const n = $(id);
      if (n) n.replaceChildren();
    }
    $('#doc-title').textContent = '';
    $('#doc-badges').replaceChildren();
    $('#docs-count').textContent = '';
    $('#ledger-count').textContent = '';
    for (const j of S.jobs.values()) clearTimeout(j.timer);
    S.jobs.clear();
    S.doc = null;
    S.ledger.items = [];
  }

  function showLogin(message) {
    S.authed = false;
    $('#topbar').hidden = true;
    for (const v of $$('.view')) v.hidden = true;
    $('#view-login').hidden = false;
    $('#login-user').value = S.user;
    const err = $('#login-error');
    err.hidden = !message;
    err.textContent = message || '';
    $('#login-key').required = S.authRequired !== false;
    $('#login-key').focus();
  }

  function logout(message) {
    sessionStorage.removeItem('docproc.key');
    S.key = '';
    clearData();
    showLogin(message);
  }

  async function onLogin(ev) {
    ev.preventDefault();
    const key = $('#login-key').value.trim();
    const user = $('#login-user').value.trim();
    const err = $('#login-error');
    err.hidden = true;
    if (!key && S.authRequired !== false) {
      err.textContent = '请输入 API 密钥。';
      err.hidden = false;
      return;
    }
    let status;
    try { status = await probe(key); } catch (e) { status = 0; }
    if (status === 200) {
      S.key = key; S.user = user;
      sessionStorage.setItem('docproc.key', key);
      sessionStorage.setItem('docproc.user', user);
      $('#login-key').value = '';
      enterApp();
    } else {
      err.textContent = status === 401 ? '密钥无效，请检查后重试。' : '无法连接服务器（' + (status || '网络错误') + '）。';
      err.hidden = false;
    }
  }

  function enterApp() {
    S.authed = true;
    $('#view-login').hidden = true;
    $('#topbar').hidden = false;
    $('#who-name').textContent = (S.user ? S.user : '未署名') + (S.authRequired === false ? '（本机模式）' : '');
    $('#logout').textContent = S.authRequired === false ? '署名' : '退出';
    if (!location.hash || location.hash === '#/login') location.hash = '#/upload';
    else route();
  }

  async function start() {
    let status = 0;
    try { status = await probe(S.key); } catch (e) { status = 0; }
    if (status === 200) {
      if (!S.key) S.authRequired = false;
      else S.authRequired = true;
      enterApp();
    } else if (status === 401) {
      S.authRequired = true;
      if (S.key) { sessionStorage.removeItem('docproc.key'); S.key = ''; showLogin('密钥无效或已失效，请重新登录。'); }
      else showLogin();
    } else {
      showLogin('无法连接服务器，请稍后刷新重试。');
    }
  }

  // ---------------------------------------------------------------------------------------------- routing
  function route() {
    if (!S.authed) { showLogin(); return; }
    const h = location.hash || '#/upload';
    let m;
    let view = 'upload';
    if (h.startsWith('#/docs')) view = 'docs';
    else if ((m = /^#\/doc\/([A-Za-z0-9_-]+)/.exec(h))) view = 'doc';
    else if (h.startsWith('#/ledger')) view = 'ledger';
    for (const v of $$('.view')) v.hidden = v.id !== 'view-' + view;
    for (const a of $$('.topbar nav a')) {
      const on = a.dataset.nav === view || (view === 'doc' && a.dataset.nav === 'docs');
      a.classList.toggle('active', on);
      if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    if (view === 'upload') loadRecentJobs();
    else if (view === 'docs') loadDocs(S.docsOffset);
    else if (view === 'doc') loadDoc(m[1]);
    else if (view === 'ledger') loadLedger();
    window.scrollTo(0, 0);
  }

  // ---------------------------------------------------------------------------------------------- upload
  function jobCard(names) {
    const shown = names.slice(0, 4).join('、') + (names.length > 4 ? ` 等 ${names.length} 个文件` : '');
    const card = el('div', { class: 'job', dataset: { status: 'uploading' } },
      el('div', { class: 'job-head' },
        el('span', { class: 'job-files', title: names.join('\n'), text: shown || '（文件）' }),
        el('span', { class: 'job-state', text: STATUS_ZH.uploading }),
        el('span', { class: 'job-counts muted' })),
      el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 },
        el('div')),
      el('ul', { class: 'job-errors' }),
      el('ul', { class: 'job-docs' }));
    $('#jobs').prepend(card);
    $('#jobs-empty').hidden = true;
    return card;
  }

  function setProgress(card, frac) {
    const pct = Math.max(0, Math.min(100, Math.round(frac * 100)));
    $('.progress > div', card).style.width = pct + '%';
    $('.progress', card).setAttribute('aria-valuenow', pct);
  }

  function setState(card, status, counts) {
    card.dataset.status = status;
    $('.job-state', card).textContent = STATUS_ZH[status] || status;
    if (counts !== undefined) $('.job-counts', card).textContent = counts;
  }

  /** "notices.zip!/通知/a.txt" → "notices.zip › 通知/a.txt" */
  function memberName(it) { return (it.archive_member || it.name || '').split('!/').join(' › '); }

  function errorItem(name, member, code, message, extra) {
    let who = name || '（未命名文件）';
    if (member && member !== name) {
      const m = memberName({ archive_member: member });
      who = name && !m.includes(name) ? `${name} › ${m}` : m;
    }
    return el('li', null, `${who}：${zhReason(code, message, extra)}`,
      message ? el('span', { class: 'detail', text: `　原因：${message}` }) : null);
  }

  function uploadFiles(files) {
    files = Array.from(files || []);
    if (!files.length) return;
    const names = files.map(f => f.name);
    const card = jobCard(names);
    const fd = new FormData();
    for (const f of files) fd.append('files', f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/jobs');
    for (const [k, v] of Object.entries(authHeaders(S.key, S.user))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = e => {
      if (e.lengthComputable) {
        setProgress(card, e.loaded / e.total * 0.3);
        $('.job-counts', card).textContent = `已上传 ${Math.round(e.loaded / e.total * 100)}%`;
      }
    };
    xhr.onerror = () => {
      setState(card, 'rejected', '');
      $('.job-errors', card).append(el('li', null, `${names.join('、')}：${ERROR_ZH.network}`));
    };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 202 && body && body.id) {
        watchJob(body.id, card, names);
        renderJob(card, body);
        return;
      }
      if (xhr.status === 401) { logout('登录已失效，请重新输入密钥。'); return; }
      const err = (body && body.error) || {};
      setState(card, 'rejected', '上传未被接受');
      setProgress(card, 0);
      const m = /^(.+?): /.exec(err.message || '');
      const named = err.name || (m && names.includes(m[1]) ? m[1] : names.join('、'));
      $('.job-errors', card).append(errorItem(named, err.member, err.code || 'http_' + xhr.status,
                                              err.message || xhr.statusText, err));
    };
    xhr.send(fd);
  }

  function watchJob(id, card, names) {
    card.dataset.jobId = id;
    S.jobs.set(id, { card, names, timer: null });
    pollJob(id);
  }

  async function pollJob(id) {
    const j = S.jobs.get(id);
    if (!j) return;
    let job;
    try {
      job = await api(`/v1/jobs/${encodeURIComponent(id)}`);
    } catch (e) {
      if (e.status === 401) return;
      j.timer = setTimeout(() => pollJob(id), 2000);
      return;
    }
    if (!S.jobs.has(id)) return;
    renderJob(j.card, job);
    if (job.status === 'queued' || job.status === 'running') {
      j.timer = setTimeout(() => pollJob(id), 600);
    } else {
      try {
        const full = await api(`/v1/jobs/${encodeURIComponent(id)}?items=true`);
        if (S.jobs.has(id)) renderJob(j.card, full);
      } catch (e) { /* the counters are shown already */ }
    }
  }

  function renderJob(card, job) {
    const counts = `已处理 ${job.processed} / ${job.total}　成功 ${job.succeeded}　部分可读 ${job.partial}　失败 ${job.failed}`;
    setState(card, job.status, counts);
    const final = job.status === 'done' || job.status === 'failed' || job.status === 'cancelled';
    card.classList.toggle('final', final);
    setProgress(card, final ? 1 : job.total ? 0.3 + 0.7 * job.processed / job.total : 0.3);
    const errs = $('.job-errors', card);
    const frag = document.createDocumentFragment();
    for (const e of job.errors || []) frag.append(errorItem(e.name, e.archive_member, e.code, e.message, e));
    if (job.error && job.error.message) frag.append(el('li', null, zhReason(job.error.code, job.error.message)));
    errs.replaceChildren(frag);
    if (job.items) {
      const docs = document.createDocumentFragment();
      for (const it of job.items) {
        if (!it.document_id) continue;
        const [label, cls] = DOC_STATUS[it.status] || [it.status, ''];
        docs.append(el('li', null, el('a', { href: '#/doc/' + it.document_id, class: 'job-doc' }, memberName(it)),
                       ' ', el('span', { class: 'tag ' + cls, text: label })));
      }
      $('.job-docs', card).replaceChildren(docs);
      if (!S.jobs.get(job.id) || !S.jobs.get(job.id).names.length) {
        const names = job.items.map(memberName).filter(Boolean);
        const f = $('.job-files', card);
        f.textContent = names.slice(0, 4).join('、') + (names.length > 4 ? ` 等 ${names.length} 个文件` : '');
        f.title = names.join('\n');
      }
    }
  }

  async function loadRecentJobs() {
    let page;
    try { page = await api('/v1/jobs?limit=5'); } catch (e) { return; }
    for (const job of page.items.slice().reverse()) {
      if (S.jobs.has(job.id)) continue;
      const card = jobCard([]);
      card.dataset.jobId = job.id;
      $('.job-files', card).textContent = '任务 ' + job.id.slice(0, 8);
      S.jobs.set(job.id, { card, names: [], timer: null });
      renderJob(card, job);
      pollJob(job.id);
    }
  }

  function wireUpload() {
    const dz = $('#dropzone');
    const input = $('#file-input');
    dz.addEventListener('click', () => input.click());
    dz.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
    input.addEventListener('change', () => { uploadFiles(input.files); input.value = ''; });
    dz.addEventListener('dragover', e => { e.preventDefault(); dz.classList.add('over'); });
    dz.addEventListener('dragenter', e => { e.preventDefault(); dz.classList.add('over'); });
    dz.addEventListener('dragleave', () => dz.classList.remove('over'));
    dz.addEventListener('drop', e => {
      e.preventDefault();
      dz.classList.remove('over');
      uploadFiles(e.dataTransfer.files);
    });
    // a file dropped anywhere else must not navigate away
    window.addEventListener('dragover', e => e.preventDefault());
    window.addEventListener('drop', e => e.preventDefault());
  }

  // ---------------------------------------------------------------------------------------------- document list
  async function loadDocs(offset) {
    const f = $('#docs-filter');
    const p = new URLSearchParams({ limit: 50, offset: offset || 0 });
    if (f.q.value.trim()) p.set('q', f.q.value.trim());
    if (f.reviewed.value) p.set('reviewed', f.reviewed.value);
    let page;
    try { page = await api('/v1/documents?' + p); } catch (e) { if (e.status !== 401) toast('读取公文列表失败：' + e.zh, true); return; }
    S.docsOffset = page.offset;
    const frag = document.createDocumentFragment();
    for (const d of page.items) {
      const [label, cls] = DOC_STATUS[d.status] || [d.status, ''];
      frag.append(el('tr', { dataset: { id: d.id } },
        el('td', { class: 'nowrap' }, d.doc_number ? el('a', { href: '#/doc/' + d.id, class: 'doc-link' }, d.doc_number) : '—'),
        el('td', null, el('a', { href: '#/doc/' + d.id }, d.title || d.name || d.id)),
        el('td', { class: 'nowrap', text: d.doc_type || '' }),
        el('td', { text: joinUnits(d.issuers) }),
        el('td', { class: 'date', text: d.signed_date || '' }),
        el('td', { class: 'num', text: d.task_count }),
        el('td', null, el('span', { class: 'tag ' + cls, text: label })),
        el('td', null, d.reviewed ? el('span', { class: 'tag ok', text: '已审核' }) : el('span', { class: 'tag', text: '未审核' })),
        el('td', { class: 'muted', text: d.name || '' })));
    }
    if (!page.items.length) frag.append(el('tr', null, el('td', { colspan: 9, class: 'muted', text: '没有符合条件的公文。' })));
    $('#docs-table tbody').replaceChildren(frag);
    const end = page.offset + page.items.length;
    $('#docs-count').textContent = page.total ? `第 ${page.offset + 1}–${end} 条，共 ${page.total} 条` : '共 0 条';
    $('#docs-prev').disabled = page.offset === 0;
    $('#docs-next').disabled = page.next_offset === null || page.next_offset === undefined;
    $('#docs-next').dataset.offset = page.next_offset || 0;
  }

  function wireDocs() {
    $('#docs-filter').addEventListener('submit', e => { e.preventDefault(); loadDocs(0); });
    $('#docs-filter').reviewed.addEventListener('change', () => loadDocs(0));
    $('#docs-prev').addEventListener('click', () => loadDocs(Math.max(0, S.docsOffset - 50)));
    $('#docs-next').addEventListener('click', e => loadDocs(Number(e.target.dataset.offset)));
    $('#gold-zip').addEventListener('click', () => download('/v1/gold.zip', 'gold.zip'));
  }

  // ---------------------------------------------------------------------------------------------- notice view
  async function loadDoc(id) {
    const token = ++S.docToken;
    const base = '/v1/documents/' + encodeURIComponent(id);
    $('#doc-title').textContent = '正在加载…';
    $('#show-machine').checked = false;
    const t0 = performance.now();
    let doc, ann, audit, tasks;
    try {
      [doc, ann, audit, tasks] = await Promise.all([
        api(base), api(base + '/annotations'), api(base + '/audit'), api(base + '/tasks?view=all')]);
    } catch (e) {
      if (token !== S.docToken || e.status === 401) return;
      $('#doc-title').textContent = e.status === 404 ? '未找到这份公文' : '读取失败：' + e.zh;
      for (const id2 of ['#doc-text', '#doc-fields', '#doc-issues', '#doc-repairs', '#doc-audit', '#task-table tbody', '#legend'])
        $(id2).replaceChildren();
      return;
    }
    if (token !== S.docToken) return;
    performance.mark('doc-data');
    const t1 = performance.now();
    S.doc = { id, doc, ann, audit: audit.items, tasks: tasks.items, machine: null, runs: [] };
    renderDoc();
    void document.body.offsetHeight; // force style and layout: the view is really built
    const t2 = performance.now();
    performance.mark('doc-rendered');
    try { performance.measure('doc-render', 'doc-data', 'doc-rendered'); } catch (e) { /* old browsers */ }
    window.docprocPerf = { docId: id, tasks: S.doc.tasks.length, textLength: (doc.text || '').length,
                           fetchMs: t1 - t0, renderMs: t2 - t1, paintMs: null };
    requestAnimationFrame(() => setTimeout(() => {
      if (window.docprocPerf && window.docprocPerf.docId === id) window.docprocPerf.paintMs = performance.now() - t1;
    }, 0));
  }

  function renderDoc() {
    const { doc } = S.doc;
    const notice = doc.notice || {};
    $('#doc-title').textContent = notice.title || (doc.source || {}).name || doc.id;
    $('#doc-title').title = $('#doc-title').textContent;
    renderBadges();
    renderText();
    renderFields();
    renderIssues();
    renderRepairs();
    renderAudit();
    renderTasks();
  }

  function renderBadges() {
    const { doc } = S.doc;
    const review = doc.review || {};
    const [label, cls] = DOC_STATUS[doc.status] || [doc.status, ''];
    const b = document.createDocumentFragment();
    b.append(el('span', { class: 'tag ' + cls, text: label }), ' ');
    if (review.reviewed) b.append(el('span', { class: 'tag ok', id: 'reviewed-badge', text: `已审核：${review.reviewed_by || ''} ${when(review.reviewed_at)}` }));
    else b.append(el('span', { class: 'tag', id: 'reviewed-badge', text: '未审核' }));
    $('#doc-badges').replaceChildren(b);
    $('#doc-review').textContent = review.reviewed ? '取消审核标记' : '标记为已审核';
    $('#doc-review').classList.toggle('primary', !review.reviewed);
  }

  // highlight kinds, in priority order (a character belongs to the first kind that claims it)
  const KINDS = [
    ['issue', 'hl hl-issue', '问题'],
    ['docno', 'hl hl-docno', '文号'],
    ['deadline', 'hl hl-deadline', '任务时限'],
    ['date', 'hl hl-date', '日期'],
    ['stage', 'hl hl-heading hl-stage', '阶段标题'],
    ['heading', 'hl hl-heading', '标题'],
    ['unit', 'hl hl-unit', '单位'],
    ['field', 'hl hl-field', '公文要素'],
  ];

  function spanOk(sp, n) {
    return Array.isArray(sp) && sp.length === 2 && Number.isInteger(sp[0]) && Number.isInteger(sp[1]) &&
      sp[0] >= 0 && sp[1] <= n && sp[0] <= sp[1];
  }

  /** Collect the highlight tokens: [{kind, s, e, title}] plus zero-width issue markers. */
  function collectTokens(text, doc, ann, tasks) {
    const n = text.length;
    const toks = [];
    const marks = [];
    const add = (kind, sp, title) => { if (spanOk(sp, n) && sp[1] > sp[0]) toks.push({ kind, s: sp[0], e: sp[1], title }); };
    const notice = doc.notice || {};
    const ns = notice.spans || {};
    (doc.issues || []).forEach((it, i) => {
      const t = `${ISSUE_ZH[it.code] || it.code}：${it.message || ''}`;
      if (spanOk(it.span, n)) {
        if (it.span[1] > it.span[0]) add('issue', it.span, t);
        marks.push({ pos: it.span[0], title: t, idx: i });
      }
    });
    add('docno', ns.doc_number, '本文文号：' + (notice.doc_number || ''));
    for (const d of (ann && ann.doc_numbers) || []) add('docno', d.span, (d.cited ? '引用文号：' : '文号：') + d.canonical);
    for (const t of tasks) {
      const sps = t.spans || {};
      if (t.deleted) continue;
      const label = `${t.id} 时限：${t.time_text || ''}${t.due ? '（完成时限 ' + t.due + '）' : ''}`;
      if (spanOk(sps.time_text, n)) add('deadline', sps.time_text, label);
      for (const o of Array.isArray(sps.owners) ? sps.owners : []) add('unit', o, `${t.id} 责任单位`);
      for (const o of Array.isArray(sps.lead) ? [sps.lead] : []) add('unit', o, `${t.id} 牵头单位`);
      for (const o of Array.isArray(sps.partners) ? sps.partners : []) add('unit', o, `${t.id} 配合单位`);
    }
    add('date', ns.signed_date, '成文日期：' + (notice.signed_date || ''));
    add('date', ns.print_date, '印发日期：' + (notice.print_date || ''));
    for (const t of (ann && ann.times) || []) {
      const range = t.start && t.end && t.start !== t.end ? `${t.start} 至 ${t.end}` : (t.end || t.start || '');
      add('date', t.span, '时间：' + range);
    }
    for (const h of (ann && ann.headings) || []) add(h.stage ? 'stage' : 'heading', h.span, h.stage ? '阶段标题' : '标题');
    for (const key of ['recipients_items', 'cc_items', 'issuers_items']) {
      for (const sp of Array.isArray(ns[key]) ? ns[key] : []) add('unit', sp, key.startsWith('cc') ? '抄送' : key.startsWith('rec') ? '主送' : '发文机关');
    }
    if (Array.isArray(ns.issuers) && Array.isArray(ns.issuers[0])) for (const sp of ns.issuers) add('unit', sp, '发文机关');
    add('field', ns.title, '标题');
    return { toks, marks };
  }

  /** Build the highlighted text in one pass (per-character ownership arrays, one DocumentFragment). */
  function renderText() {
    const { doc, ann, tasks } = S.doc;
    const text = doc.text || '';
    const n = text.length;
    const { toks, marks } = collectTokens(text, doc, ann, tasks);
    const prio = Object.fromEntries(KINDS.map((k, i) => [k[0], i]));
    const cls = Object.fromEntries(KINDS.map(k => [k[0], k[1]]));
    const order = toks.map((t, i) => i).sort((a, b) => prio[toks[a].kind] - prio[toks[b].kind] || toks[a].s - toks[b].s);
    const tokAt = new Int32Array(n).fill(-1);
    for (const i of order) {
      const t = toks[i];
      for (let p = t.s; p < t.e; p++) if (tokAt[p] < 0) tokAt[p] = i;
    }
    const taskAt = new Int32Array(n).fill(-1);
    tasks.forEach((t, i) => {
      if (t.deleted || !spanOk(t.span, n)) return;
      for (let p = t.span[0]; p < t.span[1]; p++) if (taskAt[p] < 0) taskAt[p] = i;
    });
    const markAt = new Map();
    for (const m of marks) { if (!markAt.has(m.pos)) markAt.set(m.pos, []); markAt.get(m.pos).push(m); }
    const counts = {};
    const seen = new Set();

    const frag = document.createDocumentFragment();
    const runs = []; // [start, node] for locating spans
    let container = frag;
    let curTask = -2;
    let i = 0;
    while (i < n) {
      let j = i + 1;
      while (j < n && tokAt[j] === tokAt[i] && taskAt[j] === taskAt[i] && !markAt.has(j)) j++;
      if (taskAt[i] !== curTask) {
        curTask = taskAt[i];
        if (curTask >= 0) {
          const t = tasks[curTask];
          container = el('span', { class: 'hl-task', dataset: { task: t.id } });
          frag.append(container);
        } else container = frag;
      }
      if (markAt.has(i)) {
        for (const m of markAt.get(i)) container.append(el('span', { class: 'hl-issue-mark', title: m.title, dataset: { issue: m.idx }, text: '⚠' }));
      }
      const k = tokAt[i];
      let node;
      if (k >= 0) {
        const t = toks[k];
        node = el('span', { class: cls[t.kind], title: t.title, dataset: { kind: t.kind } });
        node.textContent = text.slice(i, j);
        if (!seen.has(k)) { seen.add(k); counts[t.kind] = (counts[t.kind] || 0) + 1; }
      } else {
        node = document.createTextNode(text.slice(i, j));
      }
      container.append(node);
      runs.push([i, node.nodeType === 3 ? node : node.firstChild]);
      i = j;
    }
    for (const m of markAt.get(n) || []) frag.append(el('span', { class: 'hl-issue-mark', title: m.title, dataset: { issue: m.idx }, text: '⚠' }));
    if (!n) frag.append(el('span', { class: 'muted', text: '（没有可显示的文字）' }));
    $('#doc-text').replaceChildren(frag);
    $('#doc-text').scrollTop = 0;
    S.doc.runs = runs;

    const legend = document.createDocumentFragment();
    const items = [['docno', 'hl-docno', '文号'], ['deadline', 'hl-deadline', '任务时限'], ['date', 'hl-date', '日期'],
                   ['unit', 'hl-unit', '单位'], ['stage', 'hl-stage', '阶段标题'], ['issue', 'hl-issue', '问题']];
    counts.issue = marks.length;
    for (const [kind, c, label] of items) legend.append(el('span', { class: c, text: `${kind === 'issue' ? '⚠ ' : ''}${label} ${counts[kind] || 0}` }));
    legend.append(el('span', { class: 'hl-task', text: `任务原文 ${tasks.filter(t => !t.deleted && spanOk(t.span, n)).length}` }));
    $('#legend').replaceChildren(legend);
  }

  function findPos(p) {
    const runs = S.doc.runs;
    let lo = 0, hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (runs[mid][0] <= p) lo = mid; else hi = mid - 1;
    }
    const [start, node] = runs[lo] || [0, null];
    if (!node) return null;
    return { node, offset: Math.min(Math.max(0, p - start), node.length) };
  }

  /** Scroll the text to [s, e) and select it. */
  function locate(s, e) {
    if (!S.doc || !S.doc.runs.length) return;
    const a = findPos(s), b = findPos(Math.max(s, e));
    if (!a || !b) return;
    const range = document.createRange();
    range.setStart(a.node, a.offset);
    range.setEnd(b.node, b.offset);
    const box = $('#doc-text');
    const r = range.getBoundingClientRect();
    const c = box.getBoundingClientRect();
    box.scrollTop += r.top - c.top - box.clientHeight / 3;
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    box.focus({ preventScroll: true });
  }

  function fieldRow(frag, label, value, span) {
    frag.append(el('dt', { text: label }));
    const has = Array.isArray(value) ? value.length : value;
    const shown = Array.isArray(value) ? value.join('、') : value;
    const dd = el('dd', { class: has ? '' : 'empty', dataset: { field: label } });
    if (has && span && spanOk(span, (S.doc.doc.text || '').length)) {
      dd.append(el('a', { href: 'javascript:void(0)', title: '在正文中定位', onclick: () => locate(span[0], span[1]) }, shown));
    } else dd.textContent = has ? shown : '（无）';
    frag.append(dd);
  }

  function renderFields() {
    const n = S.doc.doc.notice || {};
    const sp = n.spans || {};
    const f = document.createDocumentFragment();
    fieldRow(f, '文号', n.doc_number, sp.doc_number);
    fieldRow(f, '标题', n.title, sp.title);
    fieldRow(f, '文种', n.doc_type, sp.doc_type);
    fieldRow(f, '发文机关', list(n.issuers), Array.isArray(sp.issuers) && Number.isInteger(sp.issuers[0]) ? sp.issuers : null);
    fieldRow(f, '主送', list(n.recipients), sp.recipients);
    fieldRow(f, '成文日期', n.signed_date, sp.signed_date);
    fieldRow(f, '附件', list(n.attachments), sp.attachments);
    fieldRow(f, '抄送', list(n.cc), sp.cc);
    if (n.print_office || n.print_date) fieldRow(f, '印发', [n.print_office, n.print_date].filter(Boolean).join(' '), sp.print_office);
    const src = S.doc.doc.source || {};
    fieldRow(f, '原文件', `${src.archive_member || src.name || ''}（${(src.format || '').toUpperCase()}，${humanBytes(src.size)}${src.encoding ? '，' + src.encoding : ''}）`, null);
    $('#doc-fields').replaceChildren(f);
  }

  function renderIssues() {
    const f = document.createDocumentFragment();
    const n = (S.doc.doc.text || '').length;
    (S.doc.doc.issues || []).forEach(it => {
      const li = el('li', { class: 'issue', dataset: { code: it.code } },
        el('span', { class: 'issue-code', text: ISSUE_ZH[it.code] || it.code }), '：', it.message || '');
      if (spanOk(it.span, n)) {
        li.append(' ', el('button', { type: 'button', class: 'btn small', onclick: () => locate(it.span[0], it.span[1]) }, `定位（第 ${it.span[0]} 字）`));
      }
      f.append(li);
    });
    if (!f.childNodes.length) f.append(el('li', { class: 'muted', text: '无' }));
    $('#doc-issues').replaceChildren(f);
  }

  function renderRepairs() {
    const f = document.createDocumentFragment();
    for (const r of S.doc.doc.repairs || []) {
      const li = el('li', null, el('strong', { text: FIXER_ZH[r.fixer] || r.fixer }), ` ${r.count} 处`,
        el('span', { class: 'muted', text: `（${r.fixer}）` }));
      const ex = (r.changes || []).slice(0, 5);
      if (ex.length) {
        const d = el('details', null, el('summary', { text: '示例' }));
        for (const c of ex) d.append(el('div', { class: 'repair-ex', text: `“${c.before}” → “${c.after}”` }));
        li.append(d);
      }
      f.append(li);
    }
    if (!f.childNodes.length) f.append(el('li', { class: 'muted', text: '无需修复' }));
    $('#doc-repairs').replaceChildren(f);
  }

  function renderAudit() {
    const f = document.createDocumentFragment();
    for (const a of S.doc.audit.slice().reverse().slice(0, 100)) {
      let what = ACTION_ZH[a.action] || a.action;
      if (a.task_id) what += ' ' + a.task_id.split('-').pop();
      if (a.action === 'task.update' && a.before && a.after) {
        const changed = Object.keys(FIELD_ZH).filter(k => JSON.stringify(a.before[k] ?? null) !== JSON.stringify(a.after[k] ?? null));
        if (changed.length) what += '：' + changed.map(k => FIELD_ZH[k]).join('、');
      }
      f.append(el('li', null, el('span', { class: 'muted', text: when(a.at) + ' ' }), el('strong', { text: a.actor || '' }), ' ', what));
    }
    if (!f.childNodes.length) f.append(el('li', { class: 'muted', text: '还没有审核操作' }));
    $('#doc-audit').replaceChildren(f);
  }

  function dueClass(due) {
    if (!due) return '';
    const t = today();
    if (due < t) return 'due-overdue';
    if (due <= addDays(t, 7)) return 'due-soon';
    return '';
  }

  function originCell(t) {
    if (t.deleted) return el('td', null, el('span', { class: 'tag bad', text: '已删除' }), el('span', { class: 'by', text: `${t.corrected_by || ''}` }));
    if (t.origin === 'human') return el('td', null, el('span', { class: 'tag edit', text: '人工新增' }), el('span', { class: 'by', text: `${t.corrected_by || ''} ${when(t.corrected_at)}` }));
    if (t.corrected) return el('td', null, el('span', { class: 'tag edit', text: '已修改' }), el('span', { class: 'by', text: `${t.corrected_by || ''} ${when(t.corrected_at)}` }));
    return el('td', null, el('span', { class: 'tag', text: '机器' }));
  }

  function taskRow(t, i, readonly) {
    const n = (S.doc.doc.text || '').length;
    const tr = el('tr', { dataset: { task: t.id }, class: (t.corrected ? 'corrected ' : '') + (t.deleted ? 'deleted muted' : '') });
    const num = el('td', { class: 'num' });
    if (spanOk(t.span, n)) num.append(el('button', { type: 'button', class: 'loc', title: '在正文中定位', dataset: { action: 'locate' } }, String(i + 1)));
    else num.append(String(i + 1));
    num.append(el('span', { class: 'by', text: t.id }));
    tr.append(num,
      el('td', { class: 'content', text: t.content || '' }),
      el('td', { class: 'stage', text: t.stage || '' }),
      el('td', { class: 'units lead', text: t.lead || '' }),
      el('td', { class: 'units owners', text: joinUnits(t.owners) }),
      el('td', { class: 'units partners', text: joinUnits(t.partners) }),
      el('td', { class: 'date start', text: t.start || '' }),
      el('td', { class: 'date due ' + dueClass(t.due), text: t.due || '' }),
      el('td', { class: 'time-text', text: t.time_text || '' }),
      readonly ? el('td', null, el('span', { class: 'tag', text: '机器' })) : originCell(t));
    const act = el('td', { class: 'actions-cell' });
    if (!readonly) {
      const box = el('div', { class: 'row-actions' });
      if (t.deleted) box.append(el('button', { type: 'button', class: 'btn small', dataset: { action: 'revert' } }, '恢复'));
      else {
        box.append(el('button', { type: 'button', class: 'btn small', dataset: { action: 'edit' } }, '编辑'));
        box.append(el('button', { type: 'button', class: 'btn small danger', dataset: { action: 'delete' } }, '删除'));
        if (t.corrected && t.origin !== 'human') box.append(el('button', { type: 'button', class: 'btn small', dataset: { action: 'revert' } }, '还原'));
      }
      act.append(box);
    }
    tr.append(act);
    return tr;
  }

  function renderTasks() {
    const machine = $('#show-machine').checked && S.doc.machine;
    const tasks = machine ? S.doc.machine : S.doc.tasks;
    const frag = document.createDocumentFragment();
    tasks.forEach((t, i) => frag.append(taskRow(t, i, !!machine)));
    if (!tasks.length) frag.append(el('tr', null, el('td', { colspan: 11, class: 'muted', text: '这份公文没有抽取到任务。可点击“新增任务”补充。' })));
    $('#task-table tbody').replaceChildren(frag);
    const live = S.doc.tasks.filter(t => !t.deleted).length;
    $('#task-count').textContent = machine ? `（机器抽取 ${tasks.length} 项，只读）` : `（${live} 项${S.doc.tasks.length > live ? '，已删除 ' + (S.doc.tasks.length - live) + ' 项' : ''}）`;
    $('#task-add').disabled = !!machine;
  }

  function editorRow(t) {
    const tr = el('tr', { class: 'editing', dataset: { task: t ? t.id : '' } });
    const input = (name, value, type) => el('input', { name, type: type || 'text', value: value || '', 'aria-label': FIELD_ZH[name] });
    const units = (name, value) => { const a = el('textarea', { name, rows: 3, 'aria-label': FIELD_ZH[name] + '（每行一个）' }); a.value = list(value).join('\n'); return a; };
    const content = el('textarea', { name: 'content', 'aria-label': FIELD_ZH.content, rows: 3 });
    content.value = (t && t.content) || '';
    tr.append(
      el('td', { class: 'num', text: t ? t.id : '新增' }),
      el('td', { class: 'content' }, content),
      el('td', null, input('stage', t && t.stage)),
      el('td', null, input('lead', t && t.lead)),
      el('td', null, units('owners', t && t.owners), el('span', { class: 'by', text: '每行一个单位' })),
      el('td', null, units('partners', t && t.partners)),
      el('td', null, input('start', t && t.start, 'date')),
      el('td', null, input('due', t && t.due, 'date')),
      el('td', null, input('time_text', t && t.time_text)),
      el('td'),
      el('td', null, el('div', { class: 'row-actions' },
        el('button', { type: 'button', class: 'btn small primary', dataset: { action: 'save' } }, '保存'),
        el('button', { type: 'button', class: 'btn small', dataset: { action: 'cancel' } }, '取消'))));
    return tr;
  }

  function editorValues(tr) {
    const v = name => { const x = $(`[name="${name}"]`, tr); return x ? x.value.trim() : ''; };
    return { content: v('content'), stage: v('stage') || null, lead: v('lead') || null, owners: splitUnits(v('owners')),
             partners: splitUnits(v('partners')), start: v('start') || null, due: v('due') || null,
             time_text: v('time_text') || null };
  }

  function changed(before, after) {
    const out = {};
    for (const k of Object.keys(after)) {
      const a = JSON.stringify(after[k] ?? null), b = JSON.stringify(k === 'owners' || k === 'partners' ? list(before[k]) : (before[k] ?? null));
      if (a !== b) out[k] = after[k];
    }
    return out;
  }

  async function refreshReview() {
    const base = '/v1/documents/' + encodeURIComponent(S.doc.id);
    const [tasks, audit, doc] = await Promise.all([api(base + '/tasks?view=all'), api(base + '/audit'), api(base)]);
    S.doc.tasks = tasks.items;
    S.doc.audit = audit.items;
    S.doc.doc.review = doc.review;
    renderTasks();
    renderAudit();
    renderBadges();
  }

  async function onTaskAction(e) {
    const btn = e.target.closest('button[data-action]');
    if (!btn || !S.doc) return;
    const tr = btn.closest('tr');
    const id = tr.dataset.task;
    const t = S.doc.tasks.find(x => x.id === id) || (S.doc.machine || []).find(x => x.id === id);
    const base = '/v1/documents/' + encodeURIComponent(S.doc.id) + '/tasks';
    const action = btn.dataset.action;
    try {
      if (action === 'locate' && t) {
        locate(t.span[0], t.span[1]);
        const w = $(`#doc-text .hl-task[data-task="${CSS.escape(t.id)}"]`);
        if (w) { w.classList.remove('flash'); void w.offsetWidth; w.classList.add('flash'); }
      } else if (action === 'edit' && t) {
        const ed = editorRow(t);
        tr.replaceWith(ed);
        $('textarea', ed).focus();
      } else if (action === 'cancel') {
        if (!id) tr.remove(); else renderTasks();
      } else if (action === 'save') {
        const vals = editorValues(tr);
        if (!vals.content) { toast('任务内容不能为空。', true); return; }
        if (vals.start && vals.due && vals.start > vals.due) { toast('开始日期不能晚于完成时限。', true); return; }
        btn.disabled = true;
        if (!id) {
          await json('POST', base, vals);
          toast('已新增任务。');
        } else {
          const diff = changed(t, vals);
          if (!Object.keys(diff).length) { renderTasks(); return; }
          await json('PATCH', `${base}/${encodeURIComponent(id)}`, diff);
          toast(`已保存 ${id} 的修改（机器抽取原值保留）。`);
        }
        await refreshReview();
      } else if (action === 'delete' && t) {
        if (!window.confirm(`确定删除任务 ${t.id}？\n机器抽取的原值会保留，之后可以恢复。`)) return;
        await api(`${base}/${encodeURIComponent(id)}`, { method: 'DELETE' });
        toast(`已删除 ${id}。`);
        await refreshReview();
      } else if (action === 'revert' && t) {
        await api(`${base}/${encodeURIComponent(id)}/revert`, { method: 'POST' });
        toast(t.deleted ? `已恢复 ${id}。` : `${id} 已还原为机器抽取值。`);
        await refreshReview();
      }
    } catch (err) {
      btn.disabled = false;
      if (err.status !== 401) toast('操作失败：' + err.zh + (err.message ? '（' + err.message + '）' : ''), true);
    }
  }

  function wireDoc() {
    $('#task-table tbody').addEventListener('click', onTaskAction);
    $('#task-add').addEventListener('click', () => {
      if (!S.doc || $('#task-table tr.editing[data-task=""]')) return;
      const ed = editorRow(null);
      $('#task-table tbody').prepend(ed);
      $('textarea', ed).focus();
    });
    $('#show-machine').addEventListener('change', async () => {
      if (!S.doc) return;
      if ($('#show-machine').checked && !S.doc.machine) {
        try {
          S.doc.machine = (await api('/v1/documents/' + encodeURIComponent(S.doc.id) + '/tasks?view=machine')).items;
        } catch (e) { $('#show-machine').checked = false; toast('读取失败：' + e.zh, true); return; }
      }
      renderTasks();
    });
    $('#doc-review').addEventListener('click', async () => {
      if (!S.doc) return;
      const reviewed = (S.doc.doc.review || {}).reviewed;
      try {
        if (reviewed) await api('/v1/documents/' + encodeURIComponent(S.doc.id) + '/review', { method: 'DELETE' });
        else await json('POST', '/v1/documents/' + encodeURIComponent(S.doc.id) + '/review', {});
        toast(reviewed ? '已取消审核标记。' : '已标记为已审核。');
        await refreshReview();
      } catch (e) { if (e.status !== 401) toast('操作失败：' + e.zh, true); }
    });
    $('#doc-source').addEventListener('click', () => {
      if (S.doc) download('/v1/documents/' + encodeURIComponent(S.doc.id) + '/source', (S.doc.doc.source || {}).name || 'source');
    });
    $('#doc-export').addEventListener('change', e => {
      const fmt = e.target.value;
      e.target.value = '';
      if (!S.doc || !fmt) return;
      const base = '/v1/documents/' + encodeURIComponent(S.doc.id);
      if (fmt === 'gold') download(base + '/gold?download=true', S.doc.id + '.json');
      else download(`${base}?format=${fmt}`, `${S.doc.id}.${fmt}`);
    });
  }

  // ---------------------------------------------------------------------------------------------- ledger
  function ledgerParams() {
    const f = $('#ledger-filter');
    const p = new URLSearchParams();
    for (const k of ['owner', 'doc_number', 'q']) if (f[k].value.trim()) p.set(k, f[k].value.trim());
    if (f.reviewed.value) p.set('reviewed', f.reviewed.value);
    let after = null, before = null;
    if (f.month.value) [after, before] = monthRange(f.month.value);
    const st = f.status.value;
    if (st === 'soon') {
      const t = today(), t30 = addDays(t, 30);
      after = after && after > t ? after : t;
      before = before && before < t30 ? before : t30;
    } else if (st) p.set('status', st);
    if (after) p.set('due_after', after);
    if (before) p.set('due_before', before);
    return p;
  }

  async function loadLedger() {
    const p = ledgerParams();
    const items = [];
    let total = 0, offset = 0;
    $('#ledger-count').textContent = '正在读取…';
    try {
      for (;;) {
        p.set('limit', 500); p.set('offset', offset);
        const page = await api('/v1/tasks?' + p);
        items.push(...page.items);
        total = page.total;
        if (page.next_offset === null || page.next_offset === undefined || items.length >= 5000) break;
        offset = page.next_offset;
      }
    } catch (e) {
      if (e.status !== 401) $('#ledger-count').textContent = '读取失败：' + e.zh;
      return;
    }
    S.ledger.items = items;
    S.ledger.total = total;
    renderLedger();
  }

  function sortKey(t, key) {
    switch (key) {
      case 'owners': return [t.lead, ...list(t.owners)].filter(Boolean).join('、');
      case 'partners': return joinUnits(t.partners);
      case 'reviewed': return t.corrected ? 2 : t.reviewed ? 1 : 0;
      default: return t[key] ?? '';
    }
  }

  function renderLedger() {
    const { sort, dir } = S.ledger;
    const items = S.ledger.items.slice();
    const coll = new Intl.Collator('zh-CN');
    items.sort((a, b) => {
      const x = sortKey(a, sort), y = sortKey(b, sort);
      if (sort === 'due' || sort === 'time_text' || sort === 'stage' || sort === 'doc_number') {
        if (!x && y) return 1;   // empty values last in both directions
        if (x && !y) return -1;
      }
      const c = typeof x === 'number' ? x - y : coll.compare(String(x), String(y));
      return c * dir || String(a.id).localeCompare(String(b.id));
    });
    for (const th of $$('#ledger-table th')) {
      const b = $('button', th);
      if (b && b.dataset.sort === sort) th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    const frag = document.createDocumentFragment();
    for (const t of items) {
      const owners = [t.lead, ...list(t.owners)].filter(Boolean);
      frag.append(el('tr', { dataset: { uid: t.uid || t.id } },
        el('td', { class: 'date due ' + dueClass(t.due), text: t.due || '—' }),
        el('td', { class: 'content', text: t.content || '' }),
        el('td', { class: 'owners', text: Array.from(new Set(owners)).join('、') }),
        el('td', { class: 'partners', text: joinUnits(t.partners) }),
        el('td', { class: 'stage', text: t.stage || '' }),
        el('td', { text: t.time_text || '' }),
        el('td', { class: 'nowrap' }, el('a', { href: '#/doc/' + t.document_id, title: t.title || '' }, t.doc_number || t.source_name || t.document_id)),
        el('td', null, t.corrected ? el('span', { class: 'tag edit', text: '已修改' })
          : t.reviewed ? el('span', { class: 'tag ok', text: '已审核' }) : el('span', { class: 'tag', text: '未审核' }))));
    }
    if (!items.length) frag.append(el('tr', null, el('td', { colspan: 8, class: 'muted', text: '没有符合条件的任务。' })));
    $('#ledger-table tbody').replaceChildren(frag);
    const overdue = items.filter(t => t.due && t.due < today()).length;
    $('#ledger-count').textContent = `共 ${S.ledger.total} 项任务` + (items.length < S.ledger.total ? `（显示前 ${items.length} 项）` : '') +
      `，其中已逾期 ${overdue} 项。`;
  }

  function wireLedger() {
    const f = $('#ledger-filter');
    f.addEventListener('submit', e => { e.preventDefault(); loadLedger(); });
    f.addEventListener('reset', () => setTimeout(loadLedger, 0));
    for (const k of ['month', 'status', 'reviewed']) f[k].addEventListener('change', loadLedger);
    $('#ledger-table thead').addEventListener('click', e => {
      const b = e.target.closest('button[data-sort]');
      if (!b) return;
      if (S.ledger.sort === b.dataset.sort) S.ledger.dir = -S.ledger.dir;
      else { S.ledger.sort = b.dataset.sort; S.ledger.dir = 1; }
      renderLedger();
    });
    for (const b of $$('[data-export]')) {
      b.addEventListener('click', () => {
        const p = ledgerParams();
        p.set('format', b.dataset.export);
        download('/v1/tasks?' + p, 'tasks.' + b.dataset.export);
      });
    }
  }

  // ---------------------------------------------------------------------------------------------- start
  document.addEventListener('DOMContentLoaded', () => {
    $('#login-form').addEventListener('submit', onLogin);
    $('#logout').addEventListener('click', () => logout(S.authRequired === false ? '' : '已退出。'));
    window.addEventListener('hashchange', route);
    wireUpload();
    wireDocs();
    wireDoc();
    wireLedger();
    start();
  });
})();
