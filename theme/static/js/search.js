/* Full-text search with Pagefind (results.js), loaded only when the reader searches. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form || !window.rcResults) { return; }
  var input = form.querySelector("input[name=q]");
  var statusEl = document.querySelector("[data-search-status]");
  var facetsEl = document.querySelector("[data-search-facets]");
  var refine = document.querySelector("[data-search-refine]");
  var results = window.rcResults.listing(document.querySelector("[data-search-results]"), "h2", true);
  var facetsWanted = false;  /* the facets' indexes are a download of their own: only when opened */
  var selected = {};
  var searches = 0;  /* a newer search wins over one still running */

  function renderFacets(filters) {
    facetsEl.textContent = "";
    var box = document.createElement("div");
    box.className = "filters";
    Object.keys(filters).sort().forEach(function (name) {
      var wrap = document.createElement("div");
      wrap.className = "field";
      var id = "facette-" + name.replace(/[^a-z]/gi, "");
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = name.charAt(0).toUpperCase() + name.slice(1);
      var select = document.createElement("select");
      select.id = id;
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "Tous";
      select.appendChild(all);
      Object.keys(filters[name]).sort().forEach(function (value) {
        var o = document.createElement("option");
        o.value = value;
        o.textContent = value + " (" + filters[name][value] + ")";
        if (selected[name] === value) { o.selected = true; }
        select.appendChild(o);
      });
      select.addEventListener("change", function () {
        if (select.value) { selected[name] = select.value; } else { delete selected[name]; }
        run();
      });
      wrap.appendChild(label);
      wrap.appendChild(select);
      box.appendChild(wrap);
    });
    facetsEl.appendChild(box);
  }

  function run() {
    var query = input.value.trim();
    var mine = ++searches;
    statusEl.textContent = "Recherche en cours…";
    window.rcResults.load().then(function (pf) {
      var filters = {};
      Object.keys(selected).forEach(function (k) { filters[k] = selected[k]; });
      /* no words: every mission (of the facets chosen), soonest first, as the listings */
      return (query ? pf.search(query, { filters: filters }) : window.rcResults.matching(filters)).then(function (search) {
        if (mine !== searches) { return null; }
        return results.show(search.results).then(function () {
          if (mine !== searches) { return null; }
          var n = search.results.length;
          statusEl.textContent = n === 0 ? "Aucune mission ne correspond." : (n === 1 ? "1 mission trouvée." : n + " missions trouvées.");
          refine.hidden = false;
          return facetsWanted ? pf.filters().then(renderFacets) : null;
        });
      });
    }).catch(function () { statusEl.textContent = "La recherche est indisponible pour le moment."; });
  }

  refine.addEventListener("toggle", function () {
    if (!refine.open || facetsWanted) { return; }
    facetsWanted = true;
    facetsEl.textContent = "Chargement des filtres…";
    window.rcResults.load().then(function (pf) { return pf.filters(); }).then(renderFacets)
      .catch(function () { facetsEl.textContent = "Les filtres sont indisponibles pour le moment."; });
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run();
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
