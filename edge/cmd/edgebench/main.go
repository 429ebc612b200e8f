// Command edgebench measures the CPU an edge process spends per
// /v1/verify, read from /proc (utime+stime of the process and its
// children), not from clocks inside the edge: production Workers freeze
// Date.now() during CPU work, so only the OS's account is honest. make bench
// runs it against the native edge and against workerd with our glue and
// with syumai/workers' stock glue.
//
// It mints its own challenge tokens with the issuer's key (-keys, as
// `issuer keys init` writes them), each for a new authentication, and posts
// a wrong code: the full verify path (token check, seal open, the ledger's
// attempt count, the progress report queued and delivered). With -sink it
// instead answers the edge's report deliveries, as the issuer would. The first request is timed apart:
// it is the cold start.
//
//	edgebench -url http://127.0.0.1:8787 -keys .dev/keys -pid 1234 -n 300
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8787", "the edge")
	keys := flag.String("keys", ".dev/keys", "keys folder (issuer-sign.jwk and edge.jwks are used)")
	pid := flag.Int("pid", 0, "process whose CPU (with its descendants') is measured")
	n := flag.Int("n", 300, "measured requests")
	warm := flag.Int("warm", 30, "warm-up requests after the first")
	label := flag.String("label", "edge", "name of this run in the output")
	mode := flag.String("mode", "verify", "verify (wrong code: the full path), badsig (a tampered signature: bridge + token check only), healthz (one ledger read), static (/honnin.js: the runtime's own cost, no edge code in workerd), notfound (a Go 404: the bridge)")
	prewarm := flag.String("prewarm", "", "a path fetched before the cold request (to start the runtime but not the edge's code)")
	comm := flag.String("comm", "", "count only the processes of this name (e.g. workerd, not wrangler's node)")
	sink := flag.String("sink", "", "instead of measuring, answer the edge's reports to the issuer on this address (see sinkReports)")
	flag.Parse()
	log.SetFlags(0)
	if *sink != "" {
		log.Fatal(http.ListenAndServe(*sink, http.HandlerFunc(sinkReports)))
	}

	ik, err := challenge.LoadIssuerKeys(*keys)
	if err != nil {
		log.Fatal(err)
	}
	u, err := url.Parse(*base)
	if err != nil {
		log.Fatal(err)
	}
	// Wait for the port only: an HTTP probe would warm the edge.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", u.Host); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("%s not listening", u.Host)
		}
	}
	if *prewarm != "" {
		if resp, err := http.Get(*base + *prewarm); err == nil {
			resp.Body.Close()
		}
	}
	tokens := make([]string, *n+*warm+1)
	for i := range tokens {
		tokens[i] = mint(ik, fmt.Sprintf("BENCH%d%d", time.Now().UnixNano(), i))
	}
	client := &http.Client{Timeout: 30 * time.Second}
	verify := func(tok string) time.Duration {
		if p, ok := getModes[*mode]; ok {
			t0 := time.Now()
			resp, err := client.Get(*base + p.path)
			if err != nil || resp.StatusCode != p.status {
				log.Fatalf("%s: %v %v", p.path, resp, err)
			}
			resp.Body.Close()
			return time.Since(t0)
		}
		if *mode == "badsig" {
			tok = tok[:len(tok)-6] + "AAAAAA"
		}
		b, _ := json.Marshal(contract.VerifyRequest{ChallengeToken: tok, Code: "000000"})
		t0 := time.Now()
		resp, err := client.Post(*base+contract.ClientVerifyPath, "application/json", bytes.NewReader(b))
		if err != nil {
			log.Fatal(err)
		}
		var out contract.ErrorBody
		raw, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(raw, &out)
		resp.Body.Close()
		d := time.Since(t0)
		if *mode == "badsig" {
			if resp.StatusCode != http.StatusUnauthorized {
				log.Fatalf("verify with a bad signature: %s, want 401", resp.Status)
			}
		} else if resp.StatusCode != http.StatusOK || out.Error != "wrong_code" {
			log.Fatalf("verify: %s %q, want 200 wrong_code: %.300s", resp.Status, out.Error, raw)
		}
		return d
	}
	cold := verify(tokens[0])
	for _, tok := range tokens[1 : *warm+1] {
		verify(tok)
	}
	cpu0 := cpuTicks(*pid, *comm)
	var lat []time.Duration
	t0 := time.Now()
	for _, tok := range tokens[*warm+1:] {
		lat = append(lat, verify(tok))
	}
	wall := time.Since(t0)
	cpu := time.Duration(cpuTicks(*pid, *comm)-cpu0) * time.Second / 100 // USER_HZ
	slices.Sort(lat)
	fmt.Printf("%s\tmode=%s\tcpu_per_verify_ms=%.2f\tp50_ms=%.2f\tcold_ms=%.1f\tn=%d\twall_s=%.1f\n", *label, *mode,
		float64(cpu)/float64(*n)/1e6, float64(lat[len(lat)/2])/1e6, float64(cold)/1e6, *n, wall.Seconds())
}

// sinkReports stands in for the issuer's report endpoint during a run:
// every verify queues a report that the edge then delivers, and against a
// closed port each delivery would fail and come back for retries, so the
// edge's CPU would grow with the failed queue rather than measure a verify.
// A live issuer answers 2xx once per report, as this does; it checks
// nothing (the issuer's own handling is not what is measured).
func sinkReports(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Authorization") == "" {
		http.Error(w, "want an authorized POST", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// getModes are the modes that GET a path.
var getModes = map[string]struct {
	path   string
	status int
}{
	"healthz":  {"/healthz", http.StatusOK},
	"static":   {"/honnin.js", http.StatusOK},
	"notfound": {"/v1/nope", http.StatusNotFound},
}

// mint makes a challenge token as the issuer would, whose code is 123456.
func mint(ik challenge.IssuerKeys, id string) string {
	now := time.Now()
	jti := challenge.NewID()
	// A credential of its own per challenge, as the issuer seals it: the
	// edge compares a code only for a credential the challenge offers,
	// and one credential shared by every request would lock after 10.
	cred := "CRED" + id
	seal, err := ik.EdgeSeal.Seal(jti, challenge.Payload{
		PM: "bench", Codes: []challenge.Code{{Cred: cred, Code: "123456"}}, AV: "av", MaxAttempts: 5, Period: 600,
		Creds: []challenge.CredRef{{ID: cred}},
	})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := challenge.Sign(ik.Sign, challenge.TypChallenge, &challenge.ChallengeClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: id, ID: jti,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
		},
		Gen:            1,
		Txn:            challenge.Txn{Merchant: "Bench", Amount: 1250, Currency: "JPY", Date: now, Last4: "1234"},
		Method:         "email",
		Dest:           "***@mail.jp",
		MerchantOrigin: "http://localhost:8080",
		Seal:           seal,
	})
	if err != nil {
		log.Fatal(err)
	}
	return tok
}

// cpuTicks is utime+stime of pid and every descendant (only those named
// comm, if set), in clock ticks.
func cpuTicks(pid int, comm string) int64 {
	var total int64
	for _, p := range append([]int{pid}, descendants(pid)...) {
		if comm != "" {
			if c, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "comm")); strings.TrimSpace(string(c)) != comm {
				continue
			}
		}
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command (which may hold spaces) in parentheses.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += ut + st
	}
	return total
}

func descendants(pid int) []int {
	var out []int
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil
	}
	for _, s := range strings.Fields(string(b)) {
		c, _ := strconv.Atoi(s)
		out = append(out, c)
		out = append(out, descendants(c)...)
	}
	return out
}
