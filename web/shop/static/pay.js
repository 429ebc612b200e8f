// pay.js mounts the honnin challenge for this order and hands the result
// token to the shop's server, which alone decides whether the order is
// paid: nothing here trusts the status the window reports.
//
// Honnin.mount may report the result through the onResult callback or by
// resolving the promise it returns; both are accepted, the first one wins.
"use strict";
(function () {
  var box = document.getElementById("honnin");
  var message = document.getElementById("pay-message");
  var sent = false;

  function say(text) { message.textContent = text; }

  function tokenOf(result) {
    if (typeof result === "string") return result;
    if (result && typeof result.result_token === "string") return result.result_token;
    if (result && typeof result.resultToken === "string") return result.resultToken;
    return "";
  }

  function complete(result) {
    var token = tokenOf(result);
    if (!token || sent) return;
    sent = true;
    say("Checking the result with the shop…");
    fetch("/complete", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": box.dataset.csrf },
      body: JSON.stringify({ order: box.dataset.order, result_token: token })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        // Only ever follow a path on this shop.
        if (typeof body.redirect === "string" && body.redirect.charAt(0) === "/" && body.redirect.charAt(1) !== "/") {
          location.assign(body.redirect);
          return;
        }
        say(body.message || ("The shop could not confirm the result (HTTP " + resp.status + ")."));
      });
    }, function () {
      say("The shop could not be reached. Nothing was charged; please try again.");
    });
  }

  if (!window.Honnin || typeof window.Honnin.mount !== "function") {
    say("The card issuer's authentication window could not be loaded. Nothing was charged; please try again later.");
    return;
  }
  var mounted = window.Honnin.mount(box, {
    sessionToken: box.dataset.sessionToken,
    size: "390x400",
    onResult: complete
  });
  if (mounted && typeof mounted.then === "function") {
    mounted.then(complete, function (e) {
      // A HonninError: the challenge ended without a result (its code
      // says why: invalid_token, expired, superseded, ...).
      var code = e && typeof e.code === "string" ? " (" + e.code + ")" : "";
      say("The authentication ended without a result" + code + ". Nothing was charged; please try again.");
    });
  }
})();
