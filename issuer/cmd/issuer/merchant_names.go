package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store"
)

func merchantNames(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("merchant names", "Lists or changes the names cardholders are shown for a merchant (the challenge,\n"+
		"the code mail and SMS, the portal history). A request's merchant_name may only pick one\n"+
		"of these, exactly; without it the origin's name is shown, else the display name.\n"+
		"  -display-name NAME           the merchant's display name\n"+
		"  -origin O -display-name NAME the name for checkouts served from origin O\n"+
		"                               (\"\" shows the merchant's display name there again)\n"+
		"  -allow NAME, -disallow NAME  descriptors: further names the merchant may send per\n"+
		"                               order, from any of its origins (repeatable)\n"+
		"All changes or none. Then prints the names, one a line.", stdout)
	name := c.String("name", "", "the merchant's account name")
	display := c.String("display-name", "", "the display name to set (with -origin: that origin's)")
	org := c.String("origin", "", "the origin whose display name -display-name sets")
	var allow, disallow multi
	c.Var(&allow, "allow", "a descriptor to allow; repeat for several")
	c.Var(&disallow, "disallow", "a descriptor to stop allowing; repeat for several")
	var change store.NameChange
	check := func() error {
		displaySet := false
		c.Visit(func(f *flag.Flag) { displaySet = displaySet || f.Name == "display-name" })
		switch {
		case *name == "":
			return usageError{"-name is required"}
		case *org != "" && !displaySet:
			return usageError{`-origin needs -display-name (-display-name "" shows the merchant's display name there)`}
		case *org != "":
			if err := checkOrigins("origin", []string{*org}); err != nil {
				return err
			}
			if *display != "" {
				if err := checkDisplayName("display-name", *display); err != nil {
					return err
				}
			}
			change.OriginNames = map[string]string{*org: *display}
		case displaySet:
			if err := checkDisplayName("display-name", *display); err != nil {
				return err
			}
			change.DisplayName = *display
		}
		for _, d := range allow {
			if err := checkDisplayName("allow", d); err != nil {
				return err
			}
		}
		change.Allow, change.Disallow = allow, disallow
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		m, err := st.MerchantByName(ctx, *name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no merchant named %q", *name)
		}
		if err != nil {
			return err
		}
		if *org != "" && !slices.Contains(m.Origins, *org) {
			return fmt.Errorf("merchant %q has no origin %s (nothing changed; see issuer merchant origins)", *name, *org)
		}
		for _, d := range disallow {
			if !slices.Contains(m.Descriptors, d) {
				return fmt.Errorf("merchant %q has no descriptor %q (nothing changed)", *name, d)
			}
		}
		before := m
		if change.DisplayName != "" || change.OriginNames != nil || len(allow)+len(disallow) > 0 {
			if m, err = st.ChangeNames(ctx, m.ID, change); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "display-name %q\n", m.DisplayName)
		for _, o := range m.Origins {
			if n, own := m.OriginNames[o]; own {
				fmt.Fprintf(stdout, "origin %s shows %q (its own)\n", o, n)
			} else {
				fmt.Fprintf(stdout, "origin %s shows %q\n", o, m.DisplayName)
			}
		}
		for _, d := range m.Descriptors {
			fmt.Fprintf(stdout, "descriptor %q\n", d)
		}
		// A name no longer registered is refused as merchant_name from now
		// on: say so, since the merchant's requests that send it will fail.
		for _, n := range shownNames(before) {
			if !slices.Contains(shownNames(m), n) {
				fmt.Fprintf(stderr, "requests sending merchant_name %q are refused from now on: the merchant should send a name above or none (or -allow it)\n", n)
			}
		}
		return nil
	})
}

// shownNames are every name m may be shown under, whatever the origin.
func shownNames(m issuer.Merchant) []string {
	names := append([]string{m.DisplayName}, m.Descriptors...)
	for _, n := range m.OriginNames {
		names = append(names, n)
	}
	return names
}
