// The wish's claim form: the blocks of the claimer's kind only (the volunteer's search for
// a volunteer or a party member, the enterprise's for an enterprise, the members for a
// group); the others hidden, their fields disabled so that they are not sent. The kind is
// carried by the searches, whose hits link back with it. Without this file every block
// shows and the service says what a kind needs; the CSP forbids inline scripts.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("claim-form");
    var kind = form && form.querySelector("select[name=kind]");
    if (!kind) {
      return;
    }
    function kinds(node, attribute) {
      return node.getAttribute(attribute).split(" ");
    }
    function show() {
      form.querySelectorAll("[data-claim-kinds]").forEach(function (block) {
        var shown = kinds(block, "data-claim-kinds").indexOf(kind.value) >= 0;
        block.hidden = !shown;
        block.querySelectorAll("input, select, textarea, button").forEach(function (field) {
          field.disabled = !shown;
        });
      });
      document.querySelectorAll("form[data-claim-search]").forEach(function (search) {
        if (kinds(search, "data-claim-search").indexOf(kind.value) >= 0) {
          search.querySelector("input[name=kind]").value = kind.value;
        }
      });
    }
    kind.addEventListener("change", show);
    show();
  });
})();
