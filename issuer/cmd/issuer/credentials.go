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
	"time"

	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/edge/secretfile"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/tokenfile"
	"github.com/honnin/honnin/issuer/vault"
)

// operator opens what the credential commands share: the database, the
// card-number key (to find a card) and the vault (to seal seeds).
type operator struct {
	st     *store.Store
	hasher *pan.Hasher
	vault  *vault.Vault
}

func (o operator) Close() { o.st.Close() }

// cards is the enrolment use case on the operator's store and keys.
func (o operator) cards() acs.Cards { return acs.Cards{Store: o.st, PAN: o.hasher, Vault: o.vault} }

// operatorCmd is a credential command's flag set with the flags every one
// of them takes.
type operatorCmd struct {
	*flags
	db, panKey, vaultKey *string
	required             []string
}

// need adds a string flag that must be given: run refuses to start, and
// touches no database, without it.
func (c *operatorCmd) need(name, usage string) *string {
	c.required = append(c.required, name)
	return c.String(name, "", usage)
}

func newOperatorCmd(name, synopsis string, stdout io.Writer) *operatorCmd {
	f := newFlags(name, synopsis, stdout)
	return &operatorCmd{flags: f,
		db:       f.String("db", env("HONNIN_ISSUER_DB", defaultDB), dbUsage),
		panKey:   f.String("pan-key-file", env("HONNIN_PAN_KEY_FILE", defaultPANKey), "card-number key file (env HONNIN_PAN_KEY_FILE)"),
		vaultKey: f.String("vault-key-file", env("HONNIN_VAULT_KEY_FILE", defaultVaultKey), "seed vault key files, comma separated, the first seals (env HONNIN_VAULT_KEY_FILE)"),
	}
}

