// Cầu Nối's own script. No inline handlers anywhere (CSP script-src 'self').
// Buttons and forms with data-confirm ask before submitting (closing a case, withdrawing consent).
// "Go back" on the error pages (no inline handlers under the CSP).
document.addEventListener("click", function (event) {
  var back = event.target.closest && event.target.closest("[data-history-back]");
  if (back) {
    event.preventDefault();
    // Back to the page of this site the user came from; a page opened from a bookmark, a
    // pasted link or a new tab has none, and goes to the case list instead.
    var fromHere = document.referrer.indexOf(window.location.origin + "/") === 0;
    if (fromHere && window.history.length > 1) {
      window.history.back();
    } else {
      window.location.assign(back.getAttribute("data-history-back") || "/");
    }
  }
});

document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// An htmx request that fails says so next to what was used, and nothing the user typed is
// replaced (base.html's htmx-config swaps no 4xx/5xx answer except a form's 400). Without this a
// failed save left the old "Saved at …" in place and a failed filter kept the old rows silently
// (decision 244).
(function () {
  var BOX = "htmx-error";

  function anchorOf(event) {
    var source = event.detail.elt;
    return (source && source.closest && source.closest("form")) || event.detail.target || source;
  }

  function reason(event) {
    if (event.type === "htmx:sendError") { return "offline"; }
    if (event.type === "htmx:timeout") { return "timeout"; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 503) { return "unavailable"; }
    if (status === 413) { return "too-large"; }
    if (status >= 500) { return "server"; }
    if (status === 403 && event.detail.xhr.getResponseHeader("X-Form-Expired")) { return "expired"; }
    if (status === 403 || status === 404) { return "refused"; }
    return "client";
  }

  // What the failed request would have replaced is marked as out of date: a list that a
  // filter did not reload is dimmed (data-stale) and the box says the rows are the earlier
  // ones; a form's "Saved at …" (data-saved-state) no longer claims the typed values were saved.
  function markStale(event, anchor, box) {
    var target = event.detail.target;
    var note = document.body.getAttribute("data-request-error-stale") || "";
    if (target && target !== anchor && !target.contains(anchor) && note) {
      target.setAttribute("data-stale", "");
      var line = document.createElement("div");
      line.className = "small";
      line.setAttribute("data-testid", "stale-note");
      line.textContent = note;
      box.appendChild(line);
    }
    if (anchor.querySelectorAll) {
      anchor.querySelectorAll("[data-saved-state]").forEach(function (state) {
        state.textContent = document.body.getAttribute("data-request-error-unsaved") || "";
        state.className = "small text-danger fw-semibold";
      });
    }
  }

  function show(event) {
    var anchor = anchorOf(event);
    if (!anchor || !anchor.parentNode) { return; }
    var box = anchor.previousElementSibling;
    if (!box || !box.classList.contains(BOX)) {
      box = document.createElement("div");
      box.className = "alert alert-danger " + BOX;
      box.setAttribute("role", "alert");
      box.setAttribute("data-testid", "request-error");
      anchor.parentNode.insertBefore(box, anchor);
    }
    box.textContent = document.body.getAttribute("data-request-error-" + reason(event)) || "";
    markStale(event, anchor, box);
    box.scrollIntoView({ block: "nearest" });
  }

  function clear(event) {
    var anchor = anchorOf(event);
    var box = anchor && anchor.previousElementSibling;
    if (box && box.classList.contains(BOX)) { box.remove(); }
  }

  document.addEventListener("htmx:responseError", show);
  document.addEventListener("htmx:sendError", show);
  document.addEventListener("htmx:timeout", show);
  document.addEventListener("htmx:beforeRequest", clear);
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.removeAttribute) { target.removeAttribute("data-stale"); }
  });
})();

// The header's menu button below 1200 px (base.html): Bootstrap's CSS collapses the menu,
// this opens and closes it; Bootstrap's own script is not loaded.
document.addEventListener("click", function (event) {
  var toggle = event.target.closest ? event.target.closest("[data-nav-toggle]") : null;
  if (!toggle) { return; }
  var menu = document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) { return; }
  var open = menu.classList.toggle("show");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});

