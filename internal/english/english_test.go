package english

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 operations", 1: "1 operation", 2: "2 operations"} {
		if got := Count(n, "operation"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
