//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"
)

// guard runs f and turns a panic into an error. A JavaScript exception
// thrown inside js.Value.Call, Invoke or New becomes a Go panic that would
// end the program (crypto.randomUUID outside secure contexts, storage
// methods); so does Get on an undefined value.
//
// A getter that throws is worse: wasm_exec.js runs js.Value.Get without a
// try/catch, so the exception unwinds through the wasm and ends the program
// where no recover can see it (window.localStorage throws a SecurityError
// when storage is blocked). Read such properties with prop, never Get.
func guard(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			switch v := r.(type) {
			case error:
				err = v
			case string:
				err = errors.New(v)
			default:
				err = errors.New("javascript: unknown panic")
			}
		}
	}()
	f()
	return nil
}

// str returns v if it is a string, "" otherwise. js.Value.String would
// return "<undefined>" and the like.
func str(v js.Value) string {
	if v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

// num returns v if it is a number, 0 otherwise (Float panics on others).
func num(v js.Value) float64 {
	if v.Type() == js.TypeNumber {
		return v.Float()
	}
	return 0
}

// boolean returns v if it is a boolean, false otherwise.
func boolean(v js.Value) bool {
	return v.Type() == js.TypeBoolean && v.Bool()
}

// reflectGet is Reflect.get, called through js.Value.Call so that a
// throwing getter becomes a recoverable panic.
var reflectGet = js.Global().Get("Reflect").Get("get")

// prop returns o[name], or undefined when o is not an object or reading the
// property throws. It never panics.
func prop(o js.Value, name string) (v js.Value) {
	v = js.Undefined()
	if t := o.Type(); t != js.TypeObject && t != js.TypeFunction {
		return v
	}
	_ = guard(func() { v = reflectGet.Invoke(o, name) })
	return v
}
