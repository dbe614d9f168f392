// kikin's only script of its own (no inline script: the Content-Security-Policy allows scripts
// from this site only).
//
// Irreversible actions ask first: a form, or the submit button that sends it, with
// data-confirm="question" asks the question before the form is sent (the button's question
// where both have one), and nothing is sent unless the answer is OK. Without JavaScript the
// form is sent as it is: the action still works, unasked.
document.addEventListener(
  "submit",
  function (event) {
    var form = event.target;
    var button = event.submitter;
    var question =
      (button && button.getAttribute && button.getAttribute("data-confirm")) ||
      (form.getAttribute && form.getAttribute("data-confirm"));
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation(); // nor does htmx send it
    }
  },
  true // asked before any other listener (htmx's) acts on the submission
);

// Wide tables scroll sideways inside a box of their own, not the page (kikin.css .table-scroll).
// While a box does scroll, it takes the keyboard's focus and is a region named after its table:
// the caption, or the heading or legend before it, or the page's data-table-label.
(function () {
  function nameOf(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    for (var node = table; node && node.tagName !== "MAIN"; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^(H[1-6]|LEGEND)$/.test(prev.tagName)) return prev.textContent.trim();
        var inner = prev.querySelectorAll("h1, h2, h3, h4, h5, h6");
        if (inner.length) return inner[inner.length - 1].textContent.trim();
      }
    }
    return document.body.getAttribute("data-table-label") || "";
  }
  function fit(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", nameOf(box.firstElementChild));
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
  function fitAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-scroll"), fit);
  }
  function wrap(root) {
    var tables = (root || document).querySelectorAll("main table");
    Array.prototype.forEach.call(tables, function (table) {
      if (table.parentElement.classList.contains("table-scroll")) return;
      var box = document.createElement("div");
      box.className = "table-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
    fitAll();
  }
  document.addEventListener("DOMContentLoaded", function () {
    wrap(document);
  });
  window.addEventListener("load", fitAll); // once fonts and pictures have their sizes
  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(fitAll, 100);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    wrap(event.target);
  });
})();
