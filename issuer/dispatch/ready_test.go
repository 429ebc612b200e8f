package dispatch

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/devmail"
)

// TestSMTPReady: the dev mail sink (a real SMTP server) greets; a closed port
// and a server that says something else are not ready.
func TestSMTPReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := devmail.NewSMTPServer(devmail.NewStore(0), devmail.SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go sink.Serve(ln)
	defer sink.Close()

	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() {
		for {
			c, err := other.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n"))
			c.Close()
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := SMTPReady(ln.Addr().String()).Run(ctx); err != nil {
		t.Errorf("the sink: %v", err)
	}
	if err := SMTPReady(other.Addr().String()).Run(ctx); err == nil {
		t.Error("a server that is not SMTP passed")
	}
	if err := SMTPReady(closedAddr).Run(ctx); err == nil {
		t.Error("a closed port passed")
	}
}
