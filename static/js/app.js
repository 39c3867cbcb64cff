// Cầu Nối's own script. No inline handlers anywhere (CSP script-src 'self').
// Buttons and forms with data-confirm ask before submitting (closing a case, withdrawing consent).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
