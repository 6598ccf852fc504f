/* Seals a survey answer in the browser before it is sent (SECURITY.md promise 2).
 *
 * The answer (JSON, the same shape the server builds without JavaScript) is padded to the
 * survey's fixed block size with sodium.pad and sealed to the survey's public key with
 * crypto_box_seal. Only the sealed bytes and the form token are posted, from a form built here:
 * the plain answers never leave the page. Nothing is written to cookies or storage.
 *
 * A slip's QR code opens this page with the invitation code in the fragment (#code=…, never
 * sent to any server, so it reaches no log): it is copied into the code field and removed from
 * the address bar and the history entry at once, before anything else (even without sodium).
 */
(function () {
  "use strict";
  var form = document.getElementById("survey-form");

  (function takeCodeFromFragment() {
    var hash = window.location.hash || "";
    if (hash.indexOf("#code=") !== 0) { return; }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    } else {
      window.location.hash = "";
    }
    var typed = hash.slice(6), field = form && form.elements.code;
    if (field && !field.value && /^[0-9A-Za-z-]{1,40}$/.test(typed)) {
      field.value = typed.toUpperCase();
    }
  }());

  if (!form || !window.sodium) { return; }
  var sodium = window.sodium;
  var mode = document.getElementById("seal-mode");
  var badNumber = false;  // set by collect() when a number is out of range

  var missingField = null;  // set by collect(): the first required question left empty

  // A question of one input (number, text) marks the input itself; a group of options, the
  // fieldset (as the page does for an answer the server refused).
  function mark(fs, on) {
    var kind = fs.dataset.kind;
    var target = (kind === "number" || kind === "text") ? fs.querySelector("input") : fs;
    if (on) {
      fs.classList.add("has-error");
      target.setAttribute("aria-invalid", "true");
    } else {
      fs.classList.remove("has-error");
      target.removeAttribute("aria-invalid");
    }
  }

  function collect() {
    var answer = {};
    var missing = false;
    badNumber = false;
    missingField = null;
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      var id = fs.dataset.id, kind = fs.dataset.kind, name = "q" + id, value = null;
      if (kind === "multiple") {
        var picked = [];
        fs.querySelectorAll('input[name="' + name + '"]:checked').forEach(function (el) {
          picked.push(parseInt(el.value, 10));
        });
        picked.sort(function (a, b) { return a - b; });
        value = picked.length ? picked : null;
      } else if (kind === "single" || kind === "scale5") {
        var checked = fs.querySelector('input[name="' + name + '"]:checked');
        value = checked ? parseInt(checked.value, 10) : null;
      } else if (kind === "number") {
        var raw = fs.querySelector("input").value.trim();
        value = raw === "" ? null : parseInt(raw, 10);
        // The server and the count accept 0 to 10^9 only: never seal a number they would drop.
        if (raw !== "" && !(/^[0-9]{1,10}$/.test(raw) && value <= 1000000000)) {
          badNumber = true;
          value = null;
        }
      } else {
        var text = fs.querySelector("input").value.trim();
        value = text ? text.slice(0, 300) : null;
      }
      mark(fs, false);
      if (value === null) {
        if (fs.dataset.required === "1") {
          missing = true;
          if (!missingField) { missingField = fs; }
          mark(fs, true);
        }
      } else {
        answer[id] = value;
      }
    });
    return missing ? null : answer;
  }

  function showError(message, field) {
    if (field) {
      var legend = field.querySelector("legend");
      message = message + " (" + (legend ? legend.textContent.replace(/\s+/g, " ").trim() : "") + ")";
      field.scrollIntoView({block: "center"});
      var first = field.querySelector("input");
      if (first) { first.focus(); }
    }
    showErrorText(message);
  }

  function showErrorText(message) {
    var box = document.getElementById("seal-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "seal-error";
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = message;
  }

  sodium.ready.then(function () {
    var publicKey = sodium.from_base64(form.dataset.publicKey, sodium.base64_variants.ORIGINAL);
    var blockSize = parseInt(form.dataset.blockSize, 10);
    if (mode) { mode.textContent = form.dataset.modeJs; }
    form.dataset.sealing = "ready";
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var answer = collect();
      if (badNumber) { showError(form.dataset.errorNumber); return; }
      if (answer === null) { showError(form.dataset.errorRequired, missingField); return; }
      var code = form.elements.code;
      if (code && code.getAttribute("aria-describedby") === "code-hint seal-error") {
        code.setAttribute("aria-describedby", "code-hint");  // the last refusal's message
        code.removeAttribute("aria-invalid");
      }
      if (code && !code.value.trim()) { showError(form.dataset.errorCode, code.closest(".field")); return; }
      var plain = sodium.from_string(JSON.stringify(answer));
      if (plain.length + 1 > blockSize) { showError(form.dataset.errorTooLong); return; }
      var sealed;
      try {
        sealed = sodium.crypto_box_seal(sodium.pad(plain, blockSize), publicKey);
      } catch (e) {
        showError(form.dataset.errorCrypto);
        return;
      }
      // Sent with fetch, so that a refused post (a spent code, an expired form) leaves every
      // answer on the page; on success the thanks page replaces this one.
      var body = new URLSearchParams();
      body.append("token", form.elements.token.value);
      body.append("sealed", sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL));
      if (code) { body.append("code", code.value); }
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, {method: "POST", body: body, credentials: "omit", cache: "no-store",
                          referrerPolicy: "no-referrer"})
        .then(function (response) {
          return response.text().then(function (text) { return [response.status, text]; });
        })
        .then(function (pair) {
          var doc = new DOMParser().parseFromString(pair[1], "text/html");
          if (pair[0] === 200) {
            document.title = doc.title;
            document.body.replaceWith(document.importNode(doc.body, true));
            window.scrollTo(0, 0);
            return;
          }
          if (button) { button.disabled = false; }
          var alert = doc.querySelector("#answer-error") || doc.querySelector("[role=alert]");
          var fresh = doc.querySelector('input[name="token"]');
          if (fresh) { form.elements.token.value = fresh.value; }
          showErrorText(alert ? alert.textContent.trim() : form.dataset.errorCrypto);
          if (code && doc.querySelector("#field-code.has-error")) {
            // The code field is marked and described by the message, as the server's page does.
            code.closest(".field").classList.add("has-error");
            code.setAttribute("aria-invalid", "true");
            code.setAttribute("aria-describedby", "code-hint seal-error");
            code.focus();
          }
        })
        .catch(function () {
          if (button) { button.disabled = false; }
          showErrorText(form.dataset.errorCrypto);
        });
    });
  });
}());
