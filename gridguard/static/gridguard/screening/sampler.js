/* The sampler's point page (gridguard screening): scan a tube, then persons' codes; a USB/Bluetooth
   scanner types a code and Enter into the focused input. Every scan gets a client id and its device
   time when typed, goes into an IndexedDB queue first and is sent in batches to the scan API when
   online; the answers come back per scan. A batch whose answer was lost is sent again as it is: the
   server answers the same client ids from what it stored, so nothing is counted twice. Offline, the
   page still counts the current tube's places itself; the server's answer is the truth.
   No inline script (Content-Security-Policy): configuration comes from data- attributes and JSON. */
(function () {
  "use strict";

  var root = document.getElementById("sampler");
  if (!root) return;
  var T = JSON.parse(document.getElementById("sampler-strings").textContent);
  var MODES = JSON.parse(document.getElementById("sampler-modes").textContent);
  var API = root.getAttribute("data-api");
  var POINT = root.getAttribute("data-point");
  var ROUND = root.getAttribute("data-round");
  var ROUND_MODE = root.getAttribute("data-mode");
  var BATCH = 200;
  var RETRY_MS = 5000;
  var STATE_KEY = "gg-sampler-tube-" + ROUND + "-" + POINT;

  var $ = function (id) { return document.getElementById(id); };
  var input = $("scan-input");
  var form = $("scan-form");

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values && k in values ? values[k] : m; });
  }
  function capacityOf(mode) {
    for (var i = 0; i < MODES.length; i++) if (MODES[i].value === mode) return MODES[i].capacity;
    return 10;
  }
  function modeLabel(mode) {
    for (var i = 0; i < MODES.length; i++) if (MODES[i].value === mode) return MODES[i].label;
    return mode;
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function deviceId() {
    var id = localStorage.getItem("gg-sampler-device");
    if (!id) { id = "web-" + newId().slice(0, 12); localStorage.setItem("gg-sampler-device", id); }
    return id;
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : root.getAttribute("data-csrf");
  }
  var PERSON_CODE = /^N[A-Z2-7]{16}$/;
  var ID_NUMBER = /^(\d{15}|\d{17}[\dX])$/;
  var TUBE_CODE = /^[0-9A-Za-z-]{6,40}$/;

  // --- sound: a short beep per answer, a tone per level (Web Audio; no file to load) ----------
  var audio = null;
  function beep(level) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      var tones = level === "ok" ? [[880, 0.12]] : level === "warn" ? [[660, 0.12], [660, 0.12]] : [[220, 0.45]];
      var t = audio.currentTime;
      tones.forEach(function (tone) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = level === "error" ? "square" : "sine";
        osc.frequency.value = tone[0];
        gain.gain.setValueAtTime(0.25, t);
        gain.gain.exponentialRampToValueAtTime(0.001, t + tone[1]);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(t); osc.stop(t + tone[1]);
        t += tone[1] + 0.06;
      });
    } catch (e) { /* no sound on this device */ }
  }

  // --- the IndexedDB queue ------------------------------------------------------------------
  var dbPromise = new Promise(function (resolve, reject) {
    var open = indexedDB.open("gg-sampler", 1);
    open.onupgradeneeded = function () {
      var store = open.result.createObjectStore("queue", { keyPath: "client_id" });
      store.createIndex("seq", "seq");
    };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });
  function tx(mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction("queue", mode), result;
        result = work(t.objectStore("queue"));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function queuePut(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function queueDelete(ids) { return tx("readwrite", function (s) { ids.forEach(function (id) { s["delete"](id); }); }); }
  function queueAll() {
    return tx("readonly", function (s) { return s.index("seq").getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.point === POINT && i.round === ROUND; });
    });
  }
  var seq = Date.now() * 1000;

  // --- state of the current tube --------------------------------------------------------------
  // tube: {code, mode, capacity, used, status, members:[{sample_id, person}], exists}
  var tube = null;
  var pending = {};  // client id -> {code, tube_code}: queued and not answered yet
  var netDown = !navigator.onLine;
  var scanTicket = 0;  // one per scan: a late answer to an earlier scan must not cover a newer one's
  var answersSeen = 0;  // batches answered: a tube read before the latest answers is stale

  function saveTube() {
    try { localStorage.setItem(STATE_KEY, JSON.stringify(tube)); } catch (e) { /* full */ }
  }
  function pendingFor(code) {
    var seen = {}, n = 0;
    Object.keys(pending).forEach(function (id) {
      var p = pending[id];
      if (p.tube_code === code && !seen[p.code]) { seen[p.code] = 1; n++; }
    });
    return n;
  }
  function memberHas(code) {
    return Object.keys(pending).some(function (id) { return pending[id].tube_code === tube.code && pending[id].code === code; });
  }

  function renderTube() {
    var card = $("tube-card");
    if (!tube) {
      card.setAttribute("data-state", "none");
      $("tube-code").textContent = "—";
      $("tube-mode").textContent = "";
      $("tube-used").textContent = "0";
      $("tube-capacity").textContent = "–";
      $("tube-left").textContent = T.no_tube;
      $("close-tube").disabled = true;
      $("scan-label").textContent = T.scan_tube;
      renderMembers();
      return;
    }
    var used = tube.used + pendingFor(tube.code);
    var left = Math.max(0, tube.capacity - used);
    card.setAttribute("data-state", tube.status !== "open" || left === 0 ? "full" : left <= 2 ? "low" : "open");
    $("tube-code").textContent = tube.code;
    $("tube-mode").textContent = modeLabel(tube.mode) + (tube.status !== "open" ? " · " + (tube.status_name || "") : "");
    $("tube-used").textContent = String(used);
    $("tube-capacity").textContent = String(tube.capacity);
    $("tube-left").textContent = tube.status !== "open" ? fmt(T.tube_closed, { code: tube.code }) : fmt(T.left, { n: left });
    $("close-tube").disabled = tube.status !== "open";
    $("scan-label").textContent = tube.status === "open" ? T.scan_person : T.scan_tube;
    renderMembers();
  }

  function renderMembers() {
    var list = $("members");
    list.textContent = "";
    var members = tube ? (tube.members || []).slice() : [];
    if (tube) {
      var seen = {};
      Object.keys(pending).forEach(function (id) {
        var p = pending[id];
        if (p.tube_code === tube.code && !seen[p.code]) {
          seen[p.code] = 1;
          members.push({ person: maskCode(p.code), queued: true });
        }
      });
    }
    $("members-count").textContent = tube ? "(" + members.length + ")" : "";
    if (!members.length) {
      var empty = document.createElement("li");
      empty.className = "muted small empty";
      empty.textContent = T.members_none;
      list.appendChild(empty);
    }
    members.forEach(function (m) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "member-name";
      name.textContent = m.person;
      li.appendChild(name);
      if (m.queued) {
        li.className = "queued";
        var tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = T.queued;
        li.appendChild(tag);
      }
      if (m.cross_area) {
        var cross = document.createElement("span");
        cross.className = "tag";
        cross.textContent = T.cross_area;
        li.appendChild(cross);
      }
      if (m.sampled_at) {
        var at = document.createElement("span");
        at.className = "small muted";
        at.textContent = " " + new Date(m.sampled_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        li.appendChild(at);
      }
      if (m.sample_id) {
        var move = document.createElement("button");
        move.type = "button";
        move.className = "secondary small move";
        move.textContent = T.move;
        move.setAttribute("data-sample", m.sample_id);
        move.setAttribute("data-person", m.person);
        li.appendChild(move);
      }
      list.appendChild(li);
    });
  }

  function renderNet() {
    var el = $("net-state");
    el.textContent = netDown ? T.offline : T.online;
    el.className = "pill " + (netDown ? "offline" : "online");
    var n = Object.keys(pending).length;
    var q = $("queue-count");
    q.hidden = n === 0;
    q.textContent = fmt(T.queued_count, { n: n });
  }

  // --- the answer shown in large text, the log of this device's scans -------------------------
  var lastNeedsConfirm = null;
  function showAnswer(level, text, detail) {
    var box = $("answer");
    box.hidden = false;
    box.className = "answer " + level;
    $("answer-text").textContent = text;
    $("answer-detail").textContent = detail || "";
    $("confirm-cross").hidden = true;
    lastNeedsConfirm = null;
  }

  function logRow(id, code, tubeCode) {
    var li = document.createElement("li");
    li.id = "scan-" + id;
    li.className = "queued";
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = T.queued;
    var what = document.createElement("span");
    what.className = "what";
    what.textContent = tubeCode + " · " + maskCode(code);
    var msg = document.createElement("span");
    msg.className = "msg";
    li.appendChild(state);
    li.appendChild(what);
    li.appendChild(msg);
    var log = $("log");
    log.insertBefore(li, log.firstChild);
    while (log.children.length > 60) log.removeChild(log.lastChild);
    return li;
  }
  function maskCode(code) {
    return ID_NUMBER.test(code) ? code.slice(0, 6) + "********" + code.slice(-4)
      : code.length > 6 ? code.slice(0, 1) + "…" + code.slice(-4) : code;
  }
  function logAnswer(answer) {
    var li = $("scan-" + answer.client_id);
    if (!li) return;
    li.className = answer.level;
    li.querySelector(".state").textContent = answer.ok ? "✓" : answer.level === "warn" ? "!" : "✗";
    li.querySelector(".msg").textContent = answer.message;
  }

  // --- scanning ------------------------------------------------------------------------------
  function setTube(code) {
    code = code.toUpperCase();
    if (!TUBE_CODE.test(code)) { showAnswer("error", T.bad_tube); beep("error"); return; }
    var mode = $("mode").value || ROUND_MODE;
    tube = { code: code, mode: mode, capacity: capacityOf(mode), used: 0, status: "open", members: [], exists: false };
    saveTube();
    renderTube();
    showAnswer("info", fmt(T.tube_new, { code: code, mode: modeLabel(mode), capacity: tube.capacity }));
    refreshTube(true);
  }

  function enqueue(code, extra) {
    var id = newId();
    var item = {
      client_id: id, tube_code: tube.code, code: code, device_time: new Date().toISOString(),
      confirm: !!(extra && extra.confirm), mode: tube.exists ? "" : tube.mode,
      name: (extra && extra.name) || "", phone: (extra && extra.phone) || "",
      point: POINT, round: ROUND, seq: seq++
    };
    pending[id] = { code: code, tube_code: tube.code };
    logRow(id, code, tube.code);
    renderTube();
    renderNet();
    var ticket = scanTicket;
    return queuePut(item).then(function () {
      // the phone's storage may take longer than the next scan: that scan's own answer stays shown
      if (netDown && ticket === scanTicket) {
        showAnswer("queued", T.queued_offline, fmt(T.left, { n: Math.max(0, tube.capacity - tube.used - pendingFor(tube.code)) }));
        beep("ok");
      }
      drain();
    });
  }

  function onScan(raw) {
    var code = raw.replace(/\s+/g, "").toUpperCase();
    if (!code) return;
    scanTicket++;
    var personLike = PERSON_CODE.test(code) || ID_NUMBER.test(code);
    if (!tube) {
      // the first code is the tube's (a person's code here is a mistake: say so)
      if (PERSON_CODE.test(code)) { showAnswer("error", T.no_tube); beep("error"); return; }
      setTube(code);
      return;
    }
    if (!personLike && TUBE_CODE.test(code)) {
      // a scanner at the point reads the next tube's barcode: that tube is now the current one
      if (code !== tube.code) setTube(code); else renderTube();
      return;
    }
    // Offline (or the server unreachable), the page counts the tube's places itself; online the
    // server answers (a full or closed tube too).
    var used = tube.used + pendingFor(tube.code);
    if (netDown && (used >= tube.capacity || tube.status !== "open") && !memberHas(code)) {
      showAnswer("error", fmt(T.local_full, { used: used, capacity: tube.capacity }));
      beep("error");
      return;
    }
    enqueue(code);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value;
    input.value = "";
    onScan(value);
    input.focus();
  });

  // --- sending the queue ----------------------------------------------------------------------
  var sending = false;
  var retryTimer = null;
  function scheduleRetry() {
    if (!retryTimer) retryTimer = setTimeout(function () { retryTimer = null; drain(); }, RETRY_MS);
  }

  function post(path, body) {
    return fetch(API + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify(body)
    });
  }

  function drain() {
    if (sending) return;
    if (!navigator.onLine) { netDown = true; renderNet(); return; }
    sending = true;
    queueAll().then(function (items) {
      if (!items.length) { sending = false; return; }
      var batch = items.slice(0, BATCH);
      batch.forEach(function (i) {
        var li = $("scan-" + i.client_id);
        if (li) li.querySelector(".state").textContent = T.sending;
      });
      var scans = batch.map(function (i) {
        return { client_id: i.client_id, tube_code: i.tube_code, code: i.code, device_time: i.device_time,
                 confirm: i.confirm, mode: i.mode, name: i.name, phone: i.phone };
      });
      return post("scans", { scans: scans, device: deviceId() }).then(function (response) {
        netDown = false;
        if (response.ok) return response.json().then(function (data) { return answered(batch, data.answers); });
        return response.json().catch(function () { return {}; }).then(function (err) {
          if (response.status === 401 || response.status === 403 || response.status >= 500 || response.status === 429) {
            showAnswer("error", response.status >= 500 ? T.net_error : (err.message || T.login_again));
            beep("error");
            throw new Error("retry");
          }
          // the batch itself was refused (a bug of this page or a stale queue): say so, drop it
          var message = fmt(T.batch_refused, { message: err.message || response.status });
          batch.forEach(function (i) {
            delete pending[i.client_id];
            logAnswer({ client_id: i.client_id, ok: false, level: "error", message: message });
          });
          showAnswer("error", message);
          beep("error");
          return queueDelete(batch.map(function (i) { return i.client_id; }));
        });
      }, function () {
        netDown = true;
        throw new Error("retry");
      });
    }).then(function () {
      sending = false;
      renderNet();
      queueAll().then(function (rest) { if (rest.length) drain(); });
    }, function () {
      sending = false;
      renderNet();
      batchPending();
      scheduleRetry();
    });
  }
  function batchPending() {
    Object.keys(pending).forEach(function (id) {
      var li = $("scan-" + id);
      if (li) li.querySelector(".state").textContent = T.queued;
    });
  }

  function answered(batch, answers) {
    var worst = "ok", bad = 0, last = null;
    answersSeen++;
    answers.forEach(function (a) {
      var p = pending[a.client_id];
      delete pending[a.client_id];
      logAnswer(a);
      if (!a.ok) bad++;
      if (a.level === "error" || (a.level === "warn" && worst === "ok")) worst = a.level;
      last = a;
      if (tube && a.tube_code === tube.code) {
        if (a.tube_used !== null && a.tube_used !== undefined) tube.used = a.tube_used;
        else if (a.replay && a.ok && a.outcome !== "repeat") tube.used += 1;  // until the tube is read again
        if (a.ok && a.outcome !== "repeat") {
          tube.exists = true;
          tube.members = (tube.members || []).concat([{ person: a.person, sample_id: null }]);
        }
        if (a.outcome === "tube_closed" || (a.tube_capacity && a.tube_used >= a.tube_capacity)) tube.status = "closed";
        if (a.outcome === "tube_other_round") tube.status = "other";
      }
      a._code = p ? p.code : "";
    });
    saveTube();
    renderTube();
    if (answers.length === 1 || (last && !bad)) {
      showScanAnswer(last);
    } else {
      showAnswer(worst, fmt(T.batch_done, { n: answers.length, ok: answers.length - bad, bad: bad }));
      var firstBad = answers.filter(function (a) { return !a.ok; })[0];
      if (firstBad) $("answer-detail").textContent = firstBad.message;
    }
    beep(worst);
    return queueDelete(batch.map(function (i) { return i.client_id; })).then(function () {
      if (tube && tube.exists) refreshTube();
    });
  }

  function showScanAnswer(a) {
    var detail = "";
    if (tube && a.tube_code === tube.code && tube.status !== "open" && a.ok) detail = T.tube_full_closed;
    showAnswer(a.level, a.message, detail);
    if (a.outcome === "needs_confirm" || a.outcome === "person_inactive") {
      lastNeedsConfirm = { code: a._code, tube_code: a.tube_code };
      $("confirm-cross").hidden = false;
    }
    if (a.outcome === "id_unknown") openWalkIn(a._code);
  }

  $("confirm-cross").addEventListener("click", function () {
    var c = lastNeedsConfirm;
    if (!c || !tube || tube.code !== c.tube_code) return;
    $("confirm-cross").hidden = true;
    enqueue(c.code, { confirm: true });  // a new client id: the first answer stays as it was
    input.focus();
  });

  // --- walk-ins: an identity number the ledger does not know, registered with a name ----------
  function openWalkIn(code) {
    $("walkin-id").value = code;
    $("walkin-name").value = "";
    $("walkin-phone").value = "";
    $("walkin-form").hidden = false;
    $("walkin-name").focus();
  }
  $("walkin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!tube) return;
    var name = $("walkin-name").value.trim();
    if (!name) { $("walkin-name").focus(); return; }
    $("walkin-form").hidden = true;
    enqueue($("walkin-id").value, { name: name, phone: $("walkin-phone").value.trim() });
    input.focus();
  });
  $("walkin-cancel").addEventListener("click", function () { $("walkin-form").hidden = true; input.focus(); });

  // --- the tube as the server knows it; closing; moving a person ------------------------------
  // announce: the tube was just scanned or picked, so say at once if it cannot take anyone
  function refreshTube(announce) {
    if (!tube || netDown) return;
    var code = tube.code, seen = answersSeen;
    fetch(API + "tubes/" + encodeURIComponent(code), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (r) {
        if (!tube || tube.code !== code) return;
        if (seen !== answersSeen) { refreshTube(false); return; }  // answers came meanwhile: read it again
        if (!r.ok) {
          tube.status = "other";
          renderTube();
          if (announce) { showAnswer("error", r.data.message || T.bad_tube); beep("error"); }
          return;
        }
        var d = r.data;
        if (d.exists) {
          tube.mode = d.mode; tube.capacity = d.capacity; tube.used = d.used; tube.status = d.status;
          tube.status_name = d.status_name; tube.members = d.members; tube.exists = true;
        }
        saveTube();
        renderTube();
        if (announce && d.exists && d.status !== "open") { showAnswer("error", fmt(T.tube_closed, { code: code })); beep("error"); }
        else if (announce && d.exists) showAnswer("info", fmt(T.tube_current, { code: code }), fmt(T.left, { n: d.left }));
      }, function () { /* offline: the page keeps its own count */ });
    loadOpenTubes();
  }

  function loadOpenTubes() {
    fetch(API + "tubes", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        var list = $("open-tubes");
        list.textContent = "";
        rows.forEach(function (t) {
          var li = document.createElement("li");
          var b = document.createElement("button");
          b.type = "button";
          b.className = "secondary tube-pick";
          b.setAttribute("data-code", t.code);
          b.textContent = t.code + "  " + t.used + "/" + t.capacity;
          li.appendChild(b);
          list.appendChild(li);
        });
      }, function () { /* offline */ });
  }
  $("open-tubes").addEventListener("click", function (event) {
    var b = event.target.closest("[data-code]");
    if (!b) return;
    tube = { code: b.getAttribute("data-code"), mode: ROUND_MODE, capacity: capacityOf(ROUND_MODE), used: 0,
             status: "open", members: [], exists: true };
    renderTube();
    refreshTube(true);
    input.focus();
  });

  $("new-tube").addEventListener("click", function () {
    tube = null;
    saveTube();
    renderTube();
    $("answer").hidden = true;
    input.focus();
  });

  $("close-tube").addEventListener("click", function () {
    if (!tube) return;
    if (netDown) { showAnswer("error", T.need_online); beep("error"); return; }
    var code = tube.code;
    post("tubes/" + encodeURIComponent(code) + "/close", {}).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          showAnswer("error", tube && tube.used + pendingFor(code) === 0 ? T.close_empty : data.message);
          beep("error");
          return;
        }
        tube = null;
        saveTube();
        renderTube();
        showAnswer("ok", fmt(T.closed, { code: code }));
        beep("ok");
        loadOpenTubes();
      });
    }, function () { netDown = true; renderNet(); showAnswer("error", T.need_online); });
    input.focus();
  });

  $("members").addEventListener("click", function (event) {
    var b = event.target.closest("button.move");
    if (!b) return;
    var f = $("move-form");
    f.setAttribute("data-sample", b.getAttribute("data-sample"));
    $("move-who").textContent = b.getAttribute("data-person") + " → ";
    $("move-error").textContent = "";
    f.hidden = false;
    $("move-to").value = "";
    $("move-to").focus();
  });
  $("move-cancel").addEventListener("click", function () { $("move-form").hidden = true; input.focus(); });
  $("move-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (netDown) { $("move-error").textContent = T.need_online; return; }
    var f = $("move-form");
    var to = $("move-to").value.replace(/\s+/g, "").toUpperCase();
    post("samples/" + f.getAttribute("data-sample") + "/move", { to_tube: to, reason: $("move-reason").value })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { $("move-error").textContent = data.message || ""; beep("error"); return; }
          f.hidden = true;
          showAnswer("ok", fmt(T.moved, { code: data.to_tube.code }));
          beep("ok");
          refreshTube();
          input.focus();
        });
      }, function () { $("move-error").textContent = T.need_online; });
  });

  function loadConflicts() {
    if (root.getAttribute("data-leader") !== "1") return;
    fetch(API + "conflicts", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        var body = $("conflicts");
        var heads = body.closest("table").querySelectorAll("th");
        body.textContent = "";
        rows.forEach(function (c) {
          var tr = document.createElement("tr");
          [c.person, c.kept_tube + " · " + (c.kept_device || ""), c.refused_tube + " · " + (c.refused_device || "")]
            .forEach(function (text, i) {
              var td = document.createElement("td");
              td.setAttribute("data-label", heads[i].textContent);
              td.textContent = text;
              tr.appendChild(td);
            });
          body.appendChild(tr);
        });
      }, function () { /* offline */ });
  }

  // --- the phone's camera: the browser's own BarcodeDetector (Chrome on Android), no library ------
  // Where the browser has none (Safari, desktop Linux), the button stays hidden and a scanner or
  // the keyboard is used.
  var camera = null;
  function cameraStop() {
    if (!camera) return;
    camera.stream.getTracks().forEach(function (t) { t.stop(); });
    clearTimeout(camera.timer);
    camera = null;
    $("camera-video").hidden = true;
    $("camera-toggle").textContent = T.camera_start;
  }
  function cameraLoop() {
    if (!camera) return;
    camera.detector.detect($("camera-video")).then(function (codes) {
      if (!camera) return;
      var now = Date.now();
      codes.forEach(function (c) {
        var value = (c.rawValue || "").trim();
        if (!value || (value === camera.last && now - camera.lastAt < 2500)) return;
        camera.last = value;
        camera.lastAt = now;
        onScan(value);
      });
      camera.timer = setTimeout(cameraLoop, 250);
    }, function () { if (camera) camera.timer = setTimeout(cameraLoop, 500); });
  }
  if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      var wanted = ["qr_code", "code_128", "code_39", "codabar", "ean_13", "itf"].filter(function (f) {
        return formats.indexOf(f) >= 0;
      });
      if (wanted.indexOf("qr_code") < 0) return;
      $("camera").hidden = false;
      $("camera-toggle").textContent = T.camera_start;
      $("camera-toggle").addEventListener("click", function () {
        if (camera) { cameraStop(); return; }
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (stream) {
          var video = $("camera-video");
          camera = { stream: stream, detector: new window.BarcodeDetector({ formats: wanted }), last: "", lastAt: 0, timer: null };
          video.srcObject = stream;
          video.hidden = false;
          video.play();
          $("camera-toggle").textContent = T.camera_stop;
          cameraLoop();
        }, function () { showAnswer("error", T.camera_denied); });
      });
    }, function () { /* no formats: no camera button */ });
  }
  window.addEventListener("pagehide", cameraStop);

  // --- network state; the service worker --------------------------------------------------------
  window.addEventListener("online", function () { netDown = false; renderNet(); drain(); refreshTube(); });
  window.addEventListener("offline", function () { netDown = true; renderNet(); });
  setInterval(function () { if (Object.keys(pending).length) drain(); }, RETRY_MS);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: root.getAttribute("data-sw-scope") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        // the page that registered the worker was fetched before it: keep this copy for offline loads
        return caches.keys().then(function (keys) {
          var name = keys.filter(function (k) { return k.indexOf("gg-sampler-") === 0; })[0];
          return name ? caches.open(name).then(function (c) { return c.add(location.pathname); }) : null;
        });
      })
      .then(function () { root.setAttribute("data-offline-ready", "1"); }, function () { /* no offline copy */ });
  }

  // --- start: the tube in use before a reload, the scans still queued ----------------------------
  try { tube = JSON.parse(localStorage.getItem(STATE_KEY) || "null"); } catch (e) { tube = null; }
  renderTube();
  renderNet();
  queueAll().then(function (items) {
    items.forEach(function (i) {
      pending[i.client_id] = { code: i.code, tube_code: i.tube_code };
      logRow(i.client_id, i.code, i.tube_code);
    });
    renderTube();
    renderNet();
    drain();
  });
  if (tube) refreshTube(); else loadOpenTubes();
  loadConflicts();
  input.focus();
  root.setAttribute("data-ready", "1");  // the handlers are in place: scans typed now are caught
})();
