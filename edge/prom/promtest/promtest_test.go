package promtest

import "testing"

// TestParser: the test's parser refuses what the format does not allow,
// so a writer's mistake cannot pass through it.
func TestParser(t *testing.T) {
	good := "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\\\"\\n\\\\\"} 3\n"
	e := Parse(t, good)
	if e.Samples[Key("a_total", "x", "1\"\n\\")] != 3 {
		failf("parsed %v", e.Samples)
	}
	bad := []string{
		"a_total 1\n",                                                       // no TYPE
		"# TYPE a_total counter\na_total 1\n",                               // no HELP
		"# HELP a A.\n# TYPE a counter\na 1\n",                              // counter without _total
		"# HELP a_total A.\n# TYPE a_total counter\nb_total 1\n",            // foreign sample
		"# HELP a_total A.\n# TYPE a_total counter\na_total 1\na_total 2\n", // twice
		"# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"\\t\"} 1\n", // bad escape
		"# HELP a_total A.\n# TYPE a_total counter\na_total 1",              // no final line feed
	}
	for _, text := range bad {
		if _, err := ParseText(text); err == nil {
			t.Errorf("parser accepted %q", text)
		}
	}
}
