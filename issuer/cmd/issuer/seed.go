package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/secretfile"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/demo"
)

func demoSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("demo seed", "Adds the demo merchant \""+demo.MerchantName+"\" with the given API key and origins, and the\n"+
		"demo cardholders. Idempotent: run it at every start. Prints one line per card:\n"+
		"  card <number> <method> <email> <locale> [note]\n"+
		"where note is what else passes the card's challenge (phone:<e164>, secret:<base32 TOTP seed>,\n"+
		"token:<serial>:<base32 seed>, password:<password>) or what it demonstrates (deny:otp-locked:\n"+
		"the risk engine denies it); then one line per card for the cardholder portal:\n"+
		"  portal <number> <portal password>\n"+
		"and the cards one person holds, linked for combined login:\n"+
		"  linked <number> <number>...", stdout)
	db := f.String("db", env("HONNIN_ISSUER_DB", defaultDB), dbUsage)
	panKey := f.String("pan-key-file", env("HONNIN_PAN_KEY_FILE", defaultPANKey), "card-number key file (env HONNIN_PAN_KEY_FILE)")
	vaultKey := f.String("vault-key-file", env("HONNIN_VAULT_KEY_FILE", defaultVaultKey), "seed vault key files, comma separated (env HONNIN_VAULT_KEY_FILE)")
	// The key comes from a file or the environment, never the command line,
	// which every user of the machine sees in the process list; and the
	// environment is read after parsing, so -h does not print it.
	apiKeyFile := f.String("api-key-file", env("HONNIN_DEMO_API_KEY_FILE", ""), "file holding the demo shop's API key, mode 0600 (env HONNIN_DEMO_API_KEY_FILE); else the key in HONNIN_DEMO_API_KEY; else a new one is made and printed")
	var origins multi
	f.Var(&origins, "origin", "an origin of the demo shop; repeat for several (default "+strings.Join(demo.DefaultOrigins, " and ")+")")
	if err := f.parse(args); err != nil {
		return err
	}
	hasher, err := readPANKey(*panKey)
	if err != nil {
		return err
	}
	v, err := readVault(*vaultKey)
	if err != nil {
		return err
	}
	key, err := readAPIKey(*apiKeyFile, "HONNIN_DEMO_API_KEY")
	if err != nil {
		return err
	}
	if key == "" {
		key = issuer.NewAPIKey()
		fmt.Fprintf(stdout, "api-key %s\n", key)
	}
	st, _, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := demo.Seed(ctx, st, hasher, v, key, origins, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merchant %q id %d origins %s\n", m.Name, m.ID, strings.Join(m.Origins, ","))
	for _, c := range demo.Cards {
		line := fmt.Sprintf("card %s %s %s %s", c.Number, c.Method, c.Email, c.Locale)
		if n := c.Note(); n != "" {
			line += " " + n
		}
		fmt.Fprintln(stdout, line)
	}
	for _, c := range demo.Cards {
		fmt.Fprintf(stdout, "portal %s %s\n", c.Number, c.PortalPassword())
	}
	fmt.Fprintf(stdout, "linked %s\n", strings.Join(demo.Linked, " "))
	return nil
}

// readAPIKey returns the API key in file or, with no file, the environment
// variable envKey's; "" when neither is given.
func readAPIKey(file, envKey string) (string, error) {
	key, err := secretfile.Value(file, envKey)
	if err != nil {
		return "", fmt.Errorf("API key file: %w", err)
	}
	return key, nil
}
