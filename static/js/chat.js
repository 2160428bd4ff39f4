// The chat page: charts, the composer, the thinking state, scrolling and the sidebar.
// Everything here enhances server-rendered HTML; without it the forms still post and the
// pages still render (the charts excepted).
(function () {
  "use strict";
  var root = document.documentElement;
  var NARROW = window.matchMedia("(max-width: 767.98px)");

  // ------------------------------------------------------------------ charts
  function readJSON(id) {
    var node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function drawChart(el) {
    if (!window.Plotly) return;
    var dark = root.getAttribute("data-theme") === "dark";
    var fig = readJSON(dark ? el.dataset.figureDark : el.dataset.figureLight)
      || readJSON(el.dataset.figureLight);
    if (!fig) return;
    var config = readJSON(el.dataset.config) || {};
    // Whatever the stored config says: no mode-bar action may talk to the network (Plotly
    // Cloud upload, Chart Studio, the logo link). Only local actions (zoom, PNG) remain.
    config.showSendToCloud = false;
    config.showEditInChartStudio = false;
    config.showLink = false;
    config.linkText = "";
    config.displaylogo = false;
    config.plotlyServerURL = "";
    // On a phone the mode bar would sit on top of the chart's title: no mode bar there (the
    // Export menu and the table remain).
    if (NARROW.matches) config.displayModeBar = false;
    // Hover formats ignore the locale, so the separators are set explicitly (plotly.js #3580).
    var lang = (root.lang || "es").slice(0, 2);
    config.locale = lang === "en" ? "en" : "es";
    var layout = fig.layout || {};
    // The server drew the figure in the answer's language (its text and table read numbers the
    // same way); a figure without separators follows the page.
    layout.separators = layout.separators || (lang === "en" ? ".," : ",.");
    layout.paper_bgcolor = "rgba(0,0,0,0)";
    layout.plot_bgcolor = "rgba(0,0,0,0)";
    window.Plotly.react(el, fig.data || [], layout, config);
    el.dataset.rendered = dark ? "dark" : "light";
  }

  function drawCharts(scope) {
    (scope || document).querySelectorAll(".chart[data-figure-light]").forEach(drawChart);
  }

  document.addEventListener("datachat:theme", function () { drawCharts(document); });

  // ------------------------------------------------------------------ stream and composer
  var messages, composer, textarea, sendButton, stopButton, announcer;
  var busy = null; // {form, pending, question, fromComposer, stickToBottom, aborted, timer}

  function text(name) { return (messages && messages.dataset[name]) || ""; }

  function nearBottom() {
    return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 120;
  }

  function fillBelow(card) {
    var room = messages.clientHeight - card.offsetHeight - 32;
    messages.style.paddingBottom = Math.max(32, room) + "px";
  }

  function updateSendState() {
    if (!textarea) return;
    var empty = textarea.value.trim() === "";
    sendButton.disabled = empty || !!busy;
    textarea.style.height = "auto";
    textarea.style.height = Math.min(textarea.scrollHeight, 240) + "px";
  }

  function questionOf(form) {
    var field = form.querySelector("[name=question], [name=sql]");
    return field ? field.value.trim() : "";
  }

  function pendingCard(question) {
    var card = document.createElement("article");
    card.className = "answer answer-pending";
    var heading = document.createElement("h2");
    heading.className = "question";
    heading.textContent = question;
    var status = document.createElement("p");
    status.className = "thinking";
    status.setAttribute("role", "status");
    var spinner = document.createElement("span");
    spinner.className = "spinner";
    spinner.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.className = "thinking-label";
    label.textContent = text("textThinking");
    var elapsed = document.createElement("span");
    elapsed.className = "elapsed";
    status.append(spinner, label, elapsed);
    card.append(heading, status);
    return card;
  }

  function startTimer(state) {
    var started = Date.now();
    state.timer = setInterval(function () {
      var seconds = Math.round((Date.now() - started) / 1000);
      var elapsed = state.pending.querySelector(".elapsed");
      if (seconds >= 10 && elapsed) {
        elapsed.textContent = " · " + text("textElapsed").replace("{s}", seconds);
      }
      if (seconds >= 60 && !state.pending.querySelector(".long-wait")) {
        var note = document.createElement("p");
        note.className = "long-wait muted";
        note.textContent = text("textLong");
        state.pending.append(note);
      }
    }, 1000);
  }

  function retryButton(state) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button small";
    button.textContent = text("textRetry");
    button.addEventListener("click", function () {
      state.pending.remove();
      if (state.fromComposer) {
        composer.requestSubmit();
      } else if (document.body.contains(state.form)) {
        state.form.requestSubmit();
      }
    });
    return button;
  }

  function finish(state, outcome) {
    clearInterval(state.timer);
    busy = null;
    if (stopButton) { stopButton.hidden = true; sendButton.hidden = false; }
    if (outcome === "ok") {
      state.pending.remove();
    } else {
      // Stopped or failed: say so in place, keep the typed text, offer Retry.
      state.pending.classList.add(outcome === "stopped" ? "answer-stopped" : "answer-error");
      var status = state.pending.querySelector(".thinking");
      status.textContent = outcome === "stopped" ? text("textStopped") : text("textFailed");
      state.pending.append(retryButton(state));
    }
    updateSendState();
  }

  function onBeforeRequest(event) {
    var form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-ask")) return;
    if (busy) { event.preventDefault(); return; } // one question at a time
    var question = questionOf(form);
    if (!question) { event.preventDefault(); return; }
    var state = {
      form: form,
      question: question,
      fromComposer: form === composer,
      // "Edit & re-run": the new turn lands at the end of the stream, far below the editor;
      // it is brought into view like a question from the composer.
      fromEditor: form.classList.contains("sql-editor"),
      stickToBottom: nearBottom(),
      aborted: false,
    };
    state.pending = pendingCard(question);
    messages.append(state.pending);
    // Room below the new question so it can sit at the top while its answer grows under it.
    var follow = state.stickToBottom || state.fromComposer || state.fromEditor;
    if (follow) fillBelow(state.pending);
    // The new question goes to the top of the view; a reader who scrolled up stays put.
    if (follow) {
      state.pending.scrollIntoView({ block: "start", behavior: "smooth" });
    }
    busy = state;
    startTimer(state);
    if (stopButton) { stopButton.hidden = false; sendButton.hidden = true; }
    updateSendState();
  }

  function closeEditor(form) {
    // The edited SQL ran as a new turn: the editor closes, and its toggle says so.
    form.hidden = true;
    var toggle = document.querySelector('[data-edit-sql="' + form.id + '"]');
    if (toggle) toggle.setAttribute("aria-expanded", "false");
  }

  function onAfterRequest(event) {
    if (!busy || event.detail.elt !== busy.form) return;
    var state = busy;
    if (state.aborted) { finish(state, "stopped"); return; }
    if (event.detail.xhr && event.detail.xhr.status === 429) {
      // Rate limited: the server's card (already in the stream) says when to try again; the
      // typed question stays in the composer.
      finish(state, "ok");
      return;
    }
    if (!event.detail.successful) { finish(state, "failed"); return; }
    finish(state, "ok");
    if (state.fromComposer) {
      textarea.value = "";
      updateSendState();
      textarea.focus();
    }
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text("textReady"); }, 50);
    var cards = messages.querySelectorAll("article.answer[data-message]");
    var card = cards[cards.length - 1];
    if (state.fromEditor) closeEditor(state.form);
    if (card && (state.stickToBottom || state.fromComposer || state.fromEditor)) {
      fillBelow(card);
      card.scrollIntoView({ block: "start" });
    }
    // Follow-up chips belong to the last answer only.
    cards.forEach(function (c, i) {
      if (i < cards.length - 1) c.querySelectorAll(".followups").forEach(function (f) { f.remove(); });
    });
  }

  function initComposer() {
    messages = document.getElementById("messages");
    composer = document.getElementById("composer");
    announcer = document.getElementById("announcer");
    if (!messages || !composer) return;
    textarea = composer.querySelector("textarea");
    sendButton = document.getElementById("send-button");
    stopButton = document.getElementById("stop-button");
    textarea.addEventListener("input", updateSendState);
    textarea.addEventListener("keydown", function (event) {
      // Enter sends; Shift+Enter is a new line; never while an IME is composing a character.
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
        return;
      }
      event.preventDefault();
      if (!sendButton.disabled && !busy) composer.requestSubmit();
    });
    stopButton.addEventListener("click", function () {
      if (!busy) return;
      busy.aborted = true;
      window.htmx.trigger(busy.form, "htmx:abort");
    });
    document.body.addEventListener("htmx:beforeRequest", onBeforeRequest);
    document.body.addEventListener("htmx:afterRequest", onAfterRequest);
    updateSendState();
    // A reopened conversation starts at its latest answer.
    var cards = messages.querySelectorAll("article.answer");
    if (cards.length && !location.hash) cards[cards.length - 1].scrollIntoView({ block: "start" });
    if (!cards.length || messages.querySelector("#empty-state")) textarea.focus();
  }

  // ------------------------------------------------------------------ sidebar
  function setCollapsed(collapsed) {
    if (collapsed) root.setAttribute("data-sidebar", "collapsed");
    else root.removeAttribute("data-sidebar");
    try { localStorage.setItem("datachat-sidebar", collapsed ? "collapsed" : "open"); } catch (e) { /* blocked */ }
    syncToggle();
  }

  function setDrawer(open) {
    var backdrop = document.querySelector(".sidebar-backdrop");
    if (open) root.setAttribute("data-drawer", "open");
    else root.removeAttribute("data-drawer");
    if (backdrop) backdrop.hidden = !open;
    syncToggle();
    if (open) {
      var first = document.querySelector("#sidebar a, #sidebar input");
      if (first) first.focus();
    }
  }

  function syncToggle() {
    var toggle = document.getElementById("sidebar-toggle");
    if (!toggle) return;
    var expanded = NARROW.matches ? root.getAttribute("data-drawer") === "open"
      : root.getAttribute("data-sidebar") !== "collapsed";
    toggle.setAttribute("aria-expanded", expanded ? "true" : "false");
  }

  function initSidebar() {
    var toggle = document.getElementById("sidebar-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      if (NARROW.matches) setDrawer(root.getAttribute("data-drawer") !== "open");
      else setCollapsed(root.getAttribute("data-sidebar") !== "collapsed");
    });
    NARROW.addEventListener("change", function () { setDrawer(false); });
    syncToggle();
  }

  function startRename(row) {
    var link = row.querySelector(".conv-link");
    var form = row.querySelector(".rename-form");
    var input = form.querySelector("input[name=title]");
    link.hidden = true;
    form.hidden = false;
    input.focus();
    input.select();
  }

  function cancelRename(input) {
    var row = input.closest(".conversation-row");
    input.value = input.dataset.original || "";
    row.querySelector(".rename-form").hidden = true;
    var link = row.querySelector(".conv-link");
    link.hidden = false;
    link.focus();
  }

  function askDelete(button) {
    var dialog = document.getElementById("delete-dialog");
    if (!dialog || !dialog.showModal) return;
    dialog.querySelector("[data-delete-title]").textContent = button.dataset.deleteTitle || "";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "confirm") { button.focus(); return; }
      window.htmx.ajax("POST", button.dataset.deleteUrl, {
        target: "#conversation-list",
        swap: "outerHTML",
        values: { current: button.dataset.current || "" },
        headers: { "X-CSRFToken": csrfToken() },
      });
    };
    dialog.showModal();
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var rename = target.closest("[data-rename]");
    if (rename) {
      rename.closest("details").removeAttribute("open");
      startRename(document.getElementById(rename.dataset.rename));
      return;
    }
    var del = target.closest("[data-delete-url]");
    if (del) {
      del.closest("details").removeAttribute("open");
      askDelete(del);
      return;
    }
    if (target.closest("[data-close-sidebar]")) { setDrawer(false); return; }
    var edit = target.closest("[data-edit-sql]");
    if (edit) {
      var editor = document.getElementById(edit.dataset.editSql);
      if (editor) {
        editor.hidden = !editor.hidden;
        edit.setAttribute("aria-expanded", editor.hidden ? "false" : "true");
        if (!editor.hidden) editor.querySelector("textarea").focus();
      }
      return;
    }
    var cancel = target.closest("[data-cancel-edit]");
    if (cancel) {
      var form = document.getElementById(cancel.dataset.cancelEdit);
      if (form) form.hidden = true;
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-rename-input")) {
      if (event.key === "Escape") { event.preventDefault(); cancelRename(target); }
      return; // Enter submits the one-field form natively (htmx takes it from there)
    }
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k") {
      var search = document.getElementById("conversation-q");
      if (!search) return;
      event.preventDefault();
      if (NARROW.matches) setDrawer(true);
      else if (root.getAttribute("data-sidebar") === "collapsed") setCollapsed(false);
      search.focus();
      return;
    }
    if (event.key === "Escape" && root.getAttribute("data-drawer") === "open") {
      setDrawer(false);
      var toggle = document.getElementById("sidebar-toggle");
      if (toggle) toggle.focus();
    }
  });

  // ------------------------------------------------------------------ start
  document.addEventListener("DOMContentLoaded", function () {
    initComposer();
    initSidebar();
    drawCharts(document);
  });
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (!(elt instanceof Element) || elt === document.body) return; // body: DOMContentLoaded did it
    if (elt.matches(".chart[data-figure-light]")) drawChart(elt);
    drawCharts(elt);
  });
})();
