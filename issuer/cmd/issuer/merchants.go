package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/origin"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store"
)

// maxMerchantName bounds an account name; it is an operator's label.
const maxMerchantName = 100

// checkDisplayName refuses a name cardholders could not be shown: empty,
// longer than the API lets a merchant_name be, or with characters the API
// refuses in one (controls, bidi overrides, edge spaces).
func checkDisplayName(flag, n string) error {
	if n == "" {
		return usageError{"-" + flag + " is empty: it is what cardholders see"}
	}
	if why := checkText(n, issuer.MaxDisplayName); why != "" {
		return usageError{fmt.Sprintf("-%s %q %s", flag, n, why)}
	}
	return nil
}

// storeCmd is a command that needs the database only (no card-number key,
// no vault): merchants, ranges, the outbox.
type storeCmd struct {
	*flags
	db *string
}

func newStoreCmd(name, synopsis string, stdout io.Writer) *storeCmd {
	f := newFlags(name, synopsis, stdout)
	return &storeCmd{flags: f, db: f.String("db", env("HONNIN_ISSUER_DB", defaultDB), "SQLite database file (env HONNIN_ISSUER_DB)")}
}

// run parses args, calls check (flag validation, before the database is
// opened) and then fn with the open store.
func (c *storeCmd) run(ctx context.Context, args []string, check func() error, fn func(*store.Store) error) error {
	if err := c.parse(args); err != nil {
		return err
	}
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	st, _, err := openStore(ctx, *c.db)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// checkOrigins refuses anything that is not a serialized web origin, with
// the reason edge/origin gives: the same rule the API applies to
// merchant_origin, so an origin added here is one a request can match.
func checkOrigins(flag string, origins []string) error {
	for _, o := range origins {
		if err := origin.Check(o); err != nil {
			return usageError{fmt.Sprintf("-%s %q: %v", flag, o, err)}
		}
	}
	return nil
}

func merchantAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("merchant add", "Adds a merchant account and prints its API key. The key is shown this once:\n"+
		"only its SHA-256 is stored, so a lost key means a new account. Each -origin is an exact\n"+
		"origin (scheme://host[:port]) the merchant's checkout pages are served from. Cardholders\n"+
		"are shown -display-name (the challenge, the code mail and SMS, the portal), never a name\n"+
		"the merchant makes up; 'issuer merchant names' changes it, per origin too.", stdout)
	name := c.String("name", "", "the merchant's account name (unique)")
	display := c.String("display-name", "", "the name cardholders are shown (default: -name)")
	var origins multi
	c.Var(&origins, "origin", "an origin of the merchant's checkout; repeat for several (at least one)")
	check := func() error {
		switch {
		case strings.TrimSpace(*name) == "":
			return usageError{"-name is required"}
		case checkText(*name, maxMerchantName) != "":
			return usageError{"-name " + checkText(*name, maxMerchantName)}
		case len(origins) == 0:
			return usageError{"-origin is required (repeat it for several)"}
		}
		if *display == "" {
			if checkText(*name, issuer.MaxDisplayName) != "" {
				return usageError{fmt.Sprintf("-name is longer than a display name may be (%d characters): give -display-name", issuer.MaxDisplayName)}
			}
			*display = *name
		}
		if err := checkDisplayName("display-name", *display); err != nil {
			return err
		}
		return checkOrigins("origin", origins)
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		key := issuer.NewAPIKey()
		m, err := st.CreateMerchant(ctx, issuer.Merchant{Name: *name, DisplayName: *display, APIKeyHash: issuer.HashAPIKey(key),
			Origins: origins, CreatedAt: time.Now()})
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a merchant named %q exists already", *name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "merchant %q id %d display-name %q origins %s\napi-key %s\n(the key is not stored: keep it now)\n",
			m.Name, m.ID, m.DisplayName, strings.Join(m.Origins, ","), key)
		return nil
	})
}

func merchantOrigins(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("merchant origins", "Lists a merchant's origins, or changes them with -add and -remove (each may be\n"+
		"repeated; all changes or none). Results are posted only to a registered origin.", stdout)
	name := c.String("name", "", "the merchant's account name")
	var add, remove multi
	c.Var(&add, "add", "an origin to add; repeat for several")
	c.Var(&remove, "remove", "an origin to remove; repeat for several")
	check := func() error {
		if *name == "" {
			return usageError{"-name is required"}
		}
		if err := checkOrigins("add", add); err != nil {
			return err
		}
		return checkOrigins("remove", remove)
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		m, err := st.MerchantByName(ctx, *name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no merchant named %q", *name)
		}
		if err != nil {
			return err
		}
		for _, o := range remove {
			if !slices.Contains(m.Origins, o) {
				return fmt.Errorf("merchant %q has no origin %s (nothing changed)", *name, o)
			}
		}
		if len(add)+len(remove) > 0 {
			if m, err = st.ChangeOrigins(ctx, m.ID, add, remove); err != nil {
				return err
			}
		}
		for _, o := range m.Origins {
			fmt.Fprintln(stdout, o)
		}
		if len(m.Origins) == 0 {
			fmt.Fprintf(stderr, "merchant %q has no origins: every authentication it creates is refused\n", *name)
		}
		return nil
	})
}

func merchantList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("merchant list", "Lists the merchants: id, name, display name, origins, when added (-json: also the\n"+
		"origins' own display names and the allowed descriptors). API keys are not stored.", stdout)
	asJSON := c.Bool("json", false, "print a JSON array instead of a table")
	return c.run(ctx, args, nil, func(st *store.Store) error {
		ms, err := st.Merchants(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			type row struct {
				ID          int64             `json:"id"`
				Name        string            `json:"name"`
				DisplayName string            `json:"display_name"`
				Origins     []string          `json:"origins"`
				OriginNames map[string]string `json:"origin_names"`
				Descriptors []string          `json:"descriptors"`
				Created     string            `json:"created"`
			}
			rows := make([]row, 0, len(ms))
			for _, m := range ms {
				r := row{m.ID, m.Name, m.DisplayName, append([]string{}, m.Origins...), m.OriginNames,
					append([]string{}, m.Descriptors...), m.CreatedAt.Format(time.RFC3339)}
				if r.OriginNames == nil {
					r.OriginNames = map[string]string{}
				}
				rows = append(rows, r)
			}
			return printJSON(stdout, rows)
		}
		tw := newTable(stdout, "ID\tNAME\tDISPLAY NAME\tORIGINS\tCREATED")
		for _, m := range ms {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", m.ID, m.Name, m.DisplayName, orDash(strings.Join(m.Origins, ",")), m.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	})
}
