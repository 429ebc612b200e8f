//go:build js && wasm

package main

import (
	"strconv"
	"syscall/js"

	"github.com/honnin/honnin/wasm/dom"
	"github.com/honnin/honnin/wasm/view"
)

// ui is the challenge screen's DOM.
//
// Elements are held as the concrete types of package dom (wasm/dom, the
// few DOM calls the client makes, over syscall/js). It is built once;
// render copies a
// view.Screen into it. Every value goes in with textContent, never as
// HTML: merchant names and personal messages are data.
//
// The element ids are stable: the e2e tests find the screen by them.
type ui struct {
	doc  dom.Document
	root *dom.BasicHTMLElement // <html>

	app, summary, form, messageBox *dom.BasicHTMLElement

	title, merchant, amount, date, dateNote, last4, message *dom.BasicHTMLElement
	dest, attempts, countdown, errText, status, resendNote  *dom.BasicHTMLElement
	notice                                                  *dom.BasicHTMLElement
	brand, brandName, brandLogo, help                       *dom.BasicHTMLElement // the issuer's logo and name above the heading, why this screen under it

	// contact holds the links to the issuer's phone and portal under the
	// end a locked card, a denied payment or too many codes shows.
	contact, phone, portal *dom.BasicHTMLElement
	// colors are the --brand and --accent values last set on <html>.
	colors [2]string

	merchantLabel, amountLabel, dateLabel, cardLabel, messageLabel *dom.BasicHTMLElement
	messageNote                                                    *dom.BasicHTMLElement
	codeLabel, expiresLabel                                        *dom.BasicHTMLElement

	tzToggle, send, resend, cancel, retry *dom.HTMLButtonElement
	code                                  *dom.HTMLInputElement

	// skeleton is the page's #skeleton (challenge.html), the screen's
	// shape shown before the client ran; render removes it once it has
	// something to show (nil then, and on a page without one).
	skeleton *dom.BasicHTMLElement

	// password is the kind of field #code is now (see input); inputSet
	// is false until render first sets it.
	password, inputSet bool

	// shown remembers the text last written into each element, so that an
	// unchanged message is not written again (a screen reader would read
	// the #error alert again each second).
	shown map[*dom.BasicHTMLElement]string
	// urls are the logo's src and the links' hrefs last set (link).
	urls [3]string
}