// Forms marked data-keep-typed (the new-case wizard) keep what was typed in this tab's
// sessionStorage when they are sent and when the page blanks for idleness (idle.js sends
// "caunoi:idle"), so a session that ended meanwhile loses nothing: after signing in again the
// server marks the form data-restore-typed and the values are put back (decision 197). A page
// that is the server's answer to the form clears them; signing out, or another user's page in
// this tab, removes them too.
(function () {
  var PREFIX = "caunoi-typed:";
  var store = null;
  try { store = window.sessionStorage; } catch (error) { return; }
  if (!store) { return; }
  var owner = document.body.getAttribute("data-typed-owner");

  function keys(start) {
    var found = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(start) === 0) { found.push(key); }
    }
    return found;
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && element.name !== "csrfmiddlewaretoken" &&
        ["submit", "button", "file", "password", "hidden"].indexOf(element.type) < 0;
    });
  }

  function save(form) {
    var values = {};
    fields(form).forEach(function (element) {
      if (element.type === "checkbox" || element.type === "radio") {
        values[element.name] = values[element.name] || [];
        if (element.checked) { values[element.name].push(element.value); }
      } else if (element.tagName === "SELECT" && element.multiple) {
        values[element.name] = Array.prototype.map.call(element.selectedOptions, function (option) { return option.value; });
      } else {
        values[element.name] = [element.value];
      }
    });
    try { store.setItem(PREFIX + form.getAttribute("data-keep-typed"), JSON.stringify(values)); } catch (error) { /* full or disabled */ }
  }

  function restore(form) {
    var key = PREFIX + form.getAttribute("data-keep-typed");
    var values = null;
    try { values = JSON.parse(store.getItem(key) || "null"); } catch (error) { values = null; }
    store.removeItem(key);
    if (!values) { return false; }
    var changed = false;
    fields(form).forEach(function (element) {
      var kept = values[element.name];
      if (!Array.isArray(kept)) { return; }
      if (element.type === "checkbox" || element.type === "radio") {
        var checked = kept.indexOf(element.value) >= 0;
        changed = changed || element.checked !== checked;
        element.checked = checked;
      } else if (element.tagName === "SELECT" && element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          var selected = kept.indexOf(option.value) >= 0;
          changed = changed || option.selected !== selected;
          option.selected = selected;
        });
      } else if (kept.length && element.value !== kept[0]) {
        element.value = kept[0];
        changed = true;
      }
    });
    return changed;
  }

  if (owner) {
    keys(PREFIX).forEach(function (key) {
      if (key.indexOf(PREFIX + owner + ":") !== 0) { store.removeItem(key); }
    });
  }
  // A page that shows what the server now holds (the wizard's review) names the form family.
  document.querySelectorAll("[data-typed-arrived]").forEach(function (element) {
    keys(PREFIX + element.getAttribute("data-typed-arrived")).forEach(function (key) { store.removeItem(key); });
  });
  document.querySelectorAll("form[data-keep-typed]").forEach(function (form) {
    var name = form.getAttribute("data-keep-typed");
    if (form.hasAttribute("data-restore-typed")) {
      if (restore(form)) {
        document.querySelectorAll("[data-restored-notice]").forEach(function (notice) { notice.classList.remove("d-none"); });
      }
    } else {
      // This page is the server's answer to the form: what was sent has arrived.
      keys(PREFIX + name.slice(0, name.lastIndexOf(":") + 1)).forEach(function (key) { store.removeItem(key); });
    }
  });
  // A page of a case: whatever its forms kept and did not just put back is done with (a form
  // the page no longer shows, such as a task marked done, leaves nothing behind).
  document.querySelectorAll("[data-typed-done]").forEach(function (element) {
    var part = element.getAttribute("data-typed-done");
    keys(PREFIX).forEach(function (key) { if (key.indexOf(part) >= 0) { store.removeItem(key); } });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-keep-typed")) { save(form); }
    if (form.hasAttribute("data-clear-typed")) { keys(PREFIX).forEach(function (key) { store.removeItem(key); }); }
  }, true);
  // A form saved through htmx (an intake section) has arrived once the server accepts it.
  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.elt;
    var form = source && source.closest && source.closest("form[data-keep-typed]");
    if (form && event.detail.successful) { store.removeItem(PREFIX + form.getAttribute("data-keep-typed")); }
  });
  // A form kept only when sent (the case page's, put back after a refusal) is not kept on idle.
  document.addEventListener("caunoi:idle", function () {
    document.querySelectorAll("form[data-keep-typed]:not([data-keep-when-sent])").forEach(save);
  });
})();

