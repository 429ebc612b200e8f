package view

import (
	"strings"
	"testing"
)

// TestMessageNote: in each language the line under the personal message
// is there and names the Cancel button by the label the screen gives it,
// so renaming the button without the note fails here.
func TestMessageNote(t *testing.T) {
	for _, l := range []Locale{English, Japanese} {
		lb := textFor(l).labels
		if lb.MessageNote == "" {
			t.Errorf("%s: no note under the personal message", l)
			continue
		}
		if !strings.Contains(lb.MessageNote, lb.Cancel) {
			t.Errorf("%s: the note %q does not name the Cancel button %q", l, lb.MessageNote, lb.Cancel)
		}
	}
	if textEN.labels.MessageNote == textJA.labels.MessageNote {
		t.Error("the note is not translated")
	}
}
