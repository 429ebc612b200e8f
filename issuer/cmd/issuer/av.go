package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/secretfile"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/authvalue"
)

// avRotate is `issuer av rotate`: the next authentication-value key.
func avRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("av rotate", "Adds the next authentication-value key (32 random bytes, sealed by the vault into the\n"+
		"database) and retires the others: values minted from now on carry the new key id, and\n"+
		"values of the retired keys still verify until they are 90 days old. A running serve mints\n"+
		"with the new key after a restart, or from the first value of it that it is asked to verify.", stdout)
	db := f.String("db", env("HONNIN_ISSUER_DB", defaultDB), dbUsage)
	vaultKey := f.String("vault-key-file", env("HONNIN_VAULT_KEY_FILE", defaultVaultKey), "vault key files, comma separated, the first seals (env HONNIN_VAULT_KEY_FILE)")
	if err := f.parse(args); err != nil {
		return err
	}
	v, err := readVault(*vaultKey)
	if err != nil {
		return err
	}
	st, _, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ring := acs.AVRing{Store: st, Vault: v}
	// The keys there must open before one is added: a rotation with the
	// wrong vault would leave keys nothing can open.
	if _, err := ring.Load(ctx, time.Now()); err != nil {
		return err
	}
	id, err := ring.Rotate(ctx, time.Now())
	if err != nil {
		return err
	}
	keys, err := st.AVKeys(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "authentication-value key %d mints from now on\n", id)
	for _, k := range keys {
		state := "current"
		if !k.RetiredAt.IsZero() {
			state = "retired " + k.RetiredAt.Local().Format(time.DateTime) + ", still verifies"
		}
		fmt.Fprintf(stdout, "key %3d  created %s  %s\n", k.ID, k.CreatedAt.Local().Format(time.DateTime), state)
	}
	return nil
}

// avVerify is `issuer av verify`: what the authorisation host's check
// answers, from the command line.
func avVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("av verify", "Checks an authentication value as the authorisation host's POST /internal/v1/av/verify\n"+
		"does: is it this issuer's, for this card, amount (minor units) and currency. Prints what\n"+
		"it says (result, EMV authenticationMethod code, time, key id); exits 1 when it is not valid.", stdout)
	number := c.need("pan", "the card number of the authorisation")
	amount := c.Int64("amount", -1, "the amount in minor units of -currency (1250 is ¥1,250 or $12.50)")
	currency := c.String("currency", "", "the ISO 4217 alphabetic code (JPY); empty, with -amount 0, for an EMV non-payment authentication (no purchase)")
	av := c.need("av", "the authentication value (28 characters of base64)")
	return c.run(ctx, args, func(o operator) error {
		if *amount < 0 {
			return usageError{"-amount is required (minor units, 0 or more)"}
		}
		keys, err := acs.AVRing{Store: o.st, Vault: o.vault}.Load(ctx, time.Now())
		if err != nil {
			return err
		}
		got, err := acs.CheckAV(keys, o.hasher, acs.AVQuery{PAN: *number, Amount: *amount, Currency: *currency, AV: *av}, time.Now())
		if reason := authvalue.Reason(err); reason != "" {
			fmt.Fprintf(stdout, "valid false\nreason %s\n", reason)
			return fmt.Errorf("not valid: %w", err)
		}
		var ref *acs.Refusal
		if errors.As(err, &ref) {
			return usageError{ref.Message}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "valid true\nstatus %s\nmethod %s\nat %s\nkey_id %d\n", got.Status, got.Method, got.At.UTC().Format(time.RFC3339), got.KeyID)
		return nil
	})
}

// minTokenLen is the shortest bearer token serve takes from a file (the
// authorisation host's, the operators'): 32 characters (`openssl rand -hex
// 32` writes 64).
const minTokenLen = 32

// readAVVerifyToken reads serve's -av-verify-token-file: "" (no file)
// leaves the check off.
func readAVVerifyToken(path string) (string, error) {
	return readBearerFile("-av-verify-token-file", path)
}

// readBearerFile reads the bearer token in path, named by its flag in
// errors: a private file (secretfile), one line of at least minTokenLen
// characters. "" (no file) is "", the endpoint off.
func readBearerFile(flag, path string) (string, error) {
	if path == "" {
		return "", nil
	}
	tok, err := secretfile.Value(path, "")
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s %s does not exist; create one with: umask 077; openssl rand -hex 32 > %s", flag, path, path)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	if len(tok) < minTokenLen || strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("%s %s: want one line of at least %d characters without spaces", flag, path, minTokenLen)
	}
	return tok, nil
}
