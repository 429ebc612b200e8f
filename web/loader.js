// loader.js starts the Go challenge client (challenge.wasm) in the iframe
// page. It is a file, not an inline script: the page's CSP is
// script-src 'self' 'wasm-unsafe-eval'. The wasm URL comes from this
// script tag's data-wasm attribute; wasm_exec.js (loaded just before, from
// the same Go that built the wasm) defines Go.
//
// If the program cannot load, or ends (it never should: a Go panic, or a
// JavaScript exception that became one, ends it), the page says so and
// disables its controls, because every later click would only throw
// "Go program has already exited".
"use strict";
(function () {
  var me = document.currentScript;
  var wasmURL = me && me.getAttribute("data-wasm");
  var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  var ja = /^ja(?:[-_]|$)/i.test(langs[0] || "");

  // The edge serves this page without the client when the session token is
  // not valid (data-error: invalid_token or expired): tell the merchant
  // page, so that Honnin.mount rejects instead of waiting forever. The
  // message holds nothing but the code, and the merchant origin cannot be
  // known from a token that does not verify, hence "*"; honnin.js accepts
  // it only from its own iframe on the edge's origin.
  var pageError = me && me.getAttribute("data-error");
  if (pageError) {
    if (window.parent && window.parent !== window) {
      window.parent.postMessage({ type: "honnin:error", code: pageError }, "*");
    }
    return;
  }

  var failed = false;
  function fail(err) {
    if (err) {
      console.error("honnin: challenge client:", err);
    }
    var status = document.getElementById("status");
    if (!status) {
      status = document.createElement("p");
      status.id = "status";
      document.body.appendChild(status);
    }
    status.className = "status failed";
    status.setAttribute("role", "alert");
    // The cardholder is on the shop's page, in a frame they cannot close:
    // the next step is the shop's, which learns of the failure below.
    status.textContent = ja
      ? "認証画面を表示できませんでした。お支払いになる場合は、このページでもう一度お支払い手続きをしてください。"
      : "The authentication screen could not be shown. To pay, start the payment again on this page.";
    // Honnin.mount rejects with code client_failed (see pageError above
    // for why "*"), so the shop can offer to start again.
    if (!failed && window.parent && window.parent !== window) {
      failed = true;
      window.parent.postMessage({ type: "honnin:error", code: "client_failed" }, "*");
    }
    var controls = document.querySelectorAll("button, input");
    for (var i = 0; i < controls.length; i++) {
      controls[i].disabled = true;
    }
  }

  if (typeof Go !== "function" || !wasmURL || typeof WebAssembly !== "object") {
    fail(new Error("missing Go runtime, wasm URL or WebAssembly"));
    return;
  }
  var go = new Go();

  function instantiate() {
    var request = fetch(wasmURL, { credentials: "same-origin" });
    if (typeof WebAssembly.instantiateStreaming !== "function") {
      return request
        .then(function (r) { return r.arrayBuffer(); })
        .then(function (b) { return WebAssembly.instantiate(b, go.importObject); });
    }
    return WebAssembly.instantiateStreaming(request, go.importObject);
  }

  instantiate()
    .then(function (result) { return go.run(result.instance); })
    .then(function () { fail(new Error("the Go program exited")); }, fail);
})();
