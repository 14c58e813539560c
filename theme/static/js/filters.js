/* Instant filters on /missions/: narrows the listed cards by domain, department, town and remote.
   Without JavaScript the same facets are links to the listing pages. */
(function () {
  "use strict";
  var list = document.getElementById("mission-list");
  var target = document.querySelector("[data-filter-target]");
  if (!list || !target) { return; }
  var cards = Array.prototype.slice.call(list.children);
  var facets = [
    { key: "domain", label: "Domaine", text: function (c) { return c.querySelector(".badge").textContent; } },
    { key: "department", label: "Département", text: function (c) { return c.dataset.department; } },
    { key: "town", label: "Commune", text: function (c) { return c.dataset.town; } },
    { key: "remote", label: "À distance", text: function (c) { return c.dataset.remote; } }
  ];
  var form = document.createElement("form");
  form.className = "filters";
  form.setAttribute("aria-label", "Filtrer les missions de cette page");
  facets.forEach(function (facet) {
    var values = {};
    cards.forEach(function (c) { var v = c.dataset[facet.key]; if (v) { values[v] = facet.text(c); } });
    var wrap = document.createElement("div");
    wrap.className = "field";
    var label = document.createElement("label");
    label.htmlFor = "filtre-" + facet.key;
    label.textContent = facet.label;
    var select = document.createElement("select");
    select.id = "filtre-" + facet.key;
    select.name = facet.key;
    var all = document.createElement("option");
    all.value = "";
    all.textContent = "Tous";
    select.appendChild(all);
    Object.keys(values).sort().forEach(function (v) {
      var o = document.createElement("option");
      o.value = v;
      o.textContent = values[v];
      select.appendChild(o);
    });
    wrap.appendChild(label);
    wrap.appendChild(select);
    form.appendChild(wrap);
  });
  var count = document.createElement("p");
  count.setAttribute("role", "status");
  count.className = "filter-count";
  target.appendChild(form);
  target.appendChild(count);
  function apply() {
    var shown = 0;
    cards.forEach(function (c) {
      var ok = facets.every(function (f) { var v = form.elements[f.key].value; return !v || c.dataset[f.key] === v; });
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + (shown > 1 ? " missions affichées" : " mission affichée") + " sur " + cards.length + " de cette page.";
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
})();
