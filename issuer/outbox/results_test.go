package outbox

import (
	"slices"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
)

// TestOnResult: every code send and every notice delivery attempt is
// reported once with its kind and result, as the metrics count them.
func TestOnResult(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	var got []string
	r.box.OnResult = func(kind, result string) { got = append(got, kind+" "+result) }
	code := dispatch.CodeMail{To: "taro@mail.jp", Locale: "ja", Code: "123456", Merchant: "Demo Shop", Amount: 1250,
		Currency: "JPY", At: t0, IssuerName: "honnin"}

	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{"a code mailed", func() { r.box.SendCode(ctx, code) }, []string{"code:email sent"}},
		{"an SMS code sent", func() { r.box.SMS(okSMS{}).Send(ctx, sms.Message{To: "+819012345678", Body: "x"}) },
			[]string{"code:sms sent"}},
		{"an SMS code refused", func() { r.box.SMS(failingSMS{}).Send(ctx, sms.Message{To: "+819012345678", Body: "x"}) },
			[]string{"code:sms failed"}},
		{"a notice queued: nothing yet", func() {
			r.down()
			if err := r.box.SendNotice(ctx, lockNotice("hana@mail.jp")); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"a code mail with the server down", func() { r.box.SendCode(ctx, code) }, []string{"code:email failed"}},
		{"the notice's first attempt", func() { r.box.DeliverDue(ctx) }, []string{"notice:locked retry"}},
		{"the notice's second attempt, the server back", func() {
			r.up()
			r.clock.Add(Backoff(1))
			r.box.DeliverDue(ctx)
		}, []string{"notice:locked sent"}},
		{"an expired password notice", func() {
			n := dispatch.Notice{Kind: dispatch.NoticeAppPassword, To: "app@mail.jp", Locale: "ja", IssuerName: "honnin",
				Last4: "9057", Password: "ABCDEFGHJK", Expires: r.clock.Now().Add(time.Minute)}
			if err := r.box.SendNotice(ctx, n); err != nil {
				t.Fatal(err)
			}
			r.clock.Add(2 * time.Minute)
			r.box.DeliverDue(ctx)
		}, []string{"notice:" + dispatch.NoticeAppPassword + " failed"}},
	}
	for _, st := range steps {
		got = nil
		st.do()
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: reported %q, want %q", st.name, got, st.want)
		}
	}
}
