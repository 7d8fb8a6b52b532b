// Package catalogue is the machinery of a core's bug catalogue, written
// once for every core (impl/paxos, impl/multipaxos): a table of bugs
// (bit flags), their names and one-line descriptions, and the parsing of
// names and lists of names. Like the cores it imports no clock,
// randomness or I/O.
package catalogue

import (
	"fmt"
	"strings"
)

// Entry is one bug of a catalogue: its flag, its name, its description.
type Entry[B ~uint16] struct {
	Bug       B
	Name, Doc string
}

// Table is a catalogue, in its order.
type Table[B ~uint16] []Entry[B]

// All returns every bug, in catalogue order.
func (t Table[B]) All() []B {
	out := make([]B, len(t))
	for i, e := range t {
		out[i] = e.Bug
	}
	return out
}

// Name returns b's name ("bug(0x..)" for no entry).
func (t Table[B]) Name(b B) string {
	for _, e := range t {
		if e.Bug == b {
			return e.Name
		}
	}
	return fmt.Sprintf("bug(%#x)", uint16(b))
}

// Doc returns b's one-line description ("" for no entry).
func (t Table[B]) Doc(b B) string {
	for _, e := range t {
		if e.Bug == b {
			return e.Doc
		}
	}
	return ""
}

// Parse returns the bug named name, or an error listing the known names.
func (t Table[B]) Parse(name string) (B, error) {
	for _, e := range t {
		if e.Name == name {
			return e.Bug, nil
		}
	}
	names := make([]string, len(t))
	for i, e := range t {
		names[i] = e.Name
	}
	return 0, fmt.Errorf("unknown bug %q (known: %s)", name, strings.Join(names, ", "))
}

// Names returns the names of the bugs in set (their flags or'ed), in
// catalogue order.
func (t Table[B]) Names(set uint16) []string {
	var out []string
	for _, e := range t {
		if set&uint16(e.Bug) != 0 {
			out = append(out, e.Name)
		}
	}
	return out
}

// ParseList parses a comma-separated list of names into the set S of
// their flags; "" is the empty set.
func ParseList[S, B ~uint16](t Table[B], list string) (S, error) {
	var out S
	if strings.TrimSpace(list) == "" {
		return 0, nil
	}
	for _, n := range strings.Split(list, ",") {
		b, err := t.Parse(strings.TrimSpace(n))
		if err != nil {
			return 0, err
		}
		out |= S(b)
	}
	return out, nil
}
