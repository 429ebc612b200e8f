package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/honnin/honnin/issuer/appreg"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/tokenfile"
	"github.com/honnin/honnin/issuer/vault"
)

// tokenPeriod is the only time step honnin verifies (seed 004: 60 s).
const tokenPeriod = 60

// operator opens what the credential commands share: the database, the
// card-number key (to find a card) and the vault (to seal seeds).
type operator struct {
	st     *store.Store
	hasher *pan.Hasher
	vault  *vault.Vault
}

func (o operator) Close() { o.st.Close() }

// operatorFlags adds the flags every credential command takes.
func operatorFlags(f *flags) (db, panKey, vaultKey *string) {
	db = f.String("db", env("HONNIN_ISSUER_DB", defaultDB), "SQLite database file (env HONNIN_ISSUER_DB)")
	panKey = f.String("pan-key-file", env("HONNIN_PAN_KEY_FILE", defaultPANKey), "card-number key file (env HONNIN_PAN_KEY_FILE)")
	vaultKey = f.String("vault-key-file", env("HONNIN_VAULT_KEY_FILE", defaultVaultKey), "seed vault key files, comma separated, the first seals (env HONNIN_VAULT_KEY_FILE)")
	return db, panKey, vaultKey
}

func openOperator(ctx context.Context, db, panKey, vaultKey string) (operator, error) {
	hasher, err := readPANKey(panKey)
	if err != nil {
		return operator{}, err
	}
	v, err := readVault(vaultKey)
	if err != nil {
		return operator{}, err
	}
	st, _, err := openStore(ctx, db)
	if err != nil {
		return operator{}, err
	}
	return operator{st: st, hasher: hasher, vault: v}, nil
}

// readVault loads the vault keys, saying how to make one if missing.
func readVault(list string) (*vault.Vault, error) {
	if list == "" {
		return nil, usageError{"-vault-key-file is required"}
	}
	paths := strings.Split(list, ",")
	v, err := vault.Load(paths...)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("vault key file %s does not exist; create one with: issuer keys vault -out %s", paths[0], paths[0])
	}
	return v, err
}

// cardholder finds the enrolled card numbered number.
func (o operator) cardholder(ctx context.Context, number string) (store.Cardholder, error) {
	if number == "" {
		return store.Cardholder{}, usageError{"-card is required"}
	}
	n, err := pan.Parse(number)
	if err != nil {
		return store.Cardholder{}, usageError{fmt.Sprintf("-card: %v", err)}
	}
	c, err := o.st.CardholderByPAN(ctx, o.hasher.Sum(n))
	if errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("card ending %s is not enrolled", n.Last4())
	}
	return c, err
}

func keysVault(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("keys vault", "Writes a fresh key for the seed vault (32 random bytes, mode 0600), which\n"+
		"encrypts TOTP seeds and pending codes at rest. Refuses to overwrite. To rotate, write a new\n"+
		"key and list it first in -vault-key-file: it seals, the old ones still open.", stdout)
	out := f.String("out", defaultVaultKey, "key file to write")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o700); err != nil {
		return err
	}
	if err := vault.WriteKeyFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote vault key to %s\n", *out)
	return nil
}

func tokenImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("token import", "Imports hardware tokens from a PSKC key container (RFC 6030: plain, or encrypted\n"+
		"with a pre-shared key or a PBKDF2 password) or a CSV file (serial,seed,digits,period[,algorithm]).\n"+
		"All or nothing: one bad key imports none. Only 60-second TOTP tokens are accepted.\n"+
		"The PSKC password is read from HONNIN_PSKC_PASSWORD, never from a flag.", stdout)
	db, panKey, vaultKey := operatorFlags(f)
	file := f.String("file", "", "the PSKC (.xml, .pskcxml) or CSV (.csv) file")
	format := f.String("format", "", "pskc or csv; default from the file name")
	psk := f.String("psk", "", "PSKC pre-shared key, hex")
	if err := f.parse(args); err != nil {
		return err
	}
	if *file == "" {
		return usageError{"-file is required"}
	}
	kind := strings.ToLower(*format)
	if kind == "" {
		kind = "pskc"
		if strings.EqualFold(filepath.Ext(*file), ".csv") {
			kind = "csv"
		}
	}
	in, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer in.Close()
	var keys []tokenfile.Key
	switch kind {
	case "csv":
		keys, err = tokenfile.ParseCSV(in)
	case "pskc":
		opt := tokenfile.PSKCOptions{Password: os.Getenv("HONNIN_PSKC_PASSWORD")}
		if *psk != "" {
			if opt.PreSharedKey, err = hex.DecodeString(*psk); err != nil {
				return usageError{fmt.Sprintf("-psk: not hex: %v", err)}
			}
		}
		keys, err = tokenfile.ParsePSKC(in, opt)
	default:
		return usageError{fmt.Sprintf("-format %q: want pskc or csv", *format)}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	o, err := openOperator(ctx, *db, *panKey, *vaultKey)
	if err != nil {
		return err
	}
	defer o.Close()
	tokens := make([]store.Token, 0, len(keys))
	for _, k := range keys {
		if k.Kind != "totp" || k.Period != tokenPeriod {
			return fmt.Errorf("%s: token %s is %s with a %d s step; honnin verifies %d-second TOTP tokens only (nothing imported)",
				*file, k.Serial, strings.ToUpper(k.Kind), k.Period, tokenPeriod)
		}
		tokens = append(tokens, store.Token{Serial: k.Serial, Seed: o.vault.Seal(k.Secret, []byte("token:"+k.Serial)),
			TOTP: store.TOTPParams{Digits: k.Digits, Period: k.Period, Algorithm: k.Algorithm}})
	}
	n, err := o.st.ImportTokens(ctx, tokens, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d tokens from %s\n", n, *file)
	return nil
}

func tokenAssign(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("token assign", "Assigns an imported token to a card (at most 2 per card). The card's static\n"+
		"password, if any, stops working.", stdout)
	db, panKey, vaultKey := operatorFlags(f)
	serial := f.String("serial", "", "the token's serial")
	card := f.String("card", "", "the card number")
	if err := f.parse(args); err != nil {
		return err
	}
	if *serial == "" {
		return usageError{"-serial is required"}
	}
	o, err := openOperator(ctx, *db, *panKey, *vaultKey)
	if err != nil {
		return err
	}
	defer o.Close()
	c, err := o.cardholder(ctx, *card)
	if err != nil {
		return err
	}
	cred, err := o.st.AssignToken(ctx, *serial, c.ID, time.Now())
	switch {
	case errors.Is(err, store.ErrTokenLimit):
		return fmt.Errorf("card ending %s has 2 tokens already; report one lost first", c.Last4)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no token with serial %s; import it first", *serial)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("token %s is assigned to a card already", *serial)
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "token %s assigned to card ending %s (credential %s)\n", *serial, c.Last4, cred.PublicID)
	return nil
}

// tokenState locks or unlocks a token for the operator.
func tokenState(lock bool) func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	name, what := "token unlock", "Unlocks a token (locked by wrong codes, by the cardholder or by an operator) and\n"+
		"clears its failure count."
	if lock {
		name, what = "token lock", "Locks a token: its codes are refused until it is unlocked."
	}
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		f := newFlags(name, what, stdout)
		db, panKey, vaultKey := operatorFlags(f)
		serial := f.String("serial", "", "the token's serial")
		if err := f.parse(args); err != nil {
			return err
		}
		if *serial == "" {
			return usageError{"-serial is required"}
		}
		o, err := openOperator(ctx, *db, *panKey, *vaultKey)
		if err != nil {
			return err
		}
		defer o.Close()
		t, err := o.st.TokenBySerial(ctx, *serial)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no token with serial %s", *serial)
		}
		if err != nil {
			return err
		}
		if t.CredentialID == 0 {
			return fmt.Errorf("token %s is not assigned to a card", *serial)
		}
		if lock {
			err = o.st.LockCredential(ctx, t.CredentialID, "operator", "operator", time.Now())
		} else {
			err = o.st.UnlockCredential(ctx, t.CredentialID, "operator", time.Now())
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", name, *serial)
		return nil
	}
}

func tokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("token list", "Lists the imported tokens: serial, parameters, and the card and state of the\n"+
		"assigned ones.", stdout)
	db, panKey, vaultKey := operatorFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	o, err := openOperator(ctx, *db, *panKey, *vaultKey)
	if err != nil {
		return err
	}
	defer o.Close()
	ts, err := o.st.Tokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL\tDIGITS\tPERIOD\tALG\tCARD\tSTATE")
	for _, t := range ts {
		card, state := "-", "unassigned"
		if t.CardholderID != 0 {
			c, err := o.st.Cardholder(ctx, t.CardholderID)
			if err != nil {
				return err
			}
			card, state = "*"+c.Last4, t.State
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", t.Serial, t.TOTP.Digits, t.TOTP.Period, t.TOTP.Algorithm, card, state)
	}
	return tw.Flush()
}

func cardholderShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("cardholder show", "Shows a card's method and credentials: kind, state, consecutive failures.", stdout)
	db, panKey, vaultKey := operatorFlags(f)
	card := f.String("card", "", "the card number")
	if err := f.parse(args); err != nil {
		return err
	}
	o, err := openOperator(ctx, *db, *panKey, *vaultKey)
	if err != nil {
		return err
	}
	defer o.Close()
	c, err := o.cardholder(ctx, *card)
	if err != nil {
		return err
	}
	creds, err := o.st.CredentialsOf(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "card *%s  method %s  status %s  otp-locked %t  locale %s\n", c.Last4, c.PreferredMethod, c.Status, c.OTPLocked, c.Locale)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CREDENTIAL\tKIND\tSERIAL\tSTATE\tFAILURES\tDRIFT")
	for _, cr := range creds {
		state := cr.State
		if cr.LockReason != "" && cr.State == store.CredLocked {
			state += " (" + cr.LockReason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", cr.PublicID, cr.Kind, orDash(cr.Serial), state, cr.Failures, cr.Drift)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cardholderUnlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("cardholder unlock", "Unlocks a card's locked credentials (all of them, or those of one -kind) and\n"+
		"clears their failure counts; the card's one-time-code use is unlocked with them.", stdout)
	db, panKey, vaultKey := operatorFlags(f)
	card := f.String("card", "", "the card number")
	kind := f.String("kind", "", "only credentials of this kind: email, sms, app, token, password")
	if err := f.parse(args); err != nil {
		return err
	}
	o, err := openOperator(ctx, *db, *panKey, *vaultKey)
	if err != nil {
		return err
	}
	defer o.Close()
	c, err := o.cardholder(ctx, *card)
	if err != nil {
		return err
	}
	creds, err := o.st.CredentialsOf(ctx, c.ID)
	if err != nil {
		return err
	}
	n := 0
	for _, cr := range creds {
		if cr.State != store.CredLocked || (*kind != "" && cr.Kind != *kind) {
			continue
		}
		if err := o.st.UnlockCredential(ctx, cr.ID, "operator", time.Now()); err != nil {
			return err
		}
		n++
	}
	fmt.Fprintf(stdout, "unlocked %d credentials of card ending %s\n", n, c.Last4)
	return nil
}

func appIssue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("app issue", "Issues an authenticator-app registration for a card: prints the registration ID\n"+
		"and mails the registration password to the cardholder (both valid 30 minutes, single use),\n"+
		"as the member site does.", stdout)
	db, panKey, vaultKey := operatorFlags(f)
	card := f.String("card", "", "the card number")
	smtpAddr := f.String("smtp", env("HONNIN_SMTP", "127.0.0.1:1025"), "SMTP server host:port (env HONNIN_SMTP)")
	smtpTLS := f.String("smtp-tls", env("HONNIN_SMTP_TLS", ""), "SMTP TLS: none, starttls or tls (env HONNIN_SMTP_TLS)")
	smtpUser := f.String("smtp-user", env("HONNIN_SMTP_USER", ""), "SMTP AUTH user name (env HONNIN_SMTP_USER)")
	mailFrom := f.String("mail-from", env("HONNIN_MAIL_FROM", "honnin <no-reply@localhost>"), "From of the mail (env HONNIN_MAIL_FROM)")
	issuerName := f.String("issuer-name", env("HONNIN_ISSUER_NAME", "honnin"), "issuer name (env HONNIN_ISSUER_NAME)")
	if err := f.parse(args); err != nil {
		return err
	}
	mailer, err := newMailer(*smtpAddr, *smtpTLS, *smtpUser, env("HONNIN_SMTP_PASSWORD", ""), *mailFrom)
	if err != nil {
		return err
	}
	o, err := openOperator(ctx, *db, *panKey, *vaultKey)
	if err != nil {
		return err
	}
	defer o.Close()
	c, err := o.cardholder(ctx, *card)
	if err != nil {
		return err
	}
	r := appreg.Registrar{Store: o.st, Vault: o.vault, Mail: mailer, IssuerName: *issuerName}
	is, err := r.Issue(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "registration-id %s\nexpires %s\n(the registration password was mailed to the cardholder)\n",
		is.ID, is.Expires.UTC().Format(time.RFC3339))
	return nil
}
