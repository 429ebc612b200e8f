package dssim

import (
	"net"
	"testing"
	"time"
)

// TestReceiverDownUp: the receiver goes down and up again, over and over,
// straight after it started serving too, and each switch succeeds: down
// refuses connections, up takes them. (http.Server.Close reported the
// listener it had already seen closed as an error when it ran before the
// server's own goroutine noticed: the switch then failed half-way, the
// listener gone and the mode still Up, and every later EMV test waited for
// an RReq in vain.)
func TestReceiverDownUp(t *testing.T) {
	p, err := MakePKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReceiver(p, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := range 200 {
		if err := r.SetMode(Down); err != nil {
			t.Fatalf("round %d: down: %v", i, err)
		}
		if c, err := net.DialTimeout("tcp", r.Addr(), time.Second); err == nil {
			c.Close()
			t.Fatalf("round %d: a connection was taken while down", i)
		}
		if err := r.SetMode(Up); err != nil {
			t.Fatalf("round %d: up: %v", i, err)
		}
		if i%10 == 0 {
			c, err := net.DialTimeout("tcp", r.Addr(), time.Second)
			if err != nil {
				t.Fatalf("round %d: up but refused: %v", i, err)
			}
			c.Close()
		}
		if r.Mode() != Up {
			t.Fatalf("round %d: mode %v, want up", i, r.Mode())
		}
	}
}
