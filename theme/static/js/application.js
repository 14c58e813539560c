/* Progressive enhancement of the application form (and of the sign-up to be told of new missions,
   whose form names its own thanks page in data-thanks): inline errors via the JSON API,
   fill-time measure, live availability. Without this file the form posts normally. */
(function () {
  "use strict";
  var form = document.querySelector("[data-application-form]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var opened = Date.now();
  var summary = document.querySelector("[data-error-summary]");
  var button = form.querySelector("button[type=submit]");

  var status = document.querySelector("[data-mission-status]");
  if (status) {
    fetch(status.getAttribute("data-mission-status"), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s || !s.open) { return; }
        // accepted volunteers take the places, and those offered a freed place until they are
        // answered; the structure may also say the mission is complete
        var left = s.places - s.accepted - (s.offered || 0);
        status.textContent = !s.full
          ? (left === 1 ? "1 place encore libre" : left + " places encore libres")
          : "Complet — liste d'attente : vous pouvez encore candidater.";
        var note = form.querySelector("[data-waiting-note]");
        if (note) { note.hidden = !s.full; }
      })
      .catch(function () {});
  }

  var ERROR_CLASSES = ["fr-input-group--error", "fr-checkbox-group--error"];

  function clearErrors() {
    form.querySelectorAll(".fr-message--error").forEach(function (e) { e.remove(); });
    form.querySelectorAll("[data-field]").forEach(function (f) {
      ERROR_CLASSES.forEach(function (c) { f.classList.remove(c); });
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (i) {
      i.removeAttribute("aria-invalid");
      i.removeAttribute("aria-describedby");
    });
    summary.hidden = true;
    summary.textContent = "";
  }

  function showErrors(errors) {
    var list = document.createElement("ul");
    Object.keys(errors).forEach(function (name) {
      var field = form.querySelector('[data-field="' + name + '"]');
      var input = form.querySelector('[name="' + name + '"]');
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + name;
      link.textContent = errors[name];
      item.appendChild(link);
      list.appendChild(item);
      var group = document.getElementById(name + "-messages");
      if (!field || !input || !group) { return; }
      field.classList.add(input.type === "checkbox" ? "fr-checkbox-group--error" : "fr-input-group--error");
      var message = document.createElement("p");
      message.className = "fr-message fr-message--error";
      message.id = name + "-error";
      var hidden = document.createElement("span");
      hidden.className = "fr-sr-only";
      hidden.textContent = "Erreur : ";
      message.appendChild(hidden);
      message.appendChild(document.createTextNode(errors[name]));
      group.appendChild(message);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", message.id);
    });
    var title = document.createElement("h3");
    title.className = "fr-alert__title";
    title.textContent = "Il y a un problème";
    summary.appendChild(title);
    summary.appendChild(list);
    summary.hidden = false;
    summary.focus();
  }

  function showProblem(text) {
    summary.textContent = "";
    var p = document.createElement("p");
    p.className = "fr-alert__title";
    p.textContent = text;
    summary.appendChild(p);
    summary.hidden = false;
    summary.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.elements.fill_seconds.value = String(Math.round((Date.now() - opened) / 1000));
    clearErrors();
    button.disabled = true;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.status === 201) {
            window.location.assign(form.getAttribute("data-thanks") || (data.waiting_list ? "/merci/liste-attente/" : "/merci/"));
          } else if (response.status === 422 && data.errors) {
            showErrors(data.errors);
          } else {
            showProblem(data.error || "L'envoi n'a pas abouti. Réessayez dans quelques minutes.");
          }
        });
      })
      .catch(function () { showProblem("L'envoi n'a pas abouti : vérifiez votre connexion, puis réessayez."); })
      .then(function () { button.disabled = false; });
  });
})();
