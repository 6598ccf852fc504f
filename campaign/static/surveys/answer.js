/* Seals a survey answer in the browser before it is sent (SECURITY.md promise 2).
 *
 * The answer (JSON, the same shape the server builds without JavaScript) is padded to the
 * survey's fixed block size with sodium.pad and sealed to the survey's public key with
 * crypto_box_seal. Only the sealed bytes and the form token are posted, from a form built here:
 * the plain answers never leave the page. Nothing is written to cookies or storage.
 */
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form || !window.sodium) { return; }
  var sodium = window.sodium;
  var mode = document.getElementById("seal-mode");
  var badNumber = false;  // set by collect() when a number is out of range

  function collect() {
    var answer = {};
    var missing = false;
    badNumber = false;
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
      if (value === null) {
        if (fs.dataset.required === "1") { missing = true; }
      } else {
        answer[id] = value;
      }
    });
    return missing ? null : answer;
  }

  function showError(message) {
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
      if (answer === null) { showError(form.dataset.errorRequired); return; }
      var plain = sodium.from_string(JSON.stringify(answer));
      if (plain.length + 1 > blockSize) { showError(form.dataset.errorTooLong); return; }
      var sealed;
      try {
        sealed = sodium.crypto_box_seal(sodium.pad(plain, blockSize), publicKey);
      } catch (e) {
        showError(form.dataset.errorCrypto);
        return;
      }
      var out = document.createElement("form");
      out.method = "post";
      out.action = form.action;
      out.hidden = true;
      [["token", form.elements.token.value],
       ["sealed", sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL)]].forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        out.appendChild(input);
      });
      document.body.appendChild(out);
      form.reset();
      out.submit();
    });
  });
}());
