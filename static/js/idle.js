// Idle limit on the page itself (the server ends the session at the same limit, see
// casework.middleware.SessionLimitMiddleware). After data-idle-seconds without a user action the
// page content and the user's name are removed and a sign-in link is shown, so an unattended
// tablet stops showing residents' names even if the network is down. Polling requests (they send
// X-CauNoi-Background: 1) do not count as actions; page loads and other htmx requests do.
(function () {
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (!seconds) {
    return;
  }
  var deadline = Date.now() + seconds * 1000;
  var ended = false;

  document.addEventListener("htmx:configRequest", function (event) {
    var headers = (event.detail && event.detail.headers) || {};
    if (headers["X-CauNoi-Background"] !== "1" && !ended) {
      deadline = Date.now() + seconds * 1000;
    }
  });

  function blank() {
    ended = true;
    // Forms that keep what was typed (app.js) save it before the page is emptied.
    document.dispatchEvent(new CustomEvent("caunoi:idle"));
    var main = document.getElementById("main");
    var notice = document.createElement("div");
    notice.className = "alert alert-warning";
    notice.setAttribute("role", "alert");
    notice.setAttribute("data-testid", "idle-notice");
    notice.appendChild(document.createTextNode(body.getAttribute("data-idle-message") + " "));
    var link = document.createElement("a");
    link.href = body.getAttribute("data-idle-sign-in-url");
    link.textContent = body.getAttribute("data-idle-sign-in-label");
    notice.appendChild(link);
    if (main) {
      // Removing the polled elements from the page also stops htmx polling them.
      main.replaceChildren(notice);
    }
    document.querySelectorAll("[data-idle-blank], nav").forEach(function (element) {
      element.replaceChildren();
    });
    document.title = "Cầu Nối";
  }

  function check() {
    if (!ended && Date.now() >= deadline) {
      blank();
    }
  }

  // A sleeping tablet suspends timers: check again as soon as the page is visible.
  window.setInterval(check, 5000);
  document.addEventListener("visibilitychange", check);
})();
