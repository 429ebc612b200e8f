package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/issuer/branding"
	"github.com/honnin/honnin/issuer/store"
)

func rangesAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("ranges add", "Adds a card-number range this issuer serves: a BIN prefix (-prefix, 6 to 11\n"+
		"digits) or a span (-start and -end, the same number of digits). Once any range exists,\n"+
		"a card in none of them is answered U (reason card_range); a card in a range added with\n"+
		"-not-eligible is answered N (not_eligible). The longest matching prefix decides.", stdout)
	prefix := c.String("prefix", "", "a BIN prefix, 6 to 11 digits")
	start := c.String("start", "", "the lowest prefix of a span")
	end := c.String("end", "", "the highest prefix of a span")
	brand := c.String("brand", "", "card brand, for the listing (JCB)")
	notEligible := c.Bool("not-eligible", false, "cards of this range are not enrolled in authentication")
	note := c.String("note", "", "a note for the listing")
	brandFile := c.String("branding", "", "a brand file for this range's cards (as issuer serve -branding): its name, phone,\n"+
		"portal, logo and colours override the issuer's on their challenge screen")
	var r store.Range
	check := func() error {
		switch {
		case *prefix != "" && (*start != "" || *end != ""):
			return usageError{"give -prefix or -start and -end, not both"}
		case *prefix != "":
			r.Start, r.End = *prefix, *prefix
		case *start != "" && *end != "":
			r.Start, r.End = *start, *end
		default:
			return usageError{"-prefix, or -start and -end, is required"}
		}
		for _, d := range []string{r.Start, r.End} {
			if len(d) < 6 || len(d) > store.RangeDigits || strings.Trim(d, "0123456789") != "" {
				return usageError{fmt.Sprintf("%q: want 6 to %d digits", d, store.RangeDigits)}
			}
		}
		if len(r.Start) != len(r.End) || r.Start > r.End {
			return usageError{fmt.Sprintf("-start %s -end %s: want two prefixes of the same length, the lower first", r.Start, r.End)}
		}
		if why := checkText(*brand, 20); why != "" {
			return usageError{"-brand " + why}
		}
		if why := checkText(*note, maxText); why != "" {
			return usageError{"-note " + why}
		}
		r.Brand, r.Note, r.Eligible = *brand, *note, !*notEligible
		if *brandFile != "" {
			b, err := branding.Load(*brandFile)
			if err != nil {
				return usageError{fmt.Sprintf("-branding: %v", err)}
			}
			if b.IsZero() {
				return usageError{"-branding " + *brandFile + ": the file sets nothing"}
			}
			if r.Branding, err = branding.Encode(b); err != nil {
				return err
			}
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		r.CreatedAt = time.Now()
		got, err := st.AddRange(ctx, r)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("range %s-%s exists already", r.Start, r.End)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added range %d: %s\n", got.ID, describeRange(got))
		return nil
	})
}

// brandingName is what the listing shows of r's brand: its name, or "yes"
// for a brand that names none (only a logo or colours).
func brandingName(r store.Range) string {
	b, err := branding.Decode(r.Branding)
	switch {
	case err != nil:
		return "unreadable"
	case b.IsZero():
		return ""
	case b.Name != "":
		return b.Name
	}
	return "yes"
}

func describeRange(r store.Range) string {
	span := r.Start
	if r.End != r.Start {
		span += "-" + r.End
	}
	e := "eligible"
	if !r.Eligible {
		e = "not eligible"
	}
	return span + " " + e
}

func rangesRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("ranges remove", "Removes a card-number range by its id (see issuer ranges list). Removing the\n"+
		"last range makes the issuer serve every card again.", stdout)
	id := c.Int64("id", 0, "the range's id")
	check := func() error {
		if *id <= 0 {
			return usageError{"-id is required"}
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		err := st.RemoveRange(ctx, *id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no range with id %d", *id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed range %d\n", *id)
		return nil
	})
}

func rangesList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("ranges list", "Lists the card-number ranges this issuer serves. With none, every card is served.", stdout)
	asJSON := c.Bool("json", false, "print a JSON array instead of a table")
	return c.run(ctx, args, nil, func(st *store.Store) error {
		rs, err := st.Ranges(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			type row struct {
				ID       int64  `json:"id"`
				Start    string `json:"start"`
				End      string `json:"end"`
				Brand    string `json:"brand"`
				Eligible bool   `json:"eligible"`
				Note     string `json:"note"`
				// Branding is the range's own brand, logo left out
				// (it is large); absent for none.
				Branding *contract.Issuer `json:"branding,omitempty"`
			}
			rows := make([]row, 0, len(rs))
			for _, r := range rs {
				rw := row{ID: r.ID, Start: r.Start, End: r.End, Brand: r.Brand, Eligible: r.Eligible, Note: r.Note}
				if b, err := branding.Decode(r.Branding); err == nil && !b.IsZero() {
					b.Logo = ""
					rw.Branding = &b
				}
				rows = append(rows, rw)
			}
			return printJSON(stdout, rows)
		}
		if len(rs) == 0 {
			fmt.Fprintln(stdout, "no ranges: every card is served")
			return nil
		}
		tw := newTable(stdout, "ID\tSTART\tEND\tBRAND\tELIGIBLE\tBRANDING\tNOTE")
		for _, r := range rs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%t\t%s\t%s\n", r.ID, r.Start, r.End, orDash(r.Brand), r.Eligible, orDash(brandingName(r)), orDash(r.Note))
		}
		return tw.Flush()
	})
}

