// Asks before a dangerous action: a form or its button carrying data-confirm is submitted only once the
// operator agrees (push to every follower, unbind, disable an operator, switch a function off).
document.addEventListener("submit", function (event) {
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
