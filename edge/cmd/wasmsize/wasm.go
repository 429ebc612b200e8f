package main

import (
	"bytes"
	"errors"
	"fmt"
)

// module is what wasmsize needs of a wasm binary: the body of each defined
// function, their names, and the data section.
type module struct {
	imports int               // imported functions: they come first in the function index space
	bodies  [][]byte          // code section, in order (function index = imports + i)
	names   map[uint32]string // name section, function names by index
	data    []byte
}

var magic = []byte{0, 'a', 's', 'm', 1, 0, 0, 0}

// parse reads the sections wasmsize uses (WebAssembly core spec §5.5).
func parse(b []byte) (*module, error) {
	if !bytes.HasPrefix(b, magic) {
		return nil, errors.New("not a wasm binary (version 1)")
	}
	m := &module{names: map[uint32]string{}}
	r := &reader{b: b, i: len(magic)}
	for !r.done() {
		id := r.byte()
		sec := r.bytes(int(r.uleb()))
		if r.err != nil {
			return nil, r.err
		}
		s := &reader{b: sec}
		switch id {
		case 2:
			m.imports = s.countFuncImports()
		case 10:
			for n := s.uleb(); n > 0 && s.err == nil; n-- {
				m.bodies = append(m.bodies, s.bytes(int(s.uleb())))
			}
		case 11:
			m.data = sec
		case 0:
			if s.name() == "name" {
				s.functionNames(m.names)
			}
		}
		if s.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, s.err)
		}
	}
	return m, nil
}

// reader reads LEB128 integers, names and byte strings, keeping the first
// error (a read past the end).
type reader struct {
	b   []byte
	i   int
	err error
}

var errShort = errors.New("truncated")

func (r *reader) done() bool { return r.err != nil || r.i >= len(r.b) }

func (r *reader) byte() byte {
	if r.err != nil || r.i >= len(r.b) {
		r.err = errShort
		return 0
	}
	c := r.b[r.i]
	r.i++
	return c
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = errors.New("LEB128 too long")
	return 0
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b)-r.i {
		r.err = errShort
		return nil
	}
	s := r.b[r.i : r.i+n]
	r.i += n
	return s
}

func (r *reader) name() string { return string(r.bytes(int(r.uleb()))) }

// countFuncImports counts the import section's functions (kind 0),
// skipping tables, memories and globals.
func (r *reader) countFuncImports() int {
	n := 0
	for k := r.uleb(); k > 0 && r.err == nil; k-- {
		r.name()
		r.name()
		switch r.byte() {
		case 0: // function: type index
			r.uleb()
			n++
		case 1: // table: reftype, limits
			r.byte()
			r.limits()
		case 2: // memory: limits
			r.limits()
		case 3: // global: valtype, mutability
			r.byte()
			r.byte()
		default:
			r.err = errors.New("unknown import kind")
		}
	}
	return n
}

func (r *reader) limits() {
	if r.byte()&1 != 0 {
		r.uleb()
	}
	r.uleb()
}

// functionNames reads the name section's function names (subsection 1).
func (r *reader) functionNames(into map[uint32]string) {
	for !r.done() {
		sub := r.byte()
		s := &reader{b: r.bytes(int(r.uleb()))}
		if sub != 1 {
			continue
		}
		for n := s.uleb(); n > 0 && s.err == nil; n-- {
			idx := uint32(s.uleb())
			into[idx] = s.name()
		}
		if s.err != nil {
			r.err = s.err
		}
	}
}