// rangesExport prints the card ranges as an EMV 3-D Secure Directory
// Server takes them (the EMV 3DS note §1: what a PRes hands out per range):
// what the issuer sends the scheme when it registers honnin as its ACS.
func rangesExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("ranges export", "Prints the eligible card-number ranges as a card scheme's Directory Server takes\n"+
		"them for an ACS (JSON): startRange and endRange (the prefixes filled out to -length\n"+
		"digits), the protocol versions this ACS speaks, its 3DS Method URL, and acsInfoInd\n"+
		"(01 authentication; 02 attempts with -attempts). Ranges added -not-eligible are cut\n"+
		"out, exactly as the issuer decides a card's range: the DS then answers for them that the\n"+
		"card is not enrolled.", stdout)
	edgeURL := c.String("edge-url", env("HONNIN_EDGE_URL", "http://127.0.0.1:8787"), "the edge's public base URL: the 3DS Method URL is there (env HONNIN_EDGE_URL)")
	length := c.Int("length", 16, "the card numbers' length in the ranges, 13 to 19 (JCB: 16)")
	attempts := c.Bool("attempts", env("HONNIN_EMV_ATTEMPTS", "false") == "true", "the issuer runs with -emv-attempts (env HONNIN_EMV_ATTEMPTS)")
	check := func() error {
		if *length < 13 || *length > 19 {
			return usageError{"-length: want 13 to 19"}
		}
		if u, err := url.Parse(*edgeURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return usageError{"-edge-url: want an absolute http(s) URL"}
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		spans, err := eligibleSpans(ctx, st)
		if err != nil {
			return err
		}
		type cardRange struct {
			StartRange              string   `json:"startRange"`
			EndRange                string   `json:"endRange"`
			ActionInd               string   `json:"actionInd"`
			ACSStartProtocolVersion string   `json:"acsStartProtocolVersion"`
			ACSEndProtocolVersion   string   `json:"acsEndProtocolVersion"`
			ThreeDSMethodURL        string   `json:"threeDSMethodURL"`
			ACSInfoInd              []string `json:"acsInfoInd"`
		}
		info := []string{"01"}
		if *attempts {
			info = append(info, "02")
		}
		out := []cardRange{}
		for _, sp := range spans {
			out = append(out, cardRange{
				StartRange: fill(sp[0], '0', *length), EndRange: fill(sp[1], '9', *length), ActionInd: "A",
				ACSStartProtocolVersion: emv3ds.Versions[0], ACSEndProtocolVersion: emv3ds.Versions[len(emv3ds.Versions)-1],
				ThreeDSMethodURL: strings.TrimRight(*edgeURL, "/") + "/3ds/v2/method", ACSInfoInd: info,
			})
		}
		if len(spans) == 0 {
			fmt.Fprintln(stderr, "no eligible ranges: add the issuer's ranges first (issuer ranges add); a DS needs them")
		}
		return printJSON(stdout, out)
	})
}

// eligibleSpans are the card numbers the issuer serves, as spans of
// store.RangeDigits-digit prefixes (first and last): every range's span
// cut at every other range's edges, each piece decided by the store's own
// rule (RangeOf: the most specific range holding it), eligible pieces
// joined. So a range marked not eligible inside an eligible one is a hole
// between two spans, and an eligible one inside that hole a span again.
func eligibleSpans(ctx context.Context, st *store.Store) ([][2]string, error) {
	rs, err := st.Ranges(ctx)
	if err != nil {
		return nil, err
	}
	num := func(p string, c byte) uint64 {
		n, _ := strconv.ParseUint(fill(p, c, store.RangeDigits), 10, 64)
		return n
	}
	var cuts []uint64
	for _, r := range rs {
		cuts = append(cuts, num(r.Start, '0'), num(r.End, '9')+1)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	var spans [][2]uint64
	for i := 0; i+1 < len(cuts); i++ {
		lo, hi := cuts[i], cuts[i+1]-1
		r, err := st.RangeOf(ctx, fmt.Sprintf("%0*d", store.RangeDigits, lo))
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		case !r.Eligible:
			continue
		}
		if n := len(spans); n > 0 && spans[n-1][1]+1 == lo {
			spans[n-1][1] = hi
		} else {
			spans = append(spans, [2]uint64{lo, hi})
		}
	}
	out := make([][2]string, len(spans))
	for i, sp := range spans {
		out[i] = [2]string{fmt.Sprintf("%0*d", store.RangeDigits, sp[0]), fmt.Sprintf("%0*d", store.RangeDigits, sp[1])}
	}
	return out, nil
}

// fill pads prefix p with c to n digits.
func fill(p string, c byte, n int) string {
	if len(p) >= n {
		return p[:n]
	}
	return p + strings.Repeat(string(c), n-len(p))
}
