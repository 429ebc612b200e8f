// Command linked is what TestLinked links: main.used is called, main.unused
// is not, so the linker keeps the one and drops the other.
package main

//go:noinline
func used() int { return 1 }

//go:noinline
func unused() int { return 2 }

func main() {
	if used() != 1 {
		panic("used")
	}
}
