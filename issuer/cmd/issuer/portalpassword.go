package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/portal"
)

// cardholderPortalPassword gives a card its portal password: the one a new
// cardholder signs in to the member site with (then a code to their
// address), or a fresh one after they forgot theirs. Without it a card
// enrolled by `cardholder add` could never reach the portal.
func cardholderPortalPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("cardholder portal-password", "Sets a card's portal password (the member site's; separate from the static password\n"+
		"some cards pay with). It is read from HONNIN_PORTAL_PASSWORD, never a flag; when that is\n"+
		"unset a random one is made and printed once, for the issuer's letter to the cardholder,\n"+
		"who changes it in the portal. Other portal sessions of the card are not ended.", stdout)
	card := c.need("card", "the card number")
	return c.run(ctx, args, func(o operator) error {
		pw, made := env("HONNIN_PORTAL_PASSWORD", ""), false
		if pw == "" {
			pw, made = newPortalPassword(), true
		}
		if n := utf8.RuneCountInString(pw); !utf8.ValidString(pw) || n < portal.MinPortalPassword || n > portal.MaxPortalPassword {
			return usageError{fmt.Sprintf("HONNIN_PORTAL_PASSWORD: want %d to %d characters", portal.MinPortalPassword, portal.MaxPortalPassword)}
		}
		ch, err := o.cardholder(ctx, *card)
		if err != nil {
			return err
		}
		hash, err := passhash.Hash(pw)
		if err != nil {
			return err
		}
		if err := o.st.SetPortalPassword(ctx, ch.ID, hash, "operator", time.Now()); err != nil {
			return err
		}
		if made {
			fmt.Fprintf(stdout, "portal password of card ending %s: %s (shown once)\n", ch.Last4, pw)
			return nil
		}
		fmt.Fprintf(stdout, "portal password of card ending %s set from HONNIN_PORTAL_PASSWORD\n", ch.Last4)
		return nil
	})
}

// newPortalPassword is 20 random base32 characters (100 bits), lower case,
// in groups of four for reading off a letter.
func newPortalPassword() string {
	t := strings.ToLower(rand.Text()[:20])
	var b strings.Builder
	for i := 0; i < len(t); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(t[i : i+4])
	}
	return b.String()
}
