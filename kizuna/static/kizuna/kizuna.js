/* Kizuna's own behaviour, kept out of the pages so that the Content-Security-Policy can forbid
   inline scripts. Pages mark elements with data attributes; nothing here is page-specific. */
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option submits its form (the language switch, the
  // organization picker of the communication standard). A <noscript> button does the same
  // without scripts.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLSelectElement) || !target.hasAttribute("data-autosubmit")) {
      return;
    }
    var form = target.form;
    if (!form) {
      return;
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });

  // <button data-fill="ID" data-value="V">: puts V into the field with that id (the suggested
  // next-update times beside a date field).
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-fill]") : null;
    if (!button) {
      return;
    }
    var field = document.getElementById(button.getAttribute("data-fill"));
    if (field) {
      field.value = button.getAttribute("data-value");
      field.dispatchEvent(new Event("change", { bubbles: true }));
      field.focus();
    }
  });

  // <fieldset data-shown-for="V">: shown only while its form's status choice is V (the
  // resolution report's questions appear when "Resolved" is chosen).
  function syncShown() {
    document.querySelectorAll("fieldset[data-shown-for]").forEach(function (fieldset) {
      var choice = fieldset.form && fieldset.form.elements.namedItem("to_status");
      if (choice) {
        fieldset.hidden = choice.value !== fieldset.getAttribute("data-shown-for");
      }
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target instanceof HTMLSelectElement && event.target.name === "to_status") {
      syncShown();
    }
  });
  // <select data-filtered-by="ID">: only the options whose data-purpose matches the choice in
  // the select with that id stay offered ("any" offers all): the composer's letters follow
  // what the agent says the message is.
  function syncFiltered() {
    document.querySelectorAll("select[data-filtered-by]").forEach(function (select) {
      var by = document.getElementById(select.getAttribute("data-filtered-by"));
      var wanted = by ? by.value : "any";
      Array.prototype.forEach.call(select.options, function (option) {
        var purpose = option.getAttribute("data-purpose");
        // Letters for any message (the acknowledgement, the questions) are always offered.
        option.hidden =
          Boolean(purpose) && purpose !== "any" && wanted !== "any" && purpose !== wanted;
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target instanceof HTMLSelectElement && event.target.name === "purpose") {
      syncFiltered();
    }
  });
  // <input type="file" data-max-file-bytes data-max-total-bytes>: the chosen files are checked
  // against the attachment limits before anything is uploaded; the refusal is the server's own
  // wording (carried in data-file-too-large / data-total-too-large), shown under the field, and
  // the form will not submit until the choice fits.
  function megabytes(size, decimals) {
    var text = (size / 1048576).toFixed(1);
    return decimals ? text : text.replace(/\.0$/, "");
  }
  function uploadProblems(form) {
    var problems = [];
    var total = 0;
    var limitTotal = 0;
    var totalMessage = "";
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file][data-max-file-bytes]"), function (input) {
      var limit = Number(input.getAttribute("data-max-file-bytes"));
      limitTotal = Number(input.getAttribute("data-max-total-bytes"));
      totalMessage = input.getAttribute("data-total-too-large");
      Array.prototype.forEach.call(input.files || [], function (file) {
        total += file.size;
        if (file.size > limit) {
          problems.push({
            input: input,
            text: input
              .getAttribute("data-file-too-large")
              .replace("{name}", file.name)
              .replace("{size}", megabytes(file.size, true)),
          });
        }
      });
    });
    if (limitTotal && total > limitTotal) {
      var last = form.querySelector("input[type=file][data-max-file-bytes]");
      problems.push({ input: last, text: totalMessage.replace("{size}", megabytes(total, false)) });
    }
    return problems;
  }
  function showUploadProblems(form) {
    var problems = uploadProblems(form);
    form.querySelectorAll("[data-upload-problem]").forEach(function (old) {
      old.remove();
    });
    form.querySelectorAll("input[type=file][data-max-file-bytes]").forEach(function (input) {
      var own = problems.filter(function (p) {
        return p.input === input;
      });
      input.setCustomValidity(own.map(function (p) { return p.text; }).join(" "));
      own.forEach(function (p) {
        var note = document.createElement("p");
        note.className = "error";
        note.setAttribute("role", "alert");
        note.setAttribute("data-upload-problem", "");
        note.textContent = p.text;
        input.insertAdjacentElement("afterend", note);
      });
    });
    return problems.length === 0;
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file" && input.form &&
        input.hasAttribute("data-max-file-bytes")) {
      showUploadProblems(input.form);
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.querySelector("input[type=file][data-max-file-bytes]") &&
        !showUploadProblems(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // <input data-from-address>: filled with the page's current query string when its form is
  // sent (filters changed in place by htmx update the address bar, not the hidden fields).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    form.querySelectorAll("input[data-from-address]").forEach(function (input) {
      input.value = window.location.search.replace(/^\?/, "");
    });
  }, true);
  // A self-refreshing element with data-hold-while-checked="selector": no refresh while a box
  // matching the selector is ticked (the queue keeps the agent's selection for a bulk action).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail && event.detail.elt;
    var selector = element && element.getAttribute && element.getAttribute("data-hold-while-checked");
    if (selector && document.querySelector(selector + ":checked")) {
      event.preventDefault();
    }
  });
  // The phone menu: the button folds and unfolds the header's navigation.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-menu-toggle]");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var header = button.closest("header");
    if (header) header.classList.toggle("menu-open", open);
  });
  function enableMenu() {
    document.documentElement.classList.add("js");
    document.querySelectorAll("[data-menu-toggle]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", enableMenu);
  function syncAll() {
    syncShown();
    syncFiltered();
  }
  document.addEventListener("DOMContentLoaded", syncAll);
  document.addEventListener("htmx:afterSwap", syncAll);
})();
