/* Missions found with Pagefind, shared by the search page and the filters of /missions/.
   Pagefind is loaded on first use only; results are shown as cards, ten at a time (each
   result's details are a download of their own), with a button for the next ten. */
window.rcResults = (function () {
  "use strict";
  var PAGE = 10;
  /* A word every open mission's page ends with (mission.html): searching it lists them all. Pagefind's
     own « no words » search would download its whole index (2.3 MB at 10,000 missions). */
  var ALL = "toutesmissions";
  var pagefind = null;

  function load() {
    if (!pagefind) {
      pagefind = import("/pagefind/pagefind.js").then(function (pf) { pf.init(); return pf; });
    }
    return pagefind;
  }

  /* Every open mission matching ``filters`` (Pagefind's filter names), soonest first. */
  function matching(filters) {
    return load().then(function (pf) { return pf.search(ALL, { filters: filters, sort: { debut: "asc" } }); });
  }

  function text(tag, className, value) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    el.textContent = value;
    return el;
  }

  /* One mission as a card, as the listings show it (theme/templates/_macros.html): its title (a
     link), structure, domain, place, dates and volunteers sought; the excerpt when asked. */
  function card(item, heading, withExcerpt) {
    var li = document.createElement("li");
    li.className = "fr-card fr-card--sm fr-enlarge-link rc-card";
    var body = document.createElement("div");
    body.className = "fr-card__body";
    var content = document.createElement("div");
    content.className = "fr-card__content";
    body.appendChild(content);
    li.appendChild(body);
    var h = document.createElement(heading);
    h.className = "fr-card__title";
    var a = text("a", "", item.meta.title);
    a.href = item.url;
    h.appendChild(a);
    content.appendChild(h);
    if (item.meta.structure) { content.appendChild(text("p", "fr-card__desc rc-card__structure", item.meta.structure)); }
    if (withExcerpt) {
      var p = document.createElement("p");
      p.className = "fr-card__desc rc-card__excerpt";
      /* Pagefind escapes the excerpt and adds <mark>; the word ALL, when it shows, can only end it */
      p.innerHTML = item.excerpt.replace(new RegExp("\\s*(<mark>)?" + ALL + "\\.?(</mark>)?\\s*$"), "");
      content.appendChild(p);
    }
    var start = document.createElement("div");
    start.className = "fr-card__start";
    var domain = item.filters && item.filters["domaine"];
    if (domain && domain.length) { start.appendChild(text("p", "fr-card__detail rc-card__domain", domain[0])); }
    var remote = item.meta.lieu === "À distance";
    if (remote) {
      var badges = document.createElement("ul");
      badges.className = "fr-badges-group";
      var badge = document.createElement("li");
      badge.appendChild(text("p", "fr-badge fr-badge--sm fr-badge--info fr-badge--no-icon", "À distance"));
      badges.appendChild(badge);
      start.appendChild(badges);
    }
    content.appendChild(start);
    var facts = document.createElement("ul");
    facts.className = "rc-card__facts";
    (remote ? ["dates", "places"] : ["lieu", "dates", "places"]).forEach(function (key) {
      if (item.meta[key]) { facts.appendChild(text("li", "", item.meta[key])); }
    });
    if (facts.children.length) {
      var end = document.createElement("div");
      end.className = "fr-card__end";
      end.appendChild(facts);
      content.appendChild(end);
    }
    return li;
  }

  /* A list of results in ``list`` (a <ul>), with its « more » button after it. */
  function listing(list, heading, withExcerpt) {
    var current = [];
    var shown = 0;
    var generation = 0;  /* results shown or hidden since: a late download adds nothing */
    var more = text("button", "fr-btn fr-btn--secondary rc-more", "Afficher plus de résultats");
    more.type = "button";
    more.hidden = true;
    list.parentNode.insertBefore(more, list.nextSibling);

    function showMore() {
      var batch = current.slice(shown, shown + PAGE);
      var mine = generation;
      shown += batch.length;
      more.hidden = shown >= current.length;
      more.textContent = "Afficher plus de résultats (" + (current.length - shown) + " autres)";
      return Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
        if (mine !== generation) { return; }
        items.forEach(function (item) { list.appendChild(card(item, heading, withExcerpt)); });
      });
    }
    more.addEventListener("click", function () { showMore(); });

    return {
      show: function (results) {
        generation += 1;
        current = results;
        shown = 0;
        list.textContent = "";
        list.hidden = false;
        return showMore();
      },
      hide: function () {
        generation += 1;
        current = [];
        list.textContent = "";
        list.hidden = true;
        more.hidden = true;
      }
    };
  }

  return { load: load, matching: matching, listing: listing };
})();
