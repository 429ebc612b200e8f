/*
 * honnin.js — the merchant snippet. One script tag, served by the honnin
 * edge:
 *
 *   <script src="https://EDGE/honnin.js"></script>
 *   Honnin.mount(document.getElementById("auth"), {
 *     sessionToken: "...",              // from your server's POST /v1/authentications
 *     size: "390x400",                  // EMV window: 250x400 390x400 500x600 600x400 full (or "01".."05")
 *     onResult: function (r) { ... }    // optional; the promise gives the same object
 *   }).then(function (r) {
 *     // r = {result_token, status, reason}. Send r.result_token to your
 *     // server and verify it there against the JWKS: status and reason
 *     // are hints for the page, never proof.
 *   }, function (e) {
 *     // The challenge ended without a result: e is an Error whose name is
 *     // "HonninError" and whose code says why (invalid_token, expired,
 *     // superseded, already_used, ...). Start a new authentication, or
 *     // ask your server: GET /v1/authentications/{id} has the result_token
 *     // once there is one.
 *   });
 *
 *   // Optional, as early as the checkout page loads (the session token is
 *   // the same one mount takes later):
 *   Honnin.prepare(sessionToken).then(function (p) {
 *     // p = {prepared: true} when the edge took the browser's device
 *     // signals, {prepared: false} when it did not within 8 s. Best-effort:
 *     // it never rejects for a network fault, and mount works without it.
 *   });
 *
 * prepare adds one hidden iframe on the edge's origin (0×0, off-screen,
 * hidden from assistive technology) that sends the browser's device signals
 * for the authentication before the challenge is shown, and gets the edge's
 * device cookie set, so the issuer can recognise the browser; it also puts
 * the challenge client in the browser's cache. Calling it again reuses the
 * frame; mount removes it. Bad arguments reject with a TypeError, as mount.
 *
 * The challenge runs in an iframe on the edge's origin. Results are taken
 * only from that iframe (event.source) and that origin (event.origin).
 * No dependencies, ES2017, no build step.
 */
