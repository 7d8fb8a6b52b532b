package paxos

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paxoscheck/paxoscheck/impl/catalogue"
)

// MaxAcceptors bounds the number of acceptors so that sets of acceptors fit
// in a uint64 bitmask and a learner's state is a fixed-size array (a plain
// value, cheap to copy).
const MaxAcceptors = 16

// MaxProposers bounds the number of proposers (a proposer's index is a
// uint8 inside every Ballot; the bound keeps spec ballot numbers small).
const MaxProposers = 16

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid configuration")

// Config is the static configuration shared by every node of a cluster.
type Config struct {
	Acceptors []NodeID
	Proposers []NodeID
	Learners  []NodeID
	// Bugs switches on entries of the known-bug catalogue; zero means the
	// correct protocol.
	Bugs Bugs
}

// NewConfig returns a cluster of a acceptors, p proposers and l learners
// with IDs 0..a-1 (acceptors), then the proposers, then the learners.
func NewConfig(a, p, l int) Config {
	var c Config
	id := NodeID(0)
	for i := 0; i < a; i++ {
		c.Acceptors = append(c.Acceptors, id)
		id++
	}
	for i := 0; i < p; i++ {
		c.Proposers = append(c.Proposers, id)
		id++
	}
	for i := 0; i < l; i++ {
		c.Learners = append(c.Learners, id)
		id++
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
	case len(c.Learners) == 0:
		return fmt.Errorf("%w: need at least one learner", ErrConfig)
	}
	seen := map[NodeID]string{}
	for _, g := range []struct {
		role string
		ids  []NodeID
	}{{"acceptor", c.Acceptors}, {"proposer", c.Proposers}, {"learner", c.Learners}} {
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
	if c.Quorum() < 1 {
		// minority-quorum on a single acceptor would act on zero replies.
		return fmt.Errorf("%w: quorum of %d acceptors would be %d", ErrConfig, len(c.Acceptors), c.Quorum())
	}
	return nil
}

// Quorum is the number of acceptors whose replies a proposer or learner acts
// on: a majority, ⌊n/2⌋+1, so that any two quorums intersect (Paxos Made
// Simple, section 2.2). Under the minority-quorum bug it is ⌊n/2⌋.
func (c *Config) Quorum() int {
	n := len(c.Acceptors)
	if c.Bugs.Has(BugMinorityQuorum) {
		return n / 2
	}
	return n/2 + 1
}

// RoleOf returns the role of id and its index within that role's list, or
// ok=false when id is not in the configuration.
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
	for i, x := range c.Learners {
		if x == id {
			return RoleLearner, i, true
		}
	}
	return 0, 0, false
}

// AcceptorIndex returns the index of id in c.Acceptors, or -1.
func (c *Config) AcceptorIndex(id NodeID) int {
	for i, x := range c.Acceptors {
		if x == id {
			return i
		}
	}
	return -1
}

// Nodes returns every node ID: acceptors, proposers, learners, in that order.
func (c *Config) Nodes() []NodeID {
	out := make([]NodeID, 0, len(c.Acceptors)+len(c.Proposers)+len(c.Learners))
	out = append(out, c.Acceptors...)
	out = append(out, c.Proposers...)
	return append(out, c.Learners...)
}

// Bug is one entry of the known-bug catalogue (DESIGN.md, "Known bugs").
// Each is a real safety bug of Paxos implementations, kept so that the
// checkers can be shown to find something.
type Bug uint16

// Bugs is a set of catalogue entries.
type Bugs uint16

