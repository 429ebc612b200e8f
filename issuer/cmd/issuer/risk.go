package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/honnin/honnin/issuer/store"
)

// The risk group (issuer risk -h): the operator's commands over the risk
// engine's data. Each is one function here and one line in commands().
//
// The deny list holds what cardholders' fraud reports ("this was not me"
// in the portal) named: the device, the address and the merchant of the
// reported authentication, each until it expires (the risk rules
// denylisted_device, denylisted_address, denylisted_merchant count an
// entry until then).

func riskDenylist(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("risk denylist", "Lists the risk deny list: kind (device, address, merchant), value (the device's\n"+
		"keyed hash in hex, the address as the velocity rule counts it, the merchant's id),\n"+
		"when the entry expires and the reported authentication that listed it last. An\n"+
		"expired entry counts no more; it is listed until removed.", stdout)
	asJSON := c.Bool("json", false, "print a JSON array instead of a table")
	return c.run(ctx, args, nil, func(st *store.Store) error {
		list, err := st.DenyList(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		if *asJSON {
			type row struct {
				Kind           string `json:"kind"`
				Value          string `json:"value"`
				Authentication string `json:"authentication"`
				Added          string `json:"added"`
				Expires        string `json:"expires"`
				Expired        bool   `json:"expired"`
			}
			rows := make([]row, 0, len(list))
			for _, e := range list {
				rows = append(rows, row{e.Kind, e.Value, e.AuthenticationID, e.AddedAt.Format(time.RFC3339),
					e.ExpiresAt.Format(time.RFC3339), !e.ExpiresAt.After(now)})
			}
			return printJSON(stdout, rows)
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "the deny list is empty")
			return nil
		}
		tw := newTable(stdout, "KIND\tVALUE\tEXPIRES\tAUTHENTICATION")
		for _, e := range list {
			expires := e.ExpiresAt.Format(time.RFC3339)
			if !e.ExpiresAt.After(now) {
				expires += " (expired)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Kind, e.Value, expires, e.AuthenticationID)
		}
		return tw.Flush()
	})
}

func riskDenylistRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("risk denylist remove", "Takes an entry off the deny list (a report made in error, or a shared address\n"+
		"that should not count): the risk rules stop counting it at once. The cardholder's\n"+
		"fraud report stays, and the removal is in the audit trail of its authentication.", stdout)
	kind := c.String("kind", "", "the entry's kind: "+strings.Join(store.DenyKinds, ", "))
	value := c.String("value", "", "the entry's value, as issuer risk denylist shows it")
	check := func() error {
		switch {
		case *kind == "" || *value == "":
			return usageError{"-kind and -value are required"}
		case !slices.Contains(store.DenyKinds, *kind):
			return usageError{fmt.Sprintf("-kind %q: want one of %s", *kind, strings.Join(store.DenyKinds, ", "))}
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		err := st.RemoveDenyEntry(ctx, *kind, *value, "operator", time.Now())
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no deny list entry %s %q (see issuer risk denylist)", *kind, *value)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed deny list entry %s %q\n", *kind, *value)
		return nil
	})
}
