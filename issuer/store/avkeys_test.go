package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAVKeys(t *testing.T) { forEachEngine(t, testAVKeys) }

func testAVKeys(t *testing.T, s *Store) {
	ctx := t.Context()
	if keys, err := s.AVKeys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("a new database: %+v, %v; want no keys", keys, err)
	}
	// The first key, from several replicas at once: exactly one inserts,
	// and all then read the same key.
	const replicas = 8
	var inserted atomic.Int32
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			ok, err := s.AddAVKey(context.Background(), AVKey{ID: 1, Sealed: []byte{byte(i)}, CreatedAt: t0})
			if err != nil {
				t.Error(err)
			}
			if ok {
				inserted.Add(1)
			}
		})
	}
	wg.Wait()
	keys, err := s.AVKeys(ctx)
	if err != nil || inserted.Load() != 1 || len(keys) != 1 || keys[0].ID != 1 || len(keys[0].Sealed) != 1 ||
		!keys[0].CreatedAt.Equal(t0) || !keys[0].RetiredAt.IsZero() {
		t.Fatalf("after %d replicas made key 1: %d inserted, %+v, %v", replicas, inserted.Load(), keys, err)
	}

	// A rotation: key 2, then the older ones retired; a second retire
	// changes nothing.
	if ok, err := s.AddAVKey(ctx, AVKey{ID: 2, Sealed: []byte("two"), CreatedAt: t0.Add(time.Hour)}); err != nil || !ok {
		t.Fatalf("key 2: %v %v", ok, err)
	}
	if n, err := s.RetireAVKeys(ctx, 2, t0.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("retire below 2: %d %v", n, err)
	}
	if n, err := s.RetireAVKeys(ctx, 2, t0.Add(2*time.Hour)); err != nil || n != 0 {
		t.Errorf("retire again: %d %v", n, err)
	}
	keys, err = s.AVKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != 1 || !keys[0].RetiredAt.Equal(t0.Add(time.Hour)) ||
		keys[1].ID != 2 || string(keys[1].Sealed) != "two" || !keys[1].RetiredAt.IsZero() {
		t.Errorf("after rotation: %+v, %v", keys, err)
	}
	if ok, err := s.AddAVKey(ctx, AVKey{ID: 2, Sealed: []byte("again"), CreatedAt: t0}); err != nil || ok {
		t.Errorf("key 2 again: %v %v; want not inserted", ok, err)
	}
	for _, id := range []int{0, 256, -1} {
		if _, err := s.AddAVKey(ctx, AVKey{ID: id, Sealed: []byte("x"), CreatedAt: t0}); !errors.Is(err, ErrConflict) {
			t.Errorf("key id %d: %v; want ErrConflict", id, err)
		}
	}
}