func newUI(doc dom.Document) *ui {
	u := &ui{doc: doc, shown: map[*dom.BasicHTMLElement]string{}}

	// #status comes with the page ("Loading…"), and the loader writes into
	// it if the program fails; the rest is built here.
	u.root = wrap(doc.DocumentElement().Underlying())
	body := wrap(doc.(dom.HTMLDocument).Body().Underlying())
	if st := doc.GetElementByID("status"); st != nil {
		u.status = wrap(st.Underlying())
	} else {
		u.status = u.el("p", "status", "status")
		body.AppendChild(u.status)
	}
	u.status.SetAttribute("role", "status")
	u.status.SetAttribute("aria-live", "polite")
	// Focus moves to #status when the flow ends (the form it was in is
	// hidden then): the outcome is read, and the next Tab starts there,
	// not at the top of the page.
	u.status.SetAttribute("tabindex", "-1")

	u.skeleton = doc.GetElementByID("skeleton")

	u.app = u.el("main", "app", "challenge")
	u.app.SetAttribute("hidden", "")
	body.InsertBefore(u.app, u.status)

	// The transaction summary.
	u.summary = u.el("section", "summary", "summary")
	// The brand line: the issuer's logo (alt="": the name beside it says
	// whose it is) and name.
	u.brand = u.el("p", "brand", "brand")
	u.brandLogo = u.el("img", "brand-logo", "logo")
	u.brandLogo.SetAttribute("alt", "")
	u.brandName = u.el("span", "brand-name", "")
	u.brand.AppendChild(u.brandLogo)
	u.brand.AppendChild(u.brandName)
	u.summary.AppendChild(u.brand)
	u.title = u.el("h1", "title", "")
	u.summary.AppendChild(u.title)
	u.help = u.el("p", "help", "help")
	u.summary.AppendChild(u.help)
	dl := u.el("dl", "", "txn")
	u.merchantLabel, u.merchant = u.row(dl, "merchant")
	u.amountLabel, u.amount = u.row(dl, "amount")
	var dateCell *dom.BasicHTMLElement
	u.dateLabel, dateCell = u.row(dl, "")
	u.date = u.el("span", "date", "")
	u.tzToggle = u.button("tz-toggle", "link", "button")
	dateCell.AppendChild(u.date)
	dateCell.AppendChild(u.doc.CreateTextNode(" "))
	dateCell.AppendChild(u.tzToggle)
	u.cardLabel, u.last4 = u.row(dl, "last4")
	u.summary.AppendChild(dl)
	u.dateNote = u.el("p", "date-note", "note")
	u.summary.AppendChild(u.dateNote)
	u.app.AppendChild(u.summary)

	// The code form. novalidate: full-width digits, spaces and hyphens
	// do not match pattern="[0-9]*" but are accepted (view.NormalizeCode,
	// edge/onetime's rule).
	u.form = u.el("form", "form", "code-form")
	u.form.SetAttribute("novalidate", "")
	u.form.SetAttribute("autocomplete", "off")
	// The personal message heads the form, right above the code field in
	// every layout (beside the summary in the wide ones), with the line
	// that says what to do if it is not the cardholder's own.
	u.messageBox = u.el("section", "", "pm")
	u.messageLabel = u.el("h2", "", "")
	u.message = u.el("p", "message", "")
	u.messageNote = u.el("p", "message-note", "note")
	u.messageBox.AppendChild(u.messageLabel)
	u.messageBox.AppendChild(u.message)
	u.messageBox.AppendChild(u.messageNote)
	u.form.AppendChild(u.messageBox)
	u.dest = u.el("p", "dest", "dest")
	u.form.AppendChild(u.dest)
	u.codeLabel = u.el("label", "code-label", "")
	u.codeLabel.SetAttribute("for", "code")
	u.form.AppendChild(u.codeLabel)
	// The page's own #code (challenge.html's skeleton, which loader.js
	// enables once its early start has a code sent) is taken over, with
	// what the cardholder typed into it before this program ran; the rest
	// of the skeleton goes with the first screen (render).
	if el := doc.GetElementByID("code"); el != nil {
		u.code = &dom.HTMLInputElement{BasicHTMLElement: wrap(el.Underlying())}
	} else {
		u.code = &dom.HTMLInputElement{BasicHTMLElement: u.el("input", "", "")}
	}
	for _, a := range [][2]string{
		{"id", "code"}, {"name", "code"},
		{"enterkeyhint", "done"}, {"spellcheck", "false"}, {"autocapitalize", "off"},
		{"aria-describedby", "message-note dest error attempts"},
	} {
		u.code.SetAttribute(a[0], a[1])
	}
	u.input(false)
	// Send sits beside the field: the 400-pixel-high EMV windows have no
	// room for another row of buttons.
	entry := u.el("div", "", "entry")
	u.send = u.button("send", "primary", "submit")
	entry.AppendChild(u.code)
	entry.AppendChild(u.send)
	u.form.AppendChild(entry)
	u.errText = u.el("p", "error", "error")
	u.errText.SetAttribute("role", "alert")
	u.form.AppendChild(u.errText)
	meta := u.el("p", "", "meta")
	u.attempts = u.el("span", "attempts", "")
	meta.AppendChild(u.attempts)
	expires := u.el("span", "", "expires")
	u.expiresLabel = u.el("span", "", "")
	u.countdown = u.el("span", "countdown", "")
	u.countdown.SetAttribute("role", "timer")
	expires.AppendChild(u.expiresLabel)
	expires.AppendChild(u.doc.CreateTextNode(" "))
	expires.AppendChild(u.countdown)
	meta.AppendChild(expires)
	u.form.AppendChild(meta)
	// #notice is a polite live region, in the page (empty) from the start:
	// a region that appears together with its text is not always read.
	u.notice = u.el("p", "notice", "note")
	u.notice.SetAttribute("role", "status")
	u.notice.SetAttribute("aria-live", "polite")
	u.form.AppendChild(u.notice)
	actions := u.el("div", "", "actions")
	u.resend = u.button("resend", "", "button")
	u.cancel = u.button("cancel", "", "button")
	actions.AppendChild(u.resend)
	actions.AppendChild(u.cancel)
	u.form.AppendChild(actions)
	u.resendNote = u.el("p", "resend-note", "note")
	u.form.AppendChild(u.resendNote)
	u.app.AppendChild(u.form)

	u.retry = u.button("retry", "primary", "button")
	u.retry.SetAttribute("hidden", "")
	// The issuer's phone and portal follow the outcome in #status (the
	// focus moves there at the end, so the next Tab reaches them). The
	// portal opens in a new tab: this page is a frame in the shop's.
	u.contact = u.el("p", "contact", "contact")
	u.phone = u.el("a", "phone", "")
	u.portal = u.el("a", "portal", "")
	u.portal.SetAttribute("target", "_blank")
	u.portal.SetAttribute("rel", "noopener noreferrer")
	u.contact.AppendChild(u.phone)
	u.contact.AppendChild(u.portal)
	if next := u.status.NextSibling(); next != nil {
		body.InsertBefore(u.retry, next)
	} else {
		body.AppendChild(u.retry)
	}
	body.InsertBefore(u.contact, u.retry)
	return u
}

