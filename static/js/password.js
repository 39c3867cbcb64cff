// Password fields (ASVS 2.1.12 and 2.1.8): a button beside each password field shows or hides
// what was typed, and a new password gets an estimate of its strength as it is typed. The
// estimate only guides: the server still applies the length, common-password and similarity
// rules when the form is sent. Texts come from the script element's data attributes, so they
// are translated with the page.
(function () {
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var texts = script.dataset;
  var SEQUENCES = ["0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

  function hasRun(password) {
    var lower = password.toLowerCase();
    if (/(.)\1{3,}/.test(lower)) {
      return true;
    }
    for (var i = 0; i + 4 <= lower.length; i++) {
      var piece = lower.slice(i, i + 4);
      if (SEQUENCES.some(function (sequence) { return sequence.indexOf(piece) !== -1; })) {
        return true;
      }
    }
    return false;
  }

  // 0 too short, 1 weak, 2 fair, 3 good, 4 strong.
  function strength(password) {
    var length = Array.from(password).length;
    if (length < 12) {
      return 0;
    }
    var score = 1 + (length >= 16 ? 1 : 0) + (length >= 20 ? 1 : 0);
    var kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (pattern) {
      return pattern.test(password);
    }).length;
    if (kinds >= 3) {
      score += 1;
    }
    if (hasRun(password)) {
      score -= 1;
    }
    return Math.max(1, Math.min(4, score));
  }

  function addToggle(input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary btn-sm mt-1";
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("data-testid", "password-toggle");
    button.textContent = texts.show;
    button.addEventListener("click", function () {
      var shown = input.type === "text";
      input.type = shown ? "password" : "text";
      button.setAttribute("aria-pressed", shown ? "false" : "true");
      button.textContent = shown ? texts.show : texts.hide;
      input.focus();
    });
    input.insertAdjacentElement("afterend", button);
  }

  function addMeter(input) {
    var box = document.createElement("div");
    box.className = "small mt-1";
    box.setAttribute("data-testid", "password-strength");
    var meter = document.createElement("meter");
    meter.min = 0;
    meter.max = 4;
    meter.low = 2;
    meter.high = 3;
    meter.optimum = 4;
    meter.value = 0;
    meter.setAttribute("aria-label", texts.caption);
    var words = document.createElement("span");
    words.className = "ms-2";
    words.setAttribute("aria-live", "polite");
    var note = document.createElement("div");
    note.className = "form-text";
    note.textContent = texts.note;
    box.append(meter, words, note);
    input.parentElement.insertBefore(box, input.nextElementSibling ? input.nextElementSibling.nextSibling : null);
    function update() {
      var score = input.value ? strength(input.value) : 0;
      meter.value = score;
      words.textContent = input.value ? texts["strength-" + score] : "";
      box.setAttribute("data-score", String(score));
    }
    input.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("input[type=password]").forEach(function (input) {
    addToggle(input);
    if (input.hasAttribute("data-password-strength")) {
      addMeter(input);
    }
  });
})();
