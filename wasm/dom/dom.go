//go:build js && wasm

// Package dom is the little of the browser's DOM the challenge client
// uses, straight over syscall/js. It replaces honnef.co/go/js/dom/v2,
// whose wrappers of every element and event type cost about 100 KB of
// brotli for the twenty methods called here. Its names and shapes are
// dom/v2's (BasicNode, BasicElement, BasicHTMLElement, ...), so the
// client's UI code reads as before; only what the client calls exists.
//
// Like dom/v2, it lets a JavaScript exception become a Go panic: the
// client guards its calls where the browser may throw.
package dom

import "syscall/js"

// Node is anything that wraps a DOM node.
type Node interface {
	Underlying() js.Value
}

// Event is a DOM event handed to a listener.
type Event struct{ v js.Value }

// Underlying returns the JavaScript event.
func (e Event) Underlying() js.Value { return e.v }

// Window is the global window.
type Window struct{ v js.Value }

// GetWindow returns the global window.
func GetWindow() Window { return Window{js.Global()} }

// Document returns the window's document.
func (w Window) Document() Document {
	return htmlDocument{&BasicNode{Value: w.v.Get("document")}}
}

// Document is the page's document.
type Document interface {
	Node
	DocumentElement() *BasicHTMLElement
	GetElementByID(id string) *BasicHTMLElement
	CreateElement(tag string) *BasicHTMLElement
	CreateTextNode(s string) *BasicNode
}

// HTMLDocument is an HTML page's document (every document here is one).
type HTMLDocument interface {
	Document
	Body() *BasicHTMLElement
	SetTitle(s string)
}

type htmlDocument struct{ *BasicNode }

func (d htmlDocument) DocumentElement() *BasicHTMLElement {
	return elementOrNil(d.Value.Get("documentElement"))
}

// GetElementByID returns the element with id, nil when there is none.
func (d htmlDocument) GetElementByID(id string) *BasicHTMLElement {
	return elementOrNil(d.Value.Call("getElementById", id))
}

func (d htmlDocument) CreateElement(tag string) *BasicHTMLElement {
	return elementOrNil(d.Value.Call("createElement", tag))
}

func (d htmlDocument) CreateTextNode(s string) *BasicNode {
	return &BasicNode{Value: d.Value.Call("createTextNode", s)}
}

func (d htmlDocument) Body() *BasicHTMLElement { return elementOrNil(d.Value.Get("body")) }

func (d htmlDocument) SetTitle(s string) { d.Value.Set("title", s) }

// BasicNode is a DOM node.
type BasicNode struct{ Value js.Value }

// Underlying returns the JavaScript node.
func (n *BasicNode) Underlying() js.Value { return n.Value }

func (n *BasicNode) AppendChild(child Node) { n.Value.Call("appendChild", child.Underlying()) }

// InsertBefore inserts child before ref, or at the end when ref is nil.
func (n *BasicNode) InsertBefore(child, ref Node) {
	r := js.Null()
	if ref != nil {
		r = ref.Underlying()
	}
	n.Value.Call("insertBefore", child.Underlying(), r)
}

// NextSibling returns the node after n, nil when n is the last.
func (n *BasicNode) NextSibling() *BasicNode {
	v := n.Value.Get("nextSibling")
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	return &BasicNode{Value: v}
}

func (n *BasicNode) SetTextContent(s string) { n.Value.Set("textContent", s) }

// AddEventListener calls listener for each event typ on n. The listener
// lives as long as the page: the returned js.Func is never released.
func (n *BasicNode) AddEventListener(typ string, useCapture bool, listener func(Event)) js.Func {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := js.Undefined()
		if len(args) > 0 {
			ev = args[0]
		}
		listener(Event{ev})
		return nil
	})
	n.Value.Call("addEventListener", typ, f, useCapture)
	return f
}

// BasicElement is a DOM element.
type BasicElement struct{ *BasicNode }

func (e *BasicElement) SetAttribute(name, value string) { e.Value.Call("setAttribute", name, value) }

func (e *BasicElement) RemoveAttribute(name string) { e.Value.Call("removeAttribute", name) }

func (e *BasicElement) SetID(id string) { e.Value.Set("id", id) }

// Class returns the element's classList.
func (e *BasicElement) Class() *TokenList { return &TokenList{e.Value.Get("classList")} }

// BasicHTMLElement is an HTML element.
type BasicHTMLElement struct{ *BasicElement }

func (e *BasicHTMLElement) Focus() { e.Value.Call("focus") }

// HTMLButtonElement is a <button>.
type HTMLButtonElement struct{ *BasicHTMLElement }

func (b *HTMLButtonElement) SetType(t string)    { b.Value.Set("type", t) }
func (b *HTMLButtonElement) SetDisabled(on bool) { b.Value.Set("disabled", on) }

// HTMLInputElement is an <input>.
type HTMLInputElement struct{ *BasicHTMLElement }

func (i *HTMLInputElement) Value() string       { return i.BasicHTMLElement.Value.Get("value").String() }
func (i *HTMLInputElement) SetValue(s string)   { i.BasicHTMLElement.Value.Set("value", s) }
func (i *HTMLInputElement) SetReadOnly(on bool) { i.BasicHTMLElement.Value.Set("readOnly", on) }
func (i *HTMLInputElement) SetDisabled(on bool) { i.BasicHTMLElement.Value.Set("disabled", on) }

// TokenList is a DOMTokenList (classList).
type TokenList struct{ v js.Value }

func (l *TokenList) Add(token string)    { l.v.Call("add", token) }
func (l *TokenList) Remove(token string) { l.v.Call("remove", token) }

func elementOrNil(v js.Value) *BasicHTMLElement {
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	return &BasicHTMLElement{&BasicElement{&BasicNode{Value: v}}}
}
