//go:build !js

package server_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/challenge/challengetest"
	"github.com/honnin/honnin/edge/merchant"
	"github.com/honnin/honnin/edge/server"
)

// TestJWKS: the edge publishes exactly the keys that sign result tokens —
// the edge's signing keys the issuer's JWKS lists, none of the issuer's
// own — cached as the issuer's, and a merchant's verifier pointed at it
// verifies a result while the issuer is nowhere (its URL answers nothing).
func TestJWKS(t *testing.T) {
	cfg, _ := config(t, true)
	_, issuer, keys := challengetest.Keys(t, challenge.KEMX25519)
	cfg.Keys = keys
	e, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	status, body, h := get(t, e, "GET", "/.well-known/jwks.json")
	if status != 200 || h.Get("Cache-Control") != "public, max-age=300" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("GET jwks: %d %v", status, h)
	}
	published, err := challenge.ParseJWKS([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	all, err := challenge.ParseJWKS(issuer.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, k := range all.Keys() {
		if k.Signer == challenge.EdgeName {
			want = append(want, k.KID)
		}
	}
	for _, k := range published.Keys() {
		got = append(got, k.KID)
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("edge publishes %v, want the issuer's JWKS's edge keys %v", got, want)
	}

	srv := httptest.NewServer(e)
	defer srv.Close()
	const origin = "http://shop.test"
	v, err := merchant.NewVerifier(srv.URL+"/.well-known/jwks.json", origin)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	result := func(k challenge.SigningKey) string {
		tok, err := challenge.Sign(k, challenge.TypResult, &challenge.ResultClaims{
			RegisteredClaims: jwt.RegisteredClaims{Issuer: challenge.EdgeName, Audience: jwt.ClaimStrings{origin},
				Subject: "AUTH1", ID: challenge.NewID(), IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))},
			Status: "Y",
		})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	res, err := v.Verify(context.Background(), result(keys.Sign), "AUTH1")
	if err != nil || res.Status != "Y" {
		t.Fatalf("merchant verify against the edge's JWKS: %+v, %v", res, err)
	}
	if _, err := v.Verify(context.Background(), result(issuer.Sign), "AUTH1"); err == nil {
		t.Error("a result signed with the issuer's key verified: the edge publishes a key that signs no result")
	}
}
