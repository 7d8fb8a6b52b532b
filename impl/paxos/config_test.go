package paxos

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ids := func(xs ...NodeID) []NodeID { return xs }
	many := func(n int, from NodeID) []NodeID {
		var out []NodeID
		for i := 0; i < n; i++ {
			out = append(out, from+NodeID(i))
		}
		return out
	}
	cases := []struct {
		name string
		cfg  Config
		msg  string // "" means valid
	}{
		{"default", NewConfig(3, 2, 1), ""},
		{"one of each", NewConfig(1, 1, 1), ""},
		{"largest", NewConfig(MaxAcceptors, MaxProposers, 3), ""},
		{"every bug but minority-quorum", Config{Acceptors: ids(0), Proposers: ids(1), Learners: ids(2), Bugs: AllBugs &^ Bugs(BugMinorityQuorum)}, ""},
		{"minority-quorum on 3 acceptors", Config{Acceptors: ids(0, 1, 2), Proposers: ids(3), Learners: ids(4), Bugs: Bugs(BugMinorityQuorum)}, ""},
		{"non-dense ids", Config{Acceptors: ids(10, 20), Proposers: ids(7), Learners: ids(200)}, ""},
		{"no acceptors", NewConfig(0, 1, 1), "at least one acceptor"},
		{"no proposers", NewConfig(3, 0, 1), "at least one proposer"},
		{"no learners", NewConfig(3, 1, 0), "at least one learner"},
		{"too many acceptors", Config{Acceptors: many(MaxAcceptors+1, 0), Proposers: ids(100), Learners: ids(101)}, "17 acceptors"},
		{"too many proposers", Config{Acceptors: ids(0), Proposers: many(MaxProposers+1, 1), Learners: ids(100)}, "17 proposers"},
		{"duplicate acceptor", Config{Acceptors: ids(0, 0), Proposers: ids(1), Learners: ids(2)}, "node id 0 is used twice (acceptor and acceptor)"},
		{"acceptor is proposer", Config{Acceptors: ids(0, 1), Proposers: ids(1), Learners: ids(2)}, "node id 1 is used twice (acceptor and proposer)"},
		{"proposer is learner", Config{Acceptors: ids(0), Proposers: ids(1), Learners: ids(1)}, "node id 1 is used twice (proposer and learner)"},
		{"unknown bug bit", Config{Acceptors: ids(0), Proposers: ids(1), Learners: ids(2), Bugs: 1 << 15}, "unknown bug bits 0x8000"},
		{"unknown and known bug bits", Config{Acceptors: ids(0), Proposers: ids(1), Learners: ids(2), Bugs: AllBugs | 1<<12}, "unknown bug bits 0x1000"},
		{"minority-quorum on 1 acceptor", Config{Acceptors: ids(0), Proposers: ids(1), Learners: ids(2), Bugs: Bugs(BugMinorityQuorum)}, "quorum of 1 acceptors would be 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate = %v, want an error wrapping ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Validate = %q, want it to mention %q", err, tc.msg)
			}
		})
	}
}

func TestQuorum(t *testing.T) {
	cases := []struct {
		acceptors      int
		correct, buggy int
	}{{1, 1, 0}, {2, 2, 1}, {3, 2, 1}, {4, 3, 2}, {5, 3, 2}, {16, 9, 8}}
	for _, tc := range cases {
		c := NewConfig(tc.acceptors, 1, 1)
		if got := c.Quorum(); got != tc.correct {
			t.Errorf("%d acceptors: Quorum = %d, want %d", tc.acceptors, got, tc.correct)
		}
		// Any two majorities intersect: the property that the bug breaks.
		if 2*c.Quorum() <= tc.acceptors {
			t.Errorf("%d acceptors: two quorums of %d need not intersect", tc.acceptors, c.Quorum())
		}
		c.Bugs = Bugs(BugMinorityQuorum)
		if got := c.Quorum(); got != tc.buggy {
			t.Errorf("%d acceptors, minority-quorum: Quorum = %d, want %d", tc.acceptors, got, tc.buggy)
		}
	}
}

