// The 3DS Requestor's checkout: the 3DS Method in a hidden iframe (≤10 s),
// the AReq through the DS simulator with this browser's fields, and on C
// the CReq form-posted into a challenge iframe of the chosen size. The
// result arrives at the notification URL inside that iframe; this page
// polls the requestor for it.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("checkout");
  const state = (s) => { $("state").textContent = s; };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function api(path, body) {
    const r = await fetch(path, body === undefined ? {} : {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    });
    const j = await r.json();
    if (!r.ok) throw new Error(j.error || r.status);
    return j;
  }

  // postForm posts fields to action with the form's target a frame.
  function postForm(action, target, fields) {
    const f = document.createElement("form");
    f.method = "POST";
    f.action = action;
    f.target = target;
    f.hidden = true;
    for (const [name, value] of Object.entries(fields)) {
      const i = document.createElement("input");
      i.type = "hidden";
      i.name = name;
      i.value = value;
      f.appendChild(i);
    }
    document.body.appendChild(f);
    f.submit();
    f.remove();
  }

  // method runs the 3DS Method and waits up to 10 s for the ACS's
  // notification at the requestor.
  async function method(sti, url, data) {
    state("3DS Method running…");
    postForm(url, "method-frame", {threeDSMethodData: data});
    const until = Date.now() + 10000;
    while (Date.now() < until) {
      const tx = await api("/api/tx/" + sti);
      if (tx.method) return true;
      await sleep(250);
    }
    return false;
  }

  function browser() {
    return {
      acceptHeader: form.dataset.accept || "text/html",
      userAgent: navigator.userAgent,
      language: navigator.language,
      javaEnabled: typeof navigator.javaEnabled === "function" ? navigator.javaEnabled() : false,
      colorDepth: String(screen.colorDepth),
      screenHeight: String(screen.height),
      screenWidth: String(screen.width),
      tz: String(new Date().getTimezoneOffset()),
    };
  }

  async function result(sti) {
    for (;;) {
      const tx = await api("/api/tx/" + sti);
      if (tx.results && tx.results.length > 0) {
        const n = tx.results[tx.results.length - 1];
        const s = n.cres ? n.cres.transStatus : n.erro ? "Erro " + n.erro.errorCode : "unreadable";
        $("outcome").textContent = s;
        $("outcome").dataset.status = n.cres ? n.cres.transStatus : n.erro ? "Erro" : "?";
        state("Final " + n.field + " received at the notification URL.");
        return;
      }
      await sleep(300);
    }
  }

  async function pay(ev) {
    ev.preventDefault();
    $("pay").disabled = true;
    try {
      const start = await api("/api/start", {
        card: $("card").value, amount: $("amount").value, currency: $("currency").value,
        merchant: $("merchant").value, version: $("version").value, windowSize: $("ws").value,
        padded: $("pad").checked, noMethod: !$("method").checked, nonPayment: $("npa").checked,
      });
      const sti = start.threeDSServerTransID;
      $("sti").textContent = sti;
      if (start.methodURL) await method(sti, start.methodURL, start.methodData);
      state("AReq sent through the DS…");
      const a = await api("/api/areq", {threeDSServerTransID: sti, browser: browser()});
      if (a.failure || a.erro) {
        $("outcome").textContent = a.erro ? "Erro " + a.erro.errorCode : "failed";
        $("outcome").dataset.status = a.erro ? "Erro" : "failed";
        state(a.failure || a.erro.errorDescription + ": " + a.erro.errorDetail);
        return;
      }
      if (a.transStatus !== "C") {
        $("outcome").textContent = a.transStatus + (a.transStatusReason ? " (" + a.transStatusReason + ")" : "");
        $("outcome").dataset.status = a.transStatus;
        state("Frictionless: the ARes ended it.");
        return;
      }
      state("Challenge: the CReq goes to the ACS.");
      const box = $("frame-box");
      const frame = document.createElement("iframe");
      frame.id = "challenge";
      frame.name = "challenge";
      frame.title = "3-D Secure challenge";
      frame.style.width = a.width;
      frame.style.height = a.height;
      box.classList.toggle("full", a.width === "100%");
      box.replaceChildren(frame);
      const fields = {creq: a.creq};
      if (a.sessionData) fields.threeDSSessionData = a.sessionData;
      postForm(a.acsURL, "challenge", fields);
      await result(sti);
    } catch (e) {
      state("Error: " + e.message);
    }
  }

  form.addEventListener("submit", pay);
})();
