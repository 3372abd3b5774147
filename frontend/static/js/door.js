/* The door's scanner (frontend/pages/door.py): scan, type or search, see green / orange / red at a glance.

   Online, every scan is posted at once and the server's answer is shown. When the network drops (or a request
   fails), the page answers from its local copy of the door list (names, partners, states and the SHA-256 of each
   code: never an e-mail address, a birth date or a code) and queues the scan in localStorage; the queue is sent
   as one batch when the network returns, and survives a reload. Two phones that checked in one person offline end
   in one check-in, the earliest: the later phone is told when it syncs.
   No inline scripts: the page's Content-Security-Policy forbids them; the data comes in a JSON block. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("door-data").textContent);
  var S = data.strings;
  var base = "/organiseren/" + encodeURIComponent(data.slug) + "/inchecken";
  var KEY = "ng-door:" + data.slug + ":";
  var headers = {};
  try { headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { headers = {}; }

  var el = function (id) { return document.getElementById(id); };
  var list = load("list", null);      // the door list (DoorListOut) with local marks for queued scans
  var queue = load("queue", []);      // scans not yet sent: {client_id, code | ticket, scanned_at, name}
  var log = load("log", []);          // the last scans on this phone, newest first
  var online = navigator.onLine !== false;
  var syncing = false;
  var byHash = {}, byTicket = {}, byPlace = {};
  var lastCode = {};                  // code -> time it was last handled (the camera sees a code many times)
  var shown = null;                   // what the panel shows: {checkin id, ticket, client_id, name}

  // ---------------------------------------------------------------- storage and text
  function load(name, fallback) {
    try { var v = localStorage.getItem(KEY + name); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(name, value) {
    try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* full or private: keep going */ }
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }
  function time(iso) {
    return new Date(iso).toLocaleTimeString(data.lang === "en" ? "en-GB" : "nl-NL",
      {hour: "2-digit", minute: "2-digit", timeZone: data.timezone});
  }
  function day(iso) {
    return new Date(iso).toLocaleDateString(data.lang === "en" ? "en-GB" : "nl-NL",
      {day: "numeric", month: "long", timeZone: data.timezone});
  }
  function device() {
    var name = localStorage.getItem("ng-door:device");
    if (!name) {
      name = "Deur " + Math.random().toString(36).slice(2, 5).toUpperCase();
      try { localStorage.setItem("ng-door:device", name); } catch (e) { /* ignore */ }
    }
    return name;
  }
  function newId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }
  function normaliseCode(raw) { return String(raw || "").replace(/\s+/g, "").toUpperCase(); }
  function normaliseName(text) {
    return String(text).toLowerCase().replace(/ß/g, "ss").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/-/g, " ").split(/\s+/).filter(Boolean);
  }
  function matches(query, name) {
    var wanted = normaliseName(query), words = normaliseName(name);
    return wanted.length > 0 && wanted.every(function (q) {
      return words.some(function (w) { return w.indexOf(q) === 0; });
    });
  }
  async function sha256(text) {
    if (!window.crypto || !crypto.subtle) { return null; }
    var digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // ---------------------------------------------------------------- the door list
  function index() {
    byHash = {}; byTicket = {}; byPlace = {};
    if (!list) { return; }
    list.entries.forEach(function (e) {
      if (e.code_sha256) { byHash[e.code_sha256] = e; }
      if (e.ticket) { byTicket[e.ticket] = e; }
      byPlace[e.place] = e;
    });
    queue.forEach(markQueued);
  }
  function markQueued(item) {
    var entry = item.ticket ? byTicket[item.ticket] : (item.hash ? byHash[item.hash] : null);
    if (entry && !entry.checkin) {
      entry.checkin = {id: null, scanned_at: item.scanned_at, device: device(), by: S.you, queued: true};
    }
  }
  async function refreshList() {
    try {
      var res = await request("GET", "/lijst");
      if (res.status === 200 && res.body) { list = res.body; save("list", list); index(); }
    } catch (e) { setOnline(false); }
    render();
  }

  // ---------------------------------------------------------------- network
  async function request(method, path, body) {
    var init = {method: method, credentials: "same-origin",
                headers: Object.assign({"accept": "application/json"}, headers)};
    if (body !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
    var response = await fetch(base + path, init);  // a network failure throws: the caller goes offline
    var json = null;
    try { json = await response.json(); } catch (e) { json = null; }
    return {status: response.status, body: json};
  }
  function setOnline(value) {
    online = value;
    render();
    if (online) { sync(); }
  }
  async function sync() {
    if (syncing || !online || !queue.length) { return; }
    syncing = true;
    var batch = queue.slice(0, 200);
    try {
      var res = await request("POST", "/batch", {device: device(), items: batch.map(function (i) {
        return i.ticket ? {ticket: i.ticket, scanned_at: i.scanned_at, client_id: i.client_id}
                        : {code: i.code, scanned_at: i.scanned_at, client_id: i.client_id};
      })});
      if (res.status === 200 && res.body) {
        var done = {};
        res.body.results.forEach(function (r) { done[r.client_id] = r; });
        queue = queue.filter(function (i) { return !done[i.client_id]; });
        save("queue", queue);
        res.body.results.forEach(told);
        syncing = false;
        if (queue.length) { return sync(); }
        await refreshList();
      } else {
        syncing = false;
      }
    } catch (e) {
      syncing = false;
      setOnline(false);
    }
    render();
  }
  // What the server said about a scan this phone made offline.
  function told(result) {
    var entry = log.find(function (l) { return l.client_id === result.client_id; });
    if (!entry) { return; }
    entry.queued = false;
    if (result.outcome === "refused") {
      entry.colour = "red";
      entry.note = fill(S.refused_after_sync, {name: entry.name, reason: refusalText(result.refusal)});
      notice(entry.note);
    } else if (result.outcome === "already_checked_in" && result.scan.checkin.device !== device()) {
      var c = result.scan.checkin;
      entry.colour = "orange";
      entry.note = fill(S.earlier_elsewhere, {name: entry.name, device: c.device, time: time(c.scanned_at)});
      notice(entry.note);
    } else if (result.scan) {
      entry.checkin = result.scan.checkin.id;
    }
    save("log", log);
  }
  // What the server said later about an offline scan: stays until the next one (the status line keeps changing).
  function notice(text) {
    var line = el("door-notice");
    line.textContent = text;
    line.hidden = false;
  }

  // ---------------------------------------------------------------- scanning
  async function scanCode(raw, how) {
    var code = normaliseCode(raw);
    if (!code) { return; }
    var now = Date.now();
    if (how === "camera" && lastCode[code] && now - lastCode[code] < 4000) { return; }
    lastCode[code] = now;
    await submit({code: code});
  }
  async function submit(item) {
    item.client_id = newId();
    item.scanned_at = new Date().toISOString();
    if (item.code) { item.hash = await sha256(item.code); }
    if (online) {
      try {
        // Online, the server times the scan: only queued offline scans carry the phone's own time.
        var body = {device: device(), client_id: item.client_id};
        if (item.ticket) { body.ticket = item.ticket; } else { body.code = item.code; }
        var res = await request("POST", "/scan", body);
        if (res.status === 200 && res.body) { return showScan(res.body, item); }
        if (res.body && res.body.code) { return showRefusal(res.body, item); }
        return showPanel("red", S.refused, S.error, "", null);
      } catch (e) {
        online = false;  // then answer from the list below, and queue
      }
    }
    offlineScan(item);
  }
  function offlineScan(item) {
    var entry = item.ticket ? byTicket[item.ticket] : (item.hash ? byHash[item.hash] : null);
    if (!list) {
      enqueue(item, item.code);
      showPanel("orange", item.code, S.offline_no_list, "", null);
    } else if (!entry) {
      showPanel("red", S.refused, S.offline_unknown, "", null);
      remember({name: item.code || "?", colour: "red", note: S.offline_unknown});
    } else if (entry.verdict !== "admit") {
      var text = refusalText({code: entry.verdict, voided_at: entry.voided_at});
      showPanel("red", entry.name, text, "", null);
      remember({name: entry.name, colour: "red", note: text});
    } else if (entry.checkin) {
      var c = entry.checkin;
      showPanel("orange", fill(S.already, {name: entry.name}),
                fill(S.already_detail, {time: time(c.scanned_at), device: c.device, by: c.by || ""}),
                partnerLine(byPlace[entry.partner_place]), null, byPlace[entry.partner_place]);
      remember({name: entry.name, colour: "orange"});
    } else {
      item.ticket = item.ticket || entry.ticket;
      enqueue(item, entry.name);
      markQueued(item);
      save("list", list);
      var partner = byPlace[entry.partner_place];
      showPanel("green", fill(S.welcome, {name: entry.name}), S.offline_green, partnerLine(partner),
                {client_id: item.client_id, name: entry.name}, partner);
    }
    render();
  }
  function enqueue(item, name) {
    item.name = name;
    queue.push(item);
    save("queue", queue);
    remember({name: name, colour: "green", queued: true, client_id: item.client_id});
  }
  function remember(entry) {
    entry.at = new Date().toISOString();
    log.unshift(entry);
    log = log.slice(0, 30);
    save("log", log);
  }

  // ---------------------------------------------------------------- the panel
  function partnerLine(partner) {
    if (!partner) { return ""; }
    if (partner.checkin) { return fill(S.partner_in, {name: partner.name, time: time(partner.checkin.scanned_at)}); }
    if (partner.admits === false || (partner.verdict && partner.verdict !== "admit")) {
      return fill(S.partner_refused, {name: partner.name});
    }
    return fill(S.partner_expected, {name: partner.name});
  }
  function showScan(scan, item) {
    var c = scan.checkin, person = scan.person, partner = scan.partner;
    var entry = byTicket[person.ticket];
    if (entry) { entry.checkin = c; save("list", list); }
    if (partner && partner.ticket && byTicket[partner.ticket]) { byTicket[partner.ticket].checkin = partner.checkin; }
    var target = {checkin: c.id, client_id: item.client_id, name: person.name};
    var helper = partner && partner.admits && !partner.checkin ? {ticket: partner.ticket, name: partner.name} : null;
    if (scan.already_checked_in) {
      showPanel("orange", fill(S.already, {name: person.name}),
                fill(S.already_detail, {time: time(c.scanned_at), device: c.device, by: c.by || ""}),
                partnerLine(partner), target, helper);
      remember({name: person.name, colour: "orange", checkin: c.id});
    } else {
      showPanel("green", fill(S.welcome, {name: person.name}), "", partnerLine(partner), target, helper);
      remember({name: person.name, colour: "green", checkin: c.id, client_id: item.client_id});
    }
    render();
  }
  function refusalText(problem) {
    var text = S[problem.code] || problem.detail || S.error;
    return fill(text, {day: problem.voided_at ? day(problem.voided_at) :
                             (problem.event ? day(problem.event.starts_at) : ""),
                       title: problem.event ? problem.event.title : ""});
  }
  function showRefusal(problem, item) {
    var known = S[problem.code] !== undefined;
    var text = known ? refusalText(problem) : (problem.detail || S.error);
    showPanel("red", problem.name || S.refused, text, "", null);
    remember({name: problem.name || item.code || "?", colour: "red", note: text});
    render();
  }
  function showPanel(colour, title, line, partner, target, helper) {
    var panel = el("door-result");
    panel.className = "door-result door-result--" + colour;
    el("door-result-title").textContent = title;
    el("door-result-line").textContent = line || "";
    el("door-result-partner").textContent = partner || "";
    panel.hidden = false;
    shown = target;
    el("door-undo").hidden = !target;
    var also = el("door-partner");
    var mate = helper && helper.ticket ? helper : null;
    if (mate && mate.verdict !== undefined) {  // a door-list entry (offline)
      mate = mate.verdict === "admit" && !mate.checkin ? {ticket: mate.ticket, name: mate.name} : null;
    }
    also.hidden = !(colour !== "red" && mate);
    if (mate) { also.textContent = fill(S.also_partner, {name: mate.name}); also.dataset.ticket = mate.ticket; }
    signal(colour);
  }
  var audio = null;
  function signal(colour) {
    if (navigator.vibrate) { navigator.vibrate(colour === "green" ? 80 : colour === "orange" ? [80, 60, 80] : [250, 80, 250]); }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = colour === "green" ? 880 : colour === "orange" ? 560 : 220;
      gain.gain.value = 0.08;
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + (colour === "red" ? 0.45 : 0.12));
    } catch (e) { /* no sound: the panel is enough */ }
  }
  async function undo() {
    if (!shown) { return; }
    var target = shown;
    var queued = queue.findIndex(function (i) { return i.client_id === target.client_id; });
    if (queued >= 0) {  // not sent yet: forget it here
      var item = queue.splice(queued, 1)[0];
      save("queue", queue);
      var entry = item.ticket ? byTicket[item.ticket] : byHash[item.hash];
      if (entry && entry.checkin && entry.checkin.queued) { entry.checkin = null; save("list", list); }
    } else if (target.checkin) {
      try {
        var res = await request("POST", "/" + target.checkin + "/ongedaan");
        if (res.status !== 200) { return showPanel("red", S.refused, S.error, "", null); }
        var back = byTicket[res.body.ticket];
        if (back) { back.checkin = null; save("list", list); }
      } catch (e) { setOnline(false); return showPanel("red", S.refused, S.error, "", null); }
    }
    log = log.filter(function (l) { return l.client_id !== target.client_id || !target.client_id; });
    remember({name: target.name, colour: "red", note: fill(S.undone, {name: target.name})});
    showPanel("orange", fill(S.undone, {name: target.name}), "", "", null);
    render();
  }

  // ---------------------------------------------------------------- the rest of the page
  function render() {
    var status = el("door-status");
    var parts = [online ? S.status_online : S.status_offline];
    if (queue.length) { parts.push(fill(S.status_queue, {num: queue.length})); }
    if (list) { parts.push(fill(S.status_list, {time: time(list.generated_at)})); }
    status.textContent = parts.join(", ");
    status.classList.toggle("door__status--offline", !online);
    if (list) {
      var admitted = list.entries.filter(function (e) { return e.verdict === "admit"; });
      var inside = admitted.filter(function (e) { return e.checkin; }).length;
      el("door-count").textContent = fill(S.count, {"in": inside, total: admitted.length});
    }
    var ul = el("door-log");
    ul.textContent = "";
    log.slice(0, 15).forEach(function (entry) {
      var li = document.createElement("li");
      var mark = document.createElement("span");
      mark.className = "door__mark door__mark--" + entry.colour;
      var name = document.createElement("span");
      name.className = "door__name";
      name.textContent = entry.name;
      var meta = document.createElement("span");
      meta.className = "door__meta";
      meta.textContent = time(entry.at) + (entry.queued ? " · " + S.queued : "") + (entry.note ? " · " + entry.note : "");
      li.append(mark, name, meta);
      ul.append(li);
    });
  }
  function search() {
    var query = el("door-search").value;
    var ul = el("door-results");
    ul.textContent = "";
    if (!query.trim() || !list) { return; }
    var found = list.entries.filter(function (e) { return matches(query, e.name); }).slice(0, 8);
    if (!found.length) {
      var none = document.createElement("li");
      none.textContent = S.no_results;
      ul.append(none);
    }
    found.forEach(function (e) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "door__name";
      name.textContent = e.name;
      var meta = document.createElement("span");
      meta.className = "door__meta";
      var partner = byPlace[e.partner_place];
      meta.textContent = (S[e.role] || e.role) + (partner ? " · " + partnerLine(partner) : "");
      li.append(name, meta);
      if (e.verdict === "admit" && !e.checkin) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "door-btn door-btn--small";
        button.textContent = S.check_in;
        button.addEventListener("click", function () { submit({ticket: e.ticket}); el("door-search").value = ""; search(); });
        li.append(button);
      } else {
        var state = document.createElement("span");
        state.className = "door__meta";
        state.textContent = e.verdict !== "admit" ? refusalText({code: e.verdict, voided_at: e.voided_at})
                                                   : fill(S.in_at, {time: time(e.checkin.scanned_at)});
        li.append(state);
      }
      ul.append(li);
    });
  }

  // ---------------------------------------------------------------- the camera
  var detector = null, decoding = false;
  async function decoder() {
    if ("BarcodeDetector" in window) {
      try {
        var formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.indexOf("qr_code") >= 0) {
          var native = new window.BarcodeDetector({formats: ["qr_code"]});
          return async function (video) {
            var codes = await native.detect(video);
            return codes.length ? codes[0].rawValue : null;
          };
        }
      } catch (e) { /* fall back to jsQR */ }
    }
    if (!window.jsQR) {
      await new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = data.decoder;
        script.onload = resolve;
        script.onerror = reject;
        document.head.append(script);
      });
    }
    var canvas = el("door-canvas"), context = canvas.getContext("2d", {willReadFrequently: true});
    return async function (video) {
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
      return found ? found.data : null;
    };
  }
  async function startCamera() {
    var video = el("door-video"), note = el("door-camera-note");
    try {
      var stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      el("door-camera").hidden = true;
      detector = detector || await decoder();
      tick();
    } catch (e) {
      note.textContent = S.camera_off;
    }
  }
  async function tick() {
    var video = el("door-video");
    if (!decoding && detector && video.readyState >= 2 && video.videoWidth) {
      decoding = true;
      try {
        var code = await detector(video);
        if (code) { await scanCode(code, "camera"); }
      } catch (e) { /* a bad frame: try the next */ }
      decoding = false;
    }
    setTimeout(tick, 150);
  }

  // ---------------------------------------------------------------- wiring
  el("door-device").value = device();
  el("door-device").addEventListener("change", function (event) {
    var name = event.target.value.trim().slice(0, 40);
    if (name) { try { localStorage.setItem("ng-door:device", name); } catch (e) { /* ignore */ } }
  });
  el("door-code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = el("door-code");
    scanCode(input.value, "typed");
    input.value = "";
  });
  el("door-search").addEventListener("input", search);
  el("door-undo").addEventListener("click", undo);
  el("door-partner").addEventListener("click", function (event) {
    var ticket = Number(event.currentTarget.dataset.ticket);
    if (ticket) { submit({ticket: ticket}); }
  });
  el("door-camera").addEventListener("click", startCamera);
  window.addEventListener("online", function () { setOnline(true); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(function () { if (online && queue.length) { sync(); } }, 15000);
  setInterval(function () { if (online && !queue.length) { refreshList(); } }, 60000);

  // The page and its files stay on the phone (static/js/door-sw.js): a reload without network still opens it.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.kept) { document.documentElement.dataset.doorOffline = "ready"; }
    });
    navigator.serviceWorker.register(base + "/sw.js", {scope: base.replace(/inchecken$/, "")}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var files = [location.pathname, data.decoder];
      document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (node) {
        files.push(node.getAttribute("href") || node.getAttribute("src"));
      });
      registration.active.postMessage({keep: files});
    }).catch(function () { /* no service worker: the page still works while it stays open */ });
  }

  index();
  render();
  if (online) { sync(); refreshList(); }
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) { startCamera(); }
  document.documentElement.dataset.doorReady = "true";
})();
