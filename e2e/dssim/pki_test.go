package dssim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/emv3ds"
)

func testPKI(t *testing.T) *PKI {
	t.Helper()
	p, err := MakePKI(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMakePKI: the folder holds the five files, keys (and all) closed to
// others; both leaves chain to the CA for server and client use and name
// loopback; a second call keeps the same certificates; a missing file
// makes a fresh set.
func TestMakePKI(t *testing.T) {
	p := testPKI(t)
	for _, name := range []string{CAFile, ACSCertFile, ACSKeyFile, DSCertFile, DSKeyFile} {
		fi, err := os.Stat(p.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	for name, c := range map[string]tls.Certificate{"ACS": p.ACS, "DS": p.DS} {
		for _, use := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
			if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: p.CA, KeyUsages: []x509.ExtKeyUsage{use}, DNSName: "localhost"}); err != nil {
				t.Errorf("%s certificate for %v: %v", name, use, err)
			}
		}
		if err := c.Leaf.VerifyHostname("127.0.0.1"); err != nil {
			t.Errorf("%s certificate: %v", name, err)
		}
	}
	again, err := MakePKI(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !again.ACS.Leaf.Equal(p.ACS.Leaf) {
		t.Error("a second MakePKI made a new ACS certificate")
	}
	if err := os.Remove(p.Path(DSKeyFile)); err != nil {
		t.Fatal(err)
	}
	fresh, err := MakePKI(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ACS.Leaf.Equal(p.ACS.Leaf) {
		t.Error("a folder missing a key kept its old certificates")
	}
}

// acsServer is the ACS's AReq door as the issuer runs it: the ACS's
// certificate, a client certificate from the DS CA required. It answers
// with answer and records the bodies.
func acsServer(t *testing.T, p *PKI, answer func(body []byte) any) (url string, got func() [][]byte) {
	t.Helper()
	var bodies [][]byte
	done := make(chan struct{}, 100)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{p.ACS}, ClientCAs: p.CA, ClientAuth: tls.RequireAndVerifyClientCert},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, b)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			json.NewEncoder(w).Encode(answer(b))
			done <- struct{}{}
		}),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	return "https://" + ln.Addr().String() + "/3ds/v2/areq", func() [][]byte { return bodies }
}

// TestSendAReq: over mutual TLS the DS adds its three fields (keeping a
// test's own), and reads an ARes and an Erro by messageType.
func TestSendAReq(t *testing.T) {
	p := testPKI(t)
	url, got := acsServer(t, p, func(b []byte) any {
		var m map[string]any
		json.Unmarshal(b, &m)
		if m["acctNumber"] == nil {
			return emv3ds.Erro{MessageType: "Erro", MessageVersion: "2.2.0", ErrorCode: "201", ErrorComponent: "A"}
		}
		return emv3ds.ARes{MessageType: "ARes", MessageVersion: "2.2.0", ACSTransID: "a", TransStatus: "C", DSTransID: m["dsTransID"].(string)}
	})
	c := NewClient(p, url, "https://127.0.0.1:1/3ds/v2/rreq")
	areq := BrowserAReq(Purchase{Version: emv3ds.V220, Card: "3541000000000000", Amount: "1250"})
	sent, r, err := c.SendAReq(context.Background(), areq)
	if err != nil {
		t.Fatal(err)
	}
	if r.ARes == nil || r.ARes.TransStatus != "C" || r.ARes.DSTransID != sent["dsTransID"] {
		t.Fatalf("reply %+v (raw %s), want the ARes C with our dsTransID", r, r.Raw)
	}
	var m map[string]any
	json.Unmarshal(got()[0], &m)
	if m["dsReferenceNumber"] != DSReferenceNumber || m["dsURL"] != "https://127.0.0.1:1/3ds/v2/rreq" || len(m["dsTransID"].(string)) != 36 {
		t.Errorf("the ACS got DS fields %v %v %v", m["dsReferenceNumber"], m["dsURL"], m["dsTransID"])
	}

	delete(areq, "acctNumber")
	areq["dsTransID"] = "kept"
	sent, r, err = c.SendAReq(context.Background(), areq)
	if err != nil {
		t.Fatal(err)
	}
	if r.Erro == nil || r.Erro.ErrorCode != "201" || r.ARes != nil {
		t.Fatalf("reply %+v, want the Erro 201", r)
	}
	if sent["dsTransID"] != "kept" {
		t.Errorf("the DS replaced the test's dsTransID: %v", sent["dsTransID"])
	}
}

// TestAReqRefusesAnotherACS: the DS trusts its CA only: an ACS whose
// certificate comes from another CA is refused in the handshake.
func TestAReqRefusesAnotherACS(t *testing.T) {
	p, other := testPKI(t), testPKI(t)
	url, got := acsServer(t, other, func([]byte) any { return map[string]string{"messageType": "ARes"} })
	_, _, err := NewClient(p, url, "").SendAReq(context.Background(), map[string]any{"messageType": "AReq"})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("AReq to an ACS of another CA: %v, want an unknown authority", err)
	}
	if len(got()) != 0 {
		t.Error("the AReq reached the other ACS")
	}
}

