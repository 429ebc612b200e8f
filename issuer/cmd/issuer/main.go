// Command issuer runs and administers the honnin issuer core.
//
//	issuer serve      run the issuer API (:8081)
//	issuer migrate    bring the database schema up to date
//	issuer keys init  write a fresh set of token and seal keys
//	issuer keys pan   write a fresh card-number hashing key
//	issuer demo seed  add the demo merchant and cardholders (idempotent)
//
// and the operator's commands: cardholder add|list|show|unlock, merchant
// add|origins|names|list, merchant watch list|add|remove, risk denylist
// [remove], ranges list|add|remove, outbox [retry], keys rotate, av
// rotate|verify, token import|assign|lock|unlock|list, app issue ('issuer
// help' lists them all).
//
// Every subcommand takes -h for its flags. Flags default to the values `make
// run` uses, and most can be given as environment variables instead.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
