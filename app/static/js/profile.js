// Edit profile: "About you" is one form and every other box (add a phone, save a label,
// remove a value) is a form of its own, so sending any of those leaves the page and would
// drop what was typed in "About you". While it holds changes that are not saved, say so
// beside its button, and ask before the page is left any other way than by saving them.
(function () {
  "use strict";
  var form = document.getElementById("about-you");
  if (!form) { return; }
  var note = form.querySelector(".unsaved");
  var saving = false;

  function differs(element) {
    if (element.tagName === "SELECT") {
      return Array.prototype.some.call(element.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    if (element.type === "checkbox" || element.type === "radio") {
      return element.checked !== element.defaultChecked;
    }
    return element.type !== "hidden" && "defaultValue" in element && element.value !== element.defaultValue;
  }

  // After a refused save the boxes show what was typed, which is not saved either.
  function unsaved() {
    return form.hasAttribute("data-refused") || Array.prototype.some.call(form.elements, differs);
  }

  form.addEventListener("input", function () { note.hidden = !unsaved(); });
  form.addEventListener("submit", function () { saving = true; });
  window.addEventListener("beforeunload", function (event) {
    if (saving || !unsaved()) { return; }
    event.preventDefault();
    event.returnValue = "";  // some browsers ask only when a value is set
  });
  note.hidden = !unsaved();
})();
