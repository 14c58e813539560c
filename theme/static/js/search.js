/* Full-text search with Pagefind, loaded only when the reader searches. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form) { return; }
  var input = form.querySelector("input[name=q]");
  var statusEl = document.querySelector("[data-search-status]");
  var results = document.querySelector("[data-search-results]");
  var facetsEl = document.querySelector("[data-search-facets]");
  var refine = document.querySelector("[data-search-refine]");
  var facetsWanted = false;  /* the facets' indexes are a download of their own: only when opened */
  var pagefind = null;
  var selected = {};
  var PAGE = 10;  /* each result's fragment is a download: fetch them ten at a time */
  var current = [];
  var shown = 0;
  var more = document.createElement("button");
  more.type = "button";
  more.className = "button";
  more.textContent = "Afficher plus de résultats";
  more.hidden = true;
  results.parentNode.insertBefore(more, results.nextSibling);

  function load() {
    if (!pagefind) {
      pagefind = import("/pagefind/pagefind.js").then(function (pf) { pf.init(); return pf; });
    }
    return pagefind;
  }

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
    statusEl.textContent = "Recherche en cours…";
    load().then(function (pf) {
      var filters = {};
      Object.keys(selected).forEach(function (k) { filters[k] = selected[k]; });
      return pf.search(query || null, { filters: filters }).then(function (search) {
        current = search.results;
        shown = 0;
        results.textContent = "";
        return showMore().then(function () {
          var n = search.results.length;
          statusEl.textContent = n === 0 ? "Aucune mission ne correspond." : (n === 1 ? "1 mission trouvée." : n + " missions trouvées.");
          refine.hidden = false;
          return facetsWanted ? pf.filters().then(renderFacets) : null;
        });
      });
    }).catch(function () { statusEl.textContent = "La recherche est indisponible pour le moment."; });
  }

  function showMore() {
    var batch = current.slice(shown, shown + PAGE);
    shown += batch.length;
    more.hidden = shown >= current.length;
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
          items.forEach(function (item) {
            var li = document.createElement("li");
            li.className = "card";
            var h = document.createElement("h2");
            h.className = "card-title";
            var a = document.createElement("a");
            a.href = item.url;
            a.textContent = item.meta.title;
            h.appendChild(a);
            var p = document.createElement("p");
            p.innerHTML = item.excerpt; /* Pagefind escapes the excerpt and adds <mark> */
            li.appendChild(h);
            li.appendChild(p);
            results.appendChild(li);
          });
    });
  }

  more.addEventListener("click", function () { showMore(); });

  refine.addEventListener("toggle", function () {
    if (!refine.open || facetsWanted) { return; }
    facetsWanted = true;
    facetsEl.textContent = "Chargement des filtres…";
    load().then(function (pf) { return pf.filters(); }).then(renderFacets)
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
