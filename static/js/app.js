// Cầu Nối's own script. No inline handlers anywhere (CSP script-src 'self').
// Buttons and forms with data-confirm ask before submitting (closing a case, withdrawing consent).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// An htmx request that fails says so next to what was used, and nothing the user typed is
// replaced (base.html's htmx-config swaps no 4xx/5xx answer except a form's 400). Without this a
// failed save left the old "Saved at …" in place and a failed filter kept the old rows.
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
    if (status >= 500) { return "server"; }
    if (status === 403 || status === 404) { return "refused"; }
    return "client";
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
