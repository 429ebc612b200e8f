package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/issuer/pan"
)

func keysInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("keys init", "Writes a fresh issuer signing key, edge signing key and edge seal key (and their\n"+
		"public JWKS) into one folder. Refuses to overwrite: new keys invalidate every live token.", stdout)
	dir := f.String("dir", env("HONNIN_ISSUER_KEYS", defaultKeys), "folder for the key files (env HONNIN_ISSUER_KEYS)")
	kem := f.String("kem", "x-wing", "seal key KEM: x-wing (post-quantum hybrid) or x25519")
	if err := f.parse(args); err != nil {
		return err
	}
	k, err := parseKEM(*kem)
	if err != nil {
		return err
	}
	if err := challenge.GenerateKeys(*dir, k); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote keys to %s (seal KEM %s)\n", *dir, k)
	return nil
}

func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("keys rotate", "Rotates the token and seal keys of a key folder (as keys init wrote it): adds a new\n"+
		"issuer signing key, edge signing key and edge seal key that are published at once (JWKS,\n"+
		"edge.jwks, issuer.jwks) but used only after -publish-delay, longer than any JWKS cache.\n"+
		"Restart the issuer and the edge (or update the worker's secrets) within that delay; they\n"+
		"switch to the new keys by themselves when it ends. The old keys stay until every token\n"+
		"they signed or sealed has expired; then 'issuer keys rotate -prune' drops them.", stdout)
	dir := f.String("dir", env("HONNIN_ISSUER_KEYS", defaultKeys), "key folder (env HONNIN_ISSUER_KEYS)")
	delay := f.Duration("publish-delay", time.Hour, "how long the new keys are published before they are used (at least the JWKS max-age, 5m)")
	kem := f.String("kem", "", "seal key KEM of the new key: x-wing or x25519 (default: the current key's)")
	prune := f.Bool("prune", false, "instead of rotating, drop the keys no live token can need any more")
	if err := f.parse(args); err != nil {
		return err
	}
	now := time.Now()
	if *prune {
		dropped, err := challenge.PruneKeys(*dir, now)
		if err != nil {
			return err
		}
		if len(dropped) == 0 {
			fmt.Fprintf(stdout, "no keys to drop in %s (a key goes %s after its successor is in use)\n", *dir, challenge.RetireAfter)
			return nil
		}
		fmt.Fprintf(stdout, "dropped %d keys from %s: %s\nrestart the issuer and the edge to forget them\n", len(dropped), *dir, strings.Join(dropped, " "))
		return nil
	}
	if *delay < challenge.JWKSMaxAge {
		return usageError{fmt.Sprintf("-publish-delay %s: at least %s, the JWKS cache time, so every verifier has the new keys first", *delay, challenge.JWKSMaxAge)}
	}
	var k challenge.KEM
	if *kem != "" {
		var err error
		if k, err = parseKEM(*kem); err != nil {
			return err
		}
	}
	activate := now.Add(*delay).Truncate(time.Second)
	if err := challenge.RotateKeys(*dir, k, activate, now); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new keys in %s, published now, used from %s\nrestart the issuer and the edge before then; after %s run: issuer keys rotate -prune\n",
		*dir, activate.UTC().Format(time.RFC3339), activate.Add(challenge.RetireAfter).UTC().Format(time.RFC3339))
	return nil
}

// parseKEM reads a -kem flag.
func parseKEM(s string) (challenge.KEM, error) {
	switch strings.ToLower(s) {
	case "x-wing", "xwing":
		return challenge.KEMXWing, nil
	case "x25519":
		return challenge.KEMX25519, nil
	}
	return "", usageError{fmt.Sprintf("-kem %q: want x-wing or x25519", s)}
}

func keysPAN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("keys pan", "Writes a fresh key for hashing card numbers (32 random bytes, hex, mode 0600).\n"+
		"Refuses to overwrite: a new key makes every enrolled card unfindable.", stdout)
	out := f.String("out", env("HONNIN_PAN_KEY_FILE", defaultPANKey), "key file to write (env HONNIN_PAN_KEY_FILE)")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o700); err != nil {
		return err
	}
	key := make([]byte, pan.KeySize)
	rand.Read(key)
	if err := pan.WriteKeyFile(*out, key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote card-number key to %s\n", *out)
	return nil
}
