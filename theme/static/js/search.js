/* Full-text search with Pagefind (results.js), loaded only when the reader searches.

   The facets (« Affiner les résultats ») count the missions of the search: a value that the words
   do not find is not offered. They come in the order of the missions list's filters, and the
   search's words and choices are kept in the address with the same keys and values as that list's
   (« ?q=colis&town=laon&remote=oui »): a search can be bookmarked or shared. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form || !window.rcResults) { return; }
  var input = form.querySelector("input[name=q]");
  var statusEl = document.querySelector("[data-search-status]");
  var emptyEl = document.querySelector("[data-search-empty]");
  var facetsEl = document.querySelector("[data-search-facets]");
  var refine = document.querySelector("[data-search-refine]");
  var results = window.rcResults.listing(document.querySelector("[data-search-results]"), "h2", true);
  var domains = JSON.parse(facetsEl.getAttribute("data-domains") || "{}");  /* label -> slug */

  function slugify(text) {  /* catalog.text.slugify: « Château-Thierry » -> « chateau-thierry » */
    return text.replace(/œ/g, "oe").replace(/Œ/g, "Oe").replace(/æ/g, "ae").replace(/Æ/g, "Ae").replace(/ß/g, "ss")
      .normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }
  /* name: Pagefind's filter; key: the address's; value(text): what the address keeps of a value */
  var facets = [
    { name: "domaine", key: "domain", label: "Domaine", value: function (t) { return domains[t] || slugify(t); } },
    { name: "département", key: "department", label: "Département",
      value: function (t) { var code = /\(([^()]+)\)\s*$/.exec(t); return code ? code[1] : slugify(t); } },
    { name: "commune", key: "town", label: "Commune", value: slugify },
    { name: "à distance", key: "remote", label: "À distance", value: function (t) { return t; } }
  ];
  function shown(facet, text) {  /* « oui » and « non » are values; the reader sees them as labels */
    return facet.key === "remote" ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  }

  var facetsWanted = false;  /* the facets' indexes are a download of their own: only when wanted */
  var selected = {};  /* Pagefind filter name -> value (text) */
  var asked = {};  /* address key -> value, until the facets' values are known */
  var searches = 0;  /* a newer search wins over one still running */

  function remember() {
    var query = new URLSearchParams();
    if (input.value.trim()) { query.set("q", input.value.trim()); }
    facets.forEach(function (f) { if (selected[f.name]) { query.set(f.key, f.value(selected[f.name])); } });
    var search = query.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  /* The address's choices as Pagefind's values, once its filters are known. */
  function resolve(all) {
    facets.forEach(function (f) {
      if (!(f.key in asked)) { return; }
      var found = Object.keys(all[f.name] || {}).filter(function (t) { return f.value(t) === asked[f.key]; })[0];
      if (found) { selected[f.name] = found; }
    });
    asked = {};
  }

  /* The facets' drop-down lists, made once (a choice keeps its focus), their options from
     ``counts``: Pagefind's filters of this search, with the other choices: the values it finds. */
  function renderFacets(counts) {
    if (!facets[0].select) {
      facetsEl.textContent = "";
      var box = document.createElement("div");
      box.className = "rc-filters__form";
      facets.forEach(function (facet) {
        var wrap = document.createElement("div");
        wrap.className = "fr-select-group";
        var label = document.createElement("label");
        label.className = "fr-label";
        label.htmlFor = "facette-" + facet.key;
        label.textContent = facet.label;
        var select = document.createElement("select");
        select.className = "fr-select";
        select.id = "facette-" + facet.key;
        select.addEventListener("change", function () {
          if (select.value) { selected[facet.name] = select.value; } else { delete selected[facet.name]; }
          remember();
          run();
        });
        facet.select = select;
        wrap.appendChild(label);
        wrap.appendChild(select);
        box.appendChild(wrap);
      });
      facetsEl.appendChild(box);
    }
    facets.forEach(function (facet) {
      var values = counts[facet.name] || {};
      var select = facet.select;
      select.textContent = "";
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "Tous";
      select.appendChild(all);
      Object.keys(values)
        .filter(function (v) { return values[v] > 0 || selected[facet.name] === v; })
        .sort(function (a, b) { return a.localeCompare(b, "fr"); })
        .forEach(function (v) {
          var o = document.createElement("option");
          o.value = v;
          o.textContent = shown(facet, v) + " (" + values[v] + ")";
          select.appendChild(o);
        });
      select.value = selected[facet.name] || "";
    });
  }

  function run() {
    var query = input.value.trim();
    var mine = ++searches;
    statusEl.textContent = "Recherche en cours…";
    window.rcResults.load().then(function (pf) {
      /* the filters' indexes first when the counts are wanted: the search then counts its values */
      return (facetsWanted ? pf.filters() : Promise.resolve(null)).then(function (all) {
        if (all) { resolve(all); }
        var filters = {};
        Object.keys(selected).forEach(function (k) { filters[k] = selected[k]; });
        /* no words: every mission (of the facets chosen), soonest first, as the listings */
        return query ? pf.search(query, { filters: filters }) : window.rcResults.matching(filters);
      }).then(function (search) {
        if (mine !== searches) { return null; }
        return results.show(search.results).then(function () {
          if (mine !== searches) { return; }
          var n = search.results.length;
          statusEl.textContent = n === 0 ? "Aucune mission ne correspond." : (n === 1 ? "1 mission trouvée." : n + " missions trouvées.");
          if (emptyEl) { emptyEl.hidden = n !== 0; }
          refine.hidden = false;
          if (facetsWanted) { renderFacets(search.filters || {}); }
        });
      });
    }).catch(function () { statusEl.textContent = "La recherche est indisponible pour le moment."; });
  }

  refine.addEventListener("toggle", function () {
    if (!refine.open || facetsWanted) { return; }
    facetsWanted = true;
    facetsEl.textContent = "Chargement des filtres…";
    run();
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    remember();
    run();
  });

  var address = new URLSearchParams(window.location.search);
  facets.forEach(function (f) { if (address.get(f.key)) { asked[f.key] = address.get(f.key); } });
  if (address.get("q")) { input.value = address.get("q"); }
  if (Object.keys(asked).length) {  /* a shared search with choices: its facets, open */
    facetsWanted = true;
    refine.hidden = false;
    refine.open = true;
  }
  if (address.get("q") || facetsWanted) { run(); }
})();
