/* Behaviour the pages need, kept out of the HTML: the Content-Security-Policy allows no inline script
   (no onchange=, onclick=) and no inline style (no style="…"). Loaded with defer on every page. */
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option submits its form (the language switch).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  // <button data-print>: print the page (the QR posters).
  document.addEventListener("click", function (event) {
    var el = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (el) {
      event.preventDefault();
      window.print();
    }
  });

  // <div data-width="42">: a bar 42 % wide (progress of imports and exports). Set through the DOM,
  // which the policy allows, again whenever htmx swaps new content in.
  function widths(root) {
    if (!root || !root.querySelectorAll) return;
    var bars = root.querySelectorAll("[data-width]");
    for (var i = 0; i < bars.length; i++) {
      var value = parseFloat(bars[i].getAttribute("data-width"));
      bars[i].style.width = (isFinite(value) ? Math.max(0, Math.min(100, value)) : 0) + "%";
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { widths(document); });
  } else {
    widths(document);
  }
  document.addEventListener("htmx:load", function (event) { widths(event.target); });
})();