func TestNewConfigAndRoles(t *testing.T) {
	c := NewConfig(3, 2, 1)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id    NodeID
		role  Role
		index int
	}{{0, RoleAcceptor, 0}, {1, RoleAcceptor, 1}, {2, RoleAcceptor, 2}, {3, RoleProposer, 0}, {4, RoleProposer, 1}, {5, RoleLearner, 0}}
	for _, w := range want {
		r, i, ok := c.RoleOf(w.id)
		if !ok || r != w.role || i != w.index {
			t.Errorf("RoleOf(%d) = %s %d %v, want %s %d", w.id, r, i, ok, w.role, w.index)
		}
	}
	if _, _, ok := c.RoleOf(6); ok {
		t.Error("RoleOf(6) found a node that is not configured")
	}
	if _, err := NewNode(&c, 6); !errors.Is(err, ErrConfig) {
		t.Errorf("NewNode(6) = %v, want ErrConfig", err)
	}
	if got := c.AcceptorIndex(2); got != 2 {
		t.Errorf("AcceptorIndex(2) = %d", got)
	}
	if got := c.AcceptorIndex(3); got != -1 {
		t.Errorf("AcceptorIndex(proposer) = %d, want -1", got)
	}
	if got := c.Nodes(); len(got) != 6 || got[0] != 0 || got[5] != 5 {
		t.Errorf("Nodes = %v", got)
	}
	for _, r := range []Role{RoleAcceptor, RoleProposer, RoleLearner, 9} {
		if r.String() == "" {
			t.Errorf("Role(%d) has no name", r)
		}
	}
}

func TestBugCatalogue(t *testing.T) {
	cat := Catalogue()
	if len(cat) != 8 {
		t.Fatalf("catalogue has %d entries, DESIGN.md lists 8", len(cat))
	}
	var all Bugs
	seen := map[string]bool{}
	for _, b := range cat {
		name := b.String()
		if seen[name] {
			t.Errorf("bug name %q used twice", name)
		}
		seen[name] = true
		if b.Doc() == "" {
			t.Errorf("%s has no doc", name)
		}
		got, err := ParseBug(name)
		if err != nil || got != b {
			t.Errorf("ParseBug(%q) = %v, %v; want %v", name, got, err, b)
		}
		if all.Has(b) {
			t.Errorf("%s shares a bit with an earlier bug", name)
		}
		all |= Bugs(b)
	}
	if all != AllBugs {
		t.Errorf("catalogue bits %#x, AllBugs %#x", uint16(all), uint16(AllBugs))
	}
	if s := Bug(1 << 14).String(); s != "bug(0x4000)" {
		t.Errorf("unknown bug String = %q", s)
	}
	if d := Bug(1 << 14).Doc(); d != "" {
		t.Errorf("unknown bug Doc = %q", d)
	}
}

func TestParseBug(t *testing.T) {
	cases := []struct {
		name, in string
		want     Bug
		err      string
	}{
		{"skip-prepare", "skip-prepare", BugSkipPrepare, ""},
		{"last entry", "learner-counts-duplicates", BugLearnerCountsDuplicates, ""},
		{"empty", "", 0, `unknown bug ""`},
		{"case matters", "Skip-Prepare", 0, `unknown bug "Skip-Prepare"`},
		{"spaces are not trimmed", " skip-prepare", 0, "unknown bug"},
		{"unknown lists the known", "nope", 0, "known: skip-prepare, ignore-promised-value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBug(tc.in)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseBug(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ParseBug(%q) error = %v, want %q", tc.in, err, tc.err)
			}
		})
	}
}

func TestParseBugs(t *testing.T) {
	cases := []struct {
		name, in string
		want     Bugs
		err      string
	}{
		{"empty is none", "", 0, ""},
		{"blank is none", "  ", 0, ""},
		{"one", "minority-quorum", Bugs(BugMinorityQuorum), ""},
		{"two with spaces", "skip-prepare, accept-not-persisted", Bugs(BugSkipPrepare | BugAcceptNotPersisted), ""},
		{"repeated", "skip-prepare,skip-prepare", Bugs(BugSkipPrepare), ""},
		{"unknown", "skip-prepare,nope", 0, `unknown bug "nope"`},
		{"empty element", "skip-prepare,,minority-quorum", 0, `unknown bug ""`},
		{"trailing comma", "skip-prepare,", 0, `unknown bug ""`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBugs(tc.in)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseBugs(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || got != 0 {
				t.Fatalf("ParseBugs(%q) = %v, %v; want error %q", tc.in, got, err, tc.err)
			}
		})
	}
}

// TestBugsRoundTrip: every subset of the catalogue survives String then
// ParseBugs, and Names is in catalogue order.
func TestBugsRoundTrip(t *testing.T) {
	for s := Bugs(0); s <= AllBugs; s++ {
		got, err := ParseBugs(s.String())
		if err != nil || got != s {
			t.Fatalf("ParseBugs(%q) = %#x, %v; want %#x", s.String(), uint16(got), err, uint16(s))
		}
	}
	if got := Bugs(BugLearnerCountsDuplicates | BugSkipPrepare).Names(); strings.Join(got, " ") != "skip-prepare learner-counts-duplicates" {
		t.Errorf("Names = %v, want catalogue order", got)
	}
}
