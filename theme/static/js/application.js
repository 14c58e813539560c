/* Progressive enhancement of the application form: inline errors via the JSON API,
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
        var left = s.places - s.applications;
        status.textContent = left > 0
          ? (left === 1 ? "1 place encore libre" : left + " places encore libres")
          : "Complet — liste d'attente : vous pouvez encore candidater.";
      })
      .catch(function () {});
  }

  function clearErrors() {
    form.querySelectorAll(".error-message[data-js]").forEach(function (e) { e.remove(); });
    form.querySelectorAll(".field-error").forEach(function (f) { f.classList.remove("field-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (i) {
      i.removeAttribute("aria-invalid");
      var ids = (i.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && !/-error$/.test(id); });
      if (ids.length) { i.setAttribute("aria-describedby", ids.join(" ")); } else { i.removeAttribute("aria-describedby"); }
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
      if (!field || !input) { return; }
      field.classList.add("field-error");
      var message = document.createElement("p");
      message.className = "error-message";
      message.id = name + "-error";
      message.setAttribute("data-js", "");
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = "Erreur : ";
      message.appendChild(hidden);
      message.appendChild(document.createTextNode(errors[name]));
      if (input.type === "checkbox") { input.nextElementSibling.appendChild(message); }
      else { input.parentNode.insertBefore(message, input); }
      input.setAttribute("aria-invalid", "true");
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      ids.push(message.id);
      input.setAttribute("aria-describedby", ids.join(" "));
    });
    var title = document.createElement("h3");
    title.textContent = "Il y a un problème";
    summary.appendChild(title);
    summary.appendChild(list);
    summary.hidden = false;
    summary.focus();
  }

  function showProblem(text) {
    summary.textContent = "";
    var p = document.createElement("p");
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
            window.location.assign(data.waiting_list ? "/merci/liste-attente/" : "/merci/");
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
