// Command authapp stands in for a cardholder's authenticator app during
// development: it registers with the issuer the way a phone app would
// (registration ID from the member site, password from the mail) and prints
// the current code.
//
//	authapp register -id 1234567890 -password K7QP2MX9AB   save the secret, print the code
//	authapp code                                           print the current code
//
// The secret is kept in a state file (default .dev/authapp.uri, mode 0600)
// as the otpauth:// URI the issuer returned; any authenticator app, or
// `oathtool --totp -s 60 -b <secret>`, gives the same codes.
package main

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/honnin/honnin/issuer/totp"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	if len(args) == 0 || (args[0] != "register" && args[0] != "code") {
		fmt.Fprintln(stderr, "usage: authapp register -id ID -password PASSWORD [-issuer URL] [-state FILE]\n       authapp code [-state FILE]")
		return 2
	}
	fs := flag.NewFlagSet("authapp "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	state := fs.String("state", ".dev/authapp.uri", "file holding the registered otpauth:// URI")
	issuer := fs.String("issuer", "http://127.0.0.1:8081", "the issuer's base URL")
	id := fs.String("id", "", "registration ID (shown in the member site)")
	password := fs.String("password", "", "registration password (from the mail)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	var err error
	if args[0] == "register" {
		err = register(ctx, *issuer, *id, *password, *state)
	}
	if err == nil {
		err = printCode(*state, now(), stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "authapp %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// register redeems the registration at the issuer and keeps the URI.
func register(ctx context.Context, issuer, id, password, state string) error {
	if id == "" || password == "" {
		return errors.New("-id and -password are required")
	}
	body, _ := json.Marshal(map[string]string{"registration_id": id, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(issuer, "/")+"/v1/app/register", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		URI     string `json:"otpauth_uri"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return fmt.Errorf("issuer answered %s: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("issuer refused: %s: %s", resp.Status, out.Message)
	}
	if err := os.MkdirAll(filepath.Dir(state), 0o700); err != nil {
		return err
	}
	return os.WriteFile(state, []byte(out.URI+"\n"), 0o600)
}

// printCode prints the code of the step now falls in.
func printCode(state string, now time.Time, w io.Writer) error {
	b, err := os.ReadFile(state)
	if err != nil {
		return fmt.Errorf("no registered app (%w); run authapp register first", err)
	}
	key, err := otp.NewKeyFromURL(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("%s: %w", state, err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(key.Secret(), "=")))
	if err != nil {
		return fmt.Errorf("%s: secret: %w", state, err)
	}
	p := totp.Params{Secret: secret, Digits: key.Digits().Length(), Period: int(key.Period()), Algorithm: key.Algorithm().String()}
	code, err := totp.Code(p, totp.Step(now, p.Period))
	if err != nil {
		return err
	}
	left := int64(p.Period) - now.Unix()%int64(p.Period)
	fmt.Fprintf(w, "%s  (%d s left)\n", code, left)
	return nil
}
