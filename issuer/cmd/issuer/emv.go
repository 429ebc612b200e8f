package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/honnin/honnin/issuer/store"
)

// emvRow is one line of issuer emv list, and its JSON form.
type emvRow struct {
	ACSTransID     string `json:"acs_trans_id"`
	Authentication string `json:"authentication"`
	AResAt         string `json:"ares_at"`
	Version        string `json:"version"`
	Channel        string `json:"channel"`
	Category       string `json:"category"`
	ARes           string `json:"ares"`
	Outcome        string `json:"outcome,omitempty"`
	Reason         string `json:"reason,omitempty"`
	// RReq is its state: none (no challenge), waiting (for the
	// challenge's outcome), due (being sent; Attempts, NextAt and
	// LastError say how it goes) or delivered (ResultsStatus, At).
	RReq          string `json:"rreq"`
	Attempts      int    `json:"attempts,omitempty"`
	NextAt        string `json:"next_at,omitempty"`
	LastError     string `json:"last_error,omitempty"`
	ResultsStatus string `json:"results_status,omitempty"`
	DeliveredAt   string `json:"delivered_at,omitempty"`
}

func emvList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("emv list", "Lists the EMV 3-D Secure transactions the Directory Server sent, newest first:\n"+
		"the ARes, the outcome, and the RReq owed to the DS — none (no challenge), waiting (for the\n"+
		"challenge to end), due (with its attempts, next try and last error: the DS is down or\n"+
		"refused it) or delivered (the RRes's resultsStatus). A running issuer sends every due\n"+
		"RReq until the DS answers it.", stdout)
	undelivered := c.Bool("undelivered", false, "only the challenges whose RReq the DS has not answered")
	list := addListFlags(c.flags, "transactions")
	return c.run(ctx, args, list.check, func(st *store.Store) error {
		txs, err := st.EMVTransactions(ctx, *undelivered, *list.limit)
		if err != nil {
			return err
		}
		rows := make([]emvRow, 0, len(txs))
		for _, t := range txs {
			r := emvRow{ACSTransID: t.ACSTransID, Authentication: t.AuthenticationID, AResAt: t.AResAt.Format(time.RFC3339),
				Version: t.MessageVersion, Channel: t.DeviceChannel, Category: t.MessageCategory, ARes: t.AResStatus,
				Reason: t.Authentication.Reason, Attempts: t.RReqAttempts, LastError: t.RReqError}
			if t.Authentication.Final() {
				r.Outcome = t.Authentication.Status
			}
			switch {
			case t.AResStatus != "C":
				r.RReq = "none"
			case !t.RReqSentAt.IsZero():
				r.RReq, r.ResultsStatus, r.DeliveredAt = "delivered", t.ResultsStatus, t.RReqSentAt.Format(time.RFC3339)
			case t.RReq == "":
				r.RReq = "waiting"
			default:
				r.RReq, r.NextAt = "due", t.RReqDueAt.Format(time.RFC3339)
			}
			rows = append(rows, r)
		}
		if *list.asJSON {
			return printJSON(stdout, rows)
		}
		if len(rows) == 0 {
			fmt.Fprintln(stdout, "emv: no transactions")
			return nil
		}
		tw := newTable(stdout, "ACS TRANS ID\tARES AT\tV\tCH\tARES\tOUTCOME\tREASON\tRREQ\tATTEMPTS\tNEXT / DELIVERED\tLAST ERROR")
		for _, r := range rows {
			when := r.NextAt
			if r.DeliveredAt != "" {
				when = r.DeliveredAt + " (" + r.ResultsStatus + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ACSTransID, r.AResAt, r.Version, r.Channel, r.ARes,
				orDash(r.Outcome), orDash(r.Reason), r.RReq, r.Attempts, orDash(when), orDash(r.LastError))
		}
		return tw.Flush()
	})
}
