// Kamavor's offline layer for the desks: a service worker keeps the pages, IndexedDB keeps the
// lists the desk looks things up in and an outbox of the writes made offline, which are sent
// in order, each with its own idempotency key, when the connection returns. The desks work
// without this file when online; every message it shows comes translated from the page.
//
// Another desk joins the outbox with KamavorOffline.queue(kind, payload, label): the server
// must know the kind (kamavor/offline/services.py, WRITERS).
(function () {
  "use strict";
  if (window.KamavorOffline) { window.KamavorOffline.init(); return; }

  var DB_NAME = "kamavor-offline";
  var cfg = {}, t = {}, dbPromise = null, sending = false, problem = "", counter = 0;
  var state = {lines: [], household: null};

  // ------------------------------------------------------------ IndexedDB, in a few calls
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open(DB_NAME, 1);
        open.onupgradeneeded = function () {
          var d = open.result;
          d.createObjectStore("outbox", {keyPath: "key"}).createIndex("seq", "seq");
          d.createObjectStore("data", {keyPath: "name"});
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function run(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(store, mode), request = work(tx.objectStore(store));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function get(store, key) { return run(store, "readonly", function (s) { return s.get(key); }); }
  function put(store, value) { return run(store, "readwrite", function (s) { return s.put(value); }); }
  function all(store) { return run(store, "readonly", function (s) { return s.getAll(); }); }

  // ------------------------------------------------------------ helpers
  function $(id) { return document.getElementById(id); }
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, name) {
      return values[name] === undefined ? m : values[name];
    });
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function lang() { return document.documentElement.lang || "en"; }
  function itemName(item) { return item ? (item.names[lang()] || item.names.en) : ""; }
  function normalise(code) { return String(code || "").toUpperCase().replace(/[^0-9A-Z]/g, ""); }
  function when(iso) { return iso ? new Date(iso).toLocaleString(lang()) : t.never; }
  function isOnline() { return navigator.onLine !== false; }
  function data(name) {
    return get("data", name + ":" + (name === "catalogue" ? "all" : cfg.point)).then(function (r) {
      return r || {name: name + ":" + (name === "catalogue" ? "all" : cfg.point), rows: {}, cursor: ""};
    });
  }

  // ------------------------------------------------------------ the outbox
  function mine() {
    return all("outbox").then(function (entries) {
      return entries.filter(function (e) { return e.user === cfg.user; })
        .sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  function queue(kind, payload, label, point) {
    var entry = {
      key: newKey(), seq: Date.now() * 1000 + (counter++ % 1000), user: cfg.user,
      point: point || cfg.point, kind: kind, payload: payload, label: label,
      made_at: new Date().toISOString(), state: "waiting"
    };
    return put("outbox", entry).then(function () {
      render();
      if (isOnline()) sendAll();
      return entry;
    });
  }

  function send(entry) {
    return fetch(cfg.outbox, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Idempotency-Key": entry.key,
                "X-CSRFToken": ($("offline-csrf") || {}).value || ""},
      body: JSON.stringify({kind: entry.kind, point: entry.point, key: entry.key,
                            payload: entry.payload, made_at: entry.made_at})
    }).then(function (response) {
      return response.json().then(function (body) { return [response.status, body]; },
                                  function () { return [response.status, null]; });
    }).then(function (answer) {
      var status = answer[0], body = answer[1];
      if (status === 200 && body) {
        entry.state = body.state === "posted" ? "sent"
          : body.held && body.held.state !== "open" ? "decided" : "held";
        entry.result = body;
      } else if (status === 401 || (status === 403 && !body)) {
        problem = t.login;
        return false;
      } else if (status >= 500 || !body) {
        problem = t.server;
        return false;
      } else {
        // Refused outright (not a conflict the server holds): kept here, never dropped.
        entry.state = "held";
        entry.result = {held: {code: body.code, message: body.message}};
      }
      entry.sent_at = new Date().toISOString();
      problem = "";
      return put("outbox", entry).then(function () { return true; });
    }, function () { return false; });  // no connection: try again later
  }

  function sendAll() {
    if (sending) return Promise.resolve();
    sending = true;
    render();
    function next() {
      return mine().then(function (entries) {
        var waiting = entries.filter(function (e) { return e.state === "waiting"; });
        if (!waiting.length) return;
        return send(waiting[0]).then(function (done) { if (done) return next(); });
      });
    }
    return next().catch(function () {}).then(function () {
      sending = false;
      render();
    });
  }

  function render() {
    var layer = $("offline-layer");
    if (!layer) return Promise.resolve();
    return mine().then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === "waiting"; }).length;
      var online = isOnline();
      var status = online ? (sending ? t.sending : (waiting ? t.online : t.all_sent)) : t.offline;
      $("offline-status").textContent = fill(status, {n: waiting}) + (problem ? " " + problem : "");
      layer.classList.toggle("is-offline", !online);
      layer.hidden = online && !entries.length;
      var form = $("offline-form");
      if (form) form.hidden = online;
      var list = $("offline-list");
      list.textContent = "";
      entries.slice(-12).reverse().forEach(function (e) {
        var li = document.createElement("li");
        var result = e.result || {};
        var what = e.state === "sent" ? fill(t.sent, {number: result.number || result.household || ""})
          : e.state === "held" ? fill(t.held, {message: (result.held || {}).message || ""})
          : e.state === "decided" ? fill(t["decided_" + result.held.state] || t.held,
            {number: result.number || result.household || "", reason: result.held.reason || ""})
          : t.waiting;
        li.className = "offline-" + e.state;
        li.textContent = e.label + " — " + what;
        list.appendChild(li);
      });
    });
  }

  // ------------------------------------------------------------ the lists kept for offline use
  function pull(name) {
    return data(name).then(function (record) {
      var since = record.cursor, fresh = name === "catalogue" ? {} : record.rows, first = null;
      function page(offset) {
        var url = cfg.feeds.replace("FEED", name) + "?offset=" + offset +
          (since ? "&since=" + encodeURIComponent(since) : "");
        return fetch(url, {credentials: "same-origin"}).then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.json();
        }).then(function (body) {
          if (first === null) first = body.cursor;
          if (name === "catalogue" && !body.rows.length && offset === 0) { fresh = record.rows; }
          body.rows.forEach(function (row) {
            var id = name === "catalogue" ? row.id : name === "households" ? row.code : row.lot;
            if (name === "lots" && !row.quantity) delete fresh[id]; else fresh[id] = row;
          });
          if (body.next_offset !== null) return page(body.next_offset);
        });
      }
      return page(0).then(function () {
        return put("data", {name: record.name, rows: fresh, cursor: first,
                            synced: new Date().toISOString()});
      });
    });
  }

  function feeds() {
    return cfg.desk === "distribution" ? ["catalogue", "lots", "households"] : ["catalogue"];
  }

  // The lists are as old as the oldest of them; "never" while one was never kept.
  function oldestSync(records) {
    return records.reduce(function (oldest, record) {
      if (!record.synced || oldest === null) return null;
      return oldest === undefined || record.synced < oldest ? record.synced : oldest;
    }, undefined) || null;
  }

  // A held write is sent again on each sync (it is answered, never posted twice) to learn
  // the coordinator's decision.
  function decisions() {
    return mine().then(function (entries) {
      return entries.filter(function (e) {
        return e.state === "held" && e.result && e.result.held && e.result.held.id;
      }).reduce(function (done, e) {
        return done.then(function () { return send(e); });
      }, Promise.resolve());
    }).then(render, function () {});
  }

  function sync() {
    decisions();
    if (!cfg.feeds) return Promise.resolve();
    return feeds().reduce(function (done, name) {
      return done.then(function () { return pull(name); });
    }, Promise.resolve()).then(fillForm, function () {});
  }

  // ------------------------------------------------------------ the offline form
  function fillForm() {
    if (!$("offline-form")) return;
    return Promise.all(feeds().map(data)).then(function (records) {
      var catalogue = records[0], list = $("offline-items"), names = {};
      list.textContent = "";
      Object.keys(catalogue.rows).forEach(function (id) {
        var item = catalogue.rows[id], option = document.createElement("option");
        option.value = itemName(item);
        names[option.value] = item;
        list.appendChild(option);
      });
      state.names = names;
      state.items = catalogue.rows;
      $("offline-synced").textContent = fill(t.synced, {when: when(oldestSync(records))});
    });
  }

  function chosen() { return (state.names || {})[$("offline-item").value.trim()]; }

  function showItem() {
    var item = chosen(), size = $("offline-size");
    size.textContent = "";
    (item ? item.sizes : []).concat([""]).forEach(function (s) {
      var option = document.createElement("option");
      option.value = s;
      option.textContent = s || "—";
      size.appendChild(option);
    });
  }

  function error(text) { $("offline-form-error").textContent = text || ""; }

  function drawLines() {
    var body = $("offline-lines").tBodies[0];
    body.textContent = "";
    state.lines.forEach(function (line, index) {
      var row = body.insertRow(), button = document.createElement("button");
      row.insertCell().textContent = itemName((state.items || {})[line.item]) +
        (line.size ? " · " + line.size : "") + (line.expiry ? " · " + line.expiry : "");
      var cell = row.insertCell(), input = document.createElement("input");
      input.type = "number";
      input.min = "0";
      input.value = line.quantity;
      input.className = "offline-line-quantity";
      input.addEventListener("change", function () { line.quantity = parseInt(input.value, 10) || 0; });
      cell.appendChild(input);
      button.type = "button";
      button.className = "link";
      button.textContent = t.remove;
      button.addEventListener("click", function () { state.lines.splice(index, 1); drawLines(); });
      row.insertCell().appendChild(button);
    });
  }

  function addLine() {
    var item = chosen(), quantity = parseInt($("offline-quantity").value, 10);
    if (!item) return error(t.choose_item);
    if (!(quantity >= 1)) return error(t.quantity);
    error("");
    state.lines.push({item: item.id, quantity: quantity, size: $("offline-size").value,
                      expiry: $("offline-expiry").value || null});
    $("offline-item").value = "";
    $("offline-quantity").value = "";
    $("offline-expiry").value = "";
    drawLines();
    $("offline-item").focus();
  }

  function findHousehold() {
    var code = normalise($("offline-household").value), status = $("offline-household-status");
    return Promise.all([data("households"), data("lots")]).then(function (found) {
      var row = found[0].rows[code], lots = found[1].rows;
      state.household = null;
      state.lines = [];
      if (!row) status.textContent = fill(t.unknown_household, {when: when(found[0].synced)});
      else if (row.status === "merged") status.textContent = fill(t.merged, {code: row.into});
      else if (row.status !== "active") status.textContent = t.closed;
      else {
        state.household = row;
        row.dues.forEach(function (due) {
          var have = 0;
          Object.keys(lots).forEach(function (id) { if (lots[id].item === due[0]) have += lots[id].quantity; });
          if (have > 0) state.lines.push({item: due[0], quantity: Math.min(due[1], have), size: ""});
        });
        status.textContent = state.lines.length ? t.dues : t.nothing_due;
      }
      // A household the list does not know yet may still be served: the server checks it.
      if (!row) state.household = {code: code, dues: [], unknown: true};
      drawLines();
    });
  }

  // What this desk handed out stays counted here until the next sync.
  function countLocally(code, lines) {
    return Promise.all([data("households"), data("lots")]).then(function (found) {
      var row = found[0].rows[code], lots = found[1].rows;
      lines.forEach(function (line) {
        if (row) row.dues = row.dues.map(function (d) {
          return d[0] === line.item ? [d[0], Math.max(0, d[1] - line.quantity)] : d;
        }).filter(function (d) { return d[1] > 0; });
        var left = line.quantity;
        Object.keys(lots).forEach(function (id) {
          var lot = lots[id];
          if (lot.item !== line.item || left <= 0) return;
          var take = Math.min(left, lot.quantity);
          lot.quantity -= take;
          left -= take;
        });
      });
      return Promise.all([put("data", found[0]), put("data", found[1])]);
    });
  }

  function save(event) {
    event.preventDefault();
    error("");  // "saved" shows again only once this write is in the outbox
    var form = $("offline-form"), kind = form.dataset.kind;
    var lines = state.lines.filter(function (l) { return l.quantity > 0; });
    if (!lines.length && chosen()) { addLine(); lines = state.lines.slice(); }
    if (!lines.length) return error(t.no_lines);
    var units = lines.reduce(function (n, l) { return n + l.quantity; }, 0);
    var note = ($("offline-note") || {value: ""}).value.trim(), payload, label, done;
    if (kind === "sorting_line") {
      // One write per line: each is added to the drop-off (or held) on its own.
      done = lines.reduce(function (p, l) {
        return p.then(function () {
          return queue("sorting_line", {drop_off: cfg.drop_off, item: l.item, quantity: l.quantity,
                              expiry: l.expiry, size: l.size},
                       fill(t.sorting_line, {what: itemName(state.items[l.item]), units: l.quantity}));
        });
      }, Promise.resolve());
      kind = null;
    } else if (kind === "donation") {
      payload = {lines: lines, donor: $("offline-donor").value.trim(), note: note};
      label = fill(t.donation, {units: units});
      done = Promise.resolve();
    } else {
      if (!state.household) return findHousehold();
      var code = state.household.code;
      payload = {household: code, note: note, lines: lines.map(function (l) {
        return {item: l.item, quantity: l.quantity, size: l.size};
      })};
      label = fill(t.distribution, {code: code.slice(0, 4) + "-" + code.slice(4), units: units});
      done = countLocally(code, lines);
    }
    return done.then(function () { if (kind) return queue(kind, payload, label); }).then(function () {
      state.lines = [];
      state.household = null;
      drawLines();
      form.reset();
      error(t.saved);
      var first = $("offline-household") || $("offline-item");
      first.focus();
    });
  }

  // Household registration: the page's own form, kept in the outbox when there is no network.
  function register(event) {
    var form = event.target;
    if (isOnline() || !form.matches || !form.matches("form[data-offline]")) return;
    event.preventDefault();
    event.stopPropagation();  // before htmx, which would try the network
    var fields = new FormData(form), composition = {}, people = 0;
    if (form.dataset.offline === "drop_off") {
      var bags = parseInt(fields.get("bags"), 10) || 0;
      return queue("drop_off", {bags: bags, kind: fields.get("kind") || "", donor: fields.get("donor") || "",
                                weight_kg: fields.get("weight_kg") || ""}, fill(t.drop_off, {n: bags}))
        .then(function () { form.reset(); $("offline-send").focus(); });
    }
    var status = $("offline-status");
    if (["collector_name", "phone", "document"].some(function (n) { return (fields.get(n) || "").trim(); })) {
      status.textContent = t.no_personal;
      return;
    }
    cfg.composition.forEach(function (name) {
      composition[name] = parseInt(fields.get(name), 10) || 0;
      people += composition[name];
    });
    var payload = {composition: composition, flags: fields.getAll("flags"),
                   languages: fields.getAll("languages"), area: (fields.get("area") || "").trim(),
                   notes: (fields.get("notes") || "").trim()};
    queue("household", payload, fill(t.registration, {n: people}), parseInt(fields.get("point"), 10))
      .then(function () { form.reset(); $("offline-send").focus(); });
  }

  // ------------------------------------------------------------ start
  function init() {
    var layer = $("offline-layer");
    if (!layer || layer.dataset.ready) return;
    layer.dataset.ready = "1";
    cfg = JSON.parse($("offline-config").textContent);
    t = JSON.parse($("offline-strings").textContent);
    state = {lines: [], household: null};
    $("offline-send").addEventListener("click", function () { sendAll(); });
    var form = $("offline-form");
    if (form) {
      form.addEventListener("submit", save);
      $("offline-add").addEventListener("click", addLine);
      $("offline-item").addEventListener("change", showItem);
      if ($("offline-find")) {
        $("offline-find").addEventListener("click", findHousehold);
        $("offline-household").addEventListener("keydown", function (event) {
          if (event.key === "Enter") { event.preventDefault(); findHousehold(); }
        });
      }
    }
    fillForm();
    render();
    if (isOnline()) {
      sendAll().then(sync);
      keepPage();
    }
  }

  function keepPage() {
    if (!("serviceWorker" in navigator)) return;
    var sw = navigator.serviceWorker;
    function keep() {
      if (!sw.controller) return;
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        var layer = $("offline-layer");
        if (layer && event.data.kept) layer.dataset.kept = "1";
      };
      sw.controller.postMessage({keep: location.pathname}, [channel.port2]);
    }
    sw.addEventListener("controllerchange", keep);
    sw.register(cfg.sw, {scope: cfg.scope}).then(function () { return sw.ready; })
      .then(keep).catch(function () {});
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
  }

  window.addEventListener("online", function () { render(); sendAll().then(sync); });
  window.addEventListener("offline", function () { render(); });
  setInterval(function () { if (isOnline() && $("offline-layer")) sendAll(); }, 20000);
  document.addEventListener("htmx:afterSettle", init);
  document.addEventListener("submit", register, true);
  // Logging out forgets the kept pages (the outbox stays: what waits is still to be sent).
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute && event.target.getAttribute("action") || "";
    var sw = navigator.serviceWorker;
    if (/\/logout\/$/.test(action) && sw && sw.controller) sw.controller.postMessage({forget: true});
  }, true);
  window.KamavorOffline = {init: init, queue: queue, sendAll: sendAll, sync: sync};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
