// Package ballot is the ballot number of every Paxos in the project
// (impl/paxos, impl/multipaxos): one definition of how ballots are
// ordered, written, read and laid out in bytes. Like the cores it imports
// no clock, randomness or I/O.
package ballot

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"strconv"
)

// Ballot is a ballot number. Ballots are unique per proposer: the round
// comes first and the proposer's index breaks ties, so two proposers never
// share a ballot. The zero Ballot means "no ballot" (spec -1) and is below
// every real ballot, whose Round is at least 1.
type Ballot struct {
	// Round counts the proposer's attempts; 0 only in the zero Ballot.
	Round uint32
	// Proposer is the index of the proposer in Config.Proposers (not its
	// NodeID), so that ballots map densely onto the spec's naturals.
	Proposer uint8
}

// IsZero reports whether b is the absent ballot.
func (b Ballot) IsZero() bool { return b.Round == 0 }

// Less reports whether b is ordered strictly before o.
func (b Ballot) Less(o Ballot) bool {
	if b.Round != o.Round {
		return b.Round < o.Round
	}
	return b.Proposer < o.Proposer
}

// Compare returns -1, 0 or +1 as b is below, equal to or above o.
func (b Ballot) Compare(o Ballot) int {
	if c := cmp.Compare(b.Round, o.Round); c != 0 {
		return c
	}
	return cmp.Compare(b.Proposer, o.Proposer)
}

// Spec maps b onto the spec's ballot numbers: (Round-1)*numProposers +
// Proposer, and -1 for the zero Ballot. This is the ballot part of the
// abstraction function of the spec's checkers (checker/paxos/invariant, ...).
func (b Ballot) Spec(numProposers int) int {
	if b.IsZero() {
		return -1
	}
	return int(b.Round-1)*numProposers + int(b.Proposer)
}

// FromSpec is the inverse of Spec: the ballot whose spec number is b among
// numProposers proposers, and the zero Ballot for b < 0 (or no proposers).
func FromSpec(b, numProposers int) Ballot {
	if b < 0 || numProposers < 1 {
		return Ballot{}
	}
	return Ballot{Round: uint32(b/numProposers) + 1, Proposer: uint8(b % numProposers)}
}

// String renders b as round.proposer, or "-" for no ballot.
func (b Ballot) String() string {
	if b.IsZero() {
		return "-"
	}
	return strconv.FormatUint(uint64(b.Round), 10) + "." + strconv.Itoa(int(b.Proposer))
}

// MarshalText encodes b as its String form, so that traces read "2.1".
func (b Ballot) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText decodes the String form.
func (b *Ballot) UnmarshalText(t []byte) error {
	x, err := Parse(string(t))
	if err != nil {
		return err
	}
	*b = x
	return nil
}

// Parse is the inverse of Ballot.String.
func Parse(s string) (Ballot, error) {
	if s == "-" {
		return Ballot{}, nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			r, err1 := strconv.ParseUint(s[:i], 10, 32)
			p, err2 := strconv.ParseUint(s[i+1:], 10, 8)
			if err1 != nil || err2 != nil || r == 0 {
				break
			}
			return Ballot{Round: uint32(r), Proposer: uint8(p)}, nil
		}
	}
	return Ballot{}, fmt.Errorf("bad ballot %q: want ROUND.PROPOSER with ROUND >= 1, or -", s)
}

// Max returns the larger of a and b.
func Max(a, b Ballot) Ballot {
	if a.Less(b) {
		return b
	}
	return a
}

// AppendBinary appends the encoding of b: its round as a varint, then its
// proposer's byte.
func (b Ballot) AppendBinary(buf []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(b.Round))
	return append(buf, b.Proposer)
}

// At reads a Ballot that AppendBinary wrote at the start of b and returns
// the rest; ok is false for bytes AppendBinary did not write. (Decoders
// in the explorer's hot path read with it and fail once, at the end.)
func At(b []byte) (x Ballot, rest []byte, ok bool) {
	if len(b) >= 2 && b[0] < 0x80 {
		return Ballot{Round: uint32(b[0]), Proposer: b[1]}, b[2:], true
	}
	r, n := binary.Uvarint(b)
	if n <= 0 || r > 1<<32-1 || len(b) < n+1 {
		return Ballot{}, b, false
	}
	return Ballot{Round: uint32(r), Proposer: b[n]}, b[n+1:], true
}
