package testenv

import (
	"sync"
	"time"
)

// Clock is a test's time, for code that takes a now func (a Config.Now, a
// WithClock option): it stands still until the test moves it, so a test
// puts itself exactly one second before or after a deadline, where the
// wall clock would make it a race. The code under test reads it from its
// own goroutines (HTTP handlers, delivery loops), so it is safe for
// concurrent use.
//
// Code that sleeps or starts timers itself is tested in a testing/synctest
// bubble instead, where time.Now and the timers are fake together.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time; pass the method value (c.Now) as the now
// func of the code under test.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock by d (back, if d is negative) and returns the new
// time.
func (c *Clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
