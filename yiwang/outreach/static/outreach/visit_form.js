// The visit form: a button that fills in the phone's position. The form works without it
// (a plain POST form); the CSP forbids inline scripts, hence this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("visit-locate");
    if (!button || !("geolocation" in navigator)) {
      return;
    }
    button.classList.remove("d-none");
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
          document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
          button.disabled = false;
        },
        function () {
          button.disabled = false;
          button.textContent = button.getAttribute("data-failed");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  });
})();
