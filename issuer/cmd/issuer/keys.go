package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
	var k challenge.KEM
	switch strings.ToLower(*kem) {
	case "x-wing", "xwing":
		k = challenge.KEMXWing
	case "x25519":
		k = challenge.KEMX25519
	default:
		return usageError{fmt.Sprintf("-kem %q: want x-wing or x25519", *kem)}
	}
	if err := challenge.GenerateKeys(*dir, k); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote keys to %s (seal KEM %s)\n", *dir, k)
	return nil
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
