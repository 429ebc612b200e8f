package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/sms"
)

// smsFlags configure the SMS gateways: Twilio's Messages API and a generic
// JSON webhook, in the order -sms-order names, the later ones taking over
// when the earlier fail. Secrets come from the environment only.
type smsFlags struct {
	order                                           *string
	twilioURL, twilioSID, twilioFrom, twilioService *string
	webhookURL                                      *string
}

func addSMSFlags(f *flags) smsFlags {
	return smsFlags{
		order:         f.String("sms-order", env("HONNIN_SMS_ORDER", "twilio,webhook"), "SMS gateways to try, in order, among those configured (env HONNIN_SMS_ORDER)"),
		twilioURL:     f.String("sms-twilio-url", env("HONNIN_SMS_TWILIO_URL", sms.DefaultTwilioBaseURL), "Twilio API base URL (env HONNIN_SMS_TWILIO_URL)"),
		twilioSID:     f.String("sms-twilio-sid", env("HONNIN_SMS_TWILIO_SID", ""), "Twilio account SID; empty: no Twilio. The auth token is HONNIN_SMS_TWILIO_TOKEN (env HONNIN_SMS_TWILIO_SID)"),
		twilioFrom:    f.String("sms-twilio-from", env("HONNIN_SMS_TWILIO_FROM", ""), "Twilio sender number, E.164 (env HONNIN_SMS_TWILIO_FROM)"),
		twilioService: f.String("sms-twilio-service", env("HONNIN_SMS_TWILIO_SERVICE", ""), "Twilio messaging service SID, used instead of -sms-twilio-from (env HONNIN_SMS_TWILIO_SERVICE)"),
		webhookURL:    f.String("sms-webhook-url", env("HONNIN_SMS_WEBHOOK_URL", ""), "JSON webhook SMS gateway; empty: none. Its signing secret is HONNIN_SMS_WEBHOOK_SECRET (env HONNIN_SMS_WEBHOOK_URL)"),
	}
}

// sender builds the configured gateways; nil when none is (SMS codes then
// fail to send, and the screen says so).
func (s smsFlags) sender(log *slog.Logger) (acs.SMSSender, error) {
	var senders []sms.Sender
	for _, name := range strings.Split(*s.order, ",") {
		switch strings.TrimSpace(name) {
		case "twilio":
			if *s.twilioSID == "" {
				continue
			}
			token := env("HONNIN_SMS_TWILIO_TOKEN", "")
			if token == "" || (*s.twilioFrom == "" && *s.twilioService == "") {
				return nil, usageError{"Twilio needs HONNIN_SMS_TWILIO_TOKEN and -sms-twilio-from or -sms-twilio-service"}
			}
			senders = append(senders, &sms.Twilio{BaseURL: *s.twilioURL, AccountSID: *s.twilioSID, AuthToken: token,
				From: *s.twilioFrom, MessagingServiceSID: *s.twilioService})
		case "webhook":
			if *s.webhookURL == "" {
				continue
			}
			secret := env("HONNIN_SMS_WEBHOOK_SECRET", "")
			if secret == "" {
				return nil, usageError{"the SMS webhook needs HONNIN_SMS_WEBHOOK_SECRET"}
			}
			senders = append(senders, &sms.Webhook{URL: *s.webhookURL, Secret: []byte(secret)})
		case "":
		default:
			return nil, usageError{fmt.Sprintf("-sms-order: unknown gateway %q (twilio, webhook)", name)}
		}
	}
	if len(senders) == 0 {
		log.Warn("issuer: no SMS gateway configured; SMS codes will not be sent")
		return nil, nil
	}
	// Each gateway gets its share of the code's send time, so the next
	// one is tried while the cardholder's screen still waits
	// (contract.SendTimeout; acs cuts the whole send there).
	per := contract.SendTimeout / time.Duration(len(senders))
	return &sms.Failover{Senders: senders, Timeout: per, Logger: log}, nil
}