// run parses args, opens the database, keys and vault, and runs fn on them.
func (c *operatorCmd) run(ctx context.Context, args []string, fn func(operator) error) error {
	if err := c.parse(args); err != nil {
		return err
	}
	for _, name := range c.required {
		if c.Lookup(name).Value.String() == "" {
			return usageError{"-" + name + " is required"}
		}
	}
	o, err := openOperator(ctx, *c.db, *c.panKey, *c.vaultKey)
	if err != nil {
		return err
	}
	defer o.Close()
	return fn(o)
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
func (o operator) cardholder(ctx context.Context, number string) (issuer.Cardholder, error) {
	if number == "" {
		return issuer.Cardholder{}, usageError{"-card is required"}
	}
	n, err := pan.Parse(number)
	if err != nil {
		return issuer.Cardholder{}, usageError{fmt.Sprintf("-card: %v", err)}
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
	c := newOperatorCmd("token import", "Imports hardware tokens from a PSKC key container (RFC 6030: plain, or encrypted\n"+
		"with a pre-shared key or a PBKDF2 password) or a CSV file (serial,seed,digits,period[,algorithm],\n"+
		"each seed written hex:... or base32:...). All or nothing: one bad key imports none. Only\n"+
		"60-second TOTP tokens are accepted. The PSKC password is read from HONNIN_PSKC_PASSWORD,\n"+
		"never from a flag.", stdout)
	file := c.need("file", "the PSKC (.xml, .pskcxml) or CSV (.csv) file")
	format := c.String("format", "", "pskc or csv; default from the file name")
	psk := c.String("psk", "", "PSKC pre-shared key, hex")
	return c.run(ctx, args, func(o operator) error {
		// A vendor's file is read once, not kept by a service: warned
		// about rather than refused (a refusal would not unexpose it).
		var loose *secretfile.ModeError
		if errors.As(secretfile.Check(*file), &loose) {
			fmt.Fprintf(stderr, "issuer token import: warning: %s (mode %04o) is open to group or others and holds token seeds: "+
				"chmod 600 it, and delete it once imported\n", *file, loose.Mode.Perm())
		}
		keys, err := readTokenFile(*file, *format, *psk)
		if err != nil {
			return err
		}
		tokens := make([]acs.TokenSeed, 0, len(keys))
		for _, k := range keys {
			if k.Kind != "totp" {
				return fmt.Errorf("%s: token %s is %s; honnin verifies %d-second TOTP tokens only (nothing imported)",
					*file, k.Serial, strings.ToUpper(k.Kind), limits.TOTPPeriod)
			}
			tokens = append(tokens, acs.TokenSeed{Serial: k.Serial, Secret: k.Secret,
				TOTP: issuer.TOTPParams{Digits: k.Digits, Period: k.Period, Algorithm: k.Algorithm}})
		}
		n, err := o.cards().ImportTokens(ctx, tokens, time.Now())
		if err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
		fmt.Fprintf(stdout, "imported %d tokens from %s\n", n, *file)
		return nil
	})
}

// readTokenFile parses a PSKC or CSV token file; format "" goes by the
// file name.
func readTokenFile(file, format, psk string) ([]tokenfile.Key, error) {
	kind := strings.ToLower(format)
	if kind == "" {
		kind = "pskc"
		if strings.EqualFold(filepath.Ext(file), ".csv") {
			kind = "csv"
		}
	}
	in, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	var keys []tokenfile.Key
	switch kind {
	case "csv":
		keys, err = tokenfile.ParseCSV(in)
	case "pskc":
		opt := tokenfile.PSKCOptions{Password: os.Getenv("HONNIN_PSKC_PASSWORD")}
		if psk != "" {
			if opt.PreSharedKey, err = hex.DecodeString(psk); err != nil {
				return nil, usageError{fmt.Sprintf("-psk: not hex: %v", err)}
			}
		}
		keys, err = tokenfile.ParsePSKC(in, opt)
	default:
		return nil, usageError{fmt.Sprintf("-format %q: want pskc or csv", format)}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return keys, nil
}

func tokenAssign(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("token assign", "Assigns an imported token to a card (at most 2 per card). The card's static\n"+
		"password, if any, stops working.", stdout)
	serial := c.need("serial", "the token's serial")
	card := c.need("card", "the card number")
	return c.run(ctx, args, func(o operator) error {
		ch, err := o.cardholder(ctx, *card)
		if err != nil {
			return err
		}
		cred, err := o.st.AssignToken(ctx, *serial, ch.ID, time.Now())
		switch {
		case errors.Is(err, store.ErrTokenLimit):
			return fmt.Errorf("card ending %s has 2 tokens already; report one lost first", ch.Last4)
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("no token with serial %s; import it first", *serial)
		case errors.Is(err, store.ErrConflict):
			return fmt.Errorf("token %s is assigned to a card already", *serial)
		case err != nil:
			return err
		}
		fmt.Fprintf(stdout, "token %s assigned to card ending %s (credential %s)\n", *serial, ch.Last4, cred.PublicID)
		return nil
	})
}

// tokenState locks or unlocks a token for the operator.
func tokenState(lock bool) func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	name, what := "token unlock", "Unlocks a token (locked by wrong codes, by the cardholder or by an operator) and\n"+
		"clears its failure count."
	if lock {
		name, what = "token lock", "Locks a token: its codes are refused until it is unlocked."
	}
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		c := newOperatorCmd(name, what, stdout)
		serial := c.need("serial", "the token's serial")
		return c.run(ctx, args, func(o operator) error {
			t, err := o.st.TokenBySerial(ctx, *serial)
			switch {
			case errors.Is(err, store.ErrNotFound):
				return fmt.Errorf("no token with serial %s", *serial)
			case err != nil:
				return err
			case t.CredentialID == 0:
				return fmt.Errorf("token %s is not assigned to a card", *serial)
			}
			if lock {
				err = o.st.LockCredential(ctx, t.CredentialID, issuer.LockOperator, "operator", time.Now())
			} else {
				err = o.st.UnlockCredential(ctx, t.CredentialID, "operator", time.Now())
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: %s\n", name, *serial)
			return nil
		})
	}
}

func tokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("token list", "Lists the imported tokens: serial, parameters, and the card and state of the\n"+
		"assigned ones.", stdout)
	return c.run(ctx, args, func(o operator) error {
		ts, err := o.st.Tokens(ctx)
		if err != nil {
			return err
		}
		tw := newTable(stdout, "SERIAL\tDIGITS\tPERIOD\tALG\tCARD\tSTATE")
		for _, t := range ts {
			card, state := "-", "unassigned"
			if t.CardholderID != 0 {
				ch, err := o.st.Cardholder(ctx, t.CardholderID)
				if err != nil {
					return err
				}
				card, state = "*"+ch.Last4, t.State
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", t.Serial, t.TOTP.Digits, t.TOTP.Period, t.TOTP.Algorithm, card, state)
		}
		return tw.Flush()
	})
}

func cardholderShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("cardholder show", "Shows a card's method and credentials: kind, state, consecutive failures.", stdout)
	card := c.need("card", "the card number")
	return c.run(ctx, args, func(o operator) error {
		ch, creds, err := o.credentialsOf(ctx, *card)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "card *%s  method %s  status %s  otp-locked %t  locale %s\n", ch.Last4, ch.PreferredMethod, ch.Status, ch.OTPLocked, ch.Locale)
		tw := newTable(stdout, "CREDENTIAL\tKIND\tSERIAL\tSTATE\tFAILURES\tDRIFT")
		for _, cr := range creds {
			state := cr.State
			if cr.LockReason != "" && cr.State == issuer.CredLocked {
				state += " (" + cr.LockReason + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", cr.PublicID, cr.Kind, orDash(cr.Serial), state, cr.Failures, cr.Drift)
		}
		return tw.Flush()
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cardholderUnlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("cardholder unlock", "Unlocks a card's locked credentials (all of them, or those of one -kind) and\n"+
		"clears their failure counts; the card's one-time-code use is unlocked with them.", stdout)
	card := c.need("card", "the card number")
	kind := c.String("kind", "", "only credentials of this kind: email, sms, app, token, password")
	return c.run(ctx, args, func(o operator) error {
		ch, creds, err := o.credentialsOf(ctx, *card)
		if err != nil {
			return err
		}
		n := 0
		for _, cr := range creds {
			if cr.State != issuer.CredLocked || (*kind != "" && string(cr.Kind) != *kind) {
				continue
			}
			if err := o.st.UnlockCredential(ctx, cr.ID, "operator", time.Now()); err != nil {
				return err
			}
			n++
		}
		fmt.Fprintf(stdout, "unlocked %d credentials of card ending %s\n", n, ch.Last4)
		return nil
	})
}

// credentialsOf finds the card numbered number and its credentials.
func (o operator) credentialsOf(ctx context.Context, number string) (issuer.Cardholder, []issuer.Credential, error) {
	c, err := o.cardholder(ctx, number)
	if err != nil {
		return c, nil, err
	}
	creds, err := o.st.CredentialsOf(ctx, c.ID)
	return c, creds, err
}

func appIssue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("app issue", "Issues an authenticator-app registration for a card: prints the registration ID\n"+
		"and mails the registration password to the cardholder (both valid 30 minutes, single use),\n"+
		"as the member site does.", stdout)
	card := c.need("card", "the card number")
	smtpAddr := c.String("smtp", env("HONNIN_SMTP", "127.0.0.1:1025"), "SMTP server host:port (env HONNIN_SMTP)")
	smtpTLS := c.String("smtp-tls", env("HONNIN_SMTP_TLS", ""), "SMTP TLS: none, starttls or tls (env HONNIN_SMTP_TLS)")
	smtpUser := c.String("smtp-user", env("HONNIN_SMTP_USER", ""), "SMTP AUTH user name (env HONNIN_SMTP_USER)")
	mailFrom := c.String("mail-from", env("HONNIN_MAIL_FROM", "honnin <no-reply@localhost>"), "From of the mail (env HONNIN_MAIL_FROM)")
	issuerName := c.String("issuer-name", env("HONNIN_ISSUER_NAME", "honnin"), "issuer name (env HONNIN_ISSUER_NAME)")
	return c.run(ctx, args, func(o operator) error {
		mailer, err := newMailer(*smtpAddr, *smtpTLS, *smtpUser, env("HONNIN_SMTP_PASSWORD", ""), *mailFrom)
		if err != nil {
			return err
		}
		// QUITs the session the mail went on; the mail itself was
		// accepted already, so a failure here changes nothing.
		defer mailer.Close()
		ch, err := o.cardholder(ctx, *card)
		if err != nil {
			return err
		}
		r := acs.Apps{Store: o.st, Vault: o.vault, Mail: mailer, IssuerName: *issuerName}
		is, err := r.Issue(ctx, ch.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "registration-id %s\nexpires %s\n(the registration password was mailed to the cardholder)\n",
			is.ID, is.Expires.UTC().Format(time.RFC3339))
		return nil
	})
}
