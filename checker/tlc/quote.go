package tlc

import (
	"strconv"
	"strings"
)

// Quote writes s as a TLA+ string (TLA+ strings are ASCII: other runes
// are written as \\u escapes, which keep values distinct and readable).
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r > 0x7e {
				// TLA+ strings are ASCII; keep the value distinct and readable.
				b.WriteString(`\\u` + strconv.FormatInt(int64(r), 16))
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// QuoteAll quotes each of ss.
func QuoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Quote(s)
	}
	return out
}
