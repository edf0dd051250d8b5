// OpenNRM front-end entry point (an ES module, so it satisfies the CSP without inline script).
import { initAll } from "../vendor/govuk-frontend-5.14.0/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Buttons with data-confirm ask before submitting a destructive form.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset ? button.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
