package english

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 operations", 1: "1 operation", 2: "2 operations"} {
		if got := Count(n, "operation"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	for noun, want := range map[string]string{"search": "2 searches", "pass": "2 passes", "box": "2 boxes", "state": "2 states", "copy": "2 copies", "key": "2 keys", "day": "2 days"} {
		if got := Count(2, noun); got != want {
			t.Errorf("Count(2, %q) = %q, want %q", noun, got, want)
		}
	}
}

func TestViolation(t *testing.T) {
	for _, c := range []struct {
		inv    string
		step   int
		detail string
		want   string
	}{
		{"Agreement", 7, "two values chosen", "Agreement violated after step 7: two values chosen"},
		{"TypeOK", 0, "bad", "TypeOK violated in the initial state: bad"},
		{"Linearizability", 3, "", "Linearizability violated after step 3"},
	} {
		if got := Violation(c.inv, c.step, c.detail); got != c.want {
			t.Errorf("Violation(%q, %d, %q) = %q, want %q", c.inv, c.step, c.detail, got, c.want)
		}
	}
}
