// Package english words the tool's counts ("1 operation", "2 operations")
// and its verdicts, so that every subcommand says them the same way.
package english

import (
	"fmt"
	"strconv"
	"strings"
)

// Integer is any integer type a count comes in.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Count is n and noun, plural unless n is 1: nouns that end in s, x, ch
// or sh take es, the others an s.
func Count[T Integer](n T, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	for _, end := range []string{"s", "x", "ch", "sh"} {
		if strings.HasSuffix(noun, end) {
			return fmt.Sprintf("%d %ses", n, noun)
		}
	}
	if k := len(noun); k >= 2 && noun[k-1] == 'y' && !strings.ContainsRune("aeiou", rune(noun[k-2])) {
		return fmt.Sprintf("%d %sies", n, noun[:k-1]) // copy, copies
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Violation is the one wording of an invariant's breach, used by every
// subcommand and every report: "Agreement violated after step 7: detail",
// "TypeOK violated in the initial state" (step 0). A verdict line puts
// "VIOLATION: " before it.
func Violation(invariant string, step int, detail string) string {
	s := invariant + " violated after step " + strconv.Itoa(step)
	if step == 0 {
		s = invariant + " violated in the initial state"
	}
	if detail != "" {
		s += ": " + detail
	}
	return s
}
