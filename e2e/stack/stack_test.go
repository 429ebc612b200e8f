package stack

import (
	"reflect"
	"testing"
)

// TestParseCards reads what `issuer demo seed` prints (its own test
// checks the issuer's side of the format).
func TestParseCards(t *testing.T) {
	out := `merchant "Demo Shop" id 1 origins http://localhost:8080
card 3540123456789016 email demo@mail.jp ja
card 3540123456789040 sms demo-sms@mail.jp ja phone:+819012345678
card 3540123456789099 email nobody@mail.jp en
portal 3540123456789016 honnin-portal-9016
portal 3540123456789040 honnin-portal-9040
linked 3540123456789016 3540123456789040
`
	cards, linked := parseCards(out)
	want := []DemoCard{
		{Number: "3540123456789016", Method: "email", Email: "demo@mail.jp", Locale: "ja", PortalPassword: "honnin-portal-9016"},
		{Number: "3540123456789040", Method: "sms", Email: "demo-sms@mail.jp", Locale: "ja", Note: "phone:+819012345678", PortalPassword: "honnin-portal-9040"},
		{Number: "3540123456789099", Method: "email", Email: "nobody@mail.jp", Locale: "en"},
	}
	if !reflect.DeepEqual(cards, want) {
		t.Errorf("cards\n got %+v\nwant %+v", cards, want)
	}
	if !reflect.DeepEqual(linked, []string{"3540123456789016", "3540123456789040"}) {
		t.Errorf("linked %v", linked)
	}
}
