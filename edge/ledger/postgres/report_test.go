package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/report"
)

// issuer counts the outcomes posted to it, by jti.
type issuer struct {
	mu   sync.Mutex
	got  map[string]int
	slow time.Duration
}

func (i *issuer) PostOutcome(_ context.Context, body string) error {
	var o struct{ JTI string }
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		return err
	}
	time.Sleep(i.slow) // a POST takes time; the other edge claims meanwhile
	i.mu.Lock()
	defer i.mu.Unlock()
	i.got[o.JTI]++
	return nil
}

// PostOutcomes is the batch call: each outcome as PostOutcome, one
// verdict each.
func (i *issuer) PostOutcomes(ctx context.Context, bodies []string) ([]contract.OutcomeResult, error) {
	out := make([]contract.OutcomeResult, len(bodies))
	for k, body := range bodies {
		if err := i.PostOutcome(ctx, body); err != nil {
			return nil, err
		}
		var o struct{ JTI string }
		json.Unmarshal([]byte(body), &o)
		out[k] = contract.OutcomeResult{JTI: o.JTI, Status: 200, Applied: true}
	}
	return out, nil
}

// TestTwoEdgesShareTheQueue: two edges' reporters (two pools on one
// database, several deliveries each) drain one queue together, and the
// issuer gets every report exactly once.
func TestTwoEdgesShareTheQueue(t *testing.T) {
	ctx := context.Background()
	url := pg.Database(t)
	edges := []*Ledger{open(t, url), open(t, url)}
	const n = 400
	now := time.Now()
	for i := range n {
		jti := fmt.Sprint("r", i)
		if _, err := edges[0].DB().ExecContext(ctx, `INSERT INTO edge_report (jti, body, due, created) VALUES (?1, ?2, ?3, ?3)`,
			jti, fmt.Sprintf(`{"jti":%q}`, jti), now.Add(-time.Minute).UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	iss := &issuer{got: map[string]int{}, slow: 100 * time.Microsecond}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 8 {
		r, err := report.New(report.Config{DB: edges[i%2].DB(), Issuer: iss})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			<-start
			if _, err := r.Deliver(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	twice := 0
	for _, k := range iss.got {
		if k > 1 {
			twice++
		}
	}
	r, _ := report.New(report.Config{DB: edges[1].DB(), Issuer: iss})
	left, err := r.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if twice > 0 || len(iss.got)+left != n {
		t.Errorf("%d reports delivered, %d of them more than once, %d left queued; want %d in all, none twice", len(iss.got), twice, left, n)
	}
	// What one pass left (a claim that lost every row to the other edge
	// ends its pass) the next delivers.
	if _, err := r.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if len(iss.got) != n {
		t.Errorf("after a second pass %d of %d delivered", len(iss.got), n)
	}
	rows, err := report.List(ctx, edges[0].DB(), 0)
	if err != nil || len(rows) != 0 {
		t.Errorf("queue after delivery: %d rows, %v", len(rows), err)
	}
}