// input makes #code the 6-digit one-time-code field (autocomplete
// one-time-code keeps WebOTP and SMS autofill working) or, for the
// password method, a password field a password manager fills. The code
// field has no maxlength: the browser would cut a pasted "203 677" to
// "203 67" before the client could normalise it (view.Model.Typed does,
// and says when there are too many digits).
func (u *ui) input(password bool) {
	if u.inputSet && u.password == password {
		return
	}
	u.inputSet, u.password = true, password
	attrs := otpInput
	if password {
		attrs = passwordInput
	}
	for _, a := range attrs {
		if a[1] == "" {
			u.code.RemoveAttribute(a[0])
		} else {
			u.code.SetAttribute(a[0], a[1])
		}
	}
}

// The attributes of #code per kind of field; "" removes the attribute.
var (
	otpInput = [...][2]string{
		{"type", "text"}, {"autocomplete", "one-time-code"}, {"maxlength", ""},
		{"inputmode", "numeric"}, {"pattern", "[0-9]*"},
	}
	// maxlength counts UTF-16 units, the password's limit characters: a
	// character outside the BMP (an emoji) is two units, so the field
	// takes twice the limit and the view refuses what is over it in
	// characters, with its message.
	passwordInput = [...][2]string{
		{"type", "password"}, {"autocomplete", "current-password"}, {"maxlength", strconv.Itoa(2 * view.MaxPassword)},
		{"inputmode", ""}, {"pattern", ""},
	}
)

// el creates an element with an id and a class, either of which may be "".
func (u *ui) el(tag, id, class string) *dom.BasicHTMLElement {
	e := wrap(u.doc.CreateElement(tag).Underlying())
	if id != "" {
		e.SetID(id)
	}
	if class != "" {
		e.SetAttribute("class", class)
	}
	return e
}

func (u *ui) button(id, class, typ string) *dom.HTMLButtonElement {
	b := &dom.HTMLButtonElement{BasicHTMLElement: u.el("button", id, class)}
	b.SetType(typ)
	return b
}

// row appends a <div><dt/><dd id=id/></div> pair to dl.
func (u *ui) row(dl *dom.BasicHTMLElement, id string) (dt, dd *dom.BasicHTMLElement) {
	r := u.el("div", "", "row")
	dt = u.el("dt", "", "")
	dd = u.el("dd", id, "")
	r.AppendChild(dt)
	r.AppendChild(dd)
	dl.AppendChild(r)
	return dt, dd
}

// wrap gives the element v the concrete type every element has.
func wrap(v js.Value) *dom.BasicHTMLElement {
	return &dom.BasicHTMLElement{BasicElement: &dom.BasicElement{BasicNode: &dom.BasicNode{Value: v}}}
}