// Intake: "Complete intake" carries every section's current values, so a section typed in and
// not saved is saved (or named) by the server rather than dropped (decision 198).
document.addEventListener("submit", function (event) {
  var complete = event.target;
  if (!complete.hasAttribute("data-intake-complete")) { return; }
  complete.querySelectorAll("input[data-copied]").forEach(function (input) { input.remove(); });
  function add(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    input.setAttribute("data-copied", "");
    complete.appendChild(input);
  }
  document.querySelectorAll("form[data-intake-section]").forEach(function (section) {
    var key = section.getAttribute("data-intake-section");
    add("included", key);
    Array.prototype.forEach.call(section.elements, function (element) {
      if (!element.name || element.name === "csrfmiddlewaretoken" || element.disabled) { return; }
      if (["submit", "button", "file"].indexOf(element.type) >= 0) { return; }
      if ((element.type === "checkbox" || element.type === "radio") && !element.checked) { return; }
      if (element.tagName === "SELECT" && element.multiple) {
        Array.prototype.forEach.call(element.selectedOptions, function (option) { add(key + "-" + element.name, option.value); });
        return;
      }
      add(key + "-" + element.name, element.value);
    });
  });
}, true);

// A refusal shown beside the form that was used (data-scroll-here) is brought into view when
// the page comes back with it, rather than left below the fold.
(function () {
  var here = document.querySelector("[data-scroll-here]");
  if (here) { here.scrollIntoView({ block: "center" }); }
})();

// A text area's limit said before the browser cuts silently (maxlength): from 80 % of it a count
// below the field, and a warning when a paste was cut to fit (decision 331).
(function () {
  var FIELDS = "textarea[maxlength]";
  function noteFor(field) {
    var next = field.nextElementSibling;
    if (next && next.hasAttribute("data-length-note")) { return next; }
    var note = document.createElement("div");
    note.className = "form-text";
    note.setAttribute("data-length-note", "");
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
    return note;
  }
  function update(field, cut) {
    var max = field.maxLength;
    var used = field.value.length;
    var locale = document.documentElement.lang === "vi" ? "vi-VN" : "en-GB";
    var next = field.nextElementSibling;
    if (!cut && used < max * 0.8) {
      if (next && next.hasAttribute("data-length-note")) { next.remove(); }
      return;
    }
    var text = cut ? document.body.getAttribute("data-length-cut") : document.body.getAttribute("data-length-count");
    var note = noteFor(field);
    note.textContent = text.replace("%(max)s", max.toLocaleString(locale)).replace("%(used)s", used.toLocaleString(locale));
    note.classList.toggle("text-danger", cut || used >= max);
  }
  document.addEventListener("paste", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches(FIELDS) || !event.clipboardData) { return; }
    var room = field.maxLength - field.value.length + (field.selectionEnd - field.selectionStart);
    // Counted as the field counts: a line break is one character, however the clipboard holds it.
    var pasted = event.clipboardData.getData("text").replace(/\r\n?/g, "\n");
    if (pasted.length > room) { field.setAttribute("data-length-cut", ""); }
  });
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches(FIELDS)) { return; }
    update(field, field.hasAttribute("data-length-cut"));
    field.removeAttribute("data-length-cut");
  });
  // A text put back after a refusal, or shown again on a form's own page, is counted at once.
  document.querySelectorAll(FIELDS).forEach(function (field) { update(field, false); });
  document.addEventListener("htmx:afterSwap", function (event) {
    event.target.querySelectorAll(FIELDS).forEach(function (field) { update(field, false); });
  });
})();
