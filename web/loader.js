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

  // The device signals and the early start are the page's, not the
  // client's: they must not wait for the wasm (seconds on a slow phone).
  // honninBoot hands both to the client (wasm/device.go, wasm/main.go).
  // After the check above: no code is sent to a browser that cannot run
  // the client.
  var boot = window.honninBoot = { device: collectDevice, early: null };
  startEarly(boot);

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

  // collectDevice reads the signals the issuer's risk rules use, as the
  // "device" object of edge/contract's DeviceSignals (the JSON names are
  // the contract's). It is the one collector: the early start below, the
  // client's start, Honnin.prepare's frame and the 3DS Method page all
  // send what it returns. Every read is guarded on its own: a missing API
  // (userAgentData outside Chromium) or one that throws costs one signal,
  // not the page. Limits are the client's (DeviceSignals.WithinLimits)
  // and the edge's (Validate), not this function's.
  function collectDevice() {
    var d = {};
    function read(f) { try { f(); } catch (e) { /* one signal lost */ } }
    var nav = navigator;
    read(function () { d.ua = String(nav.userAgent || ""); });
    read(function () {
      var ua = nav.userAgentData;
      if (ua) { d.platform = String(ua.platform || ""); d.mobile = !!ua.mobile; }
    });
    if (!d.platform) { read(function () { d.platform = String(nav.platform || ""); }); }
    read(function () {
      var l = nav.languages && nav.languages.length ? Array.prototype.slice.call(nav.languages, 0, 10) : [nav.language];
      d.languages = l.filter(function (x) { return typeof x === "string" && x !== ""; });
    });
    read(function () { d.timezone = String(Intl.DateTimeFormat().resolvedOptions().timeZone || ""); });
    read(function () { d.tz_offset = new Date().getTimezoneOffset(); });
    read(function () { d.screen_w = screen.width; d.screen_h = screen.height; d.color_depth = screen.colorDepth; });
    read(function () { d.pixel_ratio = window.devicePixelRatio; });
    read(function () { d.hw_concurrency = nav.hardwareConcurrency; });
    read(function () { d.touch_points = nav.maxTouchPoints; });
    read(function () { d.webdriver = !!nav.webdriver; });
    d.device_id = deviceID();
    return d;
  }

  // deviceID returns the id kept in localStorage (partitioned per top-level
  // site in this cross-site frame), making and storing one if there is
  // none: an RFC 9562 version 4 UUID from crypto.getRandomValues
  // (crypto.randomUUID throws outside secure contexts). A stored value is
  // untrusted (another script on the edge's origin, or the user, may have
  // written it): anything else is replaced. Storage may be missing or
  // throw (blocked third-party storage): then a fresh id is sent and not
  // kept, and without getRandomValues none.
  function deviceID() {
    var key = "honnin.device_id", id = "";
    try { id = String(localStorage.getItem(key) || ""); } catch (e) { id = ""; }
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) {
      return id;
    }
    var b = new Uint8Array(16);
    try { crypto.getRandomValues(b); } catch (e) { return ""; }
    b[6] = b[6] & 0x0f | 0x40;
    b[8] = b[8] & 0x3f | 0x80;
    id = "";
    for (var i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) { id += "-"; }
      id += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    }
    try { localStorage.setItem(key, id); } catch (e) { /* sent, not kept */ }
    return id;
  }

  // startEarly posts the challenge's start (edge/contract's
  // ClientStartRequest to data-start, /v1/start) at once, while the wasm
  // downloads, so that the code is on its way seconds sooner on a slow
  // network; the client takes the answer from boot.early instead of
  // starting again (wasm/main.go), and starts itself, with the signals
  // brought within the limits, if the edge refused this one (400). Only on
  // the challenge page: not in Honnin.prepare's frame (mode=prepare,
  // wasm/view's PrepareParam) nor on the 3DS Method page (no data-start).
  //
  // Once the issuer has sent a code (a challenge screen with a code to
  // type), the page's own #code (challenge.html) can be typed into before
  // the client runs; the client takes the field over with what was typed.
  function startEarly(boot) {
    var path = me && me.getAttribute("data-start");
    var q = new URLSearchParams(location.search);
    var st = q.get("st");
    if (!path || !st || q.get("mode") === "prepare" || typeof fetch !== "function") {
      return;
    }
    var init = {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_token: st, device: collectDevice() }),
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error"
    };
    var wait = parseInt(me.getAttribute("data-wait"), 10);
    if (wait > 0 && typeof AbortSignal === "function" && typeof AbortSignal.timeout === "function") {
      init.signal = AbortSignal.timeout(wait);
    }
    boot.early = fetch(path, init).then(function (r) {
      return r.text().then(function (body) {
        if (r.status === 200) { enableCode(body); }
        return { status: r.status, body: body };
      });
    }, function (err) {
      return { error: String(err && err.message || err) };
    });
  }

  // enableCode makes the page's #code usable when body is a challenge
  // screen for a code (not a password, which its own kind of field takes)
  // and the client has not taken the field over yet.
  function enableCode(body) {
    var s;
    try { s = JSON.parse(body); } catch (e) { return; }
    var code = document.getElementById("code");
    var form = document.getElementById("sk-form");
    if (!s || s.state !== "challenge" || !s.display || s.display.method === "password" ||
        !code || !form || !form.hasAttribute("inert")) {
      return;
    }
    form.removeAttribute("inert");
    form.removeAttribute("aria-hidden");
    code.disabled = false;
    // Said politely (#status is the page's live region), not by moving
    // the focus: the cardholder may be reading the purchase.
    var status = document.getElementById("status");
    if (status && !failed) {
      status.textContent = ja ? "ワンタイムパスワードを入力できます。" : "You can enter the one-time code now.";
    }
  }
})();