// render shows s.
func (u *ui) render(s view.Screen) {
	u.root.SetAttribute("lang", s.Lang)
	if hd, ok := u.doc.(dom.HTMLDocument); ok {
		hd.SetTitle(s.Labels.Title)
	}
	l := s.Labels
	u.text(u.title, l.Title)
	u.text(u.merchantLabel, l.Merchant)
	u.text(u.amountLabel, l.Amount)
	u.text(u.dateLabel, l.Date)
	u.text(u.cardLabel, l.Card)
	u.text(u.messageLabel, l.Message)
	u.text(u.messageNote, l.MessageNote)
	u.text(u.codeLabel, l.Code)
	u.text(u.expiresLabel, l.ExpiresIn)
	u.text(u.send.BasicHTMLElement, l.Send)
	u.text(u.cancel.BasicHTMLElement, l.Cancel)
	u.text(u.retry.BasicHTMLElement, l.Retry)

	u.text(u.brandName, s.Brand)
	link(u.brandLogo, "src", s.Logo, &u.urls[0])
	link(u.phone, "href", s.PhoneHref, &u.urls[1])
	link(u.portal, "href", s.PortalHref, &u.urls[2])
	u.text(u.phone, s.Phone)
	u.text(u.portal, s.Portal)
	u.brandColors(s.Color, s.Accent)
	u.text(u.help, s.Help)
	u.text(u.merchant, s.Merchant)
	u.text(u.amount, s.Amount)
	u.text(u.date, s.Date)
	u.text(u.dateNote, s.DateNote)
	u.text(u.tzToggle.BasicHTMLElement, s.ZoneToggle)
	u.text(u.last4, s.Last4)
	u.text(u.message, s.Message)
	u.text(u.dest, s.Dest)
	u.text(u.attempts, s.Attempts)
	u.text(u.countdown, s.Countdown)
	u.text(u.errText, s.Error)
	u.text(u.status, s.Status)
	u.text(u.resend.BasicHTMLElement, s.Resend)
	u.text(u.resendNote, s.ResendNote)
	u.text(u.notice, s.Notice)
	u.input(s.Password)

	challenge := s.Phase == view.Challenge
	show(u.app, s.ShowSummary || challenge)
	show(u.summary, s.ShowSummary)
	show(u.messageBox, s.Message != "")
	show(u.brand, s.Brand != "" || s.Logo != "")
	// An empty link, and the logo without a src, are not shown
	// (challenge.css).
	show(u.contact, s.PhoneHref != "" || s.PortalHref != "")
	show(u.tzToggle.BasicHTMLElement, s.ZoneToggle != "")
	show(u.form, challenge)
	show(u.resend.BasicHTMLElement, s.ShowResend)
	show(u.resendNote, s.ResendNote != "")
	show(u.retry.BasicHTMLElement, s.CanRetry)
	if s.Error != "" {
		u.code.SetAttribute("aria-invalid", "true")
	} else {
		u.code.RemoveAttribute("aria-invalid")
	}
	if s.Busy {
		u.form.SetAttribute("aria-busy", "true")
	} else {
		u.form.RemoveAttribute("aria-busy")
	}
	u.code.SetReadOnly(s.Busy)
	u.code.SetDisabled(s.NoCode)
	u.send.SetDisabled(!s.CanSend)
	u.resend.SetDisabled(!s.CanResend)
	u.cancel.SetDisabled(!s.CanCancel)
	u.retry.SetDisabled(!s.CanRetry)
	// The skeleton goes with the first screen that is more than
	// "Loading…": the summary, the form, or an outcome.
	if u.skeleton != nil && s.Phase != view.Loading {
		u.skeleton.Underlying().Call("remove")
		u.skeleton = nil
	}
	u.status.Class().Remove("failed")
	if s.Phase == view.Failed {
		u.status.Class().Add("failed")
	}
}

// link sets e's URL attribute (src, href) to v, or removes it for "",
// when v is not *last already: setting an <img>'s src again loads it
// again. The view hands over only what the contract checked: a data:
// image, a tel: URL, an https (or loopback http) portal.
func link(e *dom.BasicHTMLElement, attr, v string, last *string) {
	if *last == v {
		return
	}
	*last = v
	if v == "" {
		e.RemoveAttribute(attr)
		return
	}
	e.SetAttribute(attr, v)
}

// brandColors sets the issuer's colours as the custom properties
// challenge.css reads (--brand, --accent) on <html>; "" removes one (the
// CSSOM's setProperty with an empty value does), leaving the page's own.
// style.setProperty is not an inline style attribute: the page's CSP
// (style-src 'self', no 'unsafe-inline') allows it.
func (u *ui) brandColors(brand, accent string) {
	if u.colors == [2]string{brand, accent} {
		return
	}
	u.colors = [2]string{brand, accent}
	style := u.root.Underlying().Get("style")
	for i, name := range [...]string{"--brand", "--accent"} {
		style.Call("setProperty", name, u.colors[i])
	}
}

// text sets e's text if it changed.
func (u *ui) text(e *dom.BasicHTMLElement, s string) {
	if old, ok := u.shown[e]; ok && old == s {
		return
	}
	u.shown[e] = s
	e.SetTextContent(s)
}

func show(e *dom.BasicHTMLElement, on bool) {
	e.Underlying().Set("hidden", !on)
}
