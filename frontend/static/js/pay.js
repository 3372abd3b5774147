/* Mounts Stripe's Payment Element on the pay page (#payment-form) and confirms the payment.
 *
 * With real keys this is Stripe's own flow: elements({clientSecret}) + create("payment") +
 * confirmPayment({redirect: "if_required"}); the webhook marks the order paid and "my tickets" waits for it.
 * With the local Stripe-compatible server (development, tests) Stripe.js is its fake library, which has no
 * Payment Element and cannot confirm a PaymentIntent: it gets a card form, turns the typed card into a
 * token, and the app confirms the intent with it (data-local-confirm-url). No inline scripts: the CSP forbids them.
 */
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof window.Stripe !== "function") { return; }
  var data = form.dataset;
  var button = document.getElementById("pay-button");
  var message = document.getElementById("payment-message");
  var target = document.getElementById("payment-element");
  var stripe = window.Stripe(data.publishableKey, { locale: data.locale || "nl" });
  var real = typeof stripe.confirmPayment === "function";
  var elements, element;

  function show(text) {
    message.textContent = text || data.messageFailed;
    message.hidden = false;
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }

  function done() {
    window.location.assign(new URL(data.returnUrl, window.location.href).href);
  }

  target.textContent = "";
  if (real) {
    elements = stripe.elements({ clientSecret: data.clientSecret, locale: data.locale || "nl" });
    element = elements.create("payment", { layout: "tabs" });
    element.mount(target);
  } else {
    elements = stripe.elements();
    element = elements.create("card");
    element.mount(target);
    // The fake form has placeholders only: give every field a real name for screen readers and tests.
    target.querySelectorAll("input").forEach(function (input) {
      var name = input.getAttribute("placeholder");
      var label = data["label" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
      input.setAttribute("aria-label", label);
      input.setAttribute("autocomplete", "off");
      input.setAttribute("inputmode", "numeric");
      input.classList.add("payment__input", "payment__input--" + name.replace("_", "-"));
    });
  }
  button.disabled = false;

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    message.hidden = true;
    try {
      if (real) {
        var result = await stripe.confirmPayment({
          elements: elements,
          confirmParams: { return_url: new URL(data.returnUrl, window.location.href).href },
          redirect: "if_required"
        });
        if (result.error) { show(result.error.message); return; }
        done();
        return;
      }
      var token = await stripe.createToken(element);
      if (token.error || !token.token) { show(token.error && token.error.message); return; }
      var response = await fetch(data.localConfirmUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": data.csrf },
        body: new URLSearchParams({ card: token.token.card.id })
      });
      var body = await response.json().catch(function () { return {}; });
      if (!response.ok || !body.ok) { show(body.message); return; }
      done();
    } catch (error) {
      show();
    }
  });
}());
