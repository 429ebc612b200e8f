package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/store"
)

// authenticationShow is `issuer authentication show`: why the risk engine
// decided one authentication as it did, the operator's answer to "why was
// this customer challenged (or denied)?".
func authenticationShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("authentication show", "Explains one authentication: its status, merchant, amount and times, the risk\n"+
		"decision and its score, each rule that fired with its points and whether it is evidence\n"+
		"of fraud (a deny needs one) or a signal (raises to a challenge at most), the notes with\n"+
		"0 points (deny_needs_evidence, amount_above_frictionless_cap, provider_unavailable), the\n"+
		"signals the decision used, and the coarse categories the merchant was shown. Never the\n"+
		"card number, a code or the personal message. The internal API's GET\n"+
		"/internal/v1/authentications/{id}/explanation answers the same JSON as -json.", stdout)
	id := c.String("id", "", "the authentication id (the merchant's, in its create response)")
	asJSON := c.Bool("json", false, "print the explanation as JSON")
	check := func() error {
		if *id == "" {
			return usageError{"-id is required"}
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		e, err := acs.Explain(ctx, st, *id)
		var ref *acs.Refusal
		if errors.As(err, &ref) && ref.Kind == acs.NotFound {
			return fmt.Errorf("no authentication %q (ids are 26 characters, as the merchant's create response gives them)", *id)
		}
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, e)
		}
		printExplanation(stdout, e)
		return nil
	})
}

// printExplanation writes e for people: the authentication as aligned
// "name value" lines, then the rules as a table.
func printExplanation(w io.Writer, e acs.Explanation) {
	tw := newTable(w, "authentication\t"+e.ID)
	line := func(name, value string) { fmt.Fprintf(tw, "%s\t%s\n", name, value) }
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	line("status", strings.TrimSpace(e.Status+" "+e.Reason))
	line("method", orDash(e.Method))
	line("merchant", fmt.Sprintf("%s (account %q, id %d, %s)", e.Merchant.ShownAs, e.Merchant.Account, e.Merchant.ID, e.Merchant.Origin))
	line("order", orDash(e.OrderRef))
	line("amount", money.Format(e.Amount, e.Currency, "en"))
	line("card", orDash(e.Card))
	line("created", when(e.CreatedAt))
	line("started", when(e.StartedAt))
	line("decided", when(e.DecidedAt))
	line("finished", when(e.FinishedAt))
	if !e.FraudReportedAt.IsZero() {
		line("fraud reported", when(e.FraudReportedAt))
	}
	if e.Decision == "" {
		line("decision", "- (the risk engine has not run: the card is not enrolled, or the checkout never started)")
		tw.Flush()
		return
	}
	line("decision", fmt.Sprintf("%s, score %d", e.Decision, e.Score))
	line("device", fmt.Sprintf("id %s, fingerprint %s", yesNo(e.DeviceID), yesNo(e.Fingerprint)))
	line("signals", orDash(signalsLine(e.Signals)))
	line("merchant sees", orDash(strings.Join(e.MerchantCategories, ", ")))
	if len(e.Facts) == 0 {
		line("facts", "not stored (decided before they were): issuer risk replay skips it")
	}
	tw.Flush()

	fmt.Fprintln(w)
	if len(e.Rules) == 0 {
		fmt.Fprintln(w, "no rule fired")
		return
	}
	tw = newTable(w, "RULE\tPOINTS\tKIND")
	for _, r := range e.Rules {
		pts := "0"
		if r.Points != 0 {
			pts = fmt.Sprintf("%+d", r.Points)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Code, pts, r.Kind)
	}
	tw.Flush()
}

// signalsLine writes the stored signals as key=value pairs sorted by key;
// what cannot be read is shown as it is.
func signalsLine(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return string(raw)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		v, _ := json.Marshal(m[k])
		fmt.Fprintf(&b, "%s=%s", k, strings.Trim(string(v), `"`))
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// readOperatorToken reads serve's -operator-token-file, the operators'
// bearer token for the internal API's explanation: "" (no file) leaves it
// off. The same rules as the authorisation host's token: a private file,
// one line of at least 32 characters.
func readOperatorToken(path string) (string, error) {
	return readBearerFile("-operator-token-file", path)
}
