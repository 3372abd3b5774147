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

  // The local form takes what people type on a real one: spaces in the number, "3" for March, 2030 or 30 for the
  // year. Tidy each field and tell the fake library (it reads its fields on input); false when a field is wrong.
  function tidyLocalCard() {
    var fields = {};
    target.querySelectorAll("input").forEach(function (input) {
      fields[input.className.replace(/.*payment__input--/, "")] = input;
    });
    var digits = function (input) { return input.value.replace(/\D/g, ""); };
    var month = digits(fields["exp-month"]), year = digits(fields["exp-year"]);
    if (year.length === 4 && year.slice(0, 2) === "20") { year = year.slice(2); }
    var tidy = { number: digits(fields.number), "exp-month": month.padStart(2, "0"), "exp-year": year,
                 cvc: digits(fields.cvc), "postal-code": fields["postal-code"].value.trim() };
    var ok = /^\d{12,19}$/.test(tidy.number) && +month >= 1 && +month <= 12 && /^\d{2}$/.test(year) &&
      /^\d{3,4}$/.test(tidy.cvc);
    Object.keys(tidy).forEach(function (key) {
      fields[key].value = tidy[key];
      fields[key].dispatchEvent(new Event("input"));
    });
    return ok;
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
    // The fake form shows its field names ("number", "exp_month") and a "localstripe:" prefix: give every field
    // a visible label in the page's language, as Stripe's own form has, and hide the prefix.
    target.querySelectorAll("span").forEach(function (span) { span.hidden = true; });
    target.querySelectorAll("input").forEach(function (input) {
      var name = input.getAttribute("placeholder");
      var label = document.createElement("label");
      var text = document.createElement("span");
      label.className = "payment__field payment__field--" + name.replace("_", "-");
      text.className = "payment__label";
      text.textContent = data["label" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
      input.parentNode.insertBefore(label, input);
      label.appendChild(text);
      label.appendChild(input);
      input.removeAttribute("placeholder");
      input.removeAttribute("size");
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
      if (!tidyLocalCard()) { show(data.messageCardInvalid); return; }
      var token = await stripe.createToken(element);
      // The local server answers in English ("Bad request"): say it in the page's language.
      if (token.error || !token.token) { show(); return; }
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
