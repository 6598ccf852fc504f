// The print page's button (the page works without it: the browser's own Print does the same).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-now");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
