// Package english words the tool's counts: "1 operation", "2 operations".
package english

import "strconv"

// Count is n and noun, plural unless n is 1 (nouns that take an s).
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
