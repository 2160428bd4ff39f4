// Behaviour shared by every page: theme toggle, menus, copy buttons, show/hide toggles.
(function () {
  "use strict";
  var root = document.documentElement;

  // --- Theme: the OS preference until the person chooses; the choice then persists. ---
  function currentTheme() { return root.getAttribute("data-theme") === "dark" ? "dark" : "light"; }
  function applyTheme(theme, persist) {
    root.setAttribute("data-theme", theme);
    if (persist) { try { localStorage.setItem("datachat-theme", theme); } catch (e) { /* blocked */ } }
    var toggle = document.getElementById("theme-toggle");
    if (toggle) toggle.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
    document.dispatchEvent(new CustomEvent("datachat:theme", { detail: { theme: theme } }));
  }
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function (e) {
      var saved = null;
      try { saved = localStorage.getItem("datachat-theme"); } catch (err) { /* blocked */ }
      if (!saved) applyTheme(e.matches ? "dark" : "light", false);
    });
  }

  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }

  function copyText(text, button) {
    var done = function () {
      if (!button) return;
      var label = button.textContent;
      var messages = document.getElementById("messages");
      button.textContent = (messages && messages.dataset.textCopied) || "✓";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      // http:// on a LAN host has no async clipboard: fall back to a hidden textarea.
      var area = document.createElement("textarea");
      area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed";
      area.style.opacity = "0"; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
      document.body.removeChild(area); done();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    applyTheme(currentTheme(), false);
    var toggle = document.getElementById("theme-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        applyTheme(currentTheme() === "dark" ? "light" : "dark", true);
      });
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var menu = target.closest("details.menu");
    closeMenus(menu);
    var copy = target.closest("[data-copy]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy"));
      if (source) copyText(source.textContent.trim(), copy);
      return;
    }
    var copyTable = target.closest("[data-copy-table]");
    if (copyTable) {
      // The page of rows on screen as tab-separated text: pastes into a spreadsheet as cells.
      var caption = document.getElementById(copyTable.getAttribute("data-copy-table"));
      var table = caption && caption.closest("table");
      if (table) {
        var lines = Array.prototype.map.call(table.querySelectorAll("thead tr, tbody tr"), function (tr) {
          return Array.prototype.map.call(tr.children, function (cell) {
            return cell.textContent.replace(/[↕▲▼]/g, "").trim();
          }).join("\t");
        });
        copyText(lines.join("\n"), copyTable);
      }
      return;
    }
    var toggler = target.closest("[data-toggle]");
    if (toggler) {
      var panel = document.getElementById(toggler.getAttribute("data-toggle"));
      if (panel) {
        var show = panel.hidden;
        panel.hidden = !show;
        toggler.setAttribute("aria-expanded", show ? "true" : "false");
        if (show) {
          var first = panel.querySelector("input, textarea, select, button");
          if (first) first.focus();
        }
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = document.querySelector("details.menu[open]");
      if (open) {
        open.removeAttribute("open");
        var summary = open.querySelector("summary");
        if (summary) summary.focus();
      }
    }
  });

  // The language switch returns to the page as it is now (htmx may have pushed a new URL, e.g.
  // the conversation's own address after its first answer).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("lang-switch")) return;
    var next = form.querySelector("input[name=next]");
    if (next) next.value = location.pathname + location.search;
  });

  // A fragment loaded into a dialog (the audit "View" drawer) opens it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.target instanceof Element && event.target.closest("dialog");
    if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  });

  window.DataChat = { copyText: copyText, currentTheme: currentTheme };
})();
