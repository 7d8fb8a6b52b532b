package multipaxos

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paxoscheck/paxoscheck/impl/catalogue"
)

// MaxAcceptors bounds the acceptors, so that a set of them is a uint64
// bitmask; MaxProposers bounds the proposers (a proposer's index is a byte
// of every ballot).
const (
	MaxAcceptors = 64
	MaxProposers = 64
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid configuration")

// Config is the static configuration every node of a cluster shares.
type Config struct {
	Acceptors []NodeID
	Proposers []NodeID
	// Pipeline is how many slots a leader may have in flight (2a sent,
	// not yet known chosen) at once: at least 1.
	Pipeline int
	// Bugs switches on entries of the bug catalogue; zero is the correct
	// protocol.
	Bugs Bugs

	// owned is set only in the copy of the Config that Advance steps
	// with: the caller owns the state alone, so the core may append to
	// its logs in place (grow).
	owned bool
}

// NewConfig returns a acceptors (ids 0..a-1) and p proposers (the ids
// after), with pipeline pipe.
func NewConfig(a, p, pipe int) Config {
	c := Config{Pipeline: pipe}
	for i := 0; i < a; i++ {
		c.Acceptors = append(c.Acceptors, NodeID(i))
	}
	for i := 0; i < p; i++ {
		c.Proposers = append(c.Proposers, NodeID(a+i))
	}
	return c
}

// Validate reports the first problem with c, wrapped around ErrConfig.
func (c *Config) Validate() error {
	switch {
	case len(c.Acceptors) == 0:
		return fmt.Errorf("%w: need at least one acceptor", ErrConfig)
	case len(c.Acceptors) > MaxAcceptors:
		return fmt.Errorf("%w: %d acceptors, at most %d supported", ErrConfig, len(c.Acceptors), MaxAcceptors)
	case len(c.Proposers) == 0:
		return fmt.Errorf("%w: need at least one proposer", ErrConfig)
	case len(c.Proposers) > MaxProposers:
		return fmt.Errorf("%w: %d proposers, at most %d supported", ErrConfig, len(c.Proposers), MaxProposers)
	case c.Pipeline < 1:
		return fmt.Errorf("%w: pipeline %d: a leader needs at least 1 slot in flight", ErrConfig, c.Pipeline)
	}
	seen := map[NodeID]string{}
	for _, g := range []struct {
		role string
		ids  []NodeID
	}{{"acceptor", c.Acceptors}, {"proposer", c.Proposers}} {
		for _, id := range g.ids {
			if prev, ok := seen[id]; ok {
				return fmt.Errorf("%w: node id %d is used twice (%s and %s)", ErrConfig, id, prev, g.role)
			}
			seen[id] = g.role
		}
	}
	if unknown := c.Bugs &^ AllBugs; unknown != 0 {
		return fmt.Errorf("%w: unknown bug bits %#x", ErrConfig, uint16(unknown))
	}
	return nil
}

// Quorum is the number of acceptors a leader acts on: a majority, so that
// any two quorums intersect.
func (c *Config) Quorum() int { return len(c.Acceptors)/2 + 1 }

// RoleOf returns id's role and its index in that role's list (ok false:
// not in the configuration).
func (c *Config) RoleOf(id NodeID) (r Role, index int, ok bool) {
	for i, x := range c.Acceptors {
		if x == id {
			return RoleAcceptor, i, true
		}
	}
	for i, x := range c.Proposers {
		if x == id {
			return RoleProposer, i, true
		}
	}
	return 0, 0, false
}

// Nodes returns every node id: acceptors, then proposers.
func (c *Config) Nodes() []NodeID {
	return append(append([]NodeID(nil), c.Acceptors...), c.Proposers...)
}

// Bug is one entry of the Multi-Paxos bug catalogue: a real bug of
// Multi-Paxos implementations, kept so that the checkers can be shown to
// find it.
type Bug uint16

// Bugs is a set of catalogue entries.
type Bugs uint16

// Has reports whether b is in s.
func (s Bugs) Has(b Bug) bool { return s&Bugs(b) != 0 }

// The catalogue (issue 13, item 4, (a) to (g)), then the two persistence
// bugs of single-decree Paxos's catalogue, as a real cluster's disk meets
// them (issue 14, item 4).
const (
	// BugSkipPhase1: on a timeout the proposer takes a new ballot and
	// sends its commands' 2a in the slots it believes free, without phase
	// 1. Phase 1 is what tells it which commands earlier ballots may have
	// chosen there: another leader's chosen slot is overwritten.
	BugSkipPhase1 Bug = 1 << iota
	// BugAdoptLowestVote: the new leader adopts, in each slot, the command
	// of the lowest-ballot vote reported, not the highest; only the
	// highest is known to be safe.
	BugAdoptLowestVote
	// BugNoHoleFill: the new leader leaves the holes below its highest
	// reported slot empty instead of filling them with no-ops, and a
	// replica applies the next slot it knows even past a gap.
	BugNoHoleFill
	// BugApplyBeforeChosen: a leader applies (and answers for) a slot
	// when it sends the 2a, before a quorum has voted: another leader may
	// choose a different command there.
	BugApplyBeforeChosen
	// BugNoDedup: a replica applies a command each time it is chosen: the
	// dedup table is not consulted, and a command a leader re-proposed in
	// a second slot takes effect twice.
	BugNoDedup
	// BugStaleRead: a proposer that believes it leads answers a Get from
	// its own state, without the log. A deposed leader returns a value
	// older than a write that has completed: only linearizability shows it.
	BugStaleRead
	// BugPerSlotPromise: an acceptor holds a promise only for the slots it
	// has voted in, so a stale leader's 2a for a fresh slot is accepted
	// below the promise it made for every slot.
	BugPerSlotPromise
	// BugPromiseNotPersisted: an acceptor replies 1b before its promise
	// is durable. A crash forgets the promise, and the acceptor then votes
	// for an older ballot's 2a behind the back of the leader that counted
	// it: two commands are chosen in one slot.
	BugPromiseNotPersisted
	// BugAcceptNotPersisted: an acceptor replies 2b before its vote is
	// durable (the vote reaches stable storage only with a later write).
	// A crash forgets the votes since its last write, and a new leader's
	// phase 1 no longer sees a command chosen there.
	BugAcceptNotPersisted
)

// AllBugs is the whole catalogue.
const AllBugs = Bugs(BugSkipPhase1 | BugAdoptLowestVote | BugNoHoleFill | BugApplyBeforeChosen |
	BugNoDedup | BugStaleRead | BugPerSlotPromise | BugPromiseNotPersisted | BugAcceptNotPersisted)

// bugTable is the catalogue: each bug's name and description.
var bugTable = catalogue.Table[Bug]{
	{Bug: BugSkipPhase1, Name: "skip-phase1", Doc: "a new leader skips phase 1 for the slots it believes free"},
	{Bug: BugAdoptLowestVote, Name: "adopt-lowest-vote", Doc: "a new leader adopts a slot's command from the lowest reported ballot, not the highest"},
	{Bug: BugNoHoleFill, Name: "no-hole-fill", Doc: "holes are not filled with no-ops, and a replica applies past a gap"},
	{Bug: BugApplyBeforeChosen, Name: "apply-before-chosen", Doc: "a leader applies a slot when it sends the 2a, before it is chosen"},
	{Bug: BugNoDedup, Name: "no-dedup", Doc: "a retried or re-proposed command is applied each time it is chosen"},
	{Bug: BugStaleRead, Name: "stale-read", Doc: "a leader answers a read from its own state: a deposed one reads stale"},
	{Bug: BugPerSlotPromise, Name: "per-slot-promise", Doc: "an acceptor keeps a promise only for the slots it voted in"},
	{Bug: BugPromiseNotPersisted, Name: "promise-not-persisted", Doc: "an acceptor replies 1b before its promise is durable"},
	{Bug: BugAcceptNotPersisted, Name: "accept-not-persisted", Doc: "an acceptor replies 2b before its vote is durable"},
}

// Catalogue returns every bug, in catalogue order.
func Catalogue() []Bug { return bugTable.All() }

// String returns b's catalogue name.
func (b Bug) String() string { return bugTable.Name(b) }

// Doc returns b's one-line description.
func (b Bug) Doc() string { return bugTable.Doc(b) }

// ParseBug returns the catalogue entry named name.
func ParseBug(name string) (Bug, error) {
	b, err := bugTable.Parse(name)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return b, nil
}

// ParseBugs parses a comma-separated list of bug names; "" is no bug.
func ParseBugs(list string) (Bugs, error) {
	s, err := catalogue.ParseList[Bugs](bugTable, list)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return s, nil
}

// BugsNamed returns the bugs of a list of names, each one bug (a trace
// header's or a config file's "bugs").
func BugsNamed(names []string) (Bugs, error) {
	var s Bugs
	for _, n := range names {
		b, err := ParseBug(n)
		if err != nil {
			return 0, err
		}
		s |= Bugs(b)
	}
	return s, nil
}

// String lists the bugs of s by name, comma separated, in catalogue order
// ("" for none).
func (s Bugs) String() string { return strings.Join(bugTable.Names(uint16(s)), ",") }
