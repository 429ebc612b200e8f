package acs

import (
	"fmt"
	"time"
)

// Kind sorts a refusal for a door: the HTTP API maps it to a status, the
// EMV 3DS interface to a transStatus or an error code.
type Kind int

const (
	// Invalid: the request breaks a rule of the use case (400).
	Invalid Kind = iota + 1
	// Unauthenticated: the caller's credential (an API key) is missing or
	// unknown (401).
	Unauthenticated
	// Forbidden: the caller may not do this (403).
	Forbidden
	// NotFound: no such authentication for this caller (404).
	NotFound
	// Conflict: the authentication's state refuses it (409).
	Conflict
	// Limited: a limit refuses it for now; RetryAt says until when when
	// it is known (429).
	Limited
	// Busy: the issuer could not make the check now and counted nothing
	// (503); try again after RetryAt.
	Busy
)

// Refusal is a use case's refusal a caller can act on. Code is the
// contract's error code (what the edge and merchants switch on).
type Refusal struct {
	Kind    Kind
	Code    string
	Message string
	// RetryAt is when a Limited or Busy refusal lifts; zero when unknown
	// or never.
	RetryAt time.Time
}

func (r *Refusal) Error() string { return r.Code + ": " + r.Message }

func refuse(k Kind, code, format string, args ...any) *Refusal {
	return &Refusal{Kind: k, Code: code, Message: fmt.Sprintf(format, args...)}
}
