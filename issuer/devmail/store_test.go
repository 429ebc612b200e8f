package devmail

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestStoreNewestFirstAndBounded(t *testing.T) {
	s := NewStore(3)
	for i := range 5 {
		s.Add(Message{Subject: fmt.Sprint("m", i), To: []string{"a@example.jp"}})
	}
	got := s.Messages("")
	var subjects []string
	for _, m := range got {
		subjects = append(subjects, m.Subject)
	}
	if want := "m4 m3 m2"; strings.Join(subjects, " ") != want {
		t.Fatalf("subjects = %v, want %s (newest first, oldest evicted)", subjects, want)
	}
	if got[0].ID != "5" {
		t.Errorf("newest ID = %q, want 5", got[0].ID)
	}
	if _, ok := s.Message("1"); ok {
		t.Error("evicted message 1 still retrievable")
	}
}

func TestStoreByteBound(t *testing.T) {
	s := NewStore(1000)
	big := strings.Repeat("x", maxStoredBytes/3+1)
	for range 4 {
		s.Add(Message{Text: big})
	}
	if n := s.Len(); n != 2 {
		t.Fatalf("Len = %d, want 2 after exceeding the byte cap", n)
	}
	// A single message bigger than the cap is still kept: it is the one
	// the developer is waiting for.
	s.Add(Message{Text: strings.Repeat("y", maxStoredBytes+1)})
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1", n)
	}
}

func TestStoreRecipientFilter(t *testing.T) {
	s := NewStore(0)
	s.Add(Message{Subject: "one", To: []string{"Taro@Mail.JP"}})
	s.Add(Message{Subject: "two", To: []string{"hanako@mail.jp", "taro@mail.jp"}})
	s.Add(Message{Subject: "three", To: []string{"hanako@mail.jp"}})

	tests := []struct {
		to   string
		want string
	}{
		{"taro@mail.jp", "two one"},
		{"TARO@MAIL.JP", "two one"},
		{" hanako@mail.jp ", "three two"},
		{"nobody@mail.jp", ""},
		{"taro", ""}, // whole-address match, not substring
		{"", "three two one"},
	}
	for _, tt := range tests {
		var subjects []string
		for _, m := range s.Messages(tt.to) {
			subjects = append(subjects, m.Subject)
		}
		if got := strings.Join(subjects, " "); got != tt.want {
			t.Errorf("Messages(%q) = %q, want %q", tt.to, got, tt.want)
		}
	}
}

func TestStoreClearKeepsIDsUnique(t *testing.T) {
	s := NewStore(0)
	first := s.Add(Message{})
	s.Clear()
	if n := len(s.Messages("")); n != 0 {
		t.Fatalf("after Clear: %d messages", n)
	}
	second := s.Add(Message{})
	if first.ID == second.ID {
		t.Fatalf("ID %q reused after Clear", first.ID)
	}
}

func TestStoreDoesNotAlias(t *testing.T) {
	s := NewStore(0)
	to := []string{"a@example.jp"}
	m := s.Add(Message{To: to})
	to[0] = "changed@example.jp"
	got, _ := s.Message(m.ID)
	got.To[0] = "changed-too@example.jp"
	again, _ := s.Message(m.ID)
	if again.To[0] != "a@example.jp" {
		t.Fatalf("stored recipient changed through a caller's slice: %q", again.To[0])
	}
	if again.ReceivedAt.IsZero() || again.ReceivedAt.Location() != time.UTC {
		t.Errorf("ReceivedAt = %v, want set and in UTC", again.ReceivedAt)
	}
	if none := s.Add(Message{}); none.To == nil {
		t.Error("To is nil; JSON would say null instead of []")
	}
}
