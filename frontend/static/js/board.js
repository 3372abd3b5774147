/* The facilitator's group board.

   Moving someone: drag their card to another group of the same round (a mouse from anywhere on the card, a finger
   or pen from its handle, which has touch-action: none, so that the page still scrolls under a finger elsewhere
   and a tap still chooses the card), or choose the card (a button:
   click, tap, Enter/Space) and then "Move here" at that group; or pin / unpin the chosen person. Esc cancels.
   Every change is posted with htmx: the server answers with the edited round, the report and the status.

   Generating: a form marked data-busy is busy while the server makes the groups (aria-busy, its buttons disabled,
   a visible message), so nobody presses twice or thinks nothing happens.

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

  // ------------------------------------------------------------------ drag and drop (pointer events)
  var drag = null;           // {card, pointer, x, y, started, ghost, over, scroll}
  var swallowClick = false;  // the click a mouse sends after a drop is not a choice
  var THRESHOLD = 6;         // px before a press becomes a drag

  function dropTarget(x, y) {
    var under = document.elementFromPoint(x, y);
    var group = under && under.closest(".board__group");
    if (!group || !drag || group === groupOf(drag.card) || roundOf(group) !== roundOf(drag.card)) { return null; }
    return group;
  }

  function startDrag() {
    var card = drag.card;
    var box = card.getBoundingClientRect();
    var ghost = card.cloneNode(true);
    ghost.removeAttribute("id");
    ghost.setAttribute("aria-hidden", "true");
    ghost.classList.add("board__ghost");
    ghost.style.width = box.width + "px";
    document.body.appendChild(ghost);
    drag.ghost = ghost;
    drag.dx = drag.x0 - box.left;
    drag.dy = drag.y0 - box.top;
    drag.started = true;
    clear();
    card.classList.add("board__card--dragging");
    roundOf(card).classList.add("board__round--dragging");
    groupOf(card).classList.add("board__group--source");
    autoScroll();
  }

  function moveGhost(x, y) {
    drag.ghost.style.transform = "translate(" + (x - drag.dx) + "px," + (y - drag.dy) + "px)";
    var over = dropTarget(x, y);
    if (over !== drag.over) {
      if (drag.over) { drag.over.classList.remove("board__group--over"); }
      if (over) { over.classList.add("board__group--over"); }
      drag.over = over;
    }
  }

  // Near the top or bottom of the window the page scrolls, so a group further down can be reached.
  function autoScroll() {
    if (!drag || !drag.started) { return; }
    var edge = 56, step = 0;
    if (drag.y < edge) { step = -Math.ceil((edge - drag.y) / 4); }
    else if (drag.y > window.innerHeight - edge) { step = Math.ceil((drag.y - window.innerHeight + edge) / 4); }
    if (step) { window.scrollBy(0, step); moveGhost(drag.x, drag.y); }
    drag.scroll = window.requestAnimationFrame(autoScroll);
  }

  function endDrag(drop) {
    if (!drag) { return; }
    var d = drag;
    drag = null;
    if (d.scroll) { window.cancelAnimationFrame(d.scroll); }
    if (!d.started) { return; }
    swallowClick = true;
    window.setTimeout(function () { swallowClick = false; }, 0);
    if (d.ghost) { d.ghost.remove(); }
    if (d.over) { d.over.classList.remove("board__group--over"); }
    d.card.classList.remove("board__card--dragging");
    document.querySelectorAll(".board__round--dragging, .board__group--source").forEach(function (el) {
      el.classList.remove("board__round--dragging", "board__group--source");
    });
    if (drop && d.over) {
      chosen = d.card;
      send("verplaatsen", d.over);
    }
  }

  document.addEventListener("pointerdown", function (event) {
    var card = event.target.closest && event.target.closest(".board__card");
    if (!card || drag || !event.isPrimary) { return; }
    if (event.pointerType === "mouse" ? event.button !== 0 : !event.target.closest(".board__handle")) { return; }
    drag = {card: card, pointer: event.pointerId, x: event.clientX, y: event.clientY, x0: event.clientX,
            y0: event.clientY, started: false, over: null};
    try { card.setPointerCapture(event.pointerId); } catch (e) { /* not capturable: document events still come */ }
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointer) { return; }
    drag.x = event.clientX;
    drag.y = event.clientY;
    if (!drag.started) {
      if (Math.max(Math.abs(event.clientX - drag.x0), Math.abs(event.clientY - drag.y0)) < THRESHOLD) { return; }
      startDrag();
    }
    event.preventDefault();
    moveGhost(event.clientX, event.clientY);
  });

  document.addEventListener("pointerup", function (event) {
    if (drag && event.pointerId === drag.pointer) { endDrag(true); }
  });
  document.addEventListener("pointercancel", function (event) {
    if (drag && event.pointerId === drag.pointer) { endDrag(false); }
  });

  // ------------------------------------------------------------------ clicks and keys

  document.addEventListener("click", function (event) {
    if (swallowClick && event.target.closest(".board__card")) { swallowClick = false; event.preventDefault(); return; }
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
    if (event.key !== "Escape") { return; }
    if (drag) { endDrag(false); return; }
    if (chosen) { var back = chosen; clear(); back.focus(); }
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

  // ------------------------------------------------------------------ busy while generating

  function scopeOf(form) { return form.closest(".card") || form; }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-busy]")) { return; }
    var scope = scopeOf(form);
    if (scope.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }  // pressed twice
    scope.setAttribute("aria-busy", "true");
    var message = form.querySelector("[data-busy-message]") || scope.querySelector("[data-busy-message]");
    if (message) {
      message.hidden = false;
      message.textContent = message.textContent.trim();  // a change, so the status is read out
    }
    // Disabled after the submission took the pressed button's values.
    window.setTimeout(function () {
      scope.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    }, 0);
  });

  // Back from the next page (the browser may keep this one as it was): not busy any more.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("[aria-busy='true']").forEach(function (scope) {
      scope.removeAttribute("aria-busy");
      scope.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
      scope.querySelectorAll("[data-busy-message]").forEach(function (message) { message.hidden = true; });
    });
  });
})();
