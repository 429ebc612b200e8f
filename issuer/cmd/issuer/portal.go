package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/portal"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// portalFlags are serve's flags for the cardholder portal.
type portalFlags struct {
	on     *bool
	secure *string
}

func addPortalFlags(f *flags) portalFlags {
	return portalFlags{
		on: f.Bool("portal", env("HONNIN_PORTAL", "true") == "true", "serve the cardholder portal at /portal/ (env HONNIN_PORTAL)"),
		secure: f.String("portal-secure-cookies", env("HONNIN_PORTAL_SECURE_COOKIES", "auto"),
			"Secure portal cookies: true, false, or auto (false only on a loopback address, where the browser is on the same machine over plain HTTP; env HONNIN_PORTAL_SECURE_COOKIES)"),
	}
}

// secureCookies decides the portal's cookie mode for the listen address.
func (p portalFlags) secureCookies(addr string) (bool, error) {
	switch *p.secure {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "auto":
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return false, usageError{fmt.Sprintf("-addr %q: want host:port", addr)}
		}
		ip := net.ParseIP(host)
		return !(host == "localhost" || (ip != nil && ip.IsLoopback())), nil
	}
	return false, usageError{fmt.Sprintf("-portal-secure-cookies %q: want true, false or auto", *p.secure)}
}

// withPortal returns the issuer's handler: the API, and the portal at
// /portal/ when it is on. The portal's own codes go by mailer, at once, so
// the page can say whether they left; app registrations and fraud reports
// are the use cases' (their notices go through the outbox like the API's).
func (p portalFlags) withPortal(apiHandler http.Handler, addr string, st *store.Store, hasher *pan.Hasher, v *vault.Vault,
	mailer *dispatch.Mailer, core *acs.Service, smsSender acs.SMSSender, issuerName string, hashing *passhash.Budget,
	log *slog.Logger) (http.Handler, error) {
	if !*p.on {
		return apiHandler, nil
	}
	secure, err := p.secureCookies(addr)
	if err != nil {
		return nil, err
	}
	var sender portal.SMSSender
	if smsSender != nil {
		sender = smsSender
	}
	ph, err := portal.New(portal.Config{Store: st, PAN: hasher, Vault: v, Mail: mailer, SMS: sender,
		Apps: core.Apps(), Fraud: core,
		IssuerName: issuerName, Log: log, SecureCookies: secure, Hashing: hashing})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/portal/", ph)
	mux.Handle("/", apiHandler)
	return mux, nil
}
