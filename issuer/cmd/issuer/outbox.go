package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/honnin/honnin/issuer/store"
)

// outboxRow is one line of issuer outbox, and its JSON form.
type outboxRow struct {
	ID        int64  `json:"id"`
	Created   string `json:"created"`
	Kind      string `json:"kind"`
	Dest      string `json:"dest"`
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	NextAt    string `json:"next_at,omitempty"`
	LastError string `json:"last_error,omitempty"`
	Retryable bool   `json:"retryable"`
}

func outboxList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("outbox", "Lists the messages that have not arrived: notices waiting for delivery or a\n"+
		"retry (pending) and those given up (failed), with failed code sends; newest first. When,\n"+
		"kind, masked destination, attempts, the next try and the last error. A failed notice can\n"+
		"be sent again with 'issuer outbox retry -id N'; a failed code cannot (the cardholder\n"+
		"resends from the screen).", stdout)
	all := c.Bool("all", false, "list sent messages too")
	list := addListFlags(c.flags, "messages")
	return c.run(ctx, args, list.check, func(st *store.Store) error {
		states := []string{store.OutboxPending, store.OutboxFailed}
		if *all {
			states = nil
		}
		items, err := st.Outbox(ctx, states, *list.limit)
		if err != nil {
			return err
		}
		rows := make([]outboxRow, 0, len(items))
		for _, it := range items {
			r := outboxRow{ID: it.ID, Created: it.CreatedAt.Format(time.RFC3339), Kind: it.Kind, Dest: it.Dest, State: it.State,
				Attempts: it.Attempts, LastError: it.LastError, Retryable: it.State == store.OutboxFailed && it.Payload != nil}
			if it.State == store.OutboxPending {
				r.NextAt = it.NextAt.Format(time.RFC3339)
			}
			rows = append(rows, r)
		}
		if *list.asJSON {
			return printJSON(stdout, rows)
		}
		if len(rows) == 0 {
			fmt.Fprintln(stdout, "outbox: nothing pending or failed")
			return nil
		}
		tw := newTable(stdout, "ID\tCREATED\tKIND\tDEST\tSTATE\tATTEMPTS\tNEXT\tLAST ERROR")
		for _, r := range rows {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Created, r.Kind, r.Dest, r.State, r.Attempts,
				orDash(r.NextAt), orDash(r.LastError))
		}
		return tw.Flush()
	})
}

func outboxRetry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("outbox retry", "Sends a failed notice again: it becomes pending, due now, with its attempts\n"+
		"counted afresh; a running issuer delivers it within seconds.", stdout)
	id := c.Int64("id", 0, "the message's id (see issuer outbox)")
	check := func() error {
		if *id <= 0 {
			return usageError{"-id is required"}
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		it, err := st.RetryOutbox(ctx, *id, time.Now())
		switch {
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("no message with id %d", *id)
		case errors.Is(err, store.ErrConflict):
			return fmt.Errorf("message %d cannot be retried: %w", *id, errors.Unwrap(err))
		case err != nil:
			return err
		}
		fmt.Fprintf(stdout, "message %d (%s to %s) queued again\n", it.ID, it.Kind, it.Dest)
		return nil
	})
}
