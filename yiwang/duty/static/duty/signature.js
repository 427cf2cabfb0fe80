// The receiver's signature on the hand-out form: drawn with a finger (or a mouse) on the
// canvas [data-signature-pad], posted as a PNG data URL in the form's hidden "signature"
// field. Nothing is posted when nothing was drawn. No library, no inline script (CSP).
(function () {
  "use strict";

  function setUp(form) {
    var canvas = form.querySelector("[data-signature-pad]");
    var field = form.querySelector("input[name=signature]");
    var clear = form.querySelector("[data-signature-clear]");
    if (!canvas || !field || !canvas.getContext) {
      return;
    }
    var context = canvas.getContext("2d");
    var drawn = false;
    var drawing = false;
    canvas.style.touchAction = "none"; // the finger draws, the page does not scroll

    function fit() {
      // The drawing buffer matches the canvas's width on screen (a phone's 360 px too).
      var ratio = window.devicePixelRatio || 1;
      var width = canvas.clientWidth || 320;
      var height = canvas.clientHeight || 160;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#111";
      drawn = false;
      field.value = "";
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      if (canvas.setPointerCapture) {
        canvas.setPointerCapture(event.pointerId);
      }
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
      context.lineTo(p.x + 0.1, p.y + 0.1);
      context.stroke();
      drawn = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) {
        return;
      }
      event.preventDefault();
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
    });
    function stop() {
      drawing = false;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    if (clear) {
      clear.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        field.value = "";
      });
    }

    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });

    fit();
  }

  function start() {
    var forms = document.querySelectorAll("form[data-signature-form]");
    for (var i = 0; i < forms.length; i += 1) {
      setUp(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
