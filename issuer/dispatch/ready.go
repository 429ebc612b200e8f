package dispatch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/honnin/honnin/edge/health"
)

// SMTPReady is the readiness check (edge/health) that the mail server at
// addr (host:port) accepts a connection and greets with 220, as it must
// before any code can be mailed. It says QUIT and sends nothing else.
func SMTPReady(addr string) health.Check {
	return health.Check{Name: "smtp", Run: func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("smtp %s: %w", addr, err)
		}
		defer c.Close()
		if dl, ok := ctx.Deadline(); ok {
			c.SetDeadline(dl)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return fmt.Errorf("smtp %s: no greeting: %w", addr, err)
		}
		if !strings.HasPrefix(line, "220") {
			return errors.New("smtp " + addr + ": greeted " + strings.TrimSpace(line))
		}
		_, _ = c.Write([]byte("QUIT\r\n"))
		return nil
	}}
}
