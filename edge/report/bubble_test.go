package report

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
)

// pipeListener is an in-memory network for one HTTP server in a
// testing/synctest bubble: a loopback socket's goroutines never block
// durably, so time in a bubble would never move; net.Pipe's do.
type pipeListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial connects to the listener, for an http.Transport's DialContext.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// newBubbleIssuer is newIssuer for a test in a synctest bubble: the
// stand-in issuer served over a pipeListener, and a client that reaches it
// whatever the URL. Call it inside the bubble; both stop when t ends.
func newBubbleIssuer(t *testing.T, edge challenge.SigningKey, answer func(n int) int) (*issuer, *http.Client) {
	is := newStandIn(t, edge, answer)
	ln := newPipeListener()
	srv := &http.Server{Handler: http.HandlerFunc(is.serve)}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	tr := &http.Transport{DialContext: ln.dial}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		<-served
	})
	return is, &http.Client{Transport: tr, Timeout: 2 * time.Second}
}
