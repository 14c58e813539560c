/* Instant filters on /missions/ by domain, department, town and remote; their choices and counts
   are those of the facet links they replace (the same facets without JavaScript: one way to
   filter at a time).
   When every open mission is on this page, the filters hide the cards that do not match. When
   the list has several pages, they filter the whole catalogue: Pagefind (results.js) finds the
   matching missions, soonest first, and they replace this page's list until the filters are
   reset. Without JavaScript the same facets are links to the listing pages. */
(function () {
  "use strict";
  var list = document.getElementById("mission-list");
  var target = document.querySelector("[data-filter-target]");
  if (!list || !target) { return; }
  var whole = target.hasAttribute("data-filter-whole") && window.rcResults;
  var cards = Array.prototype.slice.call(list.children);
  /* key: the select's name (and the address's) and the card's data attribute; name: Pagefind's
     filter and the facet links' data-filter. A value is the slug or code of the facet's listing
     (« garde-exceptionnelle-enfants », « 02 », « laon ») or « oui » / « non » for remote. */
  var facets = [
    { key: "domain", name: "domaine", label: "Domaine" },
    { key: "department", name: "département", label: "Département" },
    { key: "town", name: "commune", label: "Commune", byText: true },  /* cards hold the town's name */
    { key: "remote", name: "à distance", label: "À distance" }
  ];

  /* The number of open missions a facet link leads to: « <a data-count="12">Laon (12)</a> ». */
  function countOf(link) { return +link.getAttribute("data-count") || 0; }
  /* A link's text without its count: « Laon ». */
  function nameOf(link) { return link.textContent.replace(/\s*\(\d+\)\s*$/, ""); }

  /* value -> { text, count, link }: from the facet links, which count every open mission (values
     without a mission left out) */
  function choices(facet) {
    var values = {};
    if (facet.key === "remote") {
      var remote = document.querySelector("[data-remote]");
      var all = +document.querySelector("[data-open-count]").dataset.openCount;
      var far = remote ? countOf(remote) : 0;
      /* « oui » / « non » are Pagefind's values and the address's; the reader sees them as labels */
      values.oui = { text: "oui", label: "Oui", count: far, link: remote };
      values.non = { text: "non", label: "Non", count: all - far, link: null };
    } else {
      document.querySelectorAll('[data-filter="' + facet.name + '"] a').forEach(function (a) {
        var parts = a.getAttribute("href").split("/");
        values[parts[parts.length - 2]] = { text: nameOf(a), label: nameOf(a), count: countOf(a), link: a };
      });
    }
    Object.keys(values).forEach(function (v) { if (!values[v].count) { delete values[v]; } });
    return values;
  }
  facets.forEach(function (facet) { facet.values = choices(facet); });

  var form = document.createElement("form");
  form.className = "rc-filters__form";
  form.setAttribute("aria-label", whole ? "Filtrer toutes les missions" : "Filtrer les missions de cette page");
  facets.forEach(function (facet) {
    var values = facet.values;
    var wrap = document.createElement("div");
    wrap.className = "fr-select-group";
    var label = document.createElement("label");
    label.className = "fr-label";
    label.htmlFor = "filtre-" + facet.key;
    label.textContent = facet.label;
    var select = document.createElement("select");
    select.className = "fr-select";
    select.id = "filtre-" + facet.key;
    select.name = facet.key;
    var all = document.createElement("option");
    all.value = "";
    all.textContent = "Tous";
    select.appendChild(all);
    Object.keys(values).sort(function (a, b) { return values[a].text.localeCompare(values[b].text, "fr"); }).forEach(function (v) {
      var o = document.createElement("option");
      o.value = v;
      o.textContent = values[v].label + " (" + values[v].count + ")";
      select.appendChild(o);
    });
    wrap.appendChild(label);
    wrap.appendChild(select);
    form.appendChild(wrap);
  });
  var count = document.querySelector("[data-filter-status]");
  var details = document.querySelector("[data-facets]");
  target.appendChild(form);
  document.querySelector("[data-facet-links]").hidden = true;  /* one way to filter */
  if (window.matchMedia("(min-width: 48em)").matches) { details.open = true; }  /* a phone: missions first */

  function plural(n, one, many) { return n + " " + (n > 1 ? many : one); }

  function applyHere() {
    var shown = 0;
    cards.forEach(function (c) {
      var ok = facets.every(function (f) {
        var v = form.elements[f.key].value;
        return !v || c.dataset[f.key] === (f.byText ? f.values[v].text : v);
      });
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = plural(shown, "mission affichée", "missions affichées") + " sur " + cards.length + " de cette page.";
  }

  var found = null;
  var pagination = document.querySelector(".fr-pagination");
  var runs = 0;  /* a newer choice wins over a search still running */
  function applyWhole() {
    var filters = {};
    var chosen = [];
    facets.forEach(function (f) {
      var v = form.elements[f.key].value;
      if (v) { filters[f.name] = f.values[v].text; chosen.push(f.values[v].link); }
    });
    var mine = ++runs;
    if (!Object.keys(filters).length) {
      if (found) { found.hide(); }
      list.hidden = false;
      if (pagination) { pagination.hidden = false; }
      count.textContent = "";
      return;
    }
    if (!found) {
      var ul = document.createElement("ul");
      ul.className = "rc-cards";
      ul.id = "mission-results";
      list.parentNode.insertBefore(ul, list);
      found = window.rcResults.listing(ul, "h3", false);
    }
    count.textContent = "Recherche des missions…";
    window.rcResults.matching(filters).then(function (search) {
      if (mine !== runs) { return null; }
      list.hidden = true;
      if (pagination) { pagination.hidden = true; }
      return found.show(search.results).then(function () {
        if (mine !== runs) { return; }
        var n = search.results.length;
        count.textContent = n === 0 ? "Aucune mission ne correspond à ces filtres."
          : plural(n, "mission correspond", "missions correspondent") + " à ces filtres, dans tout le catalogue.";
        if (n > 0 && chosen.length === 1 && chosen[0]) {  /* one facet: its listing, page by page */
          var page = document.createElement("a");
          page.href = chosen[0].getAttribute("href");
          page.textContent = "Voir la liste « " + nameOf(chosen[0]) + " », page par page";
          count.appendChild(document.createTextNode(" "));
          count.appendChild(page);
        }
      });
    }).catch(function () {
      if (mine !== runs) { return; }
      count.textContent = "Le filtrage est indisponible pour le moment : parcourez les missions par domaine, département ou commune (liens en bas de page).";
    });
  }

  var apply = whole ? applyWhole : applyHere;

  /* The choices live in the address (« ?department=02&remote=oui »): a filtered list can be
     bookmarked or shared, and comes back with the browser's Back button. */
  function remember() {
    var query = new URLSearchParams();
    facets.forEach(function (f) { if (form.elements[f.key].value) { query.set(f.key, form.elements[f.key].value); } });
    var search = query.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  form.addEventListener("change", function () { remember(); apply(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  var asked = new URLSearchParams(window.location.search);
  var chosen = facets.filter(function (f) {
    var value = asked.get(f.key);
    var select = form.elements[f.key];
    if (value === null || !Array.prototype.some.call(select.options, function (o) { return o.value === value; })) { return false; }
    select.value = value;
    return true;
  });
  if (chosen.length) { details.open = true; apply(); }
})();
