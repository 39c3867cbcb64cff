// Group reception, the table of people (templates/casework/group_people.html). Without this
// script the page works the same: "add 5 more rows" is a submit button and the server marks
// children. With it, a row is added in place, the child column follows the year typed, and the
// "accompanied by" lists name the people of the other rows.
(function () {
  "use strict";

  function init() {
    var table = document.querySelector("[data-testid=group-table]");
    var template = document.getElementById("group-row-template");
    var body = table && table.querySelector("[data-group-rows]");
    var form = table && table.closest("form");
    if (!table || !template || !body || !form) { return; }
    var total = form.querySelector("input[name$='-TOTAL_FORMS']");
    var adultUntil = parseInt(table.getAttribute("data-adult-until"), 10);
    var rowLabel = table.getAttribute("data-row-label") || "%(number)s";
    var maxRows = parseInt(table.getAttribute("data-max-rows"), 10) || 100;
    var childCell = template.content.querySelector("[data-child-cell]");
    var childText = { child: table.getAttribute("data-child-label") || "", adult: table.getAttribute("data-adult-label") || "" };
    var addButton = form.querySelector("[data-group-add]");

    function rows() { return Array.prototype.slice.call(body.querySelectorAll("[data-group-row]")); }

    function nameOf(row) {
      var input = row.querySelector("input[name$='-full_name']");
      return input ? input.value.trim() : "";
    }

    function markChild(row) {
      var input = row.querySelector("input[name$='-birth_year']");
      var cell = row.querySelector("[data-child-value]");
      if (!input || !cell) { return; }
      var year = parseInt(input.value, 10);
      cell.textContent = "";
      if (!year || isNaN(adultUntil) || year < 1900) { cell.textContent = "—"; return; }
      if (year > adultUntil) {
        var badge = document.createElement("span");
        badge.className = "badge text-bg-warning";
        badge.textContent = childText.child;
        cell.appendChild(badge);
      } else {
        cell.textContent = childText.adult;
      }
    }

    function refreshCompanions() {
      var all = rows();
      var labels = all.map(function (row, index) {
        var name = nameOf(row);
        var label = rowLabel.replace("%(number)s", String(index + 1));
        return name ? label + " — " + name : label;
      });
      all.forEach(function (row) {
        var select = row.querySelector("select[name$='-accompanied_by']");
        if (!select) { return; }
        var chosen = select.value;
        for (var n = 1; n <= all.length; n += 1) {
          var option = select.querySelector("option[value='" + n + "']");
          if (!option) {
            option = document.createElement("option");
            option.value = String(n);
            select.appendChild(option);
          }
          option.textContent = labels[n - 1];
        }
        select.value = chosen;
      });
    }

    function addRow() {
      var count = parseInt(total.value, 10) || rows().length;
      if (count >= maxRows) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(count)).replace(/__number__/g, String(count + 1));
      var holder = document.createElement("tbody");
      holder.innerHTML = html;
      var row = holder.querySelector("[data-group-row]");
      body.appendChild(row);
      total.value = String(count + 1);
      refreshCompanions();
      var first = row.querySelector("input[name$='-full_name']");
      if (first) { first.focus(); }
    }

    body.addEventListener("input", function (event) {
      var row = event.target.closest("[data-group-row]");
      if (!row) { return; }
      if (event.target.name && /-birth_year$/.test(event.target.name)) { markChild(row); }
      if (event.target.name && /-full_name$/.test(event.target.name)) { refreshCompanions(); }
    });
    if (addButton) {
      addButton.classList.remove("d-none");
      addButton.addEventListener("click", addRow);
    }
    if (childCell) { rows().forEach(markChild); }
    refreshCompanions();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
