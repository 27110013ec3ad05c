// edufacts review: keyboard shortcuts and decisions. Document text is never
// inserted as HTML here: the server renders it escaped, this script only
// moves between pages and sends JSON.
"use strict";

(function () {
  const token = document.querySelector('meta[name="review-token"]').content;
  const item = document.getElementById("item");
  const flash = document.getElementById("flash");

  function say(message, isError) {
    flash.textContent = message;
    flash.className = isError ? "error" : "ok";
    flash.hidden = false;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Review-Token": token },
      body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = { error: "bad answer from the server" }; }
    if (!response.ok) { throw new Error(answer.error || response.statusText); }
    return answer;
  }

  if (!item) { return; }
  const doc = item.dataset.doc;
  const target = item.dataset.target;
  const form = document.getElementById("edit");
  const reason = document.getElementById("reason");

  async function decide(action, fields) {
    try {
      const answer = await post("/api/decide", { doc_id: doc, target: target, action: action, reason: reason.value, fields: fields, scope: item.dataset.scope || "" });
      window.location.assign(answer.next);
    } catch (error) {
      say(error.message, true);
    }
  }

  function formFields() {
    const data = new FormData(form);
    return {
      value: data.get("value"), unit: data.get("unit"), indicator: data.get("indicator"),
      scope: data.get("scope"), year: data.get("year"), label: data.get("label"), approx: data.get("approx") === "on",
    };
  }

  async function undo() {
    try {
      const answer = await post("/api/undo", { doc_id: doc, target: target });
      if (answer.undone) { window.location.reload(); } else { say("nothing to undo", false); }
    } catch (error) {
      say(error.message, true);
    }
  }

  const accept = document.getElementById("accept");
  const reject = document.getElementById("reject");
  const undoButton = document.getElementById("undo");
  if (accept) { accept.addEventListener("click", () => decide("accept")); }
  if (reject) { reject.addEventListener("click", () => decide("reject")); }
  if (undoButton) { undoButton.addEventListener("click", undo); }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    decide(document.getElementById("save").dataset.action, formFields());
  });
  for (const button of document.querySelectorAll("button.candidate")) {
    button.addEventListener("click", () => { form.elements.indicator.value = button.dataset.indicator; form.elements.indicator.focus(); });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (typing) {
      if (event.key === "Escape") { document.activeElement.blur(); }
      return;
    }
    const kind = item.dataset.kind;
    switch (event.key) {
      case "j": if (item.dataset.next) { window.location.assign(item.dataset.next); } break;
      case "k": if (item.dataset.prev) { window.location.assign(item.dataset.prev); } break;
      case "a": decide("accept"); break;
      case "r": if (kind === "fact") { decide("reject"); } break;
      case "e": case "n": event.preventDefault(); form.elements.value.focus(); form.elements.value.select(); break;
      case "u": undo(); break;
      case "d": document.getElementById("nav-doc").click(); break;
      case "/": event.preventDefault(); reason.focus(); break;
      default: return;
    }
  });
})();
