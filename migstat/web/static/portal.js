// Draws every chart of a page: <div class="chart" data-spec="ID"> with its Vega-Lite spec in
// <script type="application/json" id="ID">. SVG renderer (tests count the marks), numbers in
// the page's language. When a chart is drawn, its element gets data-rendered="true" and
// data-marks="N" (the number of data marks actually drawn).
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  if (lang === "ru") {
    vega.formatLocale({decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0₽"]});
  }
  function countMarks(el) {
    // The data marks: the items of the layer named in usermeta.layer, else of every mark
    // that is not text (axes, legends and titles are not marks of the data).
    var want = (el.__spec.usermeta || {}).layer;
    var n = 0;
    el.querySelectorAll("g.role-mark").forEach(function (g) {
      if (want ? !g.classList.contains(want + "_marks") : g.classList.contains("mark-text")) {
        return;
      }
      n += g.querySelectorAll(":scope > path, :scope > line").length;
    });
    return n;
  }
  function plain(node) {
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }
  // The title, subtitle and source line printed round a chart in its <figure>, to go into
  // its image: the title is the heading the figure is labelled by, else its caption's bold
  // part, else the whole caption.
  function captionOf(el) {
    var figure = el.closest("figure");
    if (!figure) { return {title: "", subtitle: "", source: ""}; }
    var labelled = figure.getAttribute("aria-labelledby");
    var title = (labelled ? document.getElementById(labelled) : null) ||
      figure.querySelector("figcaption b") || figure.querySelector("figcaption");
    var subtitle = figure.querySelector("[id$='-subtitle']");
    return {
      title: plain(title),
      subtitle: subtitle && !(title && title.contains(subtitle)) ? plain(subtitle) : "",
      source: plain(figure.querySelector("p.chart-source, p[id$='-source']"))
    };
  }
  function lines(text, width) {
    var out = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { out.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { out.push(line); }
    return out;
  }
  // The image of a chart with its title above and its source line under the title, so that
  // a PNG or SVG taken elsewhere still says where its numbers come from: the same spec drawn
  // again off screen at the chart's width. A chart outside a <figure> is taken as drawn.
  function imageURL(el, view, kind) {
    var scale = kind === "png" ? 2 : 1;
    var cap = captionOf(el);
    if (!cap.title && !cap.source) { return view.toImageURL(kind, scale); }
    var spec = JSON.parse(JSON.stringify(el.__spec));
    var width = Math.max(320, el.clientWidth - 40);
    var old = spec.title && spec.title.text ? spec.title.text : "";
    spec.width = width;
    spec.title = {
      text: cap.title || old, anchor: "start", fontSize: 14,
      subtitle: lines(cap.subtitle, Math.floor(width / 6)).concat(lines(cap.source, Math.floor(width / 6))),
      subtitleFontSize: 10,
      subtitleColor: "#444", subtitlePadding: 4, offset: 10
    };
    var copy = new vega.View(vega.parse(vegaLite.compile(spec).spec, null, {ast: true}), {
      renderer: "none", expr: vega.expressionInterpreter
    });
    return copy.runAsync().then(function () { return copy.toImageURL(kind, scale); });
  }
  // "PNG" and "SVG" under a chart: the image Vega makes of the view (toImageURL gives a data:
  // or blob: address; no script is evaluated, so the CSP allows it).
  function exportLinks(el, view) {
    var names = lang === "ru" ? ["Скачать PNG", "Скачать SVG"] : ["Download PNG", "Download SVG"];
    var bar = document.createElement("p");
    bar.className = "chart-export small";
    [["png", names[0]], ["svg", names[1]]].forEach(function (pair) {
      var a = document.createElement("a");
      a.href = "#"; a.textContent = pair[1]; a.dataset.export = pair[0];
      a.download = (el.id || "chart") + "." + pair[0];
      a.addEventListener("click", function (event) {
        if (a.dataset.ready) { return; }
        event.preventDefault();
        imageURL(el, view, pair[0]).then(function (url) {
          a.href = url; a.dataset.ready = "true"; a.click();
        });
      });
      bar.append(a, " ");
    });
    el.insertAdjacentElement("afterend", bar);
  }
  function draw(el) {
    var source = document.getElementById(el.dataset.spec);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    el.__spec = spec;
    var compiled = vegaLite.compile(spec).spec;
    // What a screen reader says for the drawing: the chart's own title in the page's
    // language, not Vega's English default ("Vega visualization").
    var about = captionOf(el).title || el.getAttribute("aria-label") || "";
    if (about) { compiled.description = about; }
    // Expressions go through Vega's interpreter, not generated code: the
    // Content-Security-Policy allows no eval.
    var view = new vega.View(vega.parse(compiled, null, {ast: true}), {
      renderer: "svg", container: el, hover: true, expr: vega.expressionInterpreter
    });
    view.runAsync().then(function () {
      el.dataset.marks = String(countMarks(el));
      el.dataset.rendered = "true";
      exportLinks(el, view);
    }).catch(function (err) {
      el.dataset.rendered = "error";
      el.textContent = String(err);
    });
  }
  document.querySelectorAll("div.chart[data-spec]").forEach(draw);
  // "Copy link": the address of the view, ready to share.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      field.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(field.value); }
    });
  });
})();
