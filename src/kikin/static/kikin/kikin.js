// kikin's only script of its own (no inline script: the Content-Security-Policy allows scripts
// from this site only). A form with data-confirm="question" asks before it is sent.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