// The catalogue. The comment on each says what the code does wrong and why
// that breaks Paxos.
const (
	// BugSkipPrepare: on timeout the proposer sends 2a with its own value
	// at a fresh ballot without running phase 1. Phase 1 is what makes the
	// value safe (Paxos Made Simple, P2c): skipping it lets a second
	// proposer overwrite a value that is already chosen.
	BugSkipPrepare Bug = 1 << iota
	// BugIgnorePromisedValue: the proposer proposes its own value even when
	// a promise reported an accepted one, breaking P2c's "the value of the
	// highest-numbered proposal among the replies".
	BugIgnorePromisedValue
	// BugPickLowestPromisedValue: the proposer takes the value of the
	// lowest, not the highest, reported ballot; only the highest is known
	// to be safe.
	BugPickLowestPromisedValue
	// BugAcceptBelowPromise: an acceptor accepts a 2a whose ballot is below
	// its promise, breaking P1a ("an acceptor can accept a proposal numbered
	// n iff it has not responded to a prepare request numbered greater than
	// n").
	BugAcceptBelowPromise
	// BugPromiseNotPersisted: an acceptor replies 1b without making the
	// promise durable; after a crash it has forgotten it and may accept a
	// lower ballot, as if it had never promised (Paxos Made Simple,
	// section 2.3: an acceptor must remember its promise on stable storage).
	BugPromiseNotPersisted
	// BugAcceptNotPersisted: an acceptor replies 2b without making its vote
	// durable; after a crash it reports no vote in phase 1 and a chosen
	// value can be lost.
	BugAcceptNotPersisted
	// BugMinorityQuorum: proposers and learners act on ⌊n/2⌋ replies; two
	// such "quorums" need not intersect, so two values can be chosen.
	BugMinorityQuorum
	// BugLearnerCountsDuplicates: the learner counts every 2b it receives,
	// so a duplicated 2b from one acceptor counts as two votes.
	BugLearnerCountsDuplicates
)

// AllBugs is the set of every catalogue entry.
const AllBugs = Bugs(BugSkipPrepare | BugIgnorePromisedValue | BugPickLowestPromisedValue |
	BugAcceptBelowPromise | BugPromiseNotPersisted | BugAcceptNotPersisted |
	BugMinorityQuorum | BugLearnerCountsDuplicates)

// bugTable is the catalogue: each bug's name and description (DESIGN.md).
var bugTable = catalogue.Table[Bug]{
	{Bug: BugSkipPrepare, Name: "skip-prepare", Doc: "the proposer sends 2a with its own value without phase 1"},
	{Bug: BugIgnorePromisedValue, Name: "ignore-promised-value", Doc: "the proposer proposes its own value even when a promise reported an accepted one"},
	{Bug: BugPickLowestPromisedValue, Name: "pick-lowest-promised-value", Doc: "the proposer takes the value of the lowest, not the highest, reported ballot"},
	{Bug: BugAcceptBelowPromise, Name: "accept-below-promise", Doc: "an acceptor accepts a 2a whose ballot is below its promise"},
	{Bug: BugPromiseNotPersisted, Name: "promise-not-persisted", Doc: "an acceptor replies 1b before its promise is durable"},
	{Bug: BugAcceptNotPersisted, Name: "accept-not-persisted", Doc: "an acceptor replies 2b before its vote is durable"},
	{Bug: BugMinorityQuorum, Name: "minority-quorum", Doc: "the proposer (or learner) acts on ⌊n/2⌋ replies"},
	{Bug: BugLearnerCountsDuplicates, Name: "learner-counts-duplicates", Doc: "the learner counts a duplicated 2b twice"},
}

// Catalogue returns every bug, in catalogue order.
func Catalogue() []Bug { return bugTable.All() }

// String returns the catalogue name of b, e.g. "skip-prepare".
func (b Bug) String() string { return bugTable.Name(b) }

// Doc returns the one-line description of b from DESIGN.md.
func (b Bug) Doc() string { return bugTable.Doc(b) }

// ParseBug returns the catalogue entry named name.
func ParseBug(name string) (Bug, error) { return bugTable.Parse(name) }

// ParseBugs parses a comma-separated list of bug names; "" is no bug.
func ParseBugs(list string) (Bugs, error) { return catalogue.ParseList[Bugs](bugTable, list) }

// Has reports whether b is in the set.
func (s Bugs) Has(b Bug) bool { return s&Bugs(b) != 0 }

// Names returns the names of the bugs in s, in catalogue order.
func (s Bugs) Names() []string { return bugTable.Names(uint16(s)) }

// String returns the comma-separated names of s ("" for none).
func (s Bugs) String() string { return strings.Join(s.Names(), ",") }
