// The presenter view of `echo-player serve`: no build step, no library, no network but this server.
// Reads the token from its own URL (?token=...), sends it as a Bearer header on every call and as
// a query parameter on the event stream (EventSource cannot set headers). Reconnects by itself.
"use strict";
(function () {
  const token = new URLSearchParams(location.search).get("token") || "";
  const $ = (id) => document.getElementById(id);
  let status = null;       // the last status from the server
  let statusAt = 0;        // performance.now() when it arrived: clocks tick from there
  let plan = [];           // the planned steps, for the timeline
  const played = new Set(); // step indexes that have started
  let source = null;
  let retry = 500;
  let quitArmed = 0;

  function api(path, body) {
    const init = { headers: { Authorization: "Bearer " + token } };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(async (r) => {
      const data = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(data.error || r.status + " " + r.statusText);
      return data;
    });
  }

  function clock(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "—";
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
  }

  // A step as the controller describes it: a string, or an object with text/label/action.
  function describe(step) {
    if (step === null || step === undefined) return "";
    if (typeof step === "string") return step;
    return step.text || step.describe || step.label || step.action || "";
  }
  function indexOf(step) {
    return step && typeof step === "object" && Number.isInteger(step.index) ? step.index : null;
  }

  function say(text, cls) {
    $("message").textContent = text;
    $("message").className = "message " + (cls || "");
  }
  function log(text) {
    const li = document.createElement("li");
    li.textContent = new Date().toLocaleTimeString() + "  " + text;
    const ul = $("log");
    ul.prepend(li);
    while (ul.children.length > 60) ul.lastChild.remove();
  }

  // The scenario's clock runs while playing or waiting on a cue; it stands still when paused.
  function running() {
    return status && (status.state === "playing" || status.state === "waiting_cue" || status.state === "relaying");
  }
  function ticking(value) {
    if (value === null || value === undefined) return value;
    return running() ? value - (performance.now() - statusAt) / 1000 : value;
  }

  // The step the countdown runs to: the first one after the current one that is timed that way.
  function timedStep(kind) {
    const after = indexOf(status && status.current);
    const step = plan.find((s) => s.timed === kind && (after === null || s.index > after));
    return step ? (step.id ? "[" + step.id + "] " : "") + kind : kind;
  }

  function renderClocks() {
    if (!status) return;
    const since = running() ? (performance.now() - statusAt) / 1000 : 0;
    $("elapsed").textContent = clock((status.elapsed || 0) + since);
    $("remaining").textContent = clock(ticking(status.remaining));
    const to = status.countdown_to ? " → " + timedStep(status.countdown_to) : "";
    $("countdown").textContent = status.countdown === null || status.countdown === undefined ? "—" : clock(ticking(status.countdown)) + to;
  }

  function renderStatus() {
    const s = status;
    const state = s.state || "unknown";
    $("state").textContent = state;
    $("state").className = "badge " + state;
    $("conversation").textContent = s.conversation_id ? "conversation " + s.conversation_id : "";
    $("position").textContent = s.steps ? "(" + (s.step || 0) + "/" + s.steps + ")" : "";
    $("current").textContent = describe(s.current) || (s.relay_only ? "relaying: say a line below, or POST /send_text_message" : "—");
    $("next").textContent = describe(s.next) || "—";
    const note = (s.current && typeof s.current === "object" && s.current.note) || s.note || "";
    $("note").textContent = note ? "✎ " + note : "";
    $("note").hidden = !note;
    $("pause").querySelector("span").textContent = state === "paused" ? "resume" : "pause";
    const current = indexOf(s.current);
    if (current !== null) for (let i = 0; i < current; i++) played.add(i);
    renderTimeline(current);
    renderClocks();
  }

  function renderTimeline(current) {
    const ol = $("timeline");
    if (ol.children.length !== plan.length) {
      ol.replaceChildren();
      for (const step of plan) {
        const li = document.createElement("li");
        li.dataset.index = step.index;
        li.title = step.id ? "jump to " + step.id : "no id: cannot jump here";
        const t = document.createElement("span");
        t.className = "t";
        t.textContent = clock(step.start);
        const mark = document.createElement("span");
        mark.className = "mark";
        const text = document.createElement("span");
        if (step.id) {
          const id = document.createElement("span");
          id.className = "id";
          id.textContent = "[" + step.id + "] ";
          text.append(id);
        }
        text.append(step.text + (step.note ? "  ✎ " + step.note : ""));
        if (step.timed) {
          const timed = document.createElement("span");
          timed.className = "timed";
          timed.textContent = "  · " + step.timed;
          text.append(timed);
        }
        li.append(mark, t, text);
        li.addEventListener("click", () => step.id && operate("jump", { step: step.id }));
        ol.append(li);
      }
    }
    for (const li of ol.children) {
      const i = Number(li.dataset.index);
      li.classList.toggle("current", i === current);
      li.classList.toggle("played", played.has(i) && i !== current);
    }
    const now = ol.querySelector("li.current");
    if (now) now.scrollIntoView({ block: "nearest" });
  }

  function operate(op, body) {
    return api("/api/" + op, body === undefined ? {} : body)
      .then((data) => {
        say("");
        if (data.status) {
          status = data.status;
          statusAt = performance.now();
          renderStatus();
        }
      })
      .catch((err) => say(op + ": " + err.message, "bad"));
  }

  function jump() {
    const ids = plan.filter((s) => s.id).map((s) => s.id);
    const id = prompt("Jump to step id:" + (ids.length ? " (" + ids.join(", ") + ")" : ""));
    if (id) operate("jump", { step: id.trim() });
  }

  function quit() {
    const now = performance.now();
    if (now - quitArmed < 3000) {
      quitArmed = 0;
      $("quit").classList.remove("armed");
      operate("quit");
      return;
    }
    quitArmed = now;
    $("quit").classList.add("armed");
    say("press q (or the button) again within 3 s to quit");
    setTimeout(() => {
      if (performance.now() - quitArmed >= 3000) $("quit").classList.remove("armed");
    }, 3100);
  }

  function connect() {
    if (source) source.close();
    source = new EventSource("/api/events?token=" + encodeURIComponent(token));
    source.onopen = () => {
      retry = 500;
      $("connection").textContent = "connected";
      $("connection").className = "pill on";
      api("/api/plan").then((data) => {
        plan = data.steps || [];
        $("scenario").textContent = data.name || "";
        if (status) renderStatus();
      }).catch((err) => say("plan: " + err.message, "bad"));
    };
    source.onerror = () => {
      // The browser would retry by itself, but not after an HTTP error: do it here, backing off.
      source.close();
      source = null;
      $("connection").textContent = "reconnecting…";
      $("connection").className = "pill off";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 5000);
    };
    source.addEventListener("status", (e) => {
      status = JSON.parse(e.data);
      statusAt = performance.now();
      renderStatus();
    });
    source.addEventListener("step", (e) => {
      const item = JSON.parse(e.data);
      if (Number.isInteger(item.index)) played.add(item.index);
      log("step " + (describe(item.step || item) || item.index));
    });
    source.addEventListener("message", (e) => {
      const item = JSON.parse(e.data);
      log("sent " + (item.event_type || "message") + (item.text ? ' "' + item.text + '"' : ""));
    });
    source.addEventListener("event", (e) => {
      const item = JSON.parse(e.data);
      log("room " + (item.event_type || "event") + (item.error ? ": " + item.error : ""));
    });
    source.addEventListener("notice", (e) => {
      const item = JSON.parse(e.data);
      log("note: " + (item.text || ""));
      say(item.text || "");
    });
    source.addEventListener("state", (e) => log("state " + (JSON.parse(e.data).state || "")));
  }

  document.querySelectorAll("#buttons button").forEach((b) => {
    b.addEventListener("click", () => {
      b.blur(); // so space toggles pause next time, not this button
      const op = b.dataset.op;
      if (op === "jump") jump();
      else if (op === "quit") quit();
      else operate(op);
    });
  });
  $("say").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("say-text").value.trim();
    if (!text) return;
    operate("say", { text: text }).then(() => ($("say-text").value = ""));
  });
  // The terminal's keys: space . ] s g i q (not while typing a line).
  const keys = { " ": "toggle-pause", ".": "step", "]": "next", s: "skip", i: "interrupt" };
  document.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement) {
      if (e.key === "Escape") e.target.blur(); // back to the keys
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (keys[e.key]) {
      e.preventDefault();
      operate(keys[e.key]);
    } else if (e.key === "g") {
      e.preventDefault();
      jump();
    } else if (e.key === "q") {
      e.preventDefault();
      quit();
    }
  });
  setInterval(renderClocks, 250);
  connect();
})();
