// Behaviours of the portal's forms, kept out of the pages: the Content-Security-Policy allows
// scripts from this site's files only, never inline code or event-handler attributes.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";

  // <select data-fresh-submit>: choosing starts a new view, so only the choice and the
  // language are sent (the other fields describe the view being left).
  document.querySelectorAll("select[data-fresh-submit]").forEach(function (select) {
    select.addEventListener("change", function () {
      Array.prototype.forEach.call(select.form.elements, function (field) {
        // (fieldsets have no name: disabling one would disable the choice itself)
        if (field.name && field !== select && field.name !== "lang") { field.disabled = true; }
      });
      select.form.submit();
    });
  });

  // <input data-live-search="ID">: results while typing, from the portal's own JSON API,
  // into the element ID (the form works without it).
  document.querySelectorAll("input[data-live-search]").forEach(function (box) {
    var out = document.getElementById(box.dataset.liveSearch), timer = null;
    if (!out) { return; }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = box.value.trim();
        if (!q) { out.replaceChildren(); return; }
        fetch("/api/search?lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(q))
          .then(function (r) { return r.json(); })
          .then(function (hits) {
            var ul = document.createElement("ul"); ul.className = "hits";
            hits.forEach(function (h) {
              var li = document.createElement("li"); li.dataset.kind = h.kind;
              var k = document.createElement("span"); k.className = "kind"; k.textContent = h.kind_label;
              var a = document.createElement("a"); a.href = h.url; a.textContent = h.label;
              var d = document.createElement("span"); d.className = "muted small"; d.textContent = " " + h.detail;
              li.append(k, " ", a, d); ul.appendChild(li);
            });
            out.replaceChildren(ul);
          });
      }, 150);
    });
  });
})();

// <input data-filter-options="ID" hidden>: a type-ahead over the options of the <select> ID,
// matching their text and data-names (the code and the names in both languages); chosen
// options always stay in view. Without JavaScript the box stays hidden and the list works.
(function () {
  "use strict";
  function fold(text) { return (text || "").toLocaleLowerCase().replace(/ё/g, "е"); }
  document.querySelectorAll("input[data-filter-options]").forEach(function (box) {
    var select = document.getElementById(box.dataset.filterOptions);
    if (!select) { return; }
    box.hidden = false;
    box.addEventListener("input", function () {
      var words = fold(box.value).split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (option) {
        var hay = fold(option.textContent + " " + (option.dataset.names || ""));
        var match = words.every(function (w) { return hay.indexOf(w) !== -1; });
        option.hidden = !(match || option.selected);
      });
    });
  });
})();

// Select-all and none beside a multiple <select>: "All" is a link that works without
// JavaScript (it chooses every option); with a type-ahead filter typed, it chooses the options
// in view instead, without leaving the page. <button data-select-none="ID"> clears the choice
// of the <select> ID; it is shown only where scripts run (its wrapper [data-shown-with]).
(function () {
  "use strict";
  document.querySelectorAll("[data-select-none]").forEach(function (button) {
    var select = document.getElementById(button.dataset.selectNone);
    if (!select) { return; }
    var wrap = button.closest("[data-shown-with]");
    if (wrap) { wrap.hidden = false; }
    button.addEventListener("click", function () {
      Array.prototype.forEach.call(select.options, function (o) { o.selected = false; });
      select.dispatchEvent(new Event("change", {bubbles: true}));
    });
    var all = button.closest("p") && button.closest("p").querySelector("a[data-group=all]");
    var box = document.querySelector("input[data-filter-options='" + select.id + "']");
    if (!all || !box) { return; }
    all.addEventListener("click", function (event) {
      if (!box.value.trim()) { return; }
      event.preventDefault();
      Array.prototype.forEach.call(select.options, function (o) { if (!o.hidden) { o.selected = true; } });
      select.dispatchEvent(new Event("change", {bubbles: true}));
    });
  });
})();