func receiver(t *testing.T, p *PKI) *Receiver {
	t.Helper()
	r, err := NewReceiver(p, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// acsClient is the ACS's RReq sender: cert is its client certificate (or
// none), trusting p's CA.
func acsClient(p *PKI, certs ...tls.Certificate) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: p.CA, Certificates: certs}}}
}

func postRReq(c *http.Client, url string, rreq any) (*http.Response, []byte, error) {
	b, _ := json.Marshal(rreq)
	resp, err := c.Post(url, "application/json; charset=utf-8", bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

var anRReq = emv3ds.RReq{MessageType: "RReq", MessageVersion: "2.2.0", ThreeDSServerTransID: "s-1", DSTransID: "d-1",
	ACSTransID: "a-1", MessageCategory: "01", TransStatus: "Y", ECI: "05", AuthenticationValue: strings.Repeat("A", 27) + "=",
	InteractionCounter: "01", AuthenticationType: "02"}

// TestReceiverTakesAnRReq: the ACS's client certificate gets RRes 01,
// with the ids echoed; the DS keeps the RReq and its peer.
func TestReceiverTakesAnRReq(t *testing.T) {
	p := testPKI(t)
	r := receiver(t, p)
	changed := r.Changed()
	resp, body, err := postRReq(acsClient(p, p.ACS), r.URL(), anRReq)
	if err != nil {
		t.Fatal(err)
	}
	var rres emv3ds.RRes
	if err := json.Unmarshal(body, &rres); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s: %v", resp.StatusCode, body, err)
	}
	want := emv3ds.RRes{MessageType: "RRes", MessageVersion: "2.2.0", ThreeDSServerTransID: "s-1", DSTransID: "d-1", ACSTransID: "a-1", ResultsStatus: "01"}
	if rres != want {
		t.Errorf("RRes %+v, want %+v", rres, want)
	}
	select {
	case <-changed:
	default:
		t.Error("Changed was not closed by the RReq")
	}
	got := r.For("a-1")
	if len(got) != 1 || !reflect.DeepEqual(got[0].RReq, anRReq) || got[0].Peer != "honnin ACS (dev)" {
		t.Fatalf("received %+v", got)
	}

	// Not an RReq: an Erro from the DS, kept but not taken.
	_, body, err = postRReq(acsClient(p, p.ACS), r.URL(), map[string]string{"messageType": "ARes", "acsTransID": "a-1"})
	if err != nil {
		t.Fatal(err)
	}
	var e emv3ds.Erro
	if json.Unmarshal(body, &e); e.ErrorCode != "101" || e.ErrorComponent != "D" {
		t.Errorf("a non-RReq got %s, want Erro 101 from the DS", body)
	}
	if n, taken := r.Attempts("a-1"), len(r.For("a-1")); n != 2 || taken != 1 {
		t.Errorf("attempts %d, taken %d; want 2 and 1", n, taken)
	}
}

// TestReceiverRefusesAtTLS: without a client certificate, or with one of
// another CA, the handshake fails and nothing is recorded.
func TestReceiverRefusesAtTLS(t *testing.T) {
	p, other := testPKI(t), testPKI(t)
	r := receiver(t, p)
	for name, c := range map[string]*http.Client{
		"no certificate": acsClient(p),
		"another CA's":   acsClient(p, other.ACS),
	} {
		_, _, err := postRReq(c, r.URL(), anRReq)
		if err == nil || !strings.Contains(err.Error(), "tls:") {
			t.Errorf("%s: %v, want a TLS refusal", name, err)
		}
	}
	if n := len(r.All()); n != 0 {
		t.Errorf("%d RReqs recorded from refused clients", n)
	}
}

// TestReceiverModes: down refuses connections, 500 answers 500 and takes
// nothing, up again takes the RReq once.
func TestReceiverModes(t *testing.T) {
	p := testPKI(t)
	r := receiver(t, p)
	c := acsClient(p, p.ACS)
	if err := r.SetMode(Down); err != nil {
		t.Fatal(err)
	}
	_, _, err := postRReq(c, r.URL(), anRReq)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("down: %v, want connection refused", err)
	}
	if err := r.SetMode(Fail); err != nil {
		t.Fatal(err)
	}
	resp, _, err := postRReq(c, r.URL(), anRReq)
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("500 mode: %v %v", resp, err)
	}
	if err := r.SetMode(Up); err != nil {
		t.Fatal(err)
	}
	resp, _, err = postRReq(c, r.URL(), anRReq)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("up again: %v %v", resp, err)
	}
	if n, taken := r.Attempts("a-1"), len(r.For("a-1")); n != 2 || taken != 1 {
		t.Errorf("attempts %d (the 500 and the taken one), taken %d; want 2 and 1", n, taken)
	}
}