(function (global) {
  "use strict";

  if (global.Honnin) {
    return; // loaded twice: keep the first
  }

  // The edge's origin, from this script's own URL. It is captured now:
  // document.currentScript is only set while the script first runs.
  var script = document.currentScript;
  var edgeOrigin = "";
  try {
    edgeOrigin = new URL(script.src).origin;
  } catch (e) {
    edgeOrigin = "";
  }

  // EMV 3DS challengeWindowSize, by name and by code.
  var SIZES = {
    "250x400": [250, 400], "01": [250, 400],
    "390x400": [390, 400], "02": [390, 400],
    "500x600": [500, 600], "03": [500, 600],
    "600x400": [600, 400], "04": [600, 400],
    "full": null, "05": null
  };

  // PREPARE_TIMEOUT is how long prepare waits for its frame, in ms: the
  // edge's 3DS Method page waits as long for its own.
  var PREPARE_TIMEOUT = 8000;

  // prepared is the prepare frame and its newest call: {iframe, token,
  // promise, finish}; null before prepare and after mount.
  var prepared = null;

  function prepare(sessionToken) {
    if (typeof sessionToken !== "string" || sessionToken === "") {
      return Promise.reject(new TypeError("Honnin.prepare: sessionToken is required"));
    }
    if (!edgeOrigin || edgeOrigin === "null") {
      return Promise.reject(new Error("Honnin.prepare: cannot tell the edge origin; load honnin.js with a <script src> tag"));
    }
    if (prepared && prepared.token === sessionToken) {
      return prepared.promise;
    }
    var iframe = prepared ? prepared.iframe : hiddenFrame();
    if (prepared) {
      prepared.finish(false); // a newer session takes the frame: the older call ends now
    }
    var entry = { iframe: iframe, token: sessionToken, promise: null, finish: null };
    entry.promise = new Promise(function (resolve) {
      var timer = 0;
      var settled = false;
      function finish(ok) {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        global.removeEventListener("message", onMessage);
        resolve({ prepared: ok });
      }
      function onMessage(event) {
        if (event.origin !== edgeOrigin || event.source !== iframe.contentWindow) {
          return;
        }
        var data = event.data;
        if (!data || typeof data !== "object") {
          return;
        }
        if (data.type === "honnin:prepared") {
          finish(data.prepared === true);
        } else if (data.type === "honnin:error") {
          finish(false); // the edge refused the session token
        }
      }
      entry.finish = finish;
      global.addEventListener("message", onMessage);
      timer = setTimeout(function () { finish(false); }, PREPARE_TIMEOUT);
    });
    prepared = entry;
    iframe.src = edgeOrigin + "/challenge?st=" + encodeURIComponent(sessionToken) + "&mode=prepare";
    if (!iframe.parentNode) {
      (document.body || document.documentElement).appendChild(iframe);
    }
    return entry.promise;
  }

  // hiddenFrame is prepare's iframe: laid out (display:none could keep it
  // from loading), but 0×0, off-screen, out of the tab order and hidden
  // from assistive technology.
  function hiddenFrame() {
    var iframe = document.createElement("iframe");
    iframe.title = "honnin";
    iframe.setAttribute("aria-hidden", "true");
    iframe.setAttribute("tabindex", "-1");
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin");
    iframe.setAttribute("referrerpolicy", "no-referrer");
    iframe.width = "0";
    iframe.height = "0";
    var st = iframe.style;
    st.position = "absolute";
    st.left = "-10000px";
    st.top = "0";
    st.width = "0";
    st.height = "0";
    st.border = "0";
    return iframe;
  }

  // unprepare removes the prepare frame: mount's challenge frame takes over.
  function unprepare() {
    if (!prepared) {
      return;
    }
    var p = prepared;
    prepared = null;
    p.finish(false);
    if (p.iframe.parentNode) {
      p.iframe.parentNode.removeChild(p.iframe);
    }
  }

  function mount(element, options) {
    return new Promise(function (resolve, reject) {
      options = options || {};
      if (typeof element === "string") {
        element = document.querySelector(element);
      }
      if (!element || typeof element.appendChild !== "function") {
        throw new TypeError("Honnin.mount: element is not a DOM element");
      }
      var token = options.sessionToken;
      if (typeof token !== "string" || token === "") {
        throw new TypeError("Honnin.mount: options.sessionToken is required");
      }
      if (!edgeOrigin || edgeOrigin === "null") {
        throw new Error("Honnin.mount: cannot tell the edge origin; load honnin.js with a <script src> tag");
      }
      var size = options.size === undefined ? "390x400" : String(options.size);
      if (!Object.prototype.hasOwnProperty.call(SIZES, size)) {
        throw new RangeError("Honnin.mount: unknown size " + size);
      }

      var iframe = document.createElement("iframe");
      iframe.src = edgeOrigin + "/challenge?st=" + encodeURIComponent(token);
      iframe.title = "Card authentication / 本人認証";
      iframe.setAttribute("allow", "otp-credentials");
      // allow-same-origin keeps the edge origin (for its localStorage);
      // no top navigation, no popups.
      iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms");
      iframe.setAttribute("referrerpolicy", "no-referrer");
      iframe.style.border = "0";
      iframe.style.display = "block";
      iframe.style.maxWidth = "100%";
      var wh = SIZES[size];
      if (wh) {
        iframe.width = String(wh[0]);
        iframe.height = String(wh[1]);
      } else {
        iframe.style.width = "100%";
        iframe.style.height = "100%"; // fullHeight settles it once the frame is in place
      }

      function onMessage(event) {
        if (event.origin !== edgeOrigin || event.source !== iframe.contentWindow) {
          return;
        }
        var data = event.data;
        if (!data || typeof data !== "object") {
          return;
        }
        if (data.type === "honnin:error") {
          global.removeEventListener("message", onMessage);
          reject(honninError(typeof data.code === "string" && data.code !== "" ? data.code : "unknown"));
          return;
        }
        if (data.type !== "honnin:result") {
          return;
        }
        global.removeEventListener("message", onMessage);
        var result = {
          result_token: typeof data.result_token === "string" ? data.result_token : "",
          status: typeof data.status === "string" ? data.status : "",
          reason: typeof data.reason === "string" ? data.reason : ""
        };
        if (typeof options.onResult === "function") {
          try {
            options.onResult(result);
          } catch (e) {
            setTimeout(function () { throw e; }); // report, but still resolve
          }
        }
        resolve(result);
      }
      global.addEventListener("message", onMessage);

      unprepare();
      while (element.firstChild) {
        element.removeChild(element.firstChild);
      }
      element.appendChild(iframe);
      if (!wh) {
        fullHeight(iframe);
      }
    });
  }

  // fullHeight sizes a "full" (05) frame: the whole height of a container
  // that has a definite one, else the viewport's. A percentage height of a
  // container whose height comes from its content computes to auto, which
  // for an iframe is 150 px: too short for the challenge. Such a
  // percentage ignores whatever is added to it, so when 100% and
  // 100% + 1px give the same height the container has none of its own.
  function fullHeight(iframe) {
    var full = iframe.getBoundingClientRect().height;
    iframe.style.height = "calc(100% + 1px)";
    var more = iframe.getBoundingClientRect().height;
    iframe.style.height = "100%";
    if (more !== full) {
      return;
    }
    iframe.style.height = "100vh";
    iframe.style.height = "100dvh"; // ignored where unknown: 100vh stays
  }

  // honninError is what mount rejects with when the challenge ended
  // without a result: an Error named "HonninError" with the edge's code.
  function honninError(code) {
    var e = new Error("Honnin: the authentication ended without a result: " + code);
    e.name = "HonninError";
    e.code = code;
    return e;
  }

  global.Honnin = Object.freeze({ mount: mount, prepare: prepare, edgeOrigin: edgeOrigin });
})(window);
