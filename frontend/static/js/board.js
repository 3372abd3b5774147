/* The facilitator's group board: choose a person card (a button), then "Move here" in a group of the same
   round; or pin / unpin the chosen person. Works with the keyboard (Tab, Enter/Space, Esc) and by touch.
   Every change is posted with htmx: the server answers with the edited round, the report and the status.
   No inline scripts: the page's Content-Security-Policy forbids them. */
(function () {
  "use strict";
  var chosen = null;     // the pressed card
  var refocus = null;    // {attendee, round} to focus after the board is swapped

  function roundOf(el) { return el.closest(".board__round"); }
  function groupOf(el) { return el.closest(".board__group"); }
  function panel() { return document.getElementById("board-panel"); }

  // One live region outside the swapped area: a region that is itself replaced is not reliably read out.
  function say(text) {
    var live = document.getElementById("board-live");
    if (live) { live.textContent = text; }
  }

  function clear() {
    document.querySelectorAll(".board__card[aria-pressed='true']").forEach(function (card) {
      card.setAttribute("aria-pressed", "false");
    });
    document.querySelectorAll(".board__round--choosing, .board__group--source").forEach(function (el) {
      el.classList.remove("board__round--choosing", "board__group--source");
    });
    if (panel()) { panel().hidden = true; }
    chosen = null;
  }

  function choose(card) {
    if (card === chosen) { clear(); return; }
    clear();
    chosen = card;
    card.setAttribute("aria-pressed", "true");
    roundOf(card).classList.add("board__round--choosing");
    groupOf(card).classList.add("board__group--source");
    var name = card.querySelector(".board__name").textContent.trim();
    var round = roundOf(card).dataset.round;
    var p = panel();
    var text = p.dataset.template.replace("{name}", name).replace("{round}", round);
    document.getElementById("board-panel-text").textContent = text;
    p.querySelector("[data-board-action='pin']").hidden = card.hasAttribute("data-pinned");
    p.querySelector("[data-board-action='unpin']").hidden = !card.hasAttribute("data-pinned");
    p.hidden = false;
    say(text);
  }

  function send(action, group) {
    var form = document.getElementById("board-edit");
    if (!form || !chosen || !window.htmx) { return; }
    var target = group || groupOf(chosen);
    var round = roundOf(chosen).dataset.round;
    form.elements.attendee.value = chosen.dataset.attendee;
    form.elements.round.value = round;
    form.elements.theme.value = target.dataset.theme;
    form.elements.group.value = target.dataset.group;
    refocus = {attendee: chosen.dataset.attendee, round: round};
    // The answer is the edited round; the report and the status come along out of band.
    window.htmx.ajax("POST", form.dataset.base + "/" + action, {source: form, target: "#round-" + round, swap: "outerHTML"});
  }

  document.addEventListener("click", function (event) {
    var card = event.target.closest(".board__card");
    if (card) { choose(card); return; }
    var drop = event.target.closest(".board__drop");
    if (drop && chosen) { send("verplaatsen", groupOf(drop)); return; }
    var action = event.target.closest("[data-board-action]");
    if (!action) { return; }
    var kind = action.dataset.boardAction;
    if (kind === "clear") { var back = chosen; clear(); if (back) { back.focus(); } return; }
    send(kind === "pin" ? "vastzetten" : "losmaken", null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && chosen) { var back = chosen; clear(); back.focus(); }
  });

  // After htmx swapped the board: the chosen card is gone, so put the focus on the person's new card.
  document.addEventListener("htmx:afterSettle", function () {
    chosen = null;
    if (panel()) { panel().hidden = true; }  // the chosen card went with the swapped round
    var message = document.querySelector("[data-board-message]");
    if (message && message.textContent.trim()) { say(message.textContent.trim()); }
    if (!refocus) { return; }
    var selector = ".board__round[data-round='" + refocus.round + "'] .board__card[data-attendee='" + refocus.attendee + "']";
    var card = document.querySelector(selector);
    refocus = null;
    if (card) { card.focus(); }
  });
})();
